"""GOV.UK Notify: SMS and email through the official client (notifications-python-client).

Each channel has one template in the school's Notify service whose content is just ``((body))``
(the email's subject line is ``((subject))``), so the wording stays here and Notify only carries it.
Settings: NOTIFY_API_KEY, NOTIFY_SMS_TEMPLATE_ID, NOTIFY_EMAIL_TEMPLATE_ID, optionally
NOTIFY_SMS_SENDER_ID / NOTIFY_EMAIL_REPLY_TO_ID, NOTIFY_BASE_URL, and NOTIFY_CALLBACK_TOKEN for the
delivery receipts Notify posts back (:func:`parse_receipt`).

Errors, as Notify documents them: 400 (BadRequestError / ValidationError: an invalid number or
address, a team-only or trial key sending to someone outside the team, a missing template) and 403
(AuthError: a wrong or revoked key) are permanent; 429 (RateLimitError per minute, TooManyRequestsError
per day) and 500 are temporary; a timeout or a refused connection is temporary.
"""

import datetime
import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from .base import CallbackRefused, Channel, Delivery, Message, ProviderError, SendResult
from .receipts import Receipt, ReceivedText

logger = logging.getLogger("homevisits.notifications")

NAME = "notify"

# Notify's own words for a notification's state (its API and its delivery-receipt callbacks).
STATUSES = {
    "created": Delivery.QUEUED,
    "pending": Delivery.QUEUED,
    "sending": Delivery.SENT,
    "sent": Delivery.SENT,  # an international text handed to the foreign network: no receipt follows
    "delivered": Delivery.DELIVERED,
    "permanent-failure": Delivery.PERMANENT_FAILURE,
    "temporary-failure": Delivery.TEMPORARY_FAILURE,
    "technical-failure": Delivery.TEMPORARY_FAILURE,  # Notify's own fault: sending again can work
}

# Per-minute rate limit: Notify counts a rolling minute. The daily limit resets at midnight; an alert
# cannot wait that long, so the caller moves on to the person's next channel meanwhile.
RATE_LIMIT_RETRY_SECONDS = 60
DAILY_LIMIT_RETRY_SECONDS = 3600


def _require(name: str) -> str:
    value = getattr(settings, name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: GOV.UK Notify needs it (see the README, 'GOV.UK Notify').")
    return value


def _client() -> NotificationsAPIClient:
    key = _require("NOTIFY_API_KEY")
    if len(key) < 74:
        raise ImproperlyConfigured("NOTIFY_API_KEY is not a Notify API key: copy the whole key Notify showed "
                                   "(name, service id and secret, about 90 characters).")
    return NotificationsAPIClient(key, base_url=settings.NOTIFY_BASE_URL, timeout=settings.PROVIDER_TIMEOUT_SECONDS)


def _errors(exc: APIError) -> list[dict[str, Any]]:
    """Notify's error body: {"status_code": 400, "errors": [{"error": "BadRequestError", "message": ...}]}."""
    try:
        body = exc.response.json()
    except (AttributeError, TypeError, ValueError):
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def provider_error(exc: APIError) -> ProviderError:
    if exc.response is None:  # timeout, refused connection, DNS: the client reports these as 503
        return ProviderError(f"GOV.UK Notify could not be reached ({exc.__cause__ or exc})", permanent=False)
    status = exc.status_code
    errors = _errors(exc)
    kinds = {e.get("error") for e in errors}
    text = "; ".join(str(e.get("message", "")) for e in errors) or f"HTTP {status}"
    text = f"GOV.UK Notify refused the message: {text}"
    if status == 429:
        wait = DAILY_LIMIT_RETRY_SECONDS if "TooManyRequestsError" in kinds else RATE_LIMIT_RETRY_SECONDS
        return ProviderError(text, permanent=False, retry_after=wait)
    if status >= 500:
        return ProviderError(text, permanent=False)
    return ProviderError(text, permanent=True)  # 400 bad request/validation, 403 auth, other 4xx


class _NotifyProvider:
    name = NAME
    real = True

    def __init__(self):
        self.client = _client()

    def _post(self, send, **kwargs) -> SendResult:
        try:
            response = send(**{k: v for k, v in kwargs.items() if v})
        except APIError as exc:
            raise provider_error(exc) from exc
        if not isinstance(response, dict) or not response.get("id"):
            raise ProviderError("GOV.UK Notify answered without a notification id", permanent=False)
        return SendResult(NAME, str(response["id"]), Delivery.QUEUED)


    def already_sent(self, message: Message, since=None) -> SendResult | None:
        """Notify keeps our reference with the notification, so it can be asked exactly: GET
        /v2/notifications?reference=...&template_type=... (its answer: {"notifications": [...],
        "links": {...}}, newest first). Works whenever the attempt was, within Notify's retention."""
        try:
            response = self.client.get_all_notifications(reference=message.reference,
                                                         template_type=self.channel.value)
        except APIError as exc:
            raise provider_error(exc) from exc
        found = response.get("notifications") if isinstance(response, dict) else None
        if not isinstance(found, list):
            raise ProviderError("GOV.UK Notify answered the look-up without a list of notifications", permanent=False)
        for notification in found:
            if isinstance(notification, dict) and notification.get("reference") == message.reference \
                    and notification.get("id"):
                return SendResult(NAME, str(notification["id"]),
                                  STATUSES.get(notification.get("status"), Delivery.QUEUED))
        return None


class NotifySms(_NotifyProvider):
    channel = Channel.SMS

    def __init__(self):
        super().__init__()
        self.template_id = _require("NOTIFY_SMS_TEMPLATE_ID")

    def send(self, message: Message) -> SendResult:
        return self._post(self.client.send_sms_notification, phone_number=message.to, template_id=self.template_id,
                          personalisation={"body": message.body}, reference=message.reference,
                          sms_sender_id=settings.NOTIFY_SMS_SENDER_ID)


class NotifyEmail(_NotifyProvider):
    channel = Channel.EMAIL

    def __init__(self):
        super().__init__()
        self.template_id = _require("NOTIFY_EMAIL_TEMPLATE_ID")

    def send(self, message: Message) -> SendResult:
        return self._post(self.client.send_email_notification, email_address=message.to,
                          template_id=self.template_id,
                          personalisation={"subject": message.subject, "body": message.body},
                          reference=message.reference, email_reply_to_id=settings.NOTIFY_EMAIL_REPLY_TO_ID)


def check_token(authorization: str | None, expected: str | None = None) -> None:
    """Notify signs nothing: it sends the bearer token the service set for its callbacks. Compared in
    constant time; no token configured refuses every callback."""
    expected = settings.NOTIFY_CALLBACK_TOKEN if expected is None else expected
    if not expected:
        raise CallbackRefused("NOTIFY_CALLBACK_TOKEN is not set, so no Notify callback can be checked")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise CallbackRefused("Notify callback with a missing or wrong bearer token")


def parse_receipt(authorization: str | None, body: bytes | str, expected_token: str | None = None) -> Receipt:
    """A delivery-receipt callback (POST, JSON: id, reference, to, status, created_at, completed_at,
    sent_at, notification_type, template_id, template_version) -> its receipt, or CallbackRefused."""
    check_token(authorization, expected_token)
    try:
        data = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise CallbackRefused("Notify callback body is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or data.get("status") not in STATUSES:
        raise CallbackRefused("Notify callback without a notification id and a known status")
    reference = data.get("reference")
    return Receipt(provider=NAME, provider_reference=data["id"],
                   reference=reference if isinstance(reference, str) else "",
                   status=STATUSES[data["status"]], detail=data["status"])


def parse_received(authorization: str | None, body: bytes | str, expected_token: str | None = None) -> ReceivedText:
    """A received text message callback (POST, JSON: id, source_number, destination_number, message,
    date_received; the bearer token set for it) -> the text received, or CallbackRefused."""
    check_token(authorization, expected_token)
    try:
        data = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise CallbackRefused("Notify received-text callback body is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) \
            or not isinstance(data.get("source_number"), str) or not data["source_number"]:
        raise CallbackRefused("Notify received-text callback without a message id and a sender")
    received = parse_datetime(data["date_received"]) if isinstance(data.get("date_received"), str) else None
    if received is not None and timezone.is_naive(received):
        received = timezone.make_aware(received, datetime.UTC)  # Notify's times are UTC
    message = data.get("message")
    return ReceivedText(NAME, data["id"], data["source_number"], message if isinstance(message, str) else "",
                        received_at=received)
