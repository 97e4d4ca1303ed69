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
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .models import Channel, DeliveryStatus, Notification, PushSubscription
from .providers import get_provider
from .providers.readiness import in_production
from .tasks import deliver_notification, queue_for

logger = logging.getLogger(__name__)


# --- Addressing -------------------------------------------------------------------------------

def school_people(school, *role_names, named=(), named_roles=()):
    """The active staff of `school` holding any of `role_names`, and those of `named` (user ids) who
    hold any of `named_roles` (the people named on a roster), in a stable order, each with
    `has_push_device` read in the same query (reachable asks it of every person).

    By home school (the staff profile's): someone who also works for other schools of the trust
    (accounts.models.SchoolMembership) is on their home school's alerts only. Their roles are the
    same everywhere, and a school's roster is the school's own people: an office member of two
    schools is not on the other school's office tier, whichever school they are working for now."""
    User = get_user_model()
    who = Q(groups__name__in=role_names)
    if named:
        who |= Q(pk__in=list(named), groups__name__in=named_roles)
    return list(
        User.objects.filter(who, is_active=True, profile__school=school)
        .annotate(has_push_device=Exists(PushSubscription.objects.filter(user=OuterRef("pk"))))
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


def live_channels() -> frozenset[Channel]:
    """The channels whose messages can reach a person. In production (a public https SITE_URL) a
    provider that only writes to the server's log (`log_only`: the console ones) carries nothing, so
    its channel is left out and a person is reached on their next channel at once (the readiness page
    shows it as a gap); on a laptop every channel counts, the log being where its messages are meant
    to go. A provider the settings cannot make (a missing key) stays in: its sends fail, are shown,
    and fall back."""
    if not in_production():
        return frozenset(Channel)
    live = set()
    for channel in Channel:
        try:
            if not getattr(get_provider(channel), "log_only", False):
                live.add(channel)
        except Exception:  # noqa: BLE001 - ImproperlyConfigured, ImportError: sending will say so
            live.add(channel)
    return frozenset(live)


def reachable(person, channel, live=None) -> bool:
    """Whether `person` has an address on `channel` (an email, a mobile for SMS and calls, a device
    that takes push) and the channel carries messages (live_channels, read once by the caller when
    it asks about many people)."""
    channel = Channel(channel)
    if channel not in (live_channels() if live is None else live):
        return False
    if channel == Channel.EMAIL:
        return bool(person.email)
    if channel in (Channel.SMS, Channel.VOICE):
        return _has_mobile(person)
    known = getattr(person, "has_push_device", None)  # read with the person by school_people
    return known if known is not None else PushSubscription.objects.filter(user=person).exists()


def _has_mobile(person) -> bool:
    """Whether the person has a mobile number, worked out once per person object: a scan asks it of
    the same people for every alert of a batch, and checking a number (libphonenumber) is slow."""
    mobile = getattr(getattr(person, "profile", None), "mobile", None)
    seen = person.__dict__.get("_has_mobile")
    if seen is None or seen[0] is not mobile:  # a number changed on the object since is checked again
        seen = person.__dict__["_has_mobile"] = (mobile, bool(mobile))
    return seen[1]


def channel_order(level) -> list[Channel]:
    """The channels a person is reached through at an alert level, first to last (setting
    NOTIFICATION_CHANNEL_ORDER; the highest level's order above the levels it names). A name that is
    no channel is left out (and logged), never an error in the scan."""
    orders = settings.NOTIFICATION_CHANNEL_ORDER
    level = min(max(int(level), min(orders)), max(orders))
    out = []
    for name in orders[level]:
        try:
            out.append(Channel(name.strip().lower()))
        except ValueError:
            logger.warning("NOTIFICATION_CHANNEL_ORDER names %r, which is no channel; left out.", name)
    return out


def _next_channel(person, level, after=None, live=None) -> Channel | None:
    """The person's first channel at `level` after `after` (from the start when None) they can be
    reached on; None when there is none (or `after` is not in the level's order)."""
    order = channel_order(level)
    if after is None:
        later = order
    elif Channel(after) in order:
        later = order[order.index(Channel(after)) + 1:]
    else:
        later = []
    live = live_channels() if live is None else live
    return next((channel for channel in later if reachable(person, channel, live)), None)


def channels_for(person, level, live=None) -> list[Channel]:
    """Every channel `person` would be tried on at `level`, first to last (for the dry run and the
    readiness page)."""
    live = live_channels() if live is None else live
    return [channel for channel in channel_order(level) if reachable(person, channel, live)]


def in_order(key, people, subject, body, level, **extra) -> list[dict]:
    """One message per person on their first channel at `level` (push, SMS, call, email by
    default); fall_back moves each on to their next channel while it is not confirmed delivered.
    Someone with no channel at all gets nothing here: the watchdog raises an alert that reached
    nobody (unreached) as its own alert."""
    out = []
    live = live_channels()
    for person in people:
        channel = _next_channel(person, level, live=live)
        if channel is not None:
            out.append(dict(dedupe_key=f"{key}:{person.pk}:{channel}", recipient=person, channel=channel,
                            subject=subject, body=body, level=level, **extra))
    return out


def every_channel(key, people, subject, body, **extra) -> list[dict]:
    """One message per person on each channel they can be reached on, all at once (when waiting
    for one channel after another has already reached nobody, or for a test of every route)."""
    live = live_channels()
    return [dict(dedupe_key=f"{key}:{person.pk}:{channel}", recipient=person, channel=channel, subject=subject,
                 body=body, **extra)
            for person in people for channel in Channel if reachable(person, channel, live)]


# --- Recording and handing over ---------------------------------------------------------------

def queue(messages: list[dict], now=None) -> list[int]:
    """Record notifications (once per dedupe key) and have them sent after commit.

    Each message: dedupe_key, recipient, channel, subject, body, and optionally visit, escalation
    and level (an escalation's message takes its level unless it names one, so fall_back moves it on;
    level None: told once, never moved on)."""
    rows = []
    live = live_channels()
    for m in messages:
        if not reachable(m["recipient"], m["channel"], live):
            continue
        m = dict(m)
        if "level" not in m and m.get("escalation") is not None:
            m["level"] = m["escalation"].level
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
    committed. Every send of a recorded notification is scheduled here, through the delivery task's
    base class (homevisits.celery.AfterCommitTask). If the broker is down the rows stay pending and
    not handed over, and the watchdog's next scan hands them over (see resend_pending), so nothing
    is lost."""
    pks = list(pks)
    deliver_notification.apply_on_commit(lambda: _deliveries(pks),
                                         done=lambda handed, refused: _handed_over(handed, refused, now))


# Counts broker failures in this thread, so a page can tell the person their alert is saved but waiting.
_broker_failures = contextvars.ContextVar("broker_failures", default=0)


def broker_failures() -> int:
    return _broker_failures.get()


def _deliveries(pks) -> list:
    """One delivery task per notification, each on its channel's queue."""
    try:
        channels = dict(Notification.objects.filter(pk__in=pks).values_list("pk", "channel"))
    except DatabaseError as exc:  # the database away for a moment: hand them over on the default queue
        logger.warning("Channels of %s notification(s) not read (%s)", len(pks), type(exc).__name__)
        channels = {}
    return [((pk,), {}, {"queue": queue_for(channels[pk])} if pk in channels else {}) for pk in pks]


def _handed_over(handed, refused, now) -> None:
    """Note when each notification was handed over; those the broker refused stay unmarked."""
    handed = [pk for (pk,) in handed]
    not_handed = [pk for (pk,) in refused]
    if not_handed:
        logger.warning("Notification(s) %s kept for later: broker unavailable", not_handed)
        _broker_failures.set(_broker_failures.get() + 1)
    try:
        if handed:
            Notification.objects.filter(pk__in=handed).update(handed_over_at=now or timezone.now())
        if not_handed:
            Notification.objects.filter(pk__in=not_handed).update(handed_over_at=None)
    except DatabaseError as exc:  # after commit: the alert is saved; the next scan sorts out the stamps
        logger.warning("Hand-over times of %s notification(s) not recorded (%s)",
                       len(handed) + len(not_handed), type(exc).__name__)


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


# --- Fallback: the person's next channel -----------------------------------------------------

def to_fall_back(now):
    """The messages fall_back moves on at `now`: with a level, not yet moved on, and failed, or not
    confirmed delivered within NOTIFICATION_FALLBACK_SECONDS of their level (the scan asks whether
    there are any in its one idle check)."""
    waited = Q()
    for level, seconds in settings.NOTIFICATION_FALLBACK_SECONDS.items():
        waited |= Q(level=level, created_at__lte=now - datetime.timedelta(seconds=seconds))
    top = max(settings.NOTIFICATION_FALLBACK_SECONDS)
    waited |= Q(level__gt=top, created_at__lte=now - datetime.timedelta(seconds=settings.NOTIFICATION_FALLBACK_SECONDS[top]))
    due = Q(status__in=DeliveryStatus.undelivered()) | (waited & Q(status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENT)))
    return Notification.objects.filter(due, level__isnull=False, fell_back_at__isnull=True)


def fall_back(now, limit: int | None = None) -> int:
    """Move each person an escalation's alert has not reached on to their next channel, and return
    how many messages that queued.

    A message with a level moves on when it failed (temporary or permanent failure, a call not
    answered: at once) or when it was not confirmed delivered within NOTIFICATION_FALLBACK_SECONDS
    of its level. Each message moves on once (`fell_back_at`); the next channel's dedupe key is the
    same alert, person and channel, so a repeat (two scans, a redelivered task) queues nothing more.
    Called by the watchdog's scan each tick."""
    limit = limit or settings.NOTIFICATION_RESEND_BATCH
    queued = 0
    live = live_channels()
    with transaction.atomic():
        notes = list(to_fall_back(now).select_for_update(skip_locked=True, of=("self",))
                     .select_related("recipient__profile").order_by("created_at", "pk")[:limit])
        for note in notes:
            note.fell_back_at = now
            if not note.recipient.is_active:
                continue  # they have left since: no more of the school's alerts to their phone or email
            prefix, _, _ = note.dedupe_key.rpartition(":")
            if not prefix or Notification.objects.filter(dedupe_key__startswith=f"{prefix}:",
                                                         status=DeliveryStatus.DELIVERED).exists():
                continue  # this alert reached the person on another channel: nothing to move on
            channel = _next_channel(note.recipient, note.level, after=note.channel, live=live)
            while channel is not None and Notification.objects.filter(dedupe_key=f"{prefix}:{channel}").exists():
                channel = _next_channel(note.recipient, note.level, after=channel, live=live)  # already tried
            if channel is None:
                logger.warning("Notification %s (%s) not delivered and %s has no further channel.",
                               note.pk, note.channel, note.recipient_id)
                continue
            queued += len(queue([dict(dedupe_key=f"{prefix}:{channel}", recipient=note.recipient, channel=channel,
                                      subject=note.subject, body=note.body, visit_id=note.visit_id,
                                      escalation_id=note.escalation_id, level=note.level)], now))
        if notes:
            Notification.objects.filter(pk__in=[n.pk for n in notes]).update(fell_back_at=now)
    return queued


# --- Alerts that reached nobody --------------------------------------------------------------

ALERT_PREFIX = "esc:"  # the dedupe keys of an escalation's alerts (not the notes about it)


def reached_nobody(escalation_ids) -> set[int]:
    """Of the escalations `escalation_ids`, those whose alerts have reached nobody: at least one
    message, and for every person alerted no message delivered, none still waiting, and their last
    one failed (failed for good, not delivered, a call not answered) with no channel left to try
    (fall_back has seen it and found nothing further). A message sent on a channel that gives no
    receipt (email by SMTP) may have reached its person, so it does not count as failed; a push is
    shown with a receipt from our own service worker, so one sent and never shown by the time
    fall_back gave up on it (no channel left) is lost."""
    ids = list(escalation_ids)
    if not ids:
        return set()
    by_person: dict[tuple[int, int], list[tuple[int, str, object]]] = {}
    for escalation_id, recipient_id, pk, status, fell_back_at, channel in (
            Notification.objects.filter(escalation_id__in=ids, dedupe_key__startswith=ALERT_PREFIX)
            .values_list("escalation_id", "recipient_id", "pk", "status", "fell_back_at", "channel")):
        if channel == Channel.PUSH and status == DeliveryStatus.SENT and fell_back_at is not None:
            status = DeliveryStatus.TEMPORARY_FAILURE  # never shown within its level's wait
        by_person.setdefault((escalation_id, recipient_id), []).append((pk, status, fell_back_at))
    reached, alerted = set(), set()
    for (escalation_id, _), notes in by_person.items():
        alerted.add(escalation_id)
        notes.sort()
        _, last_status, last_fell_back = notes[-1]
        lost = (last_status in DeliveryStatus.undelivered() and last_fell_back is not None
                and not any(status == DeliveryStatus.DELIVERED for _, status, _ in notes))
        if not lost:
            reached.add(escalation_id)
    return alerted - reached
