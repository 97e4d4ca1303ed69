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

One visit in trouble is one alert, at its highest level: a visit has at most one open escalation.
Raising it closes the lower one as "raised to level N" (`raised_to`), and acknowledging the open
one acknowledges the visit's alert whole. While an alert is open at a level, the ladder raises
nothing at that level or below (a code word stays the visit's alert after a new return time), and
an unacknowledged alert at level 2 or 3 repeats, whichever round it was raised in.

Locks are taken in one order everywhere (visit row, then its escalation rows): the check-ins, the
office's acknowledgement and contact steps, and the scan, so none of them can deadlock another.

All times are aware UTC datetimes (visits.localtime.as_utc); adding minutes is elapsed time, so the
clock change neither shifts nor loses an escalation.
"""

import dataclasses
import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import roles
from accounts.models import has_role, school_of
from notifications.outbox import pending_to_hand_over, queue, resend_pending, school_people
from visits.alerts import notify_head_now
from visits.events import new_event, record_event, record_events
from visits.localtime import as_utc
from visits.models import OUT_STATES, EventKind, RecordedHow, Visit, VisitEvent, VisitStaff, VisitState

from .alerts import escalation_audience, escalation_messages, notify_escalation
from .health import SCAN_HEARTBEAT, record_heartbeat
from .models import ContactAttempt, ContactOutcome, ContactStep, Escalation, EscalationLevel, EscalationReason

logger = logging.getLogger(__name__)

minutes = datetime.timedelta  # readability: minutes(minutes=15)


# --- When does the next rule fire? ------------------------------------------------------------

def anchor(visit: Visit) -> tuple[datetime.datetime, str]:
    """The deadline the ladder counts from, and why (late return or a missed periodic check-in), as
    a UTC instant: a time just typed may still carry the local zone, where adding minutes would be
    wall-clock arithmetic."""
    interval = visit.school.checkin_interval_minutes
    expected = as_utc(visit.expected_return)
    if interval:
        # Each person's word counts for them only: the clock runs from the oldest among those out.
        last_word = as_utc(visit.heard_from_all_at or visit.last_contact_at or visit.departed_at)
        checkin_due = last_word + datetime.timedelta(minutes=interval)
        if checkin_due < expected:
            return checkin_due, EscalationReason.MISSED_CHECKIN
    return expected, EscalationReason.LATE_RETURN


def _ladder_level(round_escalations: list[Escalation]) -> int | None:
    """The level this round's ladder raises next: 1, then 2; nothing above (3 only by a code word)."""
    top = max((e.level for e in round_escalations), default=0)
    return {0: EscalationLevel.LATE, EscalationLevel.LATE: EscalationLevel.CHASE}.get(top)


def _ladder_due(visit: Visit, level: int, base: datetime.datetime) -> datetime.datetime:
    school = visit.school
    wait = school.late_call_minutes if level == EscalationLevel.LATE else school.office_chase_minutes
    return base + datetime.timedelta(minutes=wait)  # R-LATE-15, R-RETURN-30


def _repeats(alert: Escalation | None) -> bool:
    """R-RETURN-30: an open alert at level 2 or 3 repeats until someone acknowledges it."""
    return alert is not None and alert.level >= EscalationLevel.CHASE and alert.acknowledged_at is None


def next_check(visit: Visit, round_escalations: list[Escalation],
               alert: Escalation | None = None) -> datetime.datetime | None:
    """When the watchdog must next look at this visit, given this round's escalations and the
    visit's open alert (from any round)."""
    if visit.state not in OUT_STATES:
        return None
    base, _ = anchor(visit)
    times = []
    level = _ladder_level(round_escalations)
    if level is not None and (alert is None or alert.level < level):
        times.append(_ladder_due(visit, level, base))
    if _repeats(alert):
        times.append(as_utc(alert.last_alert_at) + datetime.timedelta(minutes=visit.school.alert_repeat_minutes))
    # None: someone is dealing with it; it stays on the board until resolved.
    return min(times, default=None)


def _round_escalations(visit: Visit) -> list[Escalation]:
    return list(Escalation.objects.filter(visit=visit, round=visit.watch_round))


def open_alert(visit: Visit, lock: bool = False) -> Escalation | None:
    """The visit's one open escalation (its alert), if any. `lock`: inside a transaction that
    already holds the visit row (the lock order: visit, then escalations)."""
    alerts = Escalation.objects.open_alerts().filter(visit=visit)
    if lock:
        alerts = alerts.select_for_update()
    return alerts.order_by("-level").first()


def refresh_next_check(visit: Visit) -> None:
    alert = open_alert(visit)
    visit.next_check_at = next_check(visit, _round_escalations(visit), alert)
    visit.escalation_level = alert.level if alert else 0


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
    if new_expected_return is not None:
        new_expected_return = as_utc(new_expected_return)
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
    # Lock order: the visit row first, then its escalations (in _resolve and _escalate).
    visit = Visit.objects.select_for_update().select_related("school").get(pk=visit.pk)
    if kind == EventKind.DEPARTED:
        # R-DEPART: only an approved visit, only on the day of the visit.
        if visit.state != VisitState.APPROVED:
            raise ValidationError(
                f"Only an approved visit can start; this one is {visit.get_state_display().lower()}."
            )
        if timezone.localdate(visit.planned_start) != timezone.localdate(now):
            raise ValidationError("A visit can only start on the day it is planned for.")
    elif visit.state not in OUT_STATES:
        raise ValidationError(f"Nobody is out on this visit ({visit.get_state_display().lower()}).")
    # Whose word this is (R-RETURN, R-CHECKIN): the member of staff themselves, or the one the
    # office names after a call. Someone already back gives no more word for the visit.
    links = {link.user_id: link for link in visit.staff_links.select_related("user")}
    link = _whose_word(links, by, on_behalf_of)
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
        # Everyone on the visit leaves with it: each is out, and heard from, as of now.
        _heard_from(visit, links.values(), links.values(), now)
    else:
        _heard_from(visit, [link], links.values(), now)
    if kind in NEXT_STATE and kind != EventKind.RETURNED:
        visit.state = NEXT_STATE[kind]
    visit.last_contact_at = now

    if kind == EventKind.LATE:
        visit.expected_return = new_expected_return
        # A new time answers a late return; a missed check-in only once everyone still out has given word.
        if _checkin_answered(visit, now) or not _missed_checkin_open(visit):
            _start_new_round(visit, by, now, "New expected return given", reasons=(
                EscalationReason.LATE_RETURN, EscalationReason.MISSED_CHECKIN))
    elif kind in (EventKind.OK, EventKind.ARRIVED, EventKind.LEFT, EventKind.NO_ONE_HOME):
        # Word from staff answers a missed periodic check-in (not a late return: that needs a new time).
        _answer_missed_checkin(visit, by, now)
    elif kind == EventKind.RETURNED:
        if _back(visit, link, links.values(), now):
            # R-RETURN: everyone is back: the visit is over and every open escalation closes.
            visit.state = VisitState.RETURNED
            visit.returned_at = now
            _resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True), by, now, "Everyone is back")
        else:
            # The others are still out, and still watched; the one back no longer holds up a check-in.
            _answer_missed_checkin(visit, by, now)

    if kind in (EventKind.DURESS, EventKind.UNSAFE):
        reason = EscalationReason.DURESS if kind == EventKind.DURESS else EscalationReason.UNSAFE
        _escalate(visit, EscalationLevel.EMERGENCY, reason, anchor_at=now, now=now)
    elif kind == EventKind.ABANDONED:
        notify_head_now(visit, "Visit abandoned", key=f"abandoned:{event.pk}", now=now)

    refresh_next_check(visit)
    visit.save()
    return event


def _whose_word(links, by, on_behalf_of):
    """The link of the member of staff a check-in is from: the one who taps it, or, recorded by
    the office or head after a call, the one who called. Refused for someone already back."""
    if on_behalf_of is not None and on_behalf_of.pk != by.pk:
        if not has_role(by, *roles.WATCHERS):
            raise PermissionDenied("Only the office or the head records a check-in for someone else.")
        person = on_behalf_of
    elif by.pk in links:
        person = by
    else:
        raise ValidationError({"on_behalf_of": ["Choose who called."]})
    link = links.get(person.pk)
    if link is None:
        raise ValidationError({"on_behalf_of": ["They are not on this visit."]})
    if not link.is_out:
        still_out = ", ".join(other.name for other in links.values() if other.is_out)
        who = "You are" if person.pk == by.pk else f"{link.name} is"
        raise ValidationError(f"{who} already back from this visit" + (f"; still out: {still_out}." if still_out
                                                                       else "."))
    return link


def _heard_from(visit, heard, everyone, now):
    """Word from the `heard` people (R-CHECKIN): each one's own check-in clock restarts."""
    for link in heard:
        if link.is_out:
            link.last_word_at = now
            link.save(update_fields=["last_word_at"])
    _reset_heard_from_all(visit, everyone)


def _reset_heard_from_all(visit, everyone):
    """The visit's check-in clock: the oldest last word among those of `everyone` still out."""
    words = [link.last_word_at or visit.last_contact_at or visit.departed_at for link in everyone if link.is_out]
    visit.heard_from_all_at = min((w for w in words if w), default=None)


def _back(visit, link, everyone, now) -> bool:
    """One member of staff is back (R-RETURN); True when that was the last one out."""
    link.returned_at = now
    link.save(update_fields=["returned_at"])
    _reset_heard_from_all(visit, everyone)
    return not any(other.is_out for other in everyone)


def _checkin_answered(visit, now) -> bool:
    """Has everyone still out given word since their periodic check-in fell due (R-CHECKIN)?"""
    interval = visit.school.checkin_interval_minutes
    if not interval or visit.heard_from_all_at is None:
        return True
    return visit.heard_from_all_at + datetime.timedelta(minutes=interval) > now


def _missed_checkin_open(visit) -> bool:
    return Escalation.objects.filter(visit=visit, round=visit.watch_round, resolved_at__isnull=True,
                                     reason=EscalationReason.MISSED_CHECKIN).exists()


def _answer_missed_checkin(visit, by, now):
    if _checkin_answered(visit, now) and _missed_checkin_open(visit):
        _start_new_round(visit, by, now, "Checked in", reasons=(EscalationReason.MISSED_CHECKIN,))


def _start_new_round(visit, by, now, note, reasons):
    _resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True, reason__in=reasons), by, now, note)
    visit.watch_round += 1


def _resolve(escalations, by, now, note):
    """Close escalations of a visit whose row the caller has locked (then these rows: the lock order)."""
    escalations = list(escalations.select_for_update())
    for esc in escalations:
        esc.resolved_at, esc.resolved_by, esc.resolution_note = now, by, note
        esc.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
        record_event(esc.visit, EventKind.RESOLVED, by, at=now, how=RecordedHow.SYSTEM if by is None else RecordedHow.SELF,
                     note=note, data={"level": esc.level})
    return escalations


def _escalate(visit, level, reason, anchor_at, now) -> Escalation | None:
    """Write the escalation row for (visit, round, level) once, then notify after commit. It becomes
    the visit's alert: a lower open one is closed as raised to it; a higher open one stays the alert
    and nothing new is written."""
    current = open_alert(visit, lock=True)
    if current is not None and current.level > level:
        return None
    if current is not None:
        current.visit = visit
    try:
        with transaction.atomic():
            if current is not None:
                _close_as_raised(current, level, now)
            esc = Escalation.objects.create(visit=visit, round=visit.watch_round, level=level, reason=reason,
                                            anchor=anchor_at, created_at=now, last_alert_at=now)
            if current is not None:
                Escalation.objects.filter(pk=current.pk).update(raised_to=esc)
    except IntegrityError:
        return None  # already escalated at this level in this round
    esc.visit = visit
    record_event(visit, EventKind.ESCALATED, None, at=now, how=RecordedHow.SYSTEM,
                 note=esc.get_level_display(), data={"level": level, "reason": reason})
    notify_escalation(esc, 1, now)
    return esc


def raised_note(level: int) -> str:
    return f"Raised to level {level}"


def _close_as_raised(lower: Escalation, level: int, now) -> None:
    """The visit's alert moves up a level: its lower open escalation closes (the caller links it to
    the new one). It needs no acknowledgement of its own any more: the new level is the alert."""
    lower.resolved_at, lower.resolved_by, lower.resolution_note = now, None, raised_note(level)
    lower.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    record_event(lower.visit, EventKind.RESOLVED, None, at=now, how=RecordedHow.SYSTEM,
                 note=raised_note(level), data={"level": lower.level, "raised_to": level})


# --- Office actions on an escalation ----------------------------------------------------------

def acknowledge(escalation: Escalation, by, now=None) -> Escalation:
    """Someone has the visit's alert: it stops repeating (and stays on the board until resolved).
    Only the open alert can be acknowledged: one closed since the page was drawn (raised to a
    higher level, or resolved) is refused with what happened, so nobody acknowledges a level 1
    they saw while the head is being alerted at level 2."""
    now = now or timezone.now()
    if not has_role(by, *roles.WATCHERS, roles.DSL) or school_of(by) != escalation.visit.school:
        raise PermissionDenied("Only the office, the head or the DSL acknowledge alerts.")
    with transaction.atomic():
        # Lock order: the visit row first, then the escalation (as the scan and the check-ins do).
        visit = Visit.objects.select_for_update().select_related("school").get(pk=escalation.visit_id)
        esc = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if esc.resolved_at is not None:
            current = open_alert(visit)
            if current is not None and current.level > esc.level:
                raise ValidationError(f"This alert has been raised to level {current.level} since the page was "
                                      "drawn: look at it again and acknowledge that.")
            raise ValidationError("This alert is already resolved: there is nothing to acknowledge.")
        if esc.acknowledged_at is None:
            esc.acknowledged_at, esc.acknowledged_by = now, by
            esc.save(update_fields=["acknowledged_at", "acknowledged_by"])
            record_event(visit, EventKind.ACKNOWLEDGED, by, at=now, data={"level": esc.level})
            refresh_next_check(visit)
            visit.save(update_fields=["next_check_at", "escalation_level", "updated_at"])
    return esc


def alert_chain(escalation: Escalation) -> list[Escalation]:
    """The escalation and the lower levels it was raised from (one alert, several levels)."""
    chain, ids = [escalation], [escalation.pk]
    while ids:
        lower = list(Escalation.objects.filter(raised_to_id__in=ids))
        chain += lower
        ids = [e.pk for e in lower]
    return chain


def next_contact_step(escalation: Escalation) -> int:
    """R-CONTACT-STEPS are taken in order; the next one is after the last taken on this alert, its
    lower levels included (raising it to level 2 does not start the steps again)."""
    last = max(ContactAttempt.objects.filter(escalation__in=alert_chain(escalation)).values_list("step", flat=True),
               default=0)
    return min(last + 1, 4)


def record_contact(escalation: Escalation, step: int, outcome: str, by, *, note: str = "",
                   new_expected_return=None, now=None) -> ContactAttempt:
    """Record one contact step. Reaching the worker and confirming they are safe resolves the
    escalation, and needs their new expected return so the watchdog keeps watching."""
    now = now or timezone.now()
    if new_expected_return is not None:
        new_expected_return = as_utc(new_expected_return)
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
        # Lock order: the visit row first, then the escalation.
        visit = Visit.objects.select_for_update().select_related("school").get(pk=escalation.visit_id)
        if Escalation.objects.select_for_update().filter(pk=escalation.pk, resolved_at__isnull=False).exists():
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
                # Recorded as their late notice, given by phone (R-LATE-15). The office has them
                # safe: that is word for everyone still out (R-CHECKIN).
                out = [link for link in visit.staff_links.select_related("user") if link.is_out]
                speaker = next((link.user for link in out if link.user_id == visit.lead_id), None)
                record_event(visit, EventKind.LATE, by, at=now, how=RecordedHow.PHONE,
                             on_behalf_of=speaker or (out[0].user if out else visit.lead),
                             data={"previous_expected_return": visit.expected_return.isoformat(),
                                   "new_expected_return": new_expected_return.isoformat()})
                visit.expected_return = new_expected_return
                visit.last_contact_at = now
                _heard_from(visit, out, out, now)
            _resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True), by, now,
                     note or "Reached and confirmed safe")
            visit.watch_round += 1
            refresh_next_check(visit)
            visit.save()
    return attempt


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
        if self.resent:
            verb = "would be handed" if self.dry_run else "handed"
            parts.append(f"{self.resent} pending notification(s) {verb} to the worker again")
        return "; ".join(parts) or "nothing due"


def scan(now: datetime.datetime, batch_size: int = 500, max_batches: int = 100) -> ScanResult:
    """Move every due visit one step along its ladder. Safe to run concurrently and repeatedly.
    Only a scan at the real time stamps the heartbeat: a drill at another time must neither hide a
    dead beat (a time ahead) nor raise the banner (a time behind)."""
    result = ScanResult(now=now)
    real_time = is_real_time(now)
    for _ in range(max_batches):  # bounded: at most max_batches x batch_size visits a tick
        if not _scan_batch(now, batch_size, result):
            break
    result.resent = resend_pending(now)
    if real_time:
        with transaction.atomic():
            record_heartbeat(SCAN_HEARTBEAT, now, detail=result.summary())
    return result


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
        key = (visit.school_id, escalation_audience(step.level))
        if key not in audiences:
            audiences[key] = school_people(visit.school, *key[1])
        names = [f"{p.get_full_name() or p.get_username()} ({', '.join(_channels(p))})"
                 for p in audiences[key] if _channels(p)]
        result.would_notify.append(f"{label}: {'; '.join(names) or 'nobody with an email or mobile'}")
    result.resent = pending_to_hand_over(now).count()
    return result


def _channels(person) -> list[str]:
    return [name for name, has in (("email", person.email),
                                   ("SMS", getattr(getattr(person, "profile", None), "mobile", None))) if has]


def _escalations_by_visit(due) -> dict[int, tuple[list[Escalation], Escalation | None]]:
    """For each due visit: this round's escalations (for the ladder) and its open alert (any round)."""
    found: dict[int, list[Escalation]] = {v.pk: [] for v in due}
    for esc in Escalation.objects.filter(visit_id__in=found):
        found[esc.visit_id].append(esc)
    out = {}
    for visit in due:
        mine = found[visit.pk]
        alert = max((e for e in mine if e.resolved_at is None), key=lambda e: e.level, default=None)
        out[visit.pk] = ([e for e in mine if e.round == visit.watch_round], alert)
    return out


def _scan_batch(now, batch_size, result) -> int:
    """Lock up to batch_size due visits (skipping rows another scan holds) and move each one step,
    with a constant number of queries per batch."""
    with transaction.atomic():
        # Lock order: the visit rows first; their escalation rows are only written after.
        due = list(
            Visit.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state__in=OUT_STATES, next_check_at__lte=now)
            .select_related("school")
            .order_by("next_check_at", "pk")[:batch_size]
        )
        if not due:
            return 0
        escalations = _escalations_by_visit(due)
        by_visit = {pk: list(round_escalations) for pk, (round_escalations, _) in escalations.items()}
        alerts = {pk: alert for pk, (_, alert) in escalations.items()}
        staff_of = _staff_by_visit(by_visit)

        created, repeated, raised = [], [], []
        for visit in due:
            step = _plan_step(visit, by_visit[visit.pk], alerts[visit.pk], now)
            if step is None:
                continue
            if step.pk is None:
                created.append(step)
                lower = alerts[visit.pk]
                if lower is not None:  # the visit's alert moves up: its lower level closes
                    lower.resolved_at, lower.resolution_note = now, raised_note(step.level)
                    raised.append((lower, step))
            else:
                repeated.append(step)
        if raised:
            Escalation.objects.bulk_update([lower for lower, _ in raised], ["resolved_at", "resolution_note"])
        created = _create_escalations(created)
        kept = {id(esc) for esc in created}
        for lower, higher in raised:
            if id(higher) in kept:
                lower.raised_to = higher
        if raised:
            Escalation.objects.bulk_update([lower for lower, _ in raised], ["raised_to"])
        if repeated:
            Escalation.objects.bulk_update(repeated, ["alert_count", "last_alert_at"])

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
            audience_key = (visit.school_id, escalation_audience(esc.level))
            if audience_key not in audiences:
                audiences[audience_key] = school_people(visit.school, *audience_key[1])
            messages.extend(escalation_messages(esc, alert, audiences[audience_key]))
        record_events(events)
        queue(messages, now)

        for visit in due:
            visit.next_check_at = next_check(visit, by_visit[visit.pk], alerts[visit.pk])
        Visit.objects.bulk_update(due, ["next_check_at", "escalation_level"])
        return len(due)


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
    base, reason = anchor(visit)
    level = _ladder_level(round_escalations)
    if level is not None and (alert is None or alert.level < level) and now >= _ladder_due(visit, level, base):
        return Escalation(visit=visit, round=visit.watch_round, level=level, reason=reason,
                          anchor=base, created_at=now, last_alert_at=now)
    if _repeats(alert) and now >= as_utc(alert.last_alert_at) + minutes(minutes=visit.school.alert_repeat_minutes):
        # R-RETURN-30: an unacknowledged alert at level 2 or 3 is repeated to the same people.
        alert.visit = visit
        alert.alert_count += 1
        alert.last_alert_at = now
        return alert
    return None
