"""The watchdog: the scan that moves every overdue visit one step along its escalation ladder.

A visit that is out carries `next_check_at`, the moment its next rule fires (safety.ladder computes
it; every event that changes it recomputes it), so one scan is one indexed range query for the rows
due: each is locked (skipping rows another scan holds), moved one step, and its notifications are
queued to be sent after commit. Escalations are unique per (visit, round, level), so a scan that
runs twice escalates once. Check-ins from staff are safety.checkins; the office's actions on an
alert, safety.escalations.

While an alert is open at a level, the ladder raises nothing at that level or below, and an
unacknowledged alert at level 2 or 3 repeats, whichever round it was raised in.

All times are aware UTC datetimes (visits.localtime.as_utc); adding minutes is elapsed time, so the
clock change neither shifts nor loses an escalation.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from homevisits.bulk import update_rows
from notifications.models import Channel, DeliveryStatus, Notification
from notifications.outbox import (
    ALERT_PREFIX,
    channels_for,
    fall_back,
    pending_to_hand_over,
    queue,
    reached_nobody,
    resend_pending,
    to_fall_back,
)
from visits.events import new_event, record_events
from visits.lifecycle import OUT_STATES, EventKind
from visits.models import RecordedHow, Visit, VisitStaff

from . import ladder, staff_reminders
from .alerts import (
    alert_audience,
    alert_tiers,
    escalation_messages,
    nobody_in_charge_messages,
    police_audience,
    police_messages,
    reminder_audience,
    reminder_messages,
    tier_people,
)
from .checkins import CHECKIN_KINDS, check_in, may_record_for  # noqa: F401 - the tests reach them here
from .escalations import (  # noqa: F401 - the tests reach them here
    acknowledge,
    mark_unreached,
    next_contact_step,
    open_alert,
    raised_note,
    record_contact,
    refresh_next_check,
)
from .health import SCAN_HEARTBEAT, record_heartbeat
from .models import Escalation

logger = logging.getLogger(__name__)

next_check = ladder.next_check


# --- The scan ---------------------------------------------------------------------------------

# A scan whose `now` is this close to the real clock is a real-time scan (beat's, or the command
# without --now); any other is a drill, which never stamps the heartbeat (it would hide a dead beat).
REAL_TIME_TOLERANCE = datetime.timedelta(seconds=5)


def is_real_time(now: datetime.datetime) -> bool:
    return abs(now - timezone.now()) <= REAL_TIME_TOLERANCE


@dataclasses.dataclass
class ScanResult:
    now: datetime.datetime
    escalated: list[str] = dataclasses.field(default_factory=list)
    repeated: list[str] = dataclasses.field(default_factory=list)
    resent: int = 0
    # Open alerts found to have reached nobody this scan (each an alert of its own).
    unreached: list[str] = dataclasses.field(default_factory=list)
    dry_run: bool = False
    # A dry run: the people each alert would go to, e.g. "visit 7 level 2: Olivia Price (email, SMS)".
    would_notify: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        parts = []
        if self.escalated:
            verb = "would be escalated" if self.dry_run else "escalated"
            parts.append(f"{len(self.escalated)} {verb} ({', '.join(self.escalated[:20])})")
        if self.repeated:
            verb = "would be repeated" if self.dry_run else "repeated"
            parts.append(f"{len(self.repeated)} alert(s) {verb}")
        if self.unreached:
            parts.append(f"{len(self.unreached)} alert(s) reached nobody ({', '.join(self.unreached[:20])})")
        if self.resent:
            verb = "would be handed" if self.dry_run else "handed"
            parts.append(f"{self.resent} pending notification(s) {verb} to the worker again")
        return "; ".join(parts) or "nothing due"


def scan(now: datetime.datetime, batch_size: int = 500, max_batches: int = 100) -> ScanResult:
    """Move every due visit one step along its ladder. Safe to run concurrently and repeatedly.
    Only a scan at the real time stamps the heartbeat: a drill at another time must neither hide a
    dead beat (a time ahead) nor raise the banner (a time behind).

    A tick first asks, in one query, which of its four parts has anything to do (due visits, messages
    to hand over again or to move on to a next channel, alerts that reached nobody) and runs only
    those: a tick that finds nothing costs that query and the heartbeat."""
    result = ScanResult(now=now)
    real_time = is_real_time(now)
    due, handover, fallback, unreached = _waiting(now)
    if due:
        for _ in range(max_batches):  # bounded: at most max_batches x batch_size visits a tick
            if not _scan_batch(now, batch_size, result):
                break
    if handover:
        result.resent = resend_pending(now)
    if fallback:
        fall_back(now)  # an alert not confirmed delivered moves on to the person's next channel
    if unreached or due or fallback:  # an alert just raised, or a message just moved on, may have reached nobody
        raise_unreached(now, result)
    if real_time:
        record_heartbeat(SCAN_HEARTBEAT, now, detail=result.summary())  # one UPDATE: atomic on its own
    return result


def _waiting(now: datetime.datetime) -> tuple[bool, bool, bool, bool]:
    """Whether anything is due at `now` for each part of the scan: visits (the partial index
    visit_due_out_idx), pending messages to hand over again, messages to move on to a next channel,
    alerts that reached nobody; one round trip of four EXISTS, each the query its part runs."""
    using = Visit.objects.db
    sql, params = _waiting_sql(now, using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(bool(found) for found in cursor.fetchone())


def _waiting_checks(now):
    return [Visit.objects.filter(state__in=OUT_STATES, next_check_at__lte=now), pending_to_hand_over(now),
            to_fall_back(now), _unreached_candidates(now)]


def _compiled_waiting(now, using) -> tuple[str, list]:
    parts, params = [], []
    for qs in _waiting_checks(now):
        sql, args = qs.order_by().values("pk")[:1].query.get_compiler(using).as_sql()
        parts.append(f"EXISTS ({sql})")
        params.extend(args)
    return f"SELECT {', '.join(parts)}", params


# The idle tick's query, built by the ORM once per process and database and settings that shape it:
# building it costs more than running it. Its text is the same at every `now`; each parameter is
# either fixed or `now` moved by a fixed offset, learnt from two probe instants and checked on a third.
_WAITING_PLANS: dict = {}
_PROBES = (datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC),
           datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),
           datetime.datetime(2002, 3, 5, 7, 9, 11, 13, tzinfo=datetime.UTC))


def _waiting_sql(now, using) -> tuple[str, list]:
    key = (using, repr(settings.NOTIFICATION_FALLBACK_SECONDS), settings.NOTIFICATION_RESEND_AFTER_SECONDS,
           settings.NOTIFICATION_SEND_LEASE_SECONDS)
    if key not in _WAITING_PLANS:
        _WAITING_PLANS[key] = _waiting_plan(using)
    plan = _WAITING_PLANS[key]
    if plan is None:  # a parameter that is not `now` plus a fixed offset: built every time
        return _compiled_waiting(now, using)
    sql, recipe = plan
    return sql, _waiting_params(recipe, now, using)


def _waiting_params(recipe, now, using) -> list:
    adapt = connections[using].ops.adapt_datetimefield_value
    return [(now + value if as_is else adapt(now + value)) if moved else value for moved, as_is, value in recipe]


def _as_instant(value):
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)
    return None


def _waiting_plan(using):
    """(sql, recipe) for _waiting_params, or None when the parameters do not follow `now`."""
    (sql_a, a), (sql_b, b), (sql_c, c) = (_compiled_waiting(probe, using) for probe in _PROBES)
    if not (sql_a == sql_b == sql_c and len(a) == len(b) == len(c)):
        return None
    recipe = []
    for first, second in zip(a, b, strict=True):
        if first == second:
            recipe.append((False, False, first))
            continue
        one, two = _as_instant(first), _as_instant(second)
        if one is None or two is None or one - _PROBES[0] != two - _PROBES[1]:
            return None
        recipe.append((True, isinstance(first, datetime.datetime), one - _PROBES[0]))
    if _waiting_params(recipe, _PROBES[2], using) != c:
        return None
    return sql_a, recipe


def look_again(school_id: int, now: datetime.datetime) -> int:
    """The school's settings changed (its ladder's minutes, roster, office hours, check-in times): each
    of its visits that is out is due at `now`, so the next scan looks at it, moves it on if the new
    settings make a step due already, and counts its next check from them. Nothing else changes: a
    look finds nothing due when the new settings move nothing (safety.watchdog._plan_step). Returns
    how many visits were brought forward."""
    return (Visit.objects.filter(school_id=school_id, state__in=OUT_STATES)
            .filter(Q(next_check_at__gt=now) | Q(next_check_at__isnull=True))
            .update(next_check_at=now))


def preview(now: datetime.datetime, limit: int = 50_000) -> ScanResult:
    """What one scan at `now` would do, writing nothing and notifying nobody (`scan_overdue
    --dry-run`): the same due query and ladder as `scan`, without locks or writes."""
    result = ScanResult(now=now, dry_run=True)
    due = list(Visit.objects.filter(state__in=OUT_STATES, next_check_at__lte=now).select_related("school")
               .order_by("next_check_at", "pk")[:limit])
    escalations = _escalations_by_visit(due)
    audiences = {}
    for visit in due:
        step = _plan_step(visit, *escalations[visit.pk], now)
        if step is None:
            continue
        label = f"visit {visit.pk} level {step.level}"
        (result.escalated if step.pk is None else result.repeated).append(label)
        people = _people(audiences, step, now)
        names = [f"{p.get_full_name() or p.get_username()} ({', then '.join(_channels(p, step.level))})"
                 for p in people if _channels(p, step.level)]
        result.would_notify.append(f"{label}: {'; '.join(names) or 'nobody with a device, mobile or email'}")
    result.resent = pending_to_hand_over(now).count()
    return result


def raise_unreached(now, result: ScanResult | None = None, limit: int = 100) -> list[int]:
    """Open alerts nobody has taken charge of whose messages reached nobody (every person's last
    channel failed, or nobody could be sent one) become alerts of their own, to the next people up
    (safety.escalations.mark_unreached). At most `limit` a scan; the rest on the next."""
    candidates = list(_unreached_candidates(now).values_list("pk", "alerted").order_by("pk")[:limit])
    if not candidates:
        return []
    silent = {pk for pk, alerted in candidates if not alerted}
    marked = []
    for pk in sorted(silent | reached_nobody({pk for pk, alerted in candidates if alerted})):
        esc = mark_unreached(pk, now)
        if esc is not None:
            marked.append(pk)
            if result is not None:
                result.unreached.append(f"visit {esc.visit_id} level {esc.level}")
    return marked


def _unreached_candidates(now):
    """Open alerts nobody has taken charge of, not yet marked unreached, that sent nothing or have a
    message that failed (or a push never shown) and was moved on: raise_unreached looks closer."""
    alerts = Notification.objects.filter(escalation=OuterRef("pk"), dedupe_key__startswith=ALERT_PREFIX)
    return (Escalation.objects.open_alerts()
            .filter(acknowledged_at__isnull=True, unreached_at__isnull=True, created_at__lte=now)
            .annotate(alerted=Exists(alerts),
                      failed=Exists(alerts.filter(Q(status__in=DeliveryStatus.undelivered())
                                                  | Q(channel=Channel.PUSH, status=DeliveryStatus.SENT),  # never shown
                                                  fell_back_at__isnull=False)))
            .filter(Q(alerted=False) | Q(failed=True)))


def _people(audiences, esc, now) -> list:
    """The people of the roster tiers `esc` has reached at `now`, read once a batch per school and tiers."""
    tiers = alert_tiers(esc, now)
    key = (esc.visit.school_id, tiers)
    if key not in audiences:
        audiences[key] = tier_people(esc.visit.school, tiers)
    return alert_audience(esc, now, audiences[key])


def _channels(person, level) -> list[str]:
    """The channels the person would be tried on, in order ("SMS, then email")."""
    return [channel.label if channel.label.isupper() else channel.label.lower()
            for channel in channels_for(person, level)]


def _escalations_by_visit(due) -> dict[int, tuple[list[Escalation], Escalation | None]]:
    """For each due visit: this round's escalations (for the ladder) and its open alert (any round)."""
    found: dict[int, list[Escalation]] = {v.pk: [] for v in due}
    for esc in Escalation.objects.filter(visit_id__in=found).select_related("acknowledged_by__profile"):
        found[esc.visit_id].append(esc)
    out = {}
    for visit in due:
        mine = found[visit.pk]
        alert = max((e for e in mine if e.resolved_at is None), key=lambda e: e.level, default=None)
        out[visit.pk] = ([e for e in mine if e.round == visit.watch_round], alert)
    return out


def _scan_batch(now, batch_size, result) -> bool:
    """Lock up to batch_size due visits (skipping rows another scan holds) and move each one step,
    with a constant number of statements per batch: the claim (SELECT ... FOR UPDATE SKIP LOCKED),
    the reads the ladder needs, then each kind of row written in one statement (escalations, their
    changes, events, notifications, the visits' next check); the unique constraints stay the
    backstop. Returns whether another batch may find more due."""
    with transaction.atomic():
        # Lock order: the visit rows first; their escalation rows are only written after.
        due = list(
            Visit.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state__in=OUT_STATES, next_check_at__lte=now)
            # One school object per school (read apart, not once per row): its roster and office
            # hours read once a batch. Each visit's watch (visits.watch) reads its risk assessment.
            .prefetch_related("school", "risk_assessment__hazards")
            .order_by("next_check_at", "pk")[:batch_size]
        )
        if not due:
            return False
        escalations = _escalations_by_visit(due)
        by_visit = {pk: list(round_escalations) for pk, (round_escalations, _) in escalations.items()}
        alerts = {pk: alert for pk, (_, alert) in escalations.items()}
        staff_of = _staff_by_visit(by_visit)

        created, repeated, raised, reminded, prompted = [], [], [], [], []
        moved, exhausted = set(), set()  # ids of the repeated alerts that moved on along the roster
        for visit in due:
            alert = alerts[visit.pk]
            if ladder.prompts_police(alert) and now >= ladder.deadlines(visit).police_at:
                # R-CONTACT-STEPS step 4: still no word this long after the deadline.
                alert.visit = visit
                alert.police_prompted_at = now
                prompted.append(alert)
            step = _plan_step(visit, by_visit[visit.pk], alerts[visit.pk], now)
            if step is None:
                alert = alerts[visit.pk]
                if ladder.reminds(alert) and now >= ladder.deadlines(visit).remind_at(alert):
                    # R-CONTACT-STEPS: taken charge of, and no step recorded since: remind them.
                    alert.visit = visit
                    alert.charge_reminders += 1
                    alert.charge_reminded_at = now
                    reminded.append(alert)
                continue
            if step.pk is None:
                created.append(step)
                lower = alerts[visit.pk]
                if lower is not None:  # the visit's alert moves up: its lower level closes
                    lower.resolved_at, lower.resolution_note = now, raised_note(step.level)
                    raised.append((lower, step))
            else:
                repeated.append(step)
                if step.tier_at == now:
                    (exhausted if step.exhausted_at == now else moved).add(id(step))
        # R-RETURN-30: the lower level closes before its higher one is inserted (one open alert a visit).
        update_rows([lower for lower, _ in raised], ["resolved_at", "resolution_note"])
        created = _create_escalations(created)
        kept = {id(esc) for esc in created}
        for lower, higher in raised:
            if id(higher) in kept:
                lower.raised_to = higher
        # Every other change to the batch's escalations in one statement: raised to, repeated or moved
        # on (R-RETURN-30), the police prompt and the reminders (R-CONTACT-STEPS). Their visits are
        # locked, and every writer locks the visit first, so the values read are still theirs.
        changed = {id(esc): esc for esc in [lower for lower, _ in raised] + repeated + prompted + reminded}
        update_rows(changed.values(), ["raised_to", "alert_count", "last_alert_at", "tiers_reached", "tier_at",
                                       "exhausted_at", "police_prompted_at", "charge_reminders", "charge_reminded_at"])

        events, messages, audiences = [], [], {}
        for lower, higher in raised:
            events.append(new_event(higher.visit, EventKind.RESOLVED, at=now, how=RecordedHow.SYSTEM,
                                    note=raised_note(higher.level), data={"level": lower.level,
                                                                          "raised_to": higher.level}))
        for esc, alert in [(e, 1) for e in created] + [(e, e.alert_count) for e in repeated]:
            visit = esc.visit
            # Alerts name who is still out (R-RETURN): the links, with their people, read once a batch.
            visit._prefetched_objects_cache = {"staff_links": staff_of.get(visit.pk, [])}
            if alert == 1:
                by_visit[visit.pk].append(esc)
                alerts[visit.pk] = esc
                visit.escalation_level = esc.level
                result.escalated.append(f"visit {visit.pk} level {esc.level}")
                events.append(new_event(visit, EventKind.ESCALATED, at=now, how=RecordedHow.SYSTEM,
                                        note=esc.get_level_display(), data={"level": esc.level, "reason": esc.reason}))
            else:
                result.repeated.append(f"visit {visit.pk}")
                events.append(new_event(visit, EventKind.ALERT_REPEATED, at=now, how=RecordedHow.SYSTEM,
                                        data={"level": esc.level, "alert": alert}))
            # The tiers of the roster it has reached; R-CODEWORD: never anyone still out on the visit.
            people = _people(audiences, esc, now)
            if id(esc) in exhausted:
                # R-CONTACT-STEPS step 4: nobody took charge at the last tier: the whole roster, every channel.
                events.append(new_event(visit, EventKind.NOBODY_IN_CHARGE, at=now, how=RecordedHow.SYSTEM,
                                        data={"level": esc.level}))
                messages.extend(nobody_in_charge_messages(esc, alert, people))
                continue
            if id(esc) in moved:
                events.append(new_event(visit, EventKind.MOVED_ON, at=now, how=RecordedHow.SYSTEM,
                                        data={"level": esc.level, "tiers": esc.tiers_reached}))
            messages.extend(escalation_messages(esc, alert, people))
        for esc in prompted:
            events.append(new_event(esc.visit, EventKind.POLICE_PROMPTED, at=now, how=RecordedHow.SYSTEM,
                                    data={"level": esc.level}))
            messages.extend(police_messages(esc, now, police_audience(esc, now)))
        for esc in reminded:
            events.append(new_event(esc.visit, EventKind.REMINDED, at=now, how=RecordedHow.SYSTEM,
                                    data={"level": esc.level, "reminder": esc.charge_reminders}))
            messages.extend(reminder_messages(esc, now, reminder_audience(esc)))
        messages.extend(staff_reminders.due_messages(due, by_visit, alerts, now))  # after this batch's escalations
        record_events(events)
        queue(messages, now)

        for visit in due:
            visit.next_check_at = next_check(visit, by_visit[visit.pk], alerts[visit.pk])
        update_rows(due, ["next_check_at", "escalation_level"])
        # Look again while a batch was full, or a visit is due once more at `now` (a scan that was
        # down catches up: level 1 and level 2 in one tick, R-LATE-15 then R-RETURN-30); an empty
        # batch is not asked for.
        return len(due) == batch_size or any(visit.next_check_at is not None and visit.next_check_at <= now
                                             for visit in due)


def _staff_by_visit(visit_ids) -> dict[int, list[VisitStaff]]:
    out: dict[int, list[VisitStaff]] = {}
    for link in VisitStaff.objects.filter(visit_id__in=list(visit_ids)).select_related("user"):
        out.setdefault(link.visit_id, []).append(link)
    return out


def _create_escalations(escalations: list[Escalation]) -> list[Escalation]:
    """Insert the batch's new escalations in one statement. The unique (visit, round, level)
    constraint is the backstop: if another scan got there first (possible only where the database
    has no row locks), fall back to one by one and keep those that were really new."""
    if not escalations:
        return []
    try:
        with transaction.atomic():
            return Escalation.objects.bulk_create(escalations)
    except IntegrityError:
        kept = []
        for esc in escalations:
            try:
                with transaction.atomic():
                    esc.pk = None
                    esc.save(force_insert=True)
                kept.append(esc)
            except IntegrityError:
                continue
        return kept


def _plan_step(visit, round_escalations, alert, now):
    """The next step for a due visit: a new Escalation (unsaved), the open alert repeated
    (alert_count already moved on), or None when nothing is due after all."""
    due = ladder.deadlines(visit)
    level = ladder.next_rung(round_escalations, alert)
    if level is not None and now >= due.due_at(level):
        return Escalation(visit=visit, round=visit.watch_round, level=level, reason=due.reason,
                          anchor=due.anchor, created_at=now, last_alert_at=now, tier_at=now,
                          tiers_reached=ladder.first_tiers(visit, level, now, alert),
                          exhausted_at=alert.exhausted_at if alert is not None else None)
    if ladder.moves_on(alert) and now >= ladder.move_on_at(visit, alert):
        # Nobody took charge in the last tier's time: the next tier of the roster has it too (and
        # after the last, everyone is told to call the police), as the alert's next repeat.
        alert.visit = visit
        ladder.move_on(visit, alert, now)
        alert.alert_count += 1
        alert.last_alert_at = now
        return alert
    if ladder.repeats(alert) and now >= due.repeat_at(alert):
        # R-RETURN-30: an unacknowledged alert at level 2 or 3 is repeated to the same people.
        alert.visit = visit
        alert.alert_count += 1
        alert.last_alert_at = now
        return alert
    return None
