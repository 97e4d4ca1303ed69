"""Twilio: SMS and voice calls through the official library (twilio).

A call reads the alert and asks the person to press 1 to take charge. Only that key press proves a
person heard it: the call is placed with answering-machine detection, and voicemail, a machine, no
answer, busy, or a call that ended without the key all count as *not answered*.

Settings: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID
for SMS), TWILIO_REGION / TWILIO_EDGE, and TWILIO_API_BASE_URL in place of https://api.twilio.com.

Errors, as Twilio documents them: 21211 (invalid 'To' number), 21610 (the person replied STOP),
21614 (not a mobile number), 21408/21612 (cannot reach that country or number), 20003 (wrong
credentials) and other 4xx are permanent; 20429 / HTTP 429 (too many requests) and 5xx are temporary,
as are a timeout and a refused connection.

Twilio keeps no reference of ours with a message or a call, so each status callback and key-press
address carries it in its query (``?reference=...``, set by the outbox; Twilio's signature covers the
whole URL): a callback finds its notification even before the worker saved Twilio's sid. For the
same reason :meth:`already_sent` can only look for a message to the same number with the same words
(a call: to the same number) created while the unfinished attempt could have sent it.
"""

import datetime
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from .base import CallbackRefused, Channel, Delivery, Message, ProviderError, SendResult
from .receipts import Receipt, ReceivedText

NAME = "twilio"

PERMANENT_CODES = {21211, 21610, 21614, 21408, 21612, 21606, 21659, 20003, 20404, 13224, 13223}
TEMPORARY_CODES = {20429, 20500, 20503, 30001}
RATE_LIMIT_RETRY_SECONDS = 30

# Message statuses (Messaging API and its status callbacks).
MESSAGE_STATUSES = {
    "accepted": Delivery.QUEUED,
    "scheduled": Delivery.QUEUED,
    "queued": Delivery.QUEUED,
    "sending": Delivery.SENT,
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.DELIVERED,
    "undelivered": Delivery.PERMANENT_FAILURE,
    "failed": Delivery.PERMANENT_FAILURE,
    "canceled": Delivery.PERMANENT_FAILURE,
}
# Carrier errors on an undelivered/failed message after which sending again may work: queue overflow,
# handset unreachable (switched off, no signal), unknown error.
TEMPORARY_MESSAGE_ERRORS = {"30001", "30003", "30008"}

# Call statuses (Voice API and its status callbacks). A completed call is not proof that anyone heard
# it: only the key press is (see parse_gather), and a later "completed" never undoes it (base.advance).
CALL_STATUSES = {
    "queued": Delivery.QUEUED,
    "initiated": Delivery.SENT,
    "ringing": Delivery.SENT,
    "in-progress": Delivery.SENT,
    "completed": Delivery.NOT_ANSWERED,
    "busy": Delivery.NOT_ANSWERED,
    "no-answer": Delivery.NOT_ANSWERED,
    "canceled": Delivery.NOT_ANSWERED,
    "failed": Delivery.PERMANENT_FAILURE,  # the call could not be placed (e.g. an invalid number)
}
HUMAN = {"human", "unknown", ""}  # "unknown": detection could not tell; the key press still decides

TAKE_CHARGE = "Press 1 to take charge of this alert."

# already_sent: how many of the newest messages or calls to the number it reads, and how far Twilio's
# clock (date_created, whole seconds) and ours may differ.
LOOKUP_LIMIT = 50
LOOKUP_SKEW = datetime.timedelta(seconds=30)


def _created_during_attempt(created, since) -> bool:
    """Whether Twilio created a message or call while an attempt that began at `since` could have
    sent it (its request ends at the provider timeout)."""
    if created is None:
        return False
    until = since + datetime.timedelta(seconds=settings.PROVIDER_TIMEOUT_SECONDS)
    return since - LOOKUP_SKEW <= created <= until + LOOKUP_SKEW


def _require(name: str) -> str:
    value = getattr(settings, name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: Twilio needs it (see the README, 'Twilio').")
    return value


def client() -> Client:
    twilio = Client(_require("TWILIO_ACCOUNT_SID"), _require("TWILIO_AUTH_TOKEN"),
                    region=settings.TWILIO_REGION, edge=settings.TWILIO_EDGE,
                    http_client=TwilioHttpClient(timeout=settings.PROVIDER_TIMEOUT_SECONDS))
    if settings.TWILIO_API_BASE_URL:
        twilio.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")
    return twilio


def provider_error(exc: Exception) -> ProviderError:
    if isinstance(exc, RequestException):
        return ProviderError(f"Twilio could not be reached ({exc})", permanent=False)
    text = f"Twilio refused the request: {exc.msg or 'HTTP ' + str(exc.status)}"
    if exc.code:
        text += f" (error {exc.code})"
    if exc.code in PERMANENT_CODES:
        return ProviderError(text, permanent=True)
    if exc.status == 429 or exc.code == 20429:
        return ProviderError(text, permanent=False, retry_after=RATE_LIMIT_RETRY_SECONDS)
    if exc.code in TEMPORARY_CODES or exc.status >= 500:
        return ProviderError(text, permanent=False)
    return ProviderError(text, permanent=True)


def call_twiml(text: str, gather_action: str) -> str:
    """What the call says: the alert, then "press 1", twice, waiting for one key each time."""
    response = VoiceResponse()
    for _ in range(2):
        gather = response.gather(num_digits=1, action=gather_action, method="POST",
                                 timeout=settings.TWILIO_CALL_GATHER_SECONDS, action_on_empty_result=False)
        gather.say(text, language="en-GB")
        gather.say(TAKE_CHARGE, language="en-GB")
    response.say("No key was pressed, so this alert will go to someone else. Goodbye.", language="en-GB")
    response.hangup()
    return str(response)


def gather_reply_twiml(heard: bool, outcome: str = "") -> str:
    """The answer to the key-press callback: when 1 was pressed, thanks and what came of it (`outcome`,
    the words of the app that acts on the key press: "You have taken charge of this alert.", or who
    already has it); without one, only that the key press is recorded, never a claim it cannot know."""
    response = VoiceResponse()
    if heard:
        response.say(f"Thank you. {outcome or 'Your key press is recorded.'} Please open Home Visits now.",
                     language="en-GB")
    else:
        response.say("That was not 1. This alert will go to someone else. Goodbye.", language="en-GB")
    response.hangup()
    return str(response)


class TwilioSms:
    name = NAME
    channel = Channel.SMS
    real = True

    def __init__(self):
        self.client = client()
        self.service = settings.TWILIO_MESSAGING_SERVICE_SID
        self.sender = settings.TWILIO_FROM_NUMBER if not self.service else ""
        if not (self.service or self.sender):
            _require("TWILIO_FROM_NUMBER")

    def send(self, message: Message) -> SendResult:
        kwargs = {"to": message.to, "body": message.body}
        if self.service:
            kwargs["messaging_service_sid"] = self.service
        else:
            kwargs["from_"] = self.sender
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        try:
            sent = self.client.messages.create(**kwargs)
        except (TwilioRestException, RequestException) as exc:
            raise provider_error(exc) from exc
        return SendResult(NAME, sent.sid, MESSAGE_STATUSES.get(sent.status or "", Delivery.QUEUED))

    def already_sent(self, message: Message, since=None) -> SendResult | None:
        """The message Twilio took from an attempt that began at `since`: one to the same number, from
        our number or messaging service, with the same words, created during that attempt (GET
        Messages.json?To=...&From=..., newest first). Without `since` it cannot tell: None."""
        if since is None:
            return None
        filters = {"to": message.to} if self.service else {"to": message.to, "from_": self.sender}
        try:
            found = self.client.messages.list(**filters, limit=LOOKUP_LIMIT, page_size=LOOKUP_LIMIT)
        except (TwilioException, RequestException) as exc:  # a list page's error is a plain TwilioException
            raise ProviderError(f"Twilio did not answer the look-up ({exc})", permanent=False) from exc
        for sent in found:
            ours = sent.messaging_service_sid == self.service if self.service else sent.from_ == self.sender
            if ours and sent.to == message.to and sent.body == message.body \
                    and _created_during_attempt(sent.date_created, since):
                return SendResult(NAME, sent.sid, MESSAGE_STATUSES.get(sent.status or "", Delivery.QUEUED))
        return None


class TwilioVoice:
    name = NAME
    channel = Channel.VOICE
    real = True

    def __init__(self):
        self.client = client()
        self.sender = _require("TWILIO_FROM_NUMBER")

    def send(self, message: Message) -> SendResult:
        if not message.gather_action:
            raise ProviderError("A call needs the address its key press is posted to", permanent=True)
        kwargs = {
            "to": message.to,
            "from_": self.sender,
            "twiml": call_twiml(message.body, message.gather_action),
            "machine_detection": "Enable",
            "timeout": settings.TWILIO_CALL_RING_SECONDS,
        }
        if message.status_callback:
            kwargs |= {"status_callback": message.status_callback, "status_callback_method": "POST",
                       "status_callback_event": ["initiated", "ringing", "answered", "completed"]}
        try:
            call = self.client.calls.create(**kwargs)
        except (TwilioRestException, RequestException) as exc:
            raise provider_error(exc) from exc
        return SendResult(NAME, call.sid, CALL_STATUSES.get(call.status or "", Delivery.QUEUED))

    def already_sent(self, message: Message, since=None) -> SendResult | None:
        """The call Twilio placed for an attempt that began at `since`: one from our number to the
        same number, created during that attempt (GET Calls.json?To=...&From=..., newest first).
        Without `since` it cannot tell: None."""
        if since is None:
            return None
        try:
            found = self.client.calls.list(to=message.to, from_=self.sender, limit=LOOKUP_LIMIT,
                                           page_size=LOOKUP_LIMIT)
        except (TwilioException, RequestException) as exc:
            raise ProviderError(f"Twilio did not answer the look-up ({exc})", permanent=False) from exc
        for call in found:  # the library keeps a call's "from" as _from
            if call.to == message.to and call._from == self.sender \
                    and _created_during_attempt(call.date_created, since):
                return SendResult(NAME, call.sid, CALL_STATUSES.get(call.status or "", Delivery.QUEUED))
        return None


def check_signature(url: str, params: dict, signature: str | None, auth_token: str | None = None) -> None:
    """X-Twilio-Signature over the full URL Twilio requested (scheme, host, path, query) and the POST
    parameters, with the account's auth token."""
    token = settings.TWILIO_AUTH_TOKEN if auth_token is None else auth_token
    if not token:
        raise CallbackRefused("TWILIO_AUTH_TOKEN is not set, so no Twilio callback can be checked")
    if not signature or not RequestValidator(token).validate(url, params, signature):
        raise CallbackRefused("Twilio callback with a missing or wrong signature")


def reference_in(url: str) -> str:
    """Our reference, from the query of the callback address we gave Twilio ("" when it has none)."""
    return parse_qs(urlsplit(url).query).get("reference", [""])[0]


def _flat(params) -> dict[str, str]:
    """A QueryDict or a plain dict, one value a name (Twilio sends each name once)."""
    getter = getattr(params, "get", None)
    return {key: str(getter(key) if getter else params[key]) for key in params}


def parse_status(url: str, params, signature: str | None, auth_token: str | None = None) -> Receipt:
    """A status callback for a message (MessageSid, MessageStatus, ErrorCode) or a call (CallSid,
    CallStatus, AnsweredBy) -> its receipt, or CallbackRefused."""
    check_signature(url, params, signature, auth_token)
    data = _flat(params)
    if data.get("MessageSid") and data.get("MessageStatus") in MESSAGE_STATUSES:
        word, code = data["MessageStatus"], data.get("ErrorCode", "")
        status = MESSAGE_STATUSES[word]
        if status is Delivery.PERMANENT_FAILURE and code in TEMPORARY_MESSAGE_ERRORS:
            status = Delivery.TEMPORARY_FAILURE
        return Receipt(NAME, data["MessageSid"], reference_in(url), status, detail=f"{word} {code}".strip())
    if data.get("CallSid") and data.get("CallStatus") in CALL_STATUSES:
        word, answered_by = data["CallStatus"], data.get("AnsweredBy", "")
        return Receipt(NAME, data["CallSid"], reference_in(url), CALL_STATUSES[word], detail=word,
                       answered_by=answered_by)
    raise CallbackRefused("Twilio callback without a message or call id and a known status")


def parse_gather(url: str, params, signature: str | None, auth_token: str | None = None) -> Receipt:
    """The key-press callback of a call's Gather: Digits "1" from a person is the only proof the
    alert was heard (DELIVERED, heard=True); anything else changes nothing (SENT)."""
    check_signature(url, params, signature, auth_token)
    data = _flat(params)
    if not data.get("CallSid"):
        raise CallbackRefused("Twilio key-press callback without a call id")
    answered_by = data.get("AnsweredBy", "")
    heard = data.get("Digits", "") == "1" and answered_by in HUMAN
    return Receipt(NAME, data["CallSid"], reference_in(url), Delivery.DELIVERED if heard else Delivery.SENT,
                   detail=f"digits {data.get('Digits', '')!r}", answered_by=answered_by, heard=heard)


def parse_received(url: str, params, signature: str | None, auth_token: str | None = None) -> ReceivedText:
    """An incoming message webhook (form-encoded: MessageSid, From, To, Body; X-Twilio-Signature) ->
    the text received, or CallbackRefused."""
    check_signature(url, params, signature, auth_token)
    data = _flat(params)
    if not data.get("MessageSid") or not data.get("From"):
        raise CallbackRefused("Twilio incoming message without a message id or a sender")
    return ReceivedText(NAME, data["MessageSid"], data["From"], data.get("Body", ""))


def empty_twiml() -> str:
    """The answer to an incoming message: nothing sent back from the webhook (the reply goes through
    the outbox, with its own delivery receipt)."""
    return str(MessagingResponse())
