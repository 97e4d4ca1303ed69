"""What the phones of the staff on a visit show once a duress signal has been given (R-CODEWORD).

A duress signal is a DURESS event (safety.checkins.check_in raises the top level with it). How it came
is in its data: "sos" (held on the phone), "duress_pin" (the duress PIN typed instead of the safety
PIN to end a visit), "code_word" (said to the office, who recorded it). A duress PIN's event also
says what the phone was asked to record ("cover": "left" or "returned"), and nothing of that is
recorded: the visit stays out and watched, its staff still out, while their phones show the visit
as though it had been (R-CODEWORD: nothing on the phone may show that school knows).

So the pages of visiting staff on the visit (the check-in page, "My visits", the visit page) read
the visit through `as_the_phone_shows`: a copy, never saved, with the state, the people back and
the level of the alert as they would be had the cover been recorded; and its events through
`phone_events`: no duress signal, nothing the watchdog or the office did since the first one, and
each duress PIN as the check-in it stood in for. The office, the head and the DSL read the visit
itself: the board and the escalation page say what happened.
"""

import copy

from .lifecycle import CHECKIN_KINDS, OUT_STATES, EventKind, VisitState
from .models import RecordedHow, VisitEvent

SIGNAL_SOS = "sos"
SIGNAL_DURESS_PIN = "duress_pin"
SIGNAL_CODE_WORD = "code_word"
SIGNAL_HELP_TEXT = "help_text"

# How each duress signal came, for the office's pages.
SIGNAL_LABELS = {
    SIGNAL_SOS: "SOS from their phone",
    SIGNAL_DURESS_PIN: "Duress PIN typed instead of the safety PIN",
    SIGNAL_CODE_WORD: "Code word",
    SIGNAL_HELP_TEXT: "HELP texted from their mobile",
}

# The check-ins a duress PIN may stand in for: those that end a visit, or one person's part in it.
COVER_KINDS = (EventKind.LEFT, EventKind.RETURNED)


def signal_of(event) -> str:
    """How a DURESS event came (events from before signals were recorded: by how they were recorded)."""
    signal = (event.data or {}).get("signal")
    if signal in SIGNAL_LABELS:
        return signal
    return signal_by(event.how)


def signal_by(how: str) -> str:
    """The signal a duress check-in recorded `how` (RecordedHow) is: held on their own phone (SOS),
    texted (HELP), or the code word said to the office."""
    return {RecordedHow.SELF: SIGNAL_SOS, RecordedHow.TEXT: SIGNAL_HELP_TEXT}.get(how, SIGNAL_CODE_WORD)


def cover_of(event) -> str:
    """The check-in a duress PIN's event stands in for on the phone ("" for none)."""
    cover = (event.data or {}).get("cover", "") if event.kind == EventKind.DURESS else ""
    return cover if cover in COVER_KINDS else ""


def _duress_events(visit) -> list:
    return list(visit.events.filter(kind=EventKind.DURESS).order_by("at", "pk"))


def stand_in(event):
    """The check-in a duress PIN's event shows as on the phone (unsaved), or None for another signal."""
    cover = cover_of(event)
    if not cover:
        return None
    shown = copy.copy(event)
    shown.kind, shown.note, shown.data = cover, "", {}
    return shown


def _level_before(visit, first) -> int:
    """The level of the visit's open alert just before its first duress signal (what the phone knew)."""
    level = 0
    for event in visit.events.filter(kind__in=(EventKind.ESCALATED, EventKind.RESOLVED), at__lte=first.at) \
            .order_by("at", "pk"):
        if event.at == first.at and event.pk > first.pk:
            continue
        if event.kind == EventKind.ESCALATED:
            level = (event.data or {}).get("level", level)
        elif not (event.data or {}).get("raised_to"):
            level = 0
    return level


def as_the_phone_shows(visit):
    """The visit as its staff's phones show it (a copy, never to be saved); the visit itself when no
    duress signal was ever given."""
    signals = _duress_events(visit)
    if not signals:
        return visit
    shown = copy.copy(visit)
    links = [copy.copy(link) for link in visit.staff_links_with_people()]
    by_person = {link.user_id: link for link in links}
    for event in signals:
        cover = cover_of(event)
        if cover == EventKind.LEFT and shown.state == VisitState.ON_SITE:
            shown.state = VisitState.LEFT
        elif cover == EventKind.RETURNED:
            link = by_person.get(event.actor_id)
            if link is not None and link.returned_at is None:
                link.returned_at = event.at
    if shown.state in OUT_STATES and links and not any(link.is_out for link in links):
        shown.state = VisitState.RETURNED
        shown.returned_at = max(link.returned_at for link in links)
    shown.escalation_level = 0 if shown.state == VisitState.RETURNED else min(
        visit.escalation_level, _level_before(visit, signals[0]))
    shown.staff_links_with_people = lambda: links
    return shown


def phone_events(visit, events) -> list:
    """The visit's events (in order) as its staff's phones show them: up to the first duress signal
    as they are; after it only the staff's check-ins, with each duress PIN as its stand-in."""
    shown, hiding = [], False
    for event in events:
        if event.kind == EventKind.DURESS:
            hiding = True
            stand = stand_in(event)
            if stand is not None:
                shown.append(stand)
            continue
        if hiding and event.kind not in CHECKIN_KINDS:
            continue
        shown.append(event)
    return shown


def last_checkin_on_phone(visit, events) -> object:
    """The last check-in as the phone shows it (phone_events of the visit's check-ins, newest last)."""
    shown = phone_events(visit, events)
    return shown[-1] if shown else None


def phone_shows_returned(visit) -> bool:
    """Everyone is back as the phones show it (a report may be written then, R-REPORT)."""
    return as_the_phone_shows(visit).state == VisitState.RETURNED


def back_on_phone(visit, user) -> bool:
    """`user` is back from the visit, as the phones show it."""
    return any(link.user_id == user.pk and not link.is_out for link in visit.staff_links_with_people())


def has_signal(visit) -> bool:
    return visit.events.filter(kind=EventKind.DURESS).exists()


def visits_on_phone(visits, user) -> list:
    """A staff member's list of visits as their phone shows each (R-CODEWORD), each with `me_back`
    (they are back, as the phone shows it, while the visit is out)."""
    shown = []
    for visit in visits:
        if has_signal(visit):
            visit = as_the_phone_shows(visit)
            visit.me_back = back_on_phone(visit, user)
        shown.append(visit)
    return shown


def as_seen_by(visits, user) -> list:
    """`visits` (in their order) for a page `user` opens: each of them they are on and that has had a
    duress signal as their phone shows it (R-CODEWORD: the visit list, the timetable and a family's page
    are pages of their phone too), the others as they are. One query, whatever the number of visits."""
    visits = list(visits)
    covered = set(VisitEvent.objects.filter(visit__in=[visit.pk for visit in visits], kind=EventKind.DURESS,
                                            visit__staff=user).values_list("visit_id", flat=True))
    return [as_the_phone_shows(visit) if visit.pk in covered else visit for visit in visits]


def over_on_phone(visits, user) -> list:
    """Of `visits` (out, with a duress signal or not), those the phone shows as over (everyone back)."""
    return [visit for visit in visits_on_phone(visits.filter(state__in=OUT_STATES, events__kind=EventKind.DURESS)
                                               .distinct(), user) if visit.is_returned]
