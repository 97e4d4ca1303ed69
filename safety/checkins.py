"""Check-ins from staff who are out (R-DEPART .. R-RETURN, R-CHECKIN, R-LATE-15, R-CODEWORD): each one
checked against the one transition table (visits.lifecycle.CHECK_INS), recorded as a visit event,
and moving the watchdog with it (`next_check_at`, safety.ladder).

The round starts at departure and moves on when staff give word that resets the clock (a late
notice with a new time, a check-in that answers a missed check-in), so a visit can be escalated
afresh if staff are late again after giving a new time.
"""


import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import permissions, pins
from accounts.models import school_of
from visits import cover, lifecycle
from visits.alerts import notify_head_now
from visits.events import record_event
from visits.lifecycle import OUT_STATES, EventKind
from visits.localtime import as_utc
from visits.models import RecordedHow, Visit, VisitEvent, VisitState
from visits.watch import watch_of

from . import location
from .escalations import escalate, heard_from, refresh_next_check, reset_heard_from_all, resolve
from .models import Escalation, EscalationLevel, EscalationReason

# What each check-in does to the visit's state, and from which states it is accepted: one table,
# read by the pages that offer check-ins too (visits.lifecycle.CHECK_INS).
CHECKIN_KINDS = lifecycle.CHECKIN_KINDS


def may_record_for(user, visit: Visit) -> bool:
    """Staff on the visit record their own check-ins; the office and head record them after a call.
    R-CHECKIN, R-RETURN: someone on the visit always may, whichever of their schools they are working
    for now (a family support worker of two schools texting "back" from a visit of the other one)."""
    if visit.staff.filter(pk=user.pk).exists():
        return True
    return school_of(user) == visit.school and permissions.may_record_calls(user)


def pin_asked(visit: Visit, kind: str, by, how: str = RecordedHow.SELF, on_behalf_of=None) -> bool:
    """R-CODEWORD: ending a visit on one's own phone needs one's PIN, where the school asks for it and
    the person has set their PINs (without them there is nothing to type: the account page asks them to).
    Ending it by text message always does: a text's sender can be forged, and the PIN is the proof
    (without PINs set, a text cannot end a visit)."""
    if how == RecordedHow.TEXT:
        return kind in cover.COVER_KINDS
    return (kind in cover.COVER_KINDS and how == RecordedHow.SELF and visit.school.pin_to_end_visit
            and (on_behalf_of is None or on_behalf_of.pk == by.pk) and pins.has_pins(by))


def check_in(visit: Visit, kind: str, by, *, now=None, note: str = "", new_expected_return=None,
             how: str = RecordedHow.SELF, on_behalf_of=None, idempotency_key: str | None = None,
             pin: str | None = None, position: tuple | None = None, tapped_at=None) -> VisitEvent:
    """Record one check-in event for a visit and move the watchdog with it.

    A retried or double-tapped submission carrying the same idempotency key records once and
    returns the first event. Where the PIN is asked (pin_asked), the safety PIN records the check-in;
    the duress PIN records a duress signal in its place (_duress_pin), and the caller shows the phone
    what the check-in would have shown (visits.cover); a wrong one records nothing. `position`: the
    phone's (latitude, longitude, accuracy in metres), kept only as safety.location.to_keep allows.
    `tapped_at`: when the phone says it was tapped, for a tap it kept without signal and sends now
    (static/js/offline-taps.js); kept beside the received time when believable (said_at_of).
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
    place = location.to_keep(by, how, *position) if position else None
    extra = {"location": place} if place else None
    proved = False  # their safety PIN typed with it
    if pin_asked(visit, kind, by, how, on_behalf_of):
        # Before any write: a wrong PIN is counted (accounts.throttle) and nothing else is kept.
        answer = pins.check_pin(by, pin or "", now=now)
        if answer.duress:
            return _duress_pin(visit, kind, by, now, idempotency_key, answer.refusal, extra)
        if not answer.accepted:
            raise ValidationError({"pin": [answer.refusal]})
        proved = True
    try:
        with transaction.atomic():
            return _check_in(visit, kind, by, now, note, new_expected_return, how, on_behalf_of, idempotency_key,
                             data=extra, tapped_at=tapped_at, proved=proved)
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


def _duress_pin(visit, kind, by, now, idempotency_key, refusal, extra=None) -> VisitEvent:
    """R-CODEWORD: the duress PIN typed to end a visit ("Left the property", "Back at school"). The top
    level goes up at once through the one duress path (_check_in with EventKind.DURESS), and the
    check-in it stands in for is NOT recorded: the visit stays out, its staff still out and watched,
    and no all clear goes. The event keeps what the phone was asked for ("cover"), so the phones on
    the visit show it as recorded (visits.cover) while the office, the head and the DSL see the truth.

    Where the safety PIN would have been refused (no tries left, or a check-in the phone's page can no
    longer record), the alarm still goes, and the phone gets that same refusal."""
    label = EventKind(kind).label
    try:
        with transaction.atomic():
            locked = Visit.objects.select_for_update().select_related("school").get(pk=visit.pk)
            refused = refusal or _refusal_on_phone(locked, kind, by)
            if refused:
                note = f"Duress PIN typed to record \u201c{label}\u201d; their phone shows: {refused}"
            else:
                note = (f"Duress PIN typed instead of the safety PIN, to record \u201c{label}\u201d. Their phone "
                        "shows it as recorded; it is not: they are still out and watched.")
            event = _check_in(locked, EventKind.DURESS, by, now, note, None, RecordedHow.SELF, None,
                              None if refused else idempotency_key,
                              data={"signal": cover.SIGNAL_DURESS_PIN, "cover": "" if refused else kind,
                                    **(extra or {})})
            if not refused and kind == EventKind.RETURNED and locked.day_round_id is not None:
                _cover_round(locked, by, now)
    except IntegrityError:
        earlier = _same_key(visit, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return earlier
    if refused:
        raise ValidationError({"pin": [refused]} if refusal else refused)
    return event


def _cover_round(visit, by, now):
    """R-CODEWORD, R-LUNCH: "Back at school" would have brought them back from the round's earlier
    visits too, so each of those the phone shows as though it had (visits.cover), and none is: they
    stay out. The alarm is the one of the visit it was typed on (one alert for the round)."""
    for earlier in _others_out_in_round(visit):
        if earlier.handed_on_at is None or not earlier.staff_links.filter(user=by, returned_at__isnull=True).exists():
            continue
        record_event(earlier, EventKind.DURESS, by, at=now,
                     note="Duress PIN typed to record \u201cBack at school\u201d on the round's next visit, where "
                          "the alarm is. Their phone shows this visit as back too; it is not.",
                     data={"signal": cover.SIGNAL_DURESS_PIN, "cover": EventKind.RETURNED, "alarm_on": visit.pk})


def _refusal_on_phone(visit, kind, by) -> str:
    """What the phone's page would be told for `kind` now, as the phone shows the visit (visits.cover)."""
    shown = cover.as_the_phone_shows(visit)
    refused = lifecycle.refusal(kind, shown.state, shown.get_state_display().lower())
    if refused:
        return refused
    try:
        _whose_word({link.user_id: link for link in shown.staff_links_with_people()}, by, None)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


# How far ahead of the server's clock a phone's may run, and how old a kept tap may be.
CLOCK_SKEW = datetime.timedelta(minutes=2)
OLDEST_KEPT_TAP = datetime.timedelta(hours=24)


def said_at_of(visit: Visit, tapped_at, now) -> datetime.datetime | None:
    """When a tap the phone kept without signal was made, if believable: not ahead of the server's
    clock by more than CLOCK_SKEW (a little ahead counts as now), not before the visit left (or, for
    the departure itself, before it was planned), and not older than OLDEST_KEPT_TAP. Otherwise None:
    the tap is still recorded, at the time it was received; a phone's clock never refuses a tap.
    The server's clock alone moves the watchdog (R-LATE-15, R-CHECKIN)."""
    if tapped_at is None:
        return None
    tapped_at = as_utc(tapped_at)
    if tapped_at > now + CLOCK_SKEW or tapped_at < now - OLDEST_KEPT_TAP:
        return None
    floor = visit.departed_at or visit.created_at
    if floor is not None and tapped_at < floor:
        return None
    return min(tapped_at, now)


def _alert_since(visit, said_at):
    """An alert open on the visit that was raised after the tap was made: the tap arrived late and
    must not close it (R-LATE-15, R-RETURN-30, R-CHECKIN); the office decides."""
    if said_at is None:
        return None
    return (Escalation.objects.filter(visit=visit, resolved_at__isnull=True, created_at__gt=said_at)
            .order_by("-level").first())


def _unproved_duress(visit, link, proved, how):
    """R-CODEWORD: the duress alarm open on the visit while the person who gave the signal has not
    proved they are back: with their safety PIN, or by the office recording them back after a call
    (this check-in or an earlier one). A tap on "back" without the PIN proves nothing: whoever holds
    the phone can make it. None when there is no such alarm."""
    alarm = Escalation.objects.filter(visit=visit, resolved_at__isnull=True, reason=EscalationReason.DURESS).first()
    signal = visit.events.filter(kind=EventKind.DURESS).order_by("-at", "-pk").first()
    if alarm is None or signal is None:
        return None
    giver = signal.on_behalf_of_id or signal.actor_id
    if link.user_id == giver and (proved or how == RecordedHow.PHONE):
        return None
    backs = visit.events.filter(kind=EventKind.RETURNED, at__gte=signal.at).filter(
        Q(on_behalf_of_id=giver) | Q(on_behalf_of__isnull=True, actor_id=giver))
    if backs.filter(Q(how=RecordedHow.PHONE) | Q(data__pin_proved=True)).exists():
        return None
    return alarm


def _check_in(visit, kind, by, now, note, new_expected_return, how, on_behalf_of, idempotency_key, data=None,
              tapped_at=None, proved=False):
    # Lock order: the visit row first, then its escalations (in _resolve and _escalate).
    visit = Visit.objects.select_for_update().select_related("school").get(pk=visit.pk)
    said_at = said_at_of(visit, tapped_at, now)
    # The one transition table (visits.lifecycle): what this check-in is accepted from.
    refused = lifecycle.refusal(kind, visit.state, visit.get_state_display().lower())
    if kind == EventKind.DEPARTED:
        # R-DEPART: only an approved visit, only on the day of the visit.
        if refused:
            raise ValidationError(refused)
        if timezone.localdate(visit.planned_start) != timezone.localdate(now):
            raise ValidationError("A visit can only start on the day it is planned for.")
    elif visit.state not in OUT_STATES:
        raise ValidationError(refused)
    # Whose word this is (R-RETURN, R-CHECKIN): the member of staff themselves, or the one the
    # office names after a call. Someone already back gives no more word for the visit.
    links = {link.user_id: link for link in visit.staff_links.select_related("user")}
    link = _whose_word(links, by, on_behalf_of)
    if refused:
        raise ValidationError(refused)
    if kind == EventKind.LATE:
        # R-LATE-15: a new expected return, which must be later than now.
        if new_expected_return is None:
            raise ValidationError({"new_expected_return": ["Say when you now expect to be back."]})
        if new_expected_return <= now:
            raise ValidationError({"new_expected_return": ["The new return time must be later than now."]})
    if kind == EventKind.ABANDONED and not note.strip():
        raise ValidationError({"note": ["Say why the visit was abandoned."]})

    data = dict(data or {})
    # A kept tap made before the alert now open (the alert was raised while it waited on the phone).
    alert_since = _alert_since(visit, said_at) if kind not in (EventKind.DURESS, EventKind.UNSAFE) else None
    if alert_since is not None:
        data["tapped_before_alert"] = alert_since.pk
    # R-CODEWORD: after a duress signal, "back" tapped on a phone without the safety PIN proves nothing
    # (whoever holds the phone can tap it): they are recorded back, and the alarm stays open until the
    # one who gave the signal has proved it (their PIN, or the office recording them back after a call).
    if proved:
        data["pin_proved"] = True
    duress_held = _unproved_duress(visit, link, proved, how) if kind == EventKind.RETURNED else None
    if duress_held is not None:
        data["back_while_alarm"] = duress_held.pk
        note = (f"{note} " if note else "") + (
            "Back at school tapped on their phone without their safety PIN while the duress alarm is open: "
            "the alarm stays open until someone has reached them.")
    if kind == EventKind.LATE:
        data.update({"previous_expected_return": visit.expected_return.isoformat(),
                     "new_expected_return": new_expected_return.isoformat()})
    elif kind == EventKind.DURESS:
        # How the signal came (visits.cover): SOS on their own phone, HELP by text, or the code word said to the office.
        data.setdefault("signal", cover.signal_by(how))
    event = record_event(visit, kind, by, at=now, how=how, note=note, data=data,
                         on_behalf_of=on_behalf_of, idempotency_key=idempotency_key, said_at=said_at)

    if kind == EventKind.DEPARTED:
        visit.departed_at = now
        visit.watch_round = 1
        # Everyone on the visit leaves with it: each is out, and heard from, as of now.
        heard_from(visit, links.values(), links.values(), now)
    else:
        heard_from(visit, [link], links.values(), now)
    visit.state = lifecycle.state_after(kind, visit.state)
    visit.last_contact_at = now

    if kind == EventKind.LATE:
        visit.expected_return = new_expected_return
        # A new time answers a late return; a missed check-in only once everyone still out has given word.
        # Not one tapped before the alert now open: that is for the office to decide.
        if alert_since is not None:
            pass
        elif _checkin_answered(visit, now) or not _missed_checkin_open(visit):
            _start_new_round(visit, by, now, "New expected return given", reasons=(
                EscalationReason.LATE_RETURN, EscalationReason.MISSED_CHECKIN))
    elif kind in (EventKind.OK, EventKind.ARRIVED, EventKind.LEFT, EventKind.NO_ONE_HOME):
        # Word from staff answers a missed periodic check-in (not a late return: that needs a new time).
        if alert_since is None:
            _answer_missed_checkin(visit, by, now)
    elif kind == EventKind.RETURNED:
        if alert_since is not None or duress_held is not None:
            # R-RETURN, R-RETURN-30: "back" tapped before the alert now open, received after it. They are
            # recorded back, but the visit stays open with its alert until the office has decided.
            _back(visit, link, links.values(), now)
        elif _back(visit, link, links.values(), now):
            # R-RETURN: everyone is back: the visit is over and every open escalation closes.
            visit.state = VisitState.RETURNED
            visit.returned_at = now
            resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True), by, now, "Everyone is back",
                    all_clear="everyone is back")
        else:
            # The others are still out, and still watched; the one back no longer holds up a check-in.
            _answer_missed_checkin(visit, by, now)

    if kind in (EventKind.DURESS, EventKind.UNSAFE):
        reason = EscalationReason.DURESS if kind == EventKind.DURESS else EscalationReason.UNSAFE
        escalate(visit, EscalationLevel.EMERGENCY, reason, anchor_at=now, now=now)
    elif kind == EventKind.ABANDONED:
        notify_head_now(visit, "Visit abandoned", key=f"abandoned:{event.pk}", now=now)

    refresh_next_check(visit)
    visit.save(update_fields=CHECK_IN_FIELDS)
    if visit.day_round_id is not None:
        if kind == EventKind.DEPARTED:
            _hand_on(visit, by, now, how, on_behalf_of)
        elif kind == EventKind.RETURNED:
            _back_from_round(visit, by, now, how, on_behalf_of, link.user)
    return event


def _others_out_in_round(visit):
    """The round's other visits still out (R-LUNCH), locked
    after `visit` (the lock order: the visit that is checked in first)."""
    return list(Visit.objects.select_for_update().select_related("school")
                .filter(day_round_id=visit.day_round_id, state__in=OUT_STATES)
                .exclude(pk=visit.pk).order_by("round_order", "planned_start", "pk"))


def _hand_on(visit, by, now, how, on_behalf_of):
    """R-LUNCH: the round's staff left for its next visit: the visits of the round they were still out
    on are handed on to it. They stay out (until they are back at school) but raise nothing new, so
    one overdue round is one alert, from the visit they are on (safety.ladder.handed_on)."""
    for earlier in _others_out_in_round(visit):
        if earlier.handed_on_at is not None:
            continue
        earlier.handed_on_at = now
        record_event(earlier, EventKind.HANDED_ON, by, at=now, how=how, on_behalf_of=on_behalf_of,
                     data={"to_visit": visit.pk})
        refresh_next_check(earlier)
        earlier.save(update_fields=["handed_on_at", "next_check_at", "escalation_level", "updated_at"])


def _back_from_round(visit, by, now, how, on_behalf_of, person):
    """R-LUNCH, R-RETURN: back at school from a round's visit is back from the round's earlier visits
    handed on to it too (the morning's visits at lunch), for the same person: each through the same
    check-in, so each closes, and gives its all clear, as any visit does."""
    for earlier in _others_out_in_round(visit):
        link = earlier.staff_links.filter(user=person, returned_at__isnull=True).first()
        if earlier.handed_on_at is None or link is None:
            continue
        _check_in(earlier, EventKind.RETURNED, by, now, "", None, how,
                  on_behalf_of if on_behalf_of is not None and on_behalf_of.pk != by.pk else None, None)


# What a check-in may change on the visit row.
CHECK_IN_FIELDS = ["state", "departed_at", "watch_round", "last_contact_at", "heard_from_all_at", "expected_return",
                   "returned_at", "next_check_at", "escalation_level", "updated_at"]


def _whose_word(links, by, on_behalf_of):
    """The link of the member of staff a check-in is from: the one who taps it, or, recorded by
    the office or head after a call, the one who called. Refused for someone already back."""
    if on_behalf_of is not None and on_behalf_of.pk != by.pk:
        if not permissions.may_record_calls(by):
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


def _back(visit, link, everyone, now) -> bool:
    """One member of staff is back (R-RETURN); True when that was the last one out."""
    link.returned_at = now
    link.save(update_fields=["returned_at"])
    reset_heard_from_all(visit, everyone)
    return not any(other.is_out for other in everyone)


def _checkin_answered(visit, now) -> bool:
    """Has everyone still out given word since their periodic check-in fell due (R-CHECKIN)?"""
    every = watch_of(visit).checkin_every  # by the visit's risk (visits.watch)
    if every is None or visit.heard_from_all_at is None:
        return True
    return visit.heard_from_all_at + every > now


def _missed_checkin_open(visit) -> bool:
    return Escalation.objects.filter(visit=visit, round=visit.watch_round, resolved_at__isnull=True,
                                     reason=EscalationReason.MISSED_CHECKIN).exists()


def _answer_missed_checkin(visit, by, now):
    if _checkin_answered(visit, now) and _missed_checkin_open(visit):
        _start_new_round(visit, by, now, "Checked in", reasons=(EscalationReason.MISSED_CHECKIN,))


def _start_new_round(visit, by, now, note, reasons):
    resolve(Escalation.objects.filter(visit=visit, resolved_at__isnull=True, reason__in=reasons), by, now, note,
            all_clear=note.lower())
    visit.watch_round += 1
