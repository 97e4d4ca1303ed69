"""The one interface every delivery provider speaks, whatever the channel.

A provider is a class whose ``send(message)`` hands one :class:`Message` to the outside service and
returns a :class:`SendResult` (the provider's own id for it and how far it got), or raises
:class:`ProviderError` saying whether trying again could help. Providers keep no state between
messages and never touch the database: the outbox records what they return.

A provider that can say whether it already took a message may also have
``already_sent(message, since) -> SendResult | None``: the message as the provider knows it, or
None when it has none by that reference. The delivery task asks it before sending again after an
attempt whose outcome it never learned (a worker killed after the provider took the message,
before the result was saved; ``since`` is when that attempt began, None when it ended in an error),
so a repeat is not sent. It raises :class:`ProviderError` when it cannot tell; the task then sends
(at least once: a repeat carries the same reference). Providers without it (web push, SMTP) are
sent to again; their repeats are recognisable (the same push tag, the same Message-ID).

Statuses are normalized across providers (:class:`Delivery`); the providers' own words are mapped
in their modules, receipts included. :func:`advance` says whether a later report may replace an
earlier one, since providers' callbacks arrive in any order and more than once.
"""

import dataclasses
import enum


class Channel(enum.StrEnum):
    PUSH = "push"
    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"


class Delivery(enum.StrEnum):
    QUEUED = "queued"  # the provider has it and will send it
    SENT = "sent"  # handed on (to the network, the phone is ringing, the push service took it)
    DELIVERED = "delivered"  # the handset or inbox has it; for a call: a person pressed 1
    TEMPORARY_FAILURE = "temporary-failure"  # not delivered; trying again later may work
    PERMANENT_FAILURE = "permanent-failure"  # not delivered and never will be to this address
    NOT_ANSWERED = "not-answered"  # a call nobody answered, voicemail took, or no key was pressed

    @property
    def is_final(self) -> bool:
        return self in FINAL

    @property
    def reached_someone(self) -> bool:
        return self is Delivery.DELIVERED


FINAL = frozenset({Delivery.DELIVERED, Delivery.TEMPORARY_FAILURE, Delivery.PERMANENT_FAILURE,
                   Delivery.NOT_ANSWERED})
_RANK = {Delivery.QUEUED: 0, Delivery.SENT: 1}


def advance(current: Delivery | str | None, reported: Delivery | str) -> Delivery:
    """The status after a report arrives: never backwards (a late "sent" after "delivered"), and a
    delivery, once confirmed, stays delivered (a call's "completed" arriving after the key press)."""
    reported = Delivery(reported)
    if current is None or current == "":
        return reported
    current = Delivery(current)
    if current is Delivery.DELIVERED:
        return current
    if reported is Delivery.DELIVERED:
        return reported
    if current.is_final:
        return current
    if reported.is_final:
        return reported
    return reported if _RANK[reported] > _RANK[current] else current


@dataclasses.dataclass(frozen=True)
class Message:
    """What to send. ``to`` is a phone number in E.164 form, an email address, or for push the
    browser's subscription (``{"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}``).

    ``reference`` is ours and the same on every attempt to send one outbox row (providers that take
    a client reference get it, and it comes back in their receipts). ``status_callback`` is the URL a
    provider posts delivery receipts to for this message (Twilio; Notify's is set once per service);
    ``gather_action`` is where a call posts the key pressed. ``url`` is the page the alert is about."""

    channel: Channel
    to: str | dict
    body: str
    reference: str
    subject: str = ""
    url: str = ""
    status_callback: str = ""
    gather_action: str = ""


@dataclasses.dataclass(frozen=True)
class SendResult:
    provider: str  # e.g. "notify", "twilio", "webpush", "console"
    reference: str  # the provider's id for the message ("" when it has none)
    status: Delivery


class ProviderError(Exception):
    """The provider did not take the message. ``permanent``: this address will never work with this
    provider (an invalid number, a revoked key): move to the person's next channel now. Otherwise
    trying again may work, no sooner than ``retry_after`` seconds when the provider said."""

    def __init__(self, message: str, permanent: bool, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, permanent={self.permanent}, retry_after={self.retry_after})"


class SubscriptionGone(ProviderError):
    """The push service says the subscription no longer exists (404/410): delete it."""

    def __init__(self, message: str):
        super().__init__(message, permanent=True)


class CallbackRefused(Exception):
    """A delivery receipt that failed its check (token, signature, shape): refuse it, log it, change nothing."""


def retry_after_seconds(value: str | None) -> float | None:
    """An HTTP Retry-After header in seconds (its date form is not used by these providers)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
