import logging

from celery import shared_task
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import watchdog
from .models import Channel, DeliveryStatus, Notification

logger = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5


@shared_task(name="safety.tasks.scan_overdue", ignore_result=True)
def scan_overdue():
    """Beat's periodic job: one watchdog scan at the current time."""
    try:
        result = watchdog.scan(timezone.now())
    except DatabaseError as exc:
        # One clear line per tick while the database is away; the next tick simply tries again.
        logger.error("Watchdog scan could not reach the database (%s); retrying next tick.", type(exc).__name__)
        return None
    if result.escalated or result.repeated:
        logger.warning("Watchdog scan: %s", result.summary())
    return result.summary()


@shared_task(bind=True, name="safety.tasks.deliver_notification", ignore_result=True,
             max_retries=MAX_DELIVERY_ATTEMPTS - 1)
def deliver_notification(self, pk: int):
    """Send one recorded notification, once. A failing channel is retried with backoff and, after
    the last try, recorded as failed (and so shown on the office board); it never blocks others."""
    with transaction.atomic():
        note = (Notification.objects.select_for_update(of=("self",)).select_related("recipient__profile")
                .filter(pk=pk).first())
        if note is None or note.status != DeliveryStatus.PENDING:
            return  # already sent (or given up): never twice
        note.attempts += 1
        try:
            _send(note)
        except Exception as exc:  # any backend failure: record it, then retry or give up
            note.last_error = f"{type(exc).__name__}: {exc}"[:300]
            final = note.attempts >= MAX_DELIVERY_ATTEMPTS
            if final:
                note.status = DeliveryStatus.FAILED
            note.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("Notification %s (%s) failed, attempt %s: %s", pk, note.channel, note.attempts,
                           note.last_error)
            if final:
                return
            countdown = min(300, 5 * 2 ** (note.attempts - 1))
            note.next_attempt_at = timezone.now() + timezone.timedelta(seconds=countdown)
            note.save(update_fields=["next_attempt_at"])
            transaction.on_commit(lambda: _retry_later(pk, countdown))
            return
        note.status = DeliveryStatus.SENT
        note.sent_at = timezone.now()
        note.last_error = ""
        note.save(update_fields=["attempts", "status", "sent_at", "last_error"])


def _retry_later(pk, countdown):
    try:
        deliver_notification.apply_async((pk,), countdown=countdown)
    except Exception as exc:  # broker away: the scan's resend_pending picks it up later
        logger.warning("Notification %s retry not queued (%s); the next scan will.", pk, type(exc).__name__)


def _send(note: Notification) -> None:
    if note.channel == Channel.EMAIL:
        send_mail(note.subject, note.body, None, [note.recipient.email], fail_silently=False)
    elif note.channel == Channel.SMS:
        from .sms import get_backend

        get_backend().send(str(note.recipient.profile.mobile), f"{note.subject}. {note.body}"[:480])
    else:
        raise ValueError(f"Unknown channel {note.channel}")
