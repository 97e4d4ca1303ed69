"""Web push (pywebpush): an alert to a browser or phone that subscribed, through its push service.

Each push is encrypted for the subscription (aes128gcm), signed with our VAPID key, sent with
Urgency: high and a TTL of at least an hour (PUSH_TTL_SECONDS: a phone asleep drops a push whose TTL
has passed). The payload is JSON {title, body, url, tag, receipt}; our service worker (/sw.js) shows
it and, when ``receipt`` is set (Message.status_callback), tells us it was shown.

The subscription's endpoint comes from a browser, so it is only posted to when it is https on a known
push service (PUSH_SERVICE_HOSTS): never to an address inside our own network.

Push services answer 201; 404 or 410 mean the subscription is gone (SubscriptionGone: delete it);
429 is temporary (Retry-After); 400, 401, 403 and 413 are permanent for this subscription; 5xx, a
timeout or a refused connection are temporary.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from pywebpush import WebPushException, webpush
from requests import RequestException

from .base import Channel, Delivery, Message, ProviderError, SendResult, SubscriptionGone, retry_after_seconds
from .vapid import server_key, subject

NAME = "webpush"
DEFAULT_TITLE = "Home Visits alert"


def endpoint_allowed(endpoint: str) -> bool:
    """An https endpoint on one of the push services we post to (a leading dot: any subdomain)."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.PUSH_ALLOW_HTTP_ENDPOINTS):
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    if parts.scheme == "https" and port not in (None, 443):
        return False  # a known push host, but another of its services: push services listen on 443
    for allowed in (name.strip().lower() for name in settings.PUSH_SERVICE_HOSTS):
        if allowed.startswith(".") and host.endswith(allowed) and len(host) > len(allowed):
            return True
        if host and host == allowed:
            return True
    return False


# The longest a subscription's parts are kept (PushSubscription's columns): anything longer is refused,
# never cut short (a cut key cannot decrypt, a cut endpoint is someone else's or no one's).
MAX_ENDPOINT, MAX_P256DH, MAX_AUTH = 1000, 200, 100


def check_subscription(subscription) -> dict:
    """The subscription as the browser's PushSubscription.toJSON() gives it, checked."""
    if not isinstance(subscription, dict):
        raise ProviderError("A push subscription is an object with endpoint and keys", permanent=True)
    keys = subscription.get("keys")
    endpoint = subscription.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint_allowed(endpoint):
        raise ProviderError("The push subscription's address is not a known push service", permanent=True)
    if not isinstance(keys, dict) or not all(isinstance(keys.get(k), str) and keys[k] for k in ("p256dh", "auth")):
        raise ProviderError("The push subscription has no encryption keys", permanent=True)
    if len(endpoint) > MAX_ENDPOINT or len(keys["p256dh"]) > MAX_P256DH or len(keys["auth"]) > MAX_AUTH:
        raise ProviderError("The push subscription is longer than any push service's", permanent=True)
    return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


def payload(message: Message) -> str:
    return json.dumps({"title": message.subject or DEFAULT_TITLE, "body": message.body, "url": message.url,
                       "tag": message.reference, "receipt": message.status_callback}, separators=(",", ":"))


class WebPush:
    name = NAME
    channel = Channel.PUSH
    real = True

    def __init__(self):
        self.key = server_key()

    def send(self, message: Message) -> SendResult:
        subscription = check_subscription(message.to)
        try:
            response = webpush(subscription, payload(message), vapid_private_key=self.key,
                               vapid_claims={"sub": subject()}, ttl=settings.PUSH_TTL_SECONDS,
                               headers={"Urgency": "high"}, timeout=settings.PROVIDER_TIMEOUT_SECONDS)
        except WebPushException as exc:
            raise provider_error(exc) from exc
        except RequestException as exc:
            raise ProviderError(f"The push service could not be reached ({exc})", permanent=False) from exc
        return SendResult(NAME, response.headers.get("Location", ""), Delivery.SENT)


def provider_error(exc: WebPushException) -> ProviderError:
    response = exc.response
    status = getattr(response, "status_code", None)
    if status is None:
        return ProviderError(f"The push could not be prepared: {exc.message}", permanent=True)
    text = f"The push service answered {status}"
    if status in (404, 410):
        return SubscriptionGone(f"{text}: the subscription is gone")
    if status == 429:
        return ProviderError(text, permanent=False, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if status >= 500:
        return ProviderError(text, permanent=False)
    return ProviderError(text, permanent=True)
