"""Delivery of recorded notifications: one Celery task per message, at least once."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import sms
from .models import Channel, DeliveryStatus, Notification

logger = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5


# The task keeps the name it was registered under before the outbox became an app of its own, so
# messages already waiting on the broker at an upgrade are still delivered.
@shared_task(bind=True, name="safety.tasks.deliver_notification", ignore_result=True,
             max_retries=MAX_DELIVERY_ATTEMPTS - 1)
def deliver_notification(self, pk: int):
    """Send one recorded notification: at least once, and recognisably the same message if twice.

    The attempt is committed before the message goes to the provider, so the row always shows it;
    a worker killed after the provider accepted the message, before the result was recorded, leaves
    the row pending with `sending_since` set, and the next attempt sends it again with the same
    Message-ID (and provider reference). While one worker is sending, another copy of the task
    leaves it alone. A failing channel is retried with backoff and, after the last try, recorded as
    failed (and so shown on the office board); it never blocks others."""
    try:
        note = _claim(pk)
    except DatabaseError as exc:
        # The database is away for a moment: try again soon rather than wait for the scan's hand-over.
        logger.warning("Notification %s not claimed (%s); retrying.", pk, type(exc).__name__)
        raise self.retry(countdown=10, exc=exc) from exc
    if note is None:
        return
    try:
        reference = _send(note)
    except Exception as exc:  # any backend failure: record it, then retry or give up
        _record_failure(pk, exc)
        return
    Notification.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="", sending_since=None,
        provider_reference=(reference or note.message_id)[:200])


def _claim(pk) -> Notification | None:
    """Record the attempt (committed) and return the row to send, or None when there is nothing to do."""
    now = timezone.now()
    lease = timezone.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
    with transaction.atomic():
        note = (Notification.objects.select_for_update(of=("self",)).select_related("recipient__profile")
                .filter(pk=pk).first())
        if note is None or note.status != DeliveryStatus.PENDING:
            return None  # already sent (or given up)
        if note.sending_since is not None and now - note.sending_since < lease:
            return None  # another worker is sending it right now
        note.attempts += 1
        note.sending_since = now
        note.save(update_fields=["attempts", "sending_since"])
    return note


def _record_failure(pk, exc) -> None:
    with transaction.atomic():
        note = Notification.objects.select_for_update().filter(pk=pk, status=DeliveryStatus.PENDING).first()
        if note is None:
            return
        note.last_error = f"{type(exc).__name__}: {exc}"[:300]
        note.sending_since = None
        final = note.attempts >= MAX_DELIVERY_ATTEMPTS
        if final:
            note.status = DeliveryStatus.FAILED
        logger.warning("Notification %s (%s) failed, attempt %s: %s", pk, note.channel, note.attempts,
                       note.last_error)
        if not final:
            countdown = min(300, 5 * 2 ** (note.attempts - 1))
            note.next_attempt_at = timezone.now() + timezone.timedelta(seconds=countdown)
            transaction.on_commit(lambda: _retry_later(pk, countdown))
        note.save(update_fields=["attempts", "last_error", "status", "sending_since", "next_attempt_at"])


def _retry_later(pk, countdown):
    try:
        deliver_notification.apply_async((pk,), countdown=countdown)
    except Exception as exc:  # broker away: the scan's resend_pending picks it up when it is due
        logger.warning("Notification %s retry not queued (%s); the next scan will.", pk, type(exc).__name__)
        Notification.objects.filter(pk=pk).update(handed_over_at=None)
    else:
        Notification.objects.filter(pk=pk).update(handed_over_at=timezone.now())


def _send(note: Notification) -> str:
    """Hand the message to the provider; what the provider knows it by."""
    if note.channel == Channel.EMAIL:
        message = EmailMessage(note.subject, note.body, None, [note.recipient.email],
                               headers={"Message-ID": note.message_id})
        message.send(fail_silently=False)
        return note.message_id
    if note.channel == Channel.SMS:
        reference = sms.get_backend().send(str(note.recipient.profile.mobile), f"{note.subject}. {note.body}"[:480],
                                       reference=note.message_id)
        return reference or note.message_id
    raise ValueError(f"Unknown channel {note.channel}")
