"""The SMS backends from before the providers (setting SMS_BACKEND), like Django's email backends.

Every message goes through its channel's provider (notifications.providers.get_provider). An
SMS_BACKEND, when set while SMS_PROVIDER is left at "console", is carried by `BackendSms`, a
provider around the backend, so an environment (or a drill) that names a backend keeps working.

The default writes messages to the log; `LocmemSmsBackend` keeps them in memory for tests; a real
provider is a class with `send(to: str, body: str, reference: str = "")` that raises on failure and
may return the provider's id for the message. `reference` is the same on every attempt to send one
notification (delivery is at least once), for providers that take a client reference.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from .providers.base import Channel, Delivery, Message, ProviderError, SendResult

logger = logging.getLogger("homevisits.sms")

outbox: list[tuple[str, str]] = []


class ConsoleSmsBackend:
    def send(self, to: str, body: str, reference: str = "") -> None:
        logger.info("SMS to %s: %s [%s]", to, body, reference)


class LocmemSmsBackend:
    def send(self, to: str, body: str, reference: str = "") -> None:
        outbox.append((to, body))


class FailingSmsBackend:
    """For fault drills: every send fails."""

    def send(self, to: str, body: str, reference: str = "") -> None:
        raise ConnectionError("SMS provider unavailable")


# Where the backends were before the outbox became an app of its own; an SMS_BACKEND set in an
# environment before the move still names the same class.
_MOVED_FROM = "safety.sms."


def get_backend():
    path = getattr(settings, "SMS_BACKEND", "") or "notifications.sms.ConsoleSmsBackend"
    if path.startswith(_MOVED_FROM):
        path = "notifications.sms." + path.removeprefix(_MOVED_FROM)
    return import_string(path)()


class FileSmsBackend:
    """Appends one line per message to the file named by the SMS_FILE_PATH setting (for drills)."""

    def send(self, to: str, body: str, reference: str = "") -> None:
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as fh:
            fh.write(f"{to}\t{body}\t{reference}\n")


class BackendSms:
    """The SMS provider that hands each message to the SMS_BACKEND class (see the module's text)."""

    name = "sms-backend"
    channel = Channel.SMS

    def __init__(self):
        self.backend = get_backend()

    @property
    def real(self) -> bool:
        return not isinstance(self.backend, (ConsoleSmsBackend, LocmemSmsBackend, FailingSmsBackend, FileSmsBackend))

    @property
    def log_only(self) -> bool:
        return isinstance(self.backend, ConsoleSmsBackend)

    def send(self, message: Message) -> SendResult:
        try:
            reference = self.backend.send(message.to, message.body, reference=message.reference)
        except Exception as exc:  # a backend raises on any failure; trying again may work
            raise ProviderError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        return SendResult(self.name, reference or "", Delivery.SENT)
