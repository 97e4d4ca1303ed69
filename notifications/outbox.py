"""The outbox: notifications are recorded as rows first, and sent by Celery tasks after the
transaction that recorded them commits (`send_after_commit`, the one place that schedules a send).

Each app words its own messages (visits.alerts, safety.alerts, safety.concerns) and hands them to
`queue`. Bodies carry as little personal data as they can: who and a link; never a family address,
a child's name or a code word.
"""

import contextvars
import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Channel, DeliveryStatus, Notification
from .tasks import deliver_notification

logger = logging.getLogger(__name__)


# --- Addressing -------------------------------------------------------------------------------

def school_people(school, *role_names):
    """The active staff of `school` holding any of `role_names`, in a stable order."""
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, profile__school=school, groups__name__in=role_names)
        .select_related("profile").distinct().order_by("pk")
    )


def link(obj) -> str:
    """The full address of `obj`'s page, for the body of a message."""
    return f"{settings.SITE_URL.rstrip('/')}{obj.get_absolute_url()}"


def both_channels(key, people, subject, body, **extra) -> list[dict]:
    """One message per person by email and by SMS, each with its own dedupe key."""
    out = []
    for person in people:
        for channel in (Channel.EMAIL, Channel.SMS):
            out.append(dict(dedupe_key=f"{key}:{person.pk}:{channel}", recipient=person, channel=channel,
                            subject=subject, body=body, **extra))
    return out


def emails(key, people, subject, body, **extra) -> list[dict]:
    """One email per person."""
    return [dict(dedupe_key=f"{key}:{p.pk}:email", recipient=p, channel=Channel.EMAIL, subject=subject,
                 body=body, **extra) for p in people]


# --- Recording and handing over ---------------------------------------------------------------

def queue(messages: list[dict], now=None) -> list[int]:
    """Record notifications (once per dedupe key) and have them sent after commit.

    Each message: dedupe_key, recipient, channel, subject, body, and optionally visit, escalation.
    """
    rows = []
    for m in messages:
        recipient = m["recipient"]
        if m["channel"] == Channel.EMAIL and not recipient.email:
            continue
        if m["channel"] == Channel.SMS and not getattr(getattr(recipient, "profile", None), "mobile", None):
            continue
        rows.append(Notification(created_at=now or timezone.now(), **m))
    if not rows:
        return []
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    pks = list(
        Notification.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows], status=DeliveryStatus.PENDING,
                                    handed_over_at__isnull=True)
        .values_list("pk", flat=True)
    )
    send_after_commit(pks)
    return pks


def send_after_commit(pks, now=None) -> None:
    """Hand the notifications `pks` to the worker once the current transaction commits (at once
    outside one): a rolled-back event sends nothing, and a task never looks for a row not yet
    committed. Every send of a recorded notification is scheduled here."""
    pks = list(pks)
    transaction.on_commit(lambda: enqueue(pks, now))


# Counts broker failures in this thread, so a page can tell the person their alert is saved but waiting.
_broker_failures = contextvars.ContextVar("broker_failures", default=0)


def broker_failures() -> int:
    return _broker_failures.get()


def enqueue(pks, now=None) -> None:
    """Hand notifications to the worker, and note when each was handed over. If the broker is
    down the rows stay pending and not handed over, and the watchdog's next scan hands them over
    (see resend_pending), so nothing is lost."""
    pks = list(pks)
    handed = []
    for pk in pks:
        try:
            deliver_notification.apply_async((pk,), retry=False)
        except Exception as exc:  # the broker being away must never undo the saved event
            logger.warning("Notification %s kept for later: broker unavailable (%s)", pk, type(exc).__name__)
            _broker_failures.set(_broker_failures.get() + 1)
            break
        handed.append(pk)
    not_handed = pks[len(handed):]
    try:
        if handed:
            Notification.objects.filter(pk__in=handed).update(handed_over_at=now or timezone.now())
        if not_handed:
            Notification.objects.filter(pk__in=not_handed).update(handed_over_at=None)
    except DatabaseError as exc:  # after commit: the alert is saved; the next scan sorts out the stamps
        logger.warning("Hand-over times of %s notification(s) not recorded (%s)", len(pks), type(exc).__name__)


# A notification recorded this long ago and never handed to the broker was refused by it (it was
# down): the next scan hands it over. (Sooner, the after-commit hand-over may simply be on its way.)
HANDOVER_GRACE = datetime.timedelta(seconds=10)


def pending_to_hand_over(now):
    """Pending notifications the broker may not have, due (past any backoff), oldest first:

    - never handed over (the broker was down when they were recorded or retried);
    - handed over more than NOTIFICATION_RESEND_AFTER_SECONDS ago and still pending: no worker has
      taken them, or the broker lost them (a worker killed mid-task is redelivered by the broker
      itself after its visibility timeout, which that setting matches by default);
    - a worker began sending more than NOTIFICATION_SEND_LEASE_SECONDS ago and never finished
      (it was killed), and nobody has handed them over since.

    So with no worker running, a pending row has one task queued per NOTIFICATION_RESEND_AFTER_SECONDS,
    not one per scan."""
    cutoff = now - datetime.timedelta(seconds=settings.NOTIFICATION_RESEND_AFTER_SECONDS)
    lease_over = now - datetime.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    never = Q(handed_over_at__isnull=True, created_at__lte=now - HANDOVER_GRACE)
    stale = Q(handed_over_at__lte=cutoff) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=cutoff))
    died = Q(sending_since__lte=lease_over, handed_over_at__lte=F("sending_since"))
    return Notification.objects.filter(due & (never | stale | died), status=DeliveryStatus.PENDING)


def resend_pending(now, limit: int | None = None) -> int:
    """Hand pending notifications to the broker again where it may not have them (see
    pending_to_hand_over), at most `limit` (NOTIFICATION_RESEND_BATCH) a scan. The rows are stamped
    as handed over in the same transaction that picks them, so two scans never both take one."""
    limit = limit or settings.NOTIFICATION_RESEND_BATCH
    with transaction.atomic():
        pks = list(pending_to_hand_over(now).select_for_update(skip_locked=True, of=("self",))
                   .order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
        if pks:
            Notification.objects.filter(pk__in=pks).update(handed_over_at=now)
            send_after_commit(pks, now)
    return len(pks)
