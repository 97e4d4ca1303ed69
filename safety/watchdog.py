"""The watchdog: check-ins from staff who are out, and the scan that escalates overdue visits.

A visit that is out carries `next_check_at`, the moment its next rule fires. Every event that
changes it recomputes it here (`next_check`), so the scan is one indexed range query for rows due.
The ladder, from the school's settings (R-LATE-15, R-RETURN-30, R-CHECKIN, R-CODEWORD):

  anchor = the expected return, or the periodic check-in due time if that comes first
  level 1 at anchor + late_call_minutes     office flagged
  level 2 at anchor + office_chase_minutes  office must contact now, head of school alerted
  level 2/3 unacknowledged: repeated every alert_repeat_minutes to the same people
  level 3 at once on a code word, duress or "felt unsafe"

Escalations are unique per (visit, round, level). The round starts at departure and moves on when
staff give word that resets the clock (a late notice with a new time, a check-in that answers a
missed check-in), so a scan that runs twice escalates once, and a visit can be escalated afresh
if staff are late again after giving a new time.

All times are aware UTC datetimes; adding minutes is elapsed time, so the clock change neither
shifts nor loses an escalation.
"""

import dataclasses
import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import roles
from accounts.models import has_role, school_of
from visits.models import OUT_STATES, EventKind, RecordedHow, Visit, VisitEvent, VisitState
from visits.services import record_event

from .health import SCAN_HEARTBEAT, record_heartbeat
from .models import ContactAttempt, ContactOutcome, ContactStep, Escalation, EscalationLevel, EscalationReason

logger = logging.getLogger(__name__)

minutes = datetime.timedelta  # readability: minutes(minutes=15)


# --- When does the next rule fire? ------------------------------------------------------------

def anchor(visit: Visit) -> tuple[datetime.datetime, str]:
    """The deadline the ladder counts from, and why (late return or a missed periodic check-in)."""
    interval = visit.school.checkin_interval_minutes
    if interval:
        last_word = visit.last_contact_at or visit.departed_at
        checkin_due = last_word + datetime.timedelta(minutes=interval)
        if checkin_due < visit.expected_return:
            return checkin_due, EscalationReason.MISSED_CHECKIN
    return visit.expected_return, EscalationReason.LATE_RETURN


def next_check(visit: Visit, round_escalations: list[Escalation]) -> datetime.datetime | None:
    """When the watchdog must next look at this visit, given this round's escalations."""
    if visit.state not in OUT_STATES:
        return None
    school = visit.school
    base, _ = anchor(visit)
    top = max(round_escalations, key=lambda e: e.level, default=None)
    if top is None:
        return base + datetime.timedelta(minutes=school.late_call_minutes)
    if top.level == EscalationLevel.LATE:
        return base + datetime.timedelta(minutes=school.office_chase_minutes)
    if top.acknowledged_at or top.resolved_at:
        return None  # someone is dealing with it; it stays on the board until resolved
    return top.last_alert_at + datetime.timedelta(minutes=school.alert_repeat_minutes)


def _round_escalations(visit: Visit) -> list[Escalation]:
    return list(Escalation.objects.filter(visit=visit, round=visit.watch_round))


def refresh_next_check(visit: Visit) -> None:
    visit.next_check_at = next_check(visit, _round_escalations(visit))
    visit.escalation_level = max(
        (e.level for e in Escalation.objects.filter(visit=visit, resolved_at__isnull=True)), default=0
    )


# --- Check-ins --------------------------------------------------------------------------------

# What each check-in does to the visit's state.
CHECKIN_KINDS = {
    EventKind.DEPARTED, EventKind.ARRIVED, EventKind.UNSAFE, EventKind.OK, EventKind.LATE,
    EventKind.NO_ONE_HOME, EventKind.LEFT, EventKind.ABANDONED, EventKind.RETURNED, EventKind.DURESS,
}
NEXT_STATE = {
    EventKind.DEPARTED: VisitState.DEPARTED,
    EventKind.ARRIVED: VisitState.ON_SITE,
    EventKind.UNSAFE: VisitState.LEFT,  # R-ARRIVE: with any doubt, leave
    EventKind.NO_ONE_HOME: VisitState.LEFT,
    EventKind.LEFT: VisitState.LEFT,
    EventKind.ABANDONED: VisitState.LEFT,
    EventKind.RETURNED: VisitState.RETURNED,
}


def may_record_for(user, visit: Visit) -> bool:
    """Staff on the visit record their own check-ins; the office and head record them after a call."""
    if school_of(user) != visit.school:
        return False
    if has_role(user, *roles.WATCHERS):
        return True
    return visit.staff.filter(pk=user.pk).exists()


def check_in(visit: Visit, kind: str, by, *, now=None, note: str = "", new_expected_return=None,
             how: str = RecordedHow.SELF, on_behalf_of=None, idempotency_key: str | None = None) -> VisitEvent:
    """Record one check-in event for a visit and move the watchdog with it.

    A retried or double-tapped submission carrying the same idempotency key records once and
    returns the first event.
    """
    now = now or timezone.now()
    if kind not in CHECKIN_KINDS:
        raise ValidationError(f"Unknown check-in: {kind}")
    if not may_record_for(by, visit):
        raise PermissionDenied("You are not on this visit.")
    if idempotency_key:
        earlier = _same_key(visit, idempotency_key)
        if earlier is not None:
            return earlier
    try:
        with transaction.atomic():
            return _check_in(visit, kind, by, now, note, new_expected_return, how, on_behalf_of, idempotency_key)
    except IntegrityError:
        earlier = _same_key(visit, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return earlier


def _same_key(visit, idempotency_key):
    """The event already recorded with this key; a key is only ever replayed on its own visit."""
    earlier = VisitEvent.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is not None and earlier.visit_id != visit.pk:
        raise ValidationError("This form was already used for another visit. Reload the page and try again.")
    return earlier


def _check_in(visit, kind, by, now, note, new_expected_return, how, on_behalf_of, idempotency_key):
    visit = Visit.objects.select_for_update().select_related("school").get(pk=visit.pk)
    if kind == EventKind.DEPARTED:
        # R-DEPART: only an approved visit, only on the day of the visit.
        if visit.state != VisitState.APPROVED:
            raise ValidationError(
                f"Only an approved visit can be signed out; this one is {visit.get_state_display().lower()}."
            )
        if timezone.localdate(visit.planned_start) != timezone.localdate(now):
            raise ValidationError("A visit can only be signed out on the day it is planned for.")
    elif visit.state not in OUT_STATES:
        raise ValidationError(f"Nobody is out on this visit ({visit.get_state_display().lower()}).")
    if kind == EventKind.ARRIVED and visit.state != VisitState.DEPARTED:
        raise ValidationError("Arrival is already recorded.")
    if kind in (EventKind.NO_ONE_HOME, EventKind.UNSAFE) and visit.state == VisitState.LEFT:
        raise ValidationError("The visit has already been left.")
    if kind == EventKind.LATE:
        # R-LATE-15: a new expected return, which must be later than now.
        if new_expected_return is None:
            raise ValidationError({"new_expected_return": ["Say when you now expect to be back."]})
        if new_expected_return <= now:
            raise ValidationError({"new_expected_return": ["The new return time must be later than now."]})
    if kind == EventKind.ABANDONED and not note.strip():
        raise ValidationError({"note": ["Say why the visit was abandoned."]})

    data = {}
    if kind == EventKind.LATE:
        data = {"previous_expected_return": visit.expected_return.isoformat(),
                "new_expected_return": new_expected_return.isoformat()}
    event = record_event(visit, kind, by, at=now, how=how, note=note, data=data,
                         on_behalf_of=on_behalf_of, idempotency_key=idempotency_key)

    if kind == EventKind.DEPARTED:
        visit.departed_at = now
        visit.watch_round = 1
    if kind in NEXT_STATE:
        visit.state = NEXT_STATE[kind]
    visit.last_contact_at = now

    if kind == EventKind.LATE:
        visit.expected_return = new_expected_return
        _start_new_round(visit, by, now, "New expected return given", reasons=(
            EscalationReason.LATE_RETURN, EscalationReason.MISSED_CHECKIN))
    elif kind in (EventKind.OK, EventKind.ARRIVED, EventKind.LEFT, EventKind.NO_ONE_HOME):
        # Word from staff answers a missed periodic check-in (not a late return: that needs a new time).
        if Escalation.objects.filter(visit=visit, round=visit.watch_round, resolved_at__isnull=True,
                                     reason=EscalationReason.MISSED_CHECKIN).exists():
            _start_new_round(visit, by, now, "Checked in", reasons=(EscalationReason.MISSED_CHECKIN,))
    elif kind == EventKind.RETURNED:
        # R-RETURN: a return closes every open escalation.
        visit.returned_at = now
        _resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True), by, now, "Back at school")

    if kind in (EventKind.DURESS, EventKind.UNSAFE):
        reason = EscalationReason.DURESS if kind == EventKind.DURESS else EscalationReason.UNSAFE
        _escalate(visit, EscalationLevel.EMERGENCY, reason, anchor_at=now, now=now)
    elif kind == EventKind.ABANDONED:
        from .notify import notify_head_now

        notify_head_now(visit, "Visit abandoned", key=f"abandoned:{event.pk}", now=now)

    refresh_next_check(visit)
    visit.save()
    return event


def _start_new_round(visit, by, now, note, reasons):
    _resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True, reason__in=reasons), by, now, note)
    visit.watch_round += 1


def _resolve(escalations, by, now, note):
    escalations = list(escalations)
    for esc in escalations:
        esc.resolved_at, esc.resolved_by, esc.resolution_note = now, by, note
        esc.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
        record_event(esc.visit, EventKind.RESOLVED, by, at=now, how=RecordedHow.SYSTEM if by is None else RecordedHow.SELF,
                     note=note, data={"level": esc.level})
    return escalations


def _escalate(visit, level, reason, anchor_at, now) -> Escalation | None:
    """Write the escalation row for (visit, round, level) once, then notify after commit."""
    try:
        with transaction.atomic():
            esc = Escalation.objects.create(visit=visit, round=visit.watch_round, level=level, reason=reason,
                                            anchor=anchor_at, created_at=now, last_alert_at=now)
    except IntegrityError:
        return None  # already escalated at this level in this round
    esc.visit = visit
    record_event(visit, EventKind.ESCALATED, None, at=now, how=RecordedHow.SYSTEM,
                 note=esc.get_level_display(), data={"level": level, "reason": reason})
    from .notify import notify_escalation

    notify_escalation(esc, 1, now)
    return esc


# --- Office actions on an escalation ----------------------------------------------------------

def acknowledge(escalation: Escalation, by, now=None) -> Escalation:
    now = now or timezone.now()
    if not has_role(by, *roles.WATCHERS, roles.DSL) or school_of(by) != escalation.visit.school:
        raise PermissionDenied("Only the office, the head or the DSL acknowledge alerts.")
    with transaction.atomic():
        esc = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if esc.acknowledged_at is None:
            esc.acknowledged_at, esc.acknowledged_by = now, by
            esc.save(update_fields=["acknowledged_at", "acknowledged_by"])
            visit = Visit.objects.select_for_update().select_related("school").get(pk=esc.visit_id)
            record_event(visit, EventKind.ACKNOWLEDGED, by, at=now, data={"level": esc.level})
            refresh_next_check(visit)
            visit.save(update_fields=["next_check_at", "escalation_level", "updated_at"])
    return esc


def next_contact_step(escalation: Escalation) -> int:
    """R-CONTACT-STEPS are taken in order; the next one is after the last taken."""
    last = max((a.step for a in escalation.contact_attempts.all()), default=0)
    return min(last + 1, 4)


def record_contact(escalation: Escalation, step: int, outcome: str, by, *, note: str = "",
                   new_expected_return=None, now=None) -> ContactAttempt:
    """Record one contact step. Reaching the worker and confirming they are safe resolves the
    escalation, and needs their new expected return so the watchdog keeps watching."""
    now = now or timezone.now()
    if not has_role(by, *roles.WATCHERS, roles.DSL) or school_of(by) != escalation.visit.school:
        raise PermissionDenied("Only the office, the head or the DSL record contact steps.")
    allowed = next_contact_step(escalation)
    # R-CODEWORD: after a code word the police are called at once, before the other steps.
    police_now = step == ContactStep.POLICE and escalation.reason == EscalationReason.DURESS
    if step > allowed and not police_now:
        # R-CONTACT-STEPS
        raise ValidationError({"step": [f"Take the steps in order: next is step {allowed}."]})
    safe = outcome == ContactOutcome.REACHED_SAFE
    if safe and step not in (1, 2):
        raise ValidationError({"outcome": ["Only reaching the member of staff (or the location) confirms they are safe."]})
    with transaction.atomic():
        visit = Visit.objects.select_for_update().select_related("school").get(pk=escalation.visit_id)
        if Escalation.objects.filter(pk=escalation.pk, resolved_at__isnull=False).exists():
            raise ValidationError("This alert is already resolved: nothing more to record on it.")
        attempt = ContactAttempt.objects.create(escalation=escalation, step=step, outcome=outcome, note=note,
                                                by=by, at=now)
        record_event(visit, EventKind.CONTACT, by, at=now, note=note,
                     data={"step": step, "outcome": outcome, "level": escalation.level})
        if safe:
            if visit.state in OUT_STATES:
                if new_expected_return is None or new_expected_return <= now:
                    raise ValidationError({"new_expected_return": [
                        "They are still out: ask when they will be back and enter a time later than now."]})
                # Recorded as their late notice, given by phone (R-LATE-15).
                record_event(visit, EventKind.LATE, by, at=now, how=RecordedHow.PHONE, on_behalf_of=visit.lead,
                             data={"previous_expected_return": visit.expected_return.isoformat(),
                                   "new_expected_return": new_expected_return.isoformat()})
                visit.expected_return = new_expected_return
                visit.last_contact_at = now
            _resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True), by, now,
                     note or "Reached and confirmed safe")
            visit.watch_round += 1
            refresh_next_check(visit)
            visit.save()
    return attempt


# --- The scan ---------------------------------------------------------------------------------

@dataclasses.dataclass
class ScanResult:
    now: datetime.datetime
    escalated: list[str] = dataclasses.field(default_factory=list)
    repeated: list[str] = dataclasses.field(default_factory=list)
    resent: int = 0

    def summary(self) -> str:
        parts = []
        if self.escalated:
            parts.append(f"{len(self.escalated)} escalated ({', '.join(self.escalated[:20])})")
        if self.repeated:
            parts.append(f"{len(self.repeated)} alert(s) repeated")
        if self.resent:
            parts.append(f"{self.resent} pending notification(s) handed to the worker again")
        return "; ".join(parts) or "nothing due"


def scan(now: datetime.datetime, batch_size: int = 500, max_batches: int = 100) -> ScanResult:
    """Move every due visit one step along its ladder. Safe to run concurrently and repeatedly."""
    result = ScanResult(now=now)
    for _ in range(max_batches):  # bounded: at most max_batches x batch_size visits a tick
        if not _scan_batch(now, batch_size, result):
            break
    from .notify import resend_pending

    result.resent = resend_pending(now)
    with transaction.atomic():
        record_heartbeat(SCAN_HEARTBEAT, now, detail=result.summary())
    return result


def _scan_batch(now, batch_size, result) -> int:
    """Lock up to batch_size due visits (skipping rows another scan holds) and move each one step,
    with a constant number of queries per batch."""
    from .notify import escalation_audience, escalation_messages, queue, school_people

    with transaction.atomic():
        due = list(
            Visit.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state__in=OUT_STATES, next_check_at__lte=now)
            .select_related("school")
            .order_by("next_check_at")[:batch_size]
        )
        if not due:
            return 0
        by_visit: dict[int, list[Escalation]] = {v.pk: [] for v in due}
        for esc in Escalation.objects.filter(visit_id__in=by_visit):
            by_visit[esc.visit_id].append(esc)
        for visit in due:  # only this round's escalations count for the ladder
            by_visit[visit.pk] = [e for e in by_visit[visit.pk] if e.round == visit.watch_round]
        staff_of = _staff_by_visit(by_visit)

        created, repeated = [], []
        for visit in due:
            step = _plan_step(visit, by_visit[visit.pk], now)
            if step is None:
                continue
            (created if step.pk is None else repeated).append(step)
        created = _create_escalations(created)
        if repeated:
            Escalation.objects.bulk_update(repeated, ["alert_count", "last_alert_at"])

        events, messages, audiences = [], [], {}
        for esc, alert in [(e, 1) for e in created] + [(e, e.alert_count) for e in repeated]:
            visit = esc.visit
            visit._prefetched_objects_cache = {"staff": staff_of.get(visit.pk, [])}
            if alert == 1:
                by_visit[visit.pk].append(esc)
                visit.escalation_level = max(visit.escalation_level, esc.level)
                result.escalated.append(f"visit {visit.pk} level {esc.level}")
                events.append(VisitEvent(visit=visit, kind=EventKind.ESCALATED, at=now, how=RecordedHow.SYSTEM,
                                         note=esc.get_level_display(), data={"level": esc.level, "reason": esc.reason}))
            else:
                result.repeated.append(f"visit {visit.pk}")
                events.append(VisitEvent(visit=visit, kind=EventKind.ALERT_REPEATED, at=now, how=RecordedHow.SYSTEM,
                                         data={"level": esc.level, "alert": alert}))
            audience_key = (visit.school_id, escalation_audience(esc.level))
            if audience_key not in audiences:
                audiences[audience_key] = school_people(visit.school, *audience_key[1])
            messages.extend(escalation_messages(esc, alert, audiences[audience_key]))
        VisitEvent.objects.bulk_create(events)
        queue(messages, now)

        for visit in due:
            visit.next_check_at = next_check(visit, by_visit[visit.pk])
        Visit.objects.bulk_update(due, ["next_check_at", "escalation_level"])
        return len(due)


def _staff_by_visit(visit_ids) -> dict[int, list]:
    through = Visit.staff.through
    out: dict[int, list] = {}
    for link in through.objects.filter(visit_id__in=list(visit_ids)).select_related("user"):
        out.setdefault(link.visit_id, []).append(link.user)
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


def _plan_step(visit, round_escalations, now):
    """The next step for a due visit: a new Escalation (unsaved), an Escalation whose alert is
    repeated (alert_count already moved on), or None when nothing is due after all."""
    top = max(round_escalations, key=lambda e: e.level, default=None)
    base, reason = anchor(visit)
    if top is None:
        if now >= base + minutes(minutes=visit.school.late_call_minutes):
            return Escalation(visit=visit, round=visit.watch_round, level=EscalationLevel.LATE, reason=reason,
                              anchor=base, created_at=now, last_alert_at=now)
        return None
    if top.level == EscalationLevel.LATE:
        if now >= base + minutes(minutes=visit.school.office_chase_minutes):
            return Escalation(visit=visit, round=visit.watch_round, level=EscalationLevel.CHASE, reason=reason,
                              anchor=base, created_at=now, last_alert_at=now)
        return None
    if top.resolved_at is None and top.acknowledged_at is None and now >= top.last_alert_at + minutes(
            minutes=visit.school.alert_repeat_minutes):
        # R-RETURN-30: an unacknowledged top-level alert is repeated to the same people.
        top.visit = visit
        top.alert_count += 1
        top.last_alert_at = now
        return top
    return None
