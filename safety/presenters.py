"""What the safety pages and template tags show, worked out once: the check-ins a page offers, the
sentence after a check-in, the call page's buttons, the R-WAIT countdown, the escalation panel and the
police pack's last known location. Views and template tags (safety_panel) both call these; nothing
here reads a request or changes anything."""

import dataclasses
import datetime

from django.utils import timezone

from accounts import roles
from accounts.permissions import may_correct_alarm_outcome, may_keep_watch, may_say_alarm_outcome
from notifications.outbox import school_people
from visits import cover, lifecycle
from visits.lifecycle import EventKind
from visits.localtime import as_utc
from visits.models import RecordedHow, Visit, VisitEvent, VisitState
from visits.watch import Watch, watch_of

from . import checkins, location
from .escalations import next_contact_step, visible_alarms
from .forms import ContactAttemptForm
from .models import ContactAttempt, ContactOutcome, ContactStep, Escalation, EscalationReason


def hhmm(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else "?"


def duration(delta: datetime.timedelta) -> str:
    total = max(0, int(delta.total_seconds() // 60))
    hours, mins = divmod(total, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def offered_kinds(visit: Visit, now: datetime.datetime) -> list[str]:
    """The check-ins the service accepts from the visit's state (the one table in
    visits.lifecycle), in the order the pages show them; the service still checks every one."""
    if visit.state == VisitState.APPROVED and timezone.localdate(visit.planned_start) != timezone.localdate(now):
        return []  # R-DEPART: only on the day of the visit.
    return lifecycle.kinds_accepted_from(visit.state)


def _returned_text(event: VisitEvent, visit: Visit, who: str) -> str:
    """R-RETURN: one person back; the visit is over only when everyone is."""
    at = hhmm(event.at)
    back = "Home safe" if visit.ends_at_home else "Back at school"
    if visit.state == VisitState.RETURNED:
        return f"{back}{who} at {at}. Everyone is back: the visit is closed."
    still_out = ", ".join(p.get_full_name() or p.get_username() for p in visit.staff_out())
    return (f"{back}{who} at {at}. Still out: {still_out}. The visit stays open, and watched, "
            "until everyone is back.")


def confirmation(event: VisitEvent, visit: Visit, duplicate: bool) -> str:
    """What the page says once an event is recorded ("On your way: left at 10:02. Expected back 11:15.")."""
    at, back = hhmm(event.at), hhmm(visit.expected_return)
    who = ""
    if event.how == RecordedHow.PHONE and event.on_behalf_of:
        who = f" for {event.on_behalf_of.get_full_name() or event.on_behalf_of.get_username()}"
    text = {
        EventKind.DEPARTED: (f"Recorded{who}: left for the visit at {at}. Expected back {back}." if who
                             else f"On your way: left at {at}. Expected back {back}."),
        EventKind.ARRIVED: f"Arrival recorded{who} at {at}.",
        EventKind.UNSAFE: f"Recorded{who} at {at}: does not feel safe. The head of school has been alerted.",
        EventKind.OK: f"Check-in recorded{who} at {at}. Expected back {back}.",
        EventKind.LATE: f"Running late recorded{who} at {at}. Expected back {back}.",
        EventKind.NO_ONE_HOME: f"No one home recorded{who} at {at}. Expected back {back}.",
        EventKind.LEFT: f"Left the property{who} at {at}. Expected back {back}.",
        EventKind.ABANDONED: f"Visit abandoned{who} at {at}. The head of school has been told.",
        EventKind.RETURNED: _returned_text(event, visit, who),
        # R-CODEWORD: on the phone, nothing that alarms a bystander (SOS); the office's own page says it all.
        EventKind.DURESS: (f"CODE WORD recorded{who} at {at}. The office, head and DSL have been alerted." if who
                           else f"Sent to school at {at}."),
    }.get(event.kind, f"{event.get_kind_display()} recorded{who} at {at}.")
    if duplicate:
        text = f"Already recorded: {text}"
    return text


def call_button_label(kind, visit) -> str:
    if kind == EventKind.DEPARTED:
        return visit.departure_label
    if kind == EventKind.RETURNED:
        return "Home safe" if visit.ends_at_home else "Back at school (or accounted for)"
    if kind == EventKind.UNSAFE and visit.state == VisitState.ON_SITE:
        return "Does NOT feel safe: leaving"
    return EventKind(kind).label


@dataclasses.dataclass(frozen=True)
class CallButton:
    """One button of the office's "record a phone call" page."""

    kind: str  # EventKind
    label: str
    style: str  # the button's Bootstrap class


CALL_BUTTON_STYLES = {EventKind.UNSAFE: "btn-outline-danger", EventKind.ABANDONED: "btn-outline-danger",
                      EventKind.LATE: "btn-warning"}


def call_buttons(offered, visit) -> list[CallButton]:
    """The call page's buttons for the check-ins `offered` (the code word has its own, kept apart)."""
    return [CallButton(kind, "Running late: new time above" if kind == EventKind.LATE else call_button_label(kind, visit),
                       CALL_BUTTON_STYLES.get(kind, "btn-primary"))
            for kind in offered if kind != EventKind.DURESS]


def last_checkin(visit, on_phone=False):
    """The visit's last check-in; `on_phone`: as its staff's phones show it, never a duress signal
    (visits.cover, R-CODEWORD)."""
    events = visit.events.filter(kind__in=checkins.CHECKIN_KINDS).select_related("actor", "on_behalf_of")
    if on_phone:
        return cover.last_checkin_on_phone(visit, events.order_by("at", "pk"))
    return events.order_by("-at", "-pk").first()


def wait_countdown(visit, now):
    """R-WAIT: on arrival, how long staff wait at the door at most (the school's max_wait_minutes)."""
    if visit.state != VisitState.ON_SITE:
        return None
    arrived = visit.events.filter(kind=EventKind.ARRIVED).order_by("-at", "-pk").first()
    if arrived is None:
        return None
    until = arrived.at + datetime.timedelta(minutes=visit.school.max_wait_minutes)
    left = until - now
    seconds = max(0, int(left.total_seconds()))
    return {"until": until, "minutes": visit.school.max_wait_minutes, "over": seconds == 0,
            "left_seconds": seconds, "left_text": wait_left_text(seconds)}


def wait_left_text(seconds: int) -> str:
    """The R-WAIT countdown in words, never like a clock time: "19 min 58 s left" (static/js/checkin.js
    says it the same way)."""
    minutes_left, seconds_left = divmod(max(0, seconds), 60)
    return f"{minutes_left} min {seconds_left} s left" if minutes_left else f"{seconds_left} s left"


def escalation_panel(user, visit, now=None, contact_form=None, next_url=""):
    """Everything the office, head or DSL need on an escalated visit (R-CONTACT-STEPS)."""
    now = now or timezone.now()
    escalations = list(visit.escalations.select_related("acknowledged_by", "resolved_by"))
    # The visit's alert: its one open escalation, at its highest level (Escalation.objects.open_alerts).
    open_escalations = list(Escalation.objects.open_alerts().filter(visit=visit)
                            .select_related("acknowledged_by", "resolved_by"))
    for esc in open_escalations:
        if esc.reason in (EscalationReason.DURESS, EscalationReason.UNSAFE):
            esc.age_text = f"Raised {duration(now - esc.created_at)} ago"
        else:
            esc.age_text = f"Overdue by {duration(now - esc.anchor)}" if esc.anchor else ""
    attempts = list(ContactAttempt.objects.filter(escalation__visit=visit).select_related("by", "escalation"))
    # The office works the steps on the highest open escalation (Escalation's ordering: -level first).
    target = open_escalations[0] if open_escalations else None
    next_step = None
    if target is not None:
        next_step = next_contact_step(target)
        if contact_form is None:
            contact_form = ContactAttemptForm(initial={"escalation": target.pk, "step": next_step},
                                              auto_id="id_contact_%s")
        contact_form.fields["step"].choices = [
            (s, label) for s, label in ContactStep.choices
            if s <= next_step or (s == ContactStep.POLICE and target.reason == EscalationReason.DURESS)]
    links = visit.staff_links_with_people()
    # Step 1 is whoever is still out (R-RETURN); once the visit is over, everyone who went.
    staff = [link.user for link in links if link.is_out or not visit.is_out]
    leaders = school_people(visit.school, roles.HEAD, roles.DSL)
    steps = [
        {"number": ContactStep.WORKER, "label": ContactStep.WORKER.label,
         "numbers": [(p.get_full_name() or p.get_username(), getattr(getattr(p, "profile", None), "mobile", ""))
                     for p in staff]},
        {"number": ContactStep.LOCATION, "label": ContactStep.LOCATION.label, "numbers": location_numbers(visit)},
        {"number": ContactStep.LEADERSHIP, "label": ContactStep.LEADERSHIP.label,
         "numbers": [(f"{p.get_full_name() or p.get_username()}"
                      + (f" ({p.profile.job_title})" if p.profile.job_title else ""), p.profile.mobile)
                     for p in leaders]},
        {"number": ContactStep.POLICE, "label": ContactStep.POLICE.label, "numbers": [("Police", "999")]},
    ]
    for step in steps:
        step["attempts"] = [a for a in attempts if a.step == step["number"]]
        step["is_next"] = step["number"] == next_step
    return {
        "visit": visit,
        "now": now,
        "escalations": escalations,
        "open_escalations": open_escalations,
        "target": target,
        "next_step": next_step,
        "steps": steps,
        "attempts": attempts,
        "contact_form": contact_form,
        "next_url": next_url,
        "may_keep_watch": may_keep_watch(user),
        "links": links,
        "staff_out": [link for link in links if link.is_out] if visit.is_out else [],
        "staff_back": [link for link in links if not link.is_out] if visit.is_out else [],
        "reached_safe": ContactOutcome.REACHED_SAFE,
        # R-REVIEW: its resolved alarms say what they were; the page links each to say or correct it.
        "may_say_outcome": may_say_alarm_outcome(user),
        "may_correct_outcome": may_correct_alarm_outcome(user),
        # R-CODEWORD: police at once, the head and DSL informed (the watchdog has alerted them).
        "code_word": any(e.reason == EscalationReason.DURESS for e in open_escalations),
        # ...and how each duress signal came: an SOS, the code word, or a duress PIN the phone hides.
        "signals": duress_signals(visit),
        # Where a phone last said they were, with a check-in, SOS or PIN (safety.location).
        "phone_location": location.last_known(visit),
        # Taps their phone kept without signal and sent later, with both times; those made before an
        # alert still open are for the office to decide (safety.checkins._alert_since).
        "kept_taps": kept_taps(visit, {esc.pk for esc in open_escalations}),
        # R-CODEWORD: "back" tapped on a phone without the safety PIN while a duress alarm is open proves
        # nothing (safety.checkins): the alarm stays open until someone has reached them.
        "backs_held": backs_held(visit, {esc.pk for esc in open_escalations}),
    }


def backs_held(visit, open_ids) -> list[dict]:
    held = []
    for event in visit.events.filter(kind=EventKind.RETURNED).select_related("actor", "on_behalf_of"):
        if (event.data or {}).get("back_while_alarm") in open_ids:
            person = event.on_behalf_of or event.actor
            held.append({"who": (person.get_full_name() or person.get_username()) if person else "", "at": event.at})
    return held


def kept_taps(visit, open_ids) -> list[dict]:
    """Check-ins tapped at least a minute before they reached the server (R-CHECKIN, R-RETURN-30),
    oldest first: "said All OK at 11:42, received 11:58", and, where the tap came from before an alert
    that is still open, what the office must weigh ("... before this alert, received ... after it")."""
    taps = []
    events = (visit.events.filter(kind__in=checkins.CHECKIN_KINDS, said_at__isnull=False)
              .select_related("actor", "on_behalf_of"))
    for event in events:
        if not event.told_late:
            continue
        person = event.on_behalf_of or event.actor
        label, said, received = event.get_kind_display(), hhmm(event.said_at), hhmm(event.at)
        decide = event.data.get("tapped_before_alert") in open_ids
        text = (f"{label} tapped {said} before this alert, received {received} after it: decide" if decide
                else f"said {label} at {said}, received {received}")
        taps.append({"text": text, "decide": decide,
                     "who": (person.get_full_name() or person.get_username()) if person else ""})
    return taps


def duress_signals(visit) -> list[dict]:
    """The visit's duress signals for the office, the head and the DSL (R-CODEWORD), oldest first."""
    signals = []
    for event in visit.events.filter(kind=EventKind.DURESS).select_related("actor", "on_behalf_of"):
        person = event.on_behalf_of or event.actor
        signals.append({"label": cover.SIGNAL_LABELS[cover.signal_of(event)], "at": event.at, "note": event.note,
                        "who": (person.get_full_name() or person.get_username()) if person else "",
                        "hidden_on_phone": cover.signal_of(event) == cover.SIGNAL_DURESS_PIN})
    return signals


def location_numbers(visit) -> list[tuple[str, object]]:
    """The numbers for contact step 2 (the location of the visit), each once: the contact number
    at the visit is often the family's own, and one number is one call (R-CONTACT-STEPS)."""
    numbers: dict[str, tuple[list[str], object]] = {}
    for label, number in (("Contact at the visit", visit.contact_phone), ("Family", visit.family.phone),
                          ("Family (other)", visit.family.phone_alt)):
        if number:
            numbers.setdefault(str(number), ([], number))[0].append(label)
    return [(" / ".join([labels[0], *(label.lower() for label in labels[1:])]), number)
            for labels, number in numbers.values()]


def last_known_location(visit) -> str:
    if visit.state == VisitState.ON_SITE:
        return f"At the visit: {visit.address}"
    if visit.state == VisitState.DEPARTED:
        return f"On the way from {'home' if visit.starts_at_home else 'school'} to {visit.address}"  # R-COMMUTE
    if visit.state == VisitState.LEFT:
        return f"Left {visit.address}, on the way back" + (" home" if visit.ends_at_home else " to school")
    if visit.state == VisitState.RETURNED:
        return "Back at school"
    return "Not out (visit not signed out)"


def take_charge_page(link, user, now) -> dict:
    """What the take-charge page shows of the link's alert: who is out, how late, whether it is
    still open and who has it already."""
    esc = link.escalation
    visit = esc.visit
    names = ", ".join(out.name for out in visit.staff_links_with_people() if out.is_out) or "the staff on the visit"
    taken_by = esc.acknowledged_by.get_full_name() or esc.acknowledged_by.get_username() if esc.acknowledged_by else ""
    if esc.anchor and esc.reason not in (EscalationReason.DURESS, EscalationReason.UNSAFE):
        age = f"due back {hhmm(esc.anchor)}, overdue by {duration(now - esc.anchor)}"
    else:
        age = f"raised {hhmm(esc.created_at)}, {duration(now - esc.created_at)} ago"
    return {"esc": esc, "visit": visit, "names": names, "age": age, "taken_by": taken_by,
            "mine": esc.acknowledged_by_id == user.pk, "closed": esc.resolved_at is not None}


@dataclasses.dataclass(frozen=True)
class PhoneWatch:
    """The watch of a visit as its staff's phone page says it (visits.watch): why, and for a member of
    staff still out with periodic check-ins, when their own next one is due (R-CHECKIN: each person's
    word counts for them only). Worked out from their own word alone, never from any alert: after a
    code word nothing on the phone may change to show that school knows (R-CODEWORD)."""

    watch: Watch
    next_checkin_at: datetime.datetime | None = None

    @property
    def sentences(self) -> tuple[str, ...]:
        return self.watch.sentences


def phone_watch(visit, link) -> PhoneWatch | None:
    """For the check-in page of the member of staff on `link`: none once they are back or the visit is over."""
    if visit.is_finished or (link is not None and not link.is_out):
        return None
    watch = watch_of(visit)
    next_at = None
    if visit.is_out and watch.checkin_every is not None and link is not None:
        last_word = link.last_word_at or visit.departed_at
        next_at = as_utc(last_word) + watch.checkin_every if last_word else None
    return PhoneWatch(watch, next_at)


def _alert_shown_to_staff(visit):
    """The visit's open alert, as its staff's own phone may speak of it: never after a code word or
    duress, where nothing on the phone may show that school knows (R-CODEWORD): not when one sounded
    again an alert opened for another reason ("not safe"), nor when its alert was closed and a later
    one opened."""
    alert = Escalation.objects.open_alerts().filter(visit=visit).select_related("acknowledged_by").first()
    if alert is None or alert.reason == EscalationReason.DURESS:
        return None
    if VisitEvent.objects.filter(visit=visit, kind=EventKind.DURESS).exists():  # R-CODEWORD
        return None
    return alert


def school_is_chasing(visit) -> bool:
    """For the staff's own check-in page: school has been alerted that they are late (or missed a
    check-in) and nobody has taken charge yet: "School is trying to reach you, call now"."""
    alert = _alert_shown_to_staff(visit)
    return (alert is not None and alert.acknowledged_at is None
            and alert.reason in (EscalationReason.LATE_RETURN, EscalationReason.MISSED_CHECKIN))  # "unsafe": leave now


def school_has_seen(visit):
    """For the staff's own check-in page: who at school has taken charge of the visit's alert, and
    when ("School has seen your alert"). Never after a code word or duress (_alert_shown_to_staff)."""
    alert = _alert_shown_to_staff(visit)
    if alert is None or alert.acknowledged_at is None:
        return None
    who = alert.acknowledged_by
    return {"name": (who.get_full_name() or who.get_username()) if who else "Someone at school",
            "at": alert.acknowledged_at}


# --- What alarms were (R-REVIEW) ------------------------------------------------------------------

# The board lists this many of the alarms nobody has said yet; the rest are on the alarms page.
BOARD_UNSAID = 5


def with_alarm_details(alarms) -> list[Escalation]:
    """The alarms (a queryset) as the alarm lists show them, each with `staff_names`: who was still
    out on the visit when they were due (not a partner already back). A fixed number of queries."""
    alarms = list(alarms.select_related("visit__family", "resolved_by", "outcome_by")
                  .prefetch_related("visit__staff_links__user"))
    for esc in alarms:
        due = esc.anchor or esc.created_at
        links = sorted(esc.visit.staff_links.all(), key=lambda link: (link.user.last_name, link.user.first_name))
        esc.staff_names = ", ".join(link.name for link in links if link.returned_at is None or link.returned_at > due)
    return alarms


def unsaid_alarms(user, limit=None) -> dict:
    """The resolved alarms of the user's school nobody has said what they were, newest first
    ("Say what these alarms were"), and how many there are."""
    unsaid = visible_alarms(user).filter(outcome="").order_by("-resolved_at", "-pk")
    count = unsaid.count()
    return {"count": count, "alarms": with_alarm_details(unsaid[:limit] if limit else unsaid) if count else []}
