"""Providers for a laptop and for tests: nothing leaves the machine (except DjangoEmail, which sends
through whatever EMAIL_URL says, the console by default).

ConsoleSms keeps the old SMS console backend's log line ("SMS to <number>: <text> [<reference>]" on
the homevisits.sms logger); FileSms keeps its file backend (one line a message in SMS_FILE_PATH, for
drills). The locmem providers append every message to :data:`outbox` for tests to read. Console and
locmem providers are not real (``real = False``): readiness reports them as a gap in production.
"""

import itertools
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME

from .base import Channel, Delivery, Message, ProviderError, SendResult

sms_logger = logging.getLogger("homevisits.sms")
logger = logging.getLogger("homevisits.notifications")

outbox: list[Message] = []
_numbers = itertools.count(1)


class _Console:
    name = "console"
    real = False
    # Its messages go to the server's log and reach nobody: in production its channel is skipped
    # (notifications.outbox.live_channels). Locmem and failing providers are for tests and drills.
    log_only = True

    def send(self, message: Message) -> SendResult:
        logger.info("%s to %s: %s [%s]", self.channel.value.upper(), _shown(message.to), message.body, message.reference)
        return SendResult(self.name, "", Delivery.SENT)


def _shown(to) -> str:
    return to.get("endpoint", "?")[:60] if isinstance(to, dict) else str(to)


class ConsoleSms(_Console):
    channel = Channel.SMS

    def send(self, message: Message) -> SendResult:
        sms_logger.info("SMS to %s: %s [%s]", message.to, message.body, message.reference)
        return SendResult(self.name, "", Delivery.SENT)


class ConsoleVoice(_Console):
    channel = Channel.VOICE


class ConsolePush(_Console):
    channel = Channel.PUSH


class ConsoleEmail(_Console):
    channel = Channel.EMAIL


class FileSms:
    """One line a message (number, text, reference, tab-separated) appended to SMS_FILE_PATH."""

    name = "file"
    channel = Channel.SMS
    real = False

    def send(self, message: Message) -> SendResult:
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as fh:
            fh.write(f"{message.to}\t{message.body}\t{message.reference}\n")
        return SendResult(self.name, "", Delivery.SENT)

    def already_sent(self, message: Message, since=None) -> SendResult | None:
        """The file is what this provider took: a line with the message's reference is it."""
        try:
            with open(settings.SMS_FILE_PATH, encoding="utf-8") as fh:
                taken = any(line.rstrip("\n").split("\t")[-1] == message.reference for line in fh)
        except FileNotFoundError:
            return None
        return SendResult(self.name, "", Delivery.SENT) if taken else None


class _Locmem:
    name = "locmem"
    real = False

    def send(self, message: Message) -> SendResult:
        outbox.append(message)
        return SendResult(self.name, f"locmem-{next(_numbers)}", Delivery.SENT)

    def already_sent(self, message: Message, since=None) -> SendResult | None:
        taken = any(m.reference == message.reference and m.channel == self.channel for m in outbox)
        return SendResult(self.name, "", Delivery.SENT) if taken else None


class LocmemSms(_Locmem):
    channel = Channel.SMS


class LocmemVoice(_Locmem):
    channel = Channel.VOICE


class LocmemPush(_Locmem):
    channel = Channel.PUSH


class LocmemEmail(_Locmem):
    channel = Channel.EMAIL


class _Failing:
    """For fault drills: the provider is down (every send fails, temporarily)."""

    name = "failing"
    real = False

    def send(self, message: Message) -> SendResult:
        raise ProviderError(f"{self.channel.value} provider unavailable", permanent=False)


class FailingSms(_Failing):
    channel = Channel.SMS


class FailingVoice(_Failing):
    channel = Channel.VOICE


class FailingPush(_Failing):
    channel = Channel.PUSH


class FailingEmail(_Failing):
    channel = Channel.EMAIL


def message_id(reference: str) -> str:
    """The Message-ID header for a reference: the same on every attempt, so a mail sent twice after a
    crash is one message to the reader's mail program."""
    return reference if reference.startswith("<") else f"<{reference}@{DNS_NAME}>"


class DjangoEmail:
    """Email through Django's backend (EMAIL_URL: SMTP, console or file). Real unless the backend is
    the console or locmem one."""

    name = "email"
    channel = Channel.EMAIL

    @property
    def real(self) -> bool:
        return not settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend",
                                                    "dummy.EmailBackend"))

    @property
    def log_only(self) -> bool:
        return settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "dummy.EmailBackend"))

    def send(self, message: Message) -> SendResult:
        email = EmailMessage(message.subject, message.body, None, [message.to],
                             headers={"Message-ID": message_id(message.reference)})
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise ProviderError(f"The mail server refused the address ({exc.recipients})", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"The mail server did not take the message ({exc})", permanent=False) from exc
        return SendResult(self.name, message_id(message.reference), Delivery.SENT)
