"""SMS through a small pluggable backend (setting SMS_BACKEND), like Django's email backends.

The default writes messages to the log; `LocmemSmsBackend` keeps them in memory for tests; a real
provider is a class with `send(to: str, body: str)` that raises on failure.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("homevisits.sms")

outbox: list[tuple[str, str]] = []


class ConsoleSmsBackend:
    def send(self, to: str, body: str) -> None:
        logger.info("SMS to %s: %s", to, body)


class LocmemSmsBackend:
    def send(self, to: str, body: str) -> None:
        outbox.append((to, body))


class FailingSmsBackend:
    """For fault drills: every send fails."""

    def send(self, to: str, body: str) -> None:
        raise ConnectionError("SMS provider unavailable")


def get_backend():
    return import_string(getattr(settings, "SMS_BACKEND", "safety.sms.ConsoleSmsBackend"))()


class FileSmsBackend:
    """Appends one line per message to the file named by the SMS_FILE_PATH setting (for drills)."""

    def send(self, to: str, body: str) -> None:
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as fh:
            fh.write(f"{to}\t{body}\n")
