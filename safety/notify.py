"""Notifications: recorded as rows first, sent by Celery tasks after the transaction commits.

Bodies carry as little personal data as they can: who and a link; never a family address, a
child's name or a code word.
"""

import contextvars
import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import roles

from .models import Channel, DeliveryStatus, EscalationLevel, EscalationReason, Notification

logger = logging.getLogger(__name__)


def school_people(school, *role_names):
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, profile__school=school, groups__name__in=role_names)
        .select_related("profile").distinct().order_by("pk")
    )


def _link(visit) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{visit.get_absolute_url()}"


def _staff_names(visit) -> str:
    return ", ".join(u.get_full_name() or u.username for u in visit.staff.all())


def _names_out(visit, escalation=None) -> str:
    """Who an alert is about: the staff still out (R-RETURN), since those already back are not
    missing; for a missed periodic check-in, those of them not heard from in time (R-CHECKIN)."""
    links = [link for link in visit.staff_links_with_people() if link.is_out]
    interval = visit.school.checkin_interval_minutes
    if escalation is not None and escalation.reason == EscalationReason.MISSED_CHECKIN and interval:
        due = escalation.last_alert_at - datetime.timedelta(minutes=interval)
        silent = [link for link in links if (link.last_word_at or visit.departed_at or due) <= due]
        links = silent or links
    return ", ".join(link.name for link in links) or _staff_names(visit)


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
    transaction.on_commit(lambda: enqueue(pks))
    return pks


# Counts broker failures in this thread, so a page can tell the person their alert is saved but waiting.
_broker_failures = contextvars.ContextVar("broker_failures", default=0)


def broker_failures() -> int:
    return _broker_failures.get()


def enqueue(pks, now=None) -> None:
    """Hand notifications to the worker, and note when each was handed over. If the broker is
    down the rows stay pending and not handed over, and the watchdog's next scan hands them over
    (see resend_pending), so nothing is lost."""
    from .tasks import deliver_notification

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
            transaction.on_commit(lambda: enqueue(pks, now))
    return len(pks)


def _both_channels(key, people, subject, body, **extra):
    out = []
    for person in people:
        for channel in (Channel.EMAIL, Channel.SMS):
            out.append(dict(dedupe_key=f"{key}:{person.pk}:{channel}", recipient=person, channel=channel,
                            subject=subject, body=body, **extra))
    return out


def escalation_audience(level) -> tuple[str, ...]:
    """Who hears of an escalation: level 1 the office (R-LATE-15); level 2 office and head of school
    (R-RETURN-30); level 3 office, head and DSL at once (R-CODEWORD)."""
    if level >= EscalationLevel.EMERGENCY:
        return (roles.OFFICE, roles.HEAD, roles.DSL)
    if level == EscalationLevel.CHASE:
        return (roles.OFFICE, roles.HEAD)
    return (roles.OFFICE,)


def escalation_messages(escalation, alert_number: int, people) -> list[dict]:
    """The messages for one alert of an escalation to `people` (one per person and channel)."""
    visit = escalation.visit
    names = _names_out(visit, escalation)
    due = timezone.localtime(escalation.anchor).strftime("%H:%M") if escalation.anchor else "?"
    if escalation.level >= EscalationLevel.EMERGENCY:
        subject = f"EMERGENCY: {names} need help now"
        body = (f"{escalation.get_reason_display()} from {names}. Call the police (999) and follow the "
                f"emergency steps. Details: {_link(visit)}")
    elif escalation.level == EscalationLevel.CHASE:
        subject = f"Overdue: {names} not back (due {due})"
        body = f"{names} were due by {due} and have not been in touch. Contact them now: {_link(visit)}"
    else:
        subject = f"Late: {names} should have called in (due {due})"
        body = f"{names} were due by {due} with no word. Please check: {_link(visit)}"
    if alert_number > 1:
        subject = f"REPEAT {alert_number}: {subject}"
    key = f"esc:{escalation.pk}:{alert_number}"
    return _both_channels(key, people, subject, body, visit=visit, escalation=escalation)


def notify_escalation(escalation, alert_number: int, now) -> None:
    people = school_people(escalation.visit.school, *escalation_audience(escalation.level))
    queue(escalation_messages(escalation, alert_number, people), now)


def notify_head_now(visit, what: str, key: str, now=None) -> None:
    """Something on a visit the head must hear about at once (R-ARRIVE, abandoned visits)."""
    people = school_people(visit.school, roles.HEAD, roles.OFFICE)
    subject = f"{what}: {_staff_names(visit)}"
    queue(_both_channels(key, people, subject, f"{subject}. Details: {_link(visit)}", visit=visit), now)


def _emails(key, people, subject, body, visit):
    return [dict(dedupe_key=f"{key}:{p.pk}:email", recipient=p, channel=Channel.EMAIL, subject=subject,
                 body=body, visit=visit) for p in people]


def notify_submitted_soon(visit, now) -> None:
    """The head hears at once of a visit submitted for the next two school days."""
    people = [p for p in school_people(visit.school, roles.HEAD) if p.pk != visit.created_by_id]
    when = timezone.localtime(visit.planned_start).strftime("%a %d %b %H:%M")
    count = visit.events.filter(kind="submitted").count()
    queue(_emails(f"submitted:{visit.pk}:{count}", people, f"Visit waiting for approval ({when})",
                  f"A home visit on {when} is waiting for your approval: {_link(visit)}", visit), now)


def notify_decision(visit, now) -> None:
    people = list(visit.staff.all())
    decision = visit.get_state_display().lower()
    when = timezone.localtime(visit.planned_start).strftime("%a %d %b %H:%M")
    queue(_emails(f"decision:{visit.pk}:{visit.decided_at.timestamp() if visit.decided_at else 0}", people,
                  f"Your visit on {when} was {decision}", f"Your home visit on {when} was {decision}: {_link(visit)}",
                  visit), now)


def notify_cancelled(visit, now) -> None:
    """R-CANCEL: staff hear at once; a cancellation for safety reaches the head in writing."""
    people = list(visit.staff.all())
    if visit.cancelled_for_safety:
        people += [p for p in school_people(visit.school, roles.HEAD) if p not in people]
    when = timezone.localtime(visit.planned_start).strftime("%a %d %b %H:%M")
    subject = f"Visit on {when} cancelled" + (" for safety reasons" if visit.cancelled_for_safety else "")
    queue(_emails(f"cancelled:{visit.pk}", people, subject, f"{subject}. Reason and details: {_link(visit)}", visit), now)
