"""SMS through a small pluggable backend (setting SMS_BACKEND), like Django's email backends.

The default writes messages to the log; `LocmemSmsBackend` keeps them in memory for tests; a real
provider is a class with `send(to: str, body: str, reference: str = "")` that raises on failure and
may return the provider's id for the message. `reference` is the same on every attempt to send one
notification (delivery is at least once), for providers that take a client reference.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

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
    path = getattr(settings, "SMS_BACKEND", "notifications.sms.ConsoleSmsBackend")
    if path.startswith(_MOVED_FROM):
        path = "notifications.sms." + path.removeprefix(_MOVED_FROM)
    return import_string(path)()


class FileSmsBackend:
    """Appends one line per message to the file named by the SMS_FILE_PATH setting (for drills)."""

    def send(self, to: str, body: str, reference: str = "") -> None:
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as fh:
            fh.write(f"{to}\t{body}\t{reference}\n")
