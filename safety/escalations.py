"""Escalations of one visit and the office's actions on them: the visit's one open alert, raising
and closing escalations, acknowledging, and the contact steps (R-RETURN-30, R-CONTACT-STEPS,
R-CODEWORD). The scan that raises them on the ladder is safety.watchdog; check-ins from staff are
safety.checkins.

One visit in trouble is one alert, at its highest level: a visit has at most one open escalation.
Raising it closes the lower one as "raised to level N" (`raised_to`), and acknowledging the open
one acknowledges the visit's alert whole.

Locks are taken in one order everywhere (visit row, then its escalation rows): the check-ins, the
office's acknowledgement and contact steps, and the scan, so none of them can deadlock another.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import permissions
from visits.events import record_event
from visits.lifecycle import OUT_STATES, EventKind
from visits.localtime import as_utc
from visits.models import RecordedHow, Visit, VisitState
from visits.scoping import visible_visits

from . import ladder
from .alerts import notify_all_clear, notify_escalation, notify_taken, notify_unreached, out_on
from .models import (
    AlarmOutcome,
    ContactAttempt,
    ContactOutcome,
    ContactStep,
    Escalation,
    EscalationLevel,
    EscalationReason,
)


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
    visit.next_check_at = ladder.next_check(visit, _round_escalations(visit), alert)
    visit.escalation_level = alert.level if alert else 0


# --- Word from staff, and closing or raising escalations (the visit row locked by the caller) ------

def heard_from(visit, heard, everyone, now):
    """Word from the `heard` people (R-CHECKIN): each one's own check-in clock restarts."""
    for link in heard:
        if link.is_out:
            link.last_word_at = now
            link.save(update_fields=["last_word_at"])
    reset_heard_from_all(visit, everyone)


def reset_heard_from_all(visit, everyone):
    """The visit's check-in clock: the oldest last word among those of `everyone` still out."""
    words = [link.last_word_at or visit.last_contact_at or visit.departed_at for link in everyone if link.is_out]
    visit.heard_from_all_at = min((w for w in words if w), default=None)


def resolve(escalations, by, now, note, all_clear="", outcome="", outcome_note=""):
    """Close escalations of a visit whose row the caller has locked (then these rows: the lock order).
    `all_clear`: what happened, in fixed words ("everyone is back"), for the all clear that everyone
    the visit's alert reached is sent (never the note, which is free text). `outcome`: what the alarm
    was (AlarmOutcome), when the person resolving it says so; left empty it is "not yet said", for
    the office, the head or the DSL to say afterwards (say_outcome; R-REVIEW)."""
    escalations = list(escalations.select_for_update())
    for esc in escalations:
        esc.resolved_at, esc.resolved_by, esc.resolution_note = now, by, note
        fields = ["resolved_at", "resolved_by", "resolution_note"]
        if outcome:
            esc.outcome, esc.outcome_note, esc.outcome_by, esc.outcome_at = outcome, outcome_note, by, now
            fields += ["outcome", "outcome_note", "outcome_by", "outcome_at"]
        esc.save(update_fields=fields)
        record_event(esc.visit, EventKind.RESOLVED, by, at=now, how=RecordedHow.SYSTEM if by is None else RecordedHow.SELF,
                     note=note, data={"level": esc.level})
        if outcome:
            _record_outcome(esc, by, now)
    if escalations and all_clear:
        notify_all_clear(max(escalations, key=lambda e: e.level), by, now, all_clear)
    return escalations


def _record_outcome(esc: Escalation, by, now, previous: str = "") -> None:
    """The visit's history says what the alarm was, and who said it (a correction: what it was before)."""
    label = AlarmOutcome(esc.outcome).label
    if previous and previous != esc.outcome:
        note = f"Corrected to {label} (was {AlarmOutcome(previous).label})"
    else:
        note = f"Corrected: {label}" if previous else label
    if esc.outcome_note:
        note += f": {esc.outcome_note}"
    record_event(esc.visit, EventKind.ALARM_SAID, by, at=now, note=note,
                 data={"level": esc.level, "outcome": esc.outcome, **({"previous": previous} if previous else {})})


def escalate(visit, level, reason, anchor_at, now) -> Escalation | None:
    """Write the escalation row for (visit, round, level) once, then notify after commit. It becomes
    the visit's alert: a lower open one is closed as raised to it; a higher open one stays the alert
    and nothing new is written."""
    current = open_alert(visit, lock=True)
    if current is not None and current.level > level:
        return None
    if current is not None and current.level == level == EscalationLevel.EMERGENCY:
        return _sound_again(current, reason, now)
    if current is not None:
        current.visit = visit
    try:
        with transaction.atomic():
            if current is not None:
                _close_as_raised(current, level, now)
            esc = Escalation.objects.create(
                visit=visit, round=visit.watch_round, level=level, reason=reason, anchor=anchor_at, created_at=now,
                last_alert_at=now, tier_at=now, tiers_reached=ladder.first_tiers(visit, level, now, current),
                exhausted_at=current.exhausted_at if current is not None else None)
            if current is not None:
                Escalation.objects.filter(pk=current.pk).update(raised_to=esc)
    except IntegrityError:
        return None  # already escalated at this level in this round
    esc.visit = visit
    record_event(visit, EventKind.ESCALATED, None, at=now, how=RecordedHow.SYSTEM,
                 note=esc.get_level_display(), data={"level": level, "reason": reason})
    notify_escalation(esc, 1, now)
    return esc


def _sound_again(alert: Escalation, reason, now) -> Escalation:
    """A code word, duress or "not safe" while the visit's top-level alert is already open (R-CODEWORD):
    a new signal from someone in danger, never absorbed by the first. It goes out again to everyone
    at once, and whoever had acknowledged the first must acknowledge again, so it repeats until then."""
    alert.alert_count += 1
    alert.last_alert_at = alert.tier_at = now
    alert.acknowledged_at, alert.acknowledged_by = None, None
    if reason == EscalationReason.DURESS:
        # A code word after "not safe" makes it a code word's alert: police first (record_contact),
        # its words, and nothing on the phone that says school knows.
        alert.reason = reason
    alert.save(update_fields=["alert_count", "last_alert_at", "tier_at", "acknowledged_at", "acknowledged_by", "reason"])
    record_event(alert.visit, EventKind.ALERT_REPEATED, None, at=now, how=RecordedHow.SYSTEM,
                 note=alert.get_level_display(), data={"level": alert.level, "alert": alert.alert_count,
                                                       "reason": reason})
    notify_escalation(alert, alert.alert_count, now)
    return alert


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

def acknowledge(escalation: Escalation, by, now=None, link: str = "") -> Escalation:
    """Someone has the visit's alert (takes charge of it): it stops repeating (and stays on the board
    until resolved), and everyone else it went to is told who has it. Only the open alert can be
    acknowledged: one closed since the page was drawn (raised to a higher level, or resolved) is
    refused with what happened, so nobody acknowledges a level 1 they saw while the head is being
    alerted at level 2. The first wins (the row is locked): a second gets the alert back with the
    first one's name. `link`: the take-charge link's nonce (safety.takecharge), kept so it is used once."""
    now = now or timezone.now()
    # Not someone who has left the school (made inactive) pressing 1 on a call placed before.
    if not by.is_active or not permissions.may_keep_watch(by) or not permissions.of_school(by, escalation.visit.school):
        raise PermissionDenied("Only the office, the head or the DSL acknowledge alerts.")
    if by.pk in out_on(escalation.visit):  # R-CODEWORD: not the person in danger, nor their phone
        raise PermissionDenied("Someone still out on the visit cannot take charge of its alert.")
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
            record_event(visit, EventKind.ACKNOWLEDGED, by, at=now,
                         data={"level": esc.level, **({"link": link} if link else {})})
            refresh_next_check(visit)
            visit.save(update_fields=["next_check_at", "escalation_level", "updated_at"])
            esc.visit = visit
            notify_taken(esc, by, now)
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
                   new_expected_return=None, alarm_outcome: str = "", now=None) -> ContactAttempt:
    """Record one contact step. Reaching the worker and confirming they are safe resolves the
    escalation, and needs their new expected return so the watchdog keeps watching, and what the
    alarm was (`alarm_outcome`, AlarmOutcome; R-REVIEW), with the step's note as its note."""
    now = now or timezone.now()
    if new_expected_return is not None:
        new_expected_return = as_utc(new_expected_return)
    if not permissions.may_keep_watch(by) or not permissions.of_school(by, escalation.visit.school):
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
    if safe and alarm_outcome not in AlarmOutcome.values:
        # R-REVIEW: whoever resolves an alarm says what it was; checked before anything is written.
        raise ValidationError({"alarm_outcome": [ALARM_OUTCOME_MISSING]})
    with transaction.atomic():
        # Lock order: the visit row first, then the escalation.
        visit = Visit.objects.select_for_update().select_related("school").get(pk=escalation.visit_id)
        if Escalation.objects.select_for_update().filter(pk=escalation.pk, resolved_at__isnull=False).exists():
            raise ValidationError("This alert is already resolved: nothing more to record on it.")
        attempt = ContactAttempt.objects.create(escalation=escalation, step=step, outcome=outcome, note=note,
                                                by=by, at=now)
        # A step recorded: the person in charge is next reminded only after another quiet while.
        Escalation.objects.filter(pk=escalation.pk).update(last_step_at=now, charge_reminders=0)
        record_event(visit, EventKind.CONTACT, by, at=now, note=note,
                     data={"step": step, "outcome": outcome, "level": escalation.level})
        out = [link for link in visit.staff_links.select_related("user") if link.is_out]
        if safe:
            if visit.state in OUT_STATES and not out:
                # R-RETURN: everyone said they were back, in taps made before this alert and received
                # after it (safety.checkins._alert_since): the office has now reached them, so the visit is over.
                visit.state, visit.returned_at = VisitState.RETURNED, now
            elif visit.state in OUT_STATES:
                if new_expected_return is None or new_expected_return <= now:
                    raise ValidationError({"new_expected_return": [
                        "They are still out: ask when they will be back and enter a time later than now."]})
                # Recorded as their late notice, given by phone (R-LATE-15). The office has them
                # safe: that is word for everyone still out (R-CHECKIN).
                speaker = next((link.user for link in out if link.user_id == visit.lead_id), None)
                record_event(visit, EventKind.LATE, by, at=now, how=RecordedHow.PHONE,
                             on_behalf_of=speaker or (out[0].user if out else visit.lead),
                             data={"previous_expected_return": visit.expected_return.isoformat(),
                                   "new_expected_return": new_expected_return.isoformat()})
                visit.expected_return = new_expected_return
                visit.last_contact_at = now
                heard_from(visit, out, out, now)
            resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True), by, now,
                    note or "Reached and confirmed safe", all_clear="reached by the school and safe",
                    outcome=alarm_outcome, outcome_note=note)
            visit.watch_round += 1
            refresh_next_check(visit)
            visit.save(update_fields=["state", "returned_at", "expected_return", "last_contact_at",
                                      "heard_from_all_at", "watch_round", "next_check_at", "escalation_level",
                                      "updated_at"])
        else:
            refresh_next_check(visit)  # the next reminder counts from this step
            visit.save(update_fields=["next_check_at", "escalation_level", "updated_at"])
    return attempt


# --- What an alarm was (R-REVIEW) ---------------------------------------------------------------

ALARM_OUTCOME_MISSING = "Say what the alarm was."


def visible_alarms(user):
    """The resolved alarms of the visits `user` sees (visits.scoping), for those who say what they
    were (the office, the head, the DSL); nobody else sees any."""
    if not permissions.may_say_alarm_outcome(user):
        return Escalation.objects.none()
    return Escalation.objects.alarms().filter(visit__in=visible_visits(user))


def say_outcome(escalation: Escalation, outcome: str, by, *, note: str = "", now=None) -> Escalation:
    """Say what a resolved alarm was (R-REVIEW), afterwards: staff who tap "back" on their phone are
    not asked on the doorstep, so their alarm waits "not yet said" for the office, the head or the
    DSL of its school. Once said, only the head or the DSL correct it; every saying is a visit event
    (and a history row of the escalation)."""
    now = now or timezone.now()
    if (not by.is_active or not permissions.may_say_alarm_outcome(by)
            or not permissions.of_school(by, escalation.visit.school)):
        raise PermissionDenied("Only the office, the head or the DSL say what an alarm was.")
    if outcome not in AlarmOutcome.values:
        raise ValidationError({"outcome": [ALARM_OUTCOME_MISSING]})
    with transaction.atomic():
        # Lock order: the visit row first, then the escalation.
        visit = Visit.objects.select_for_update().get(pk=escalation.visit_id)
        esc = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if not esc.is_alarm:
            raise ValidationError("This alarm is not resolved yet: say what it was once it is.")
        previous = esc.outcome
        if previous and not permissions.may_correct_alarm_outcome(by):
            raise PermissionDenied("Only the head of school or the DSL correct what an alarm was.")
        if previous == outcome and esc.outcome_note == note:
            return esc  # said again, the same: nothing changes, nothing to record
        esc.outcome, esc.outcome_note, esc.outcome_by, esc.outcome_at = outcome, note, by, now
        esc.save(update_fields=["outcome", "outcome_note", "outcome_by", "outcome_at"])
        esc.visit = visit
        _record_outcome(esc, by, now, previous=previous)
    return esc


# --- An alert that reached nobody ---------------------------------------------------------------

def mark_unreached(escalation_id: int, now) -> Escalation | None:
    """The watchdog found that the open alert `escalation_id` reached nobody (notifications.outbox
    .reached_nobody, or nobody could be sent it): that is an alert of its own, recorded on the visit,
    shown on the board, and sent at once to the next people up on every channel they have. Once per
    escalation; None when it was closed, taken charge of or marked meanwhile."""
    with transaction.atomic():
        esc = (Escalation.objects.select_related("visit__school").filter(pk=escalation_id).first())
        if esc is None:
            return None
        Visit.objects.select_for_update().filter(pk=esc.visit_id).first()  # the lock order: visit first
        esc = (Escalation.objects.select_for_update().select_related("visit__school")
               .filter(pk=escalation_id, resolved_at__isnull=True, acknowledged_at__isnull=True,
                       unreached_at__isnull=True).first())
        if esc is None:
            return None
        # The alert moves on to the next tier of the roster at once (accounts.roster).
        esc.unreached_at, esc.tier_at = now, now
        esc.tiers_reached += 1
        esc.save(update_fields=["unreached_at", "tier_at", "tiers_reached"])
        record_event(esc.visit, EventKind.UNREACHED, None, at=now, how=RecordedHow.SYSTEM,
                     note=f"Level {esc.level}", data={"level": esc.level})
        notify_unreached(esc, now)
    return esc
