"""Check in by text message (R-CHECKIN, R-LATE-15, R-RETURN, R-CODEWORD): what a member of staff's
text to the school's number asks for, recorded as the check-in page would record it.

  OK            all OK (answers a periodic check-in)
  LATE 20       running late: the new expected return is 20 minutes from now (5 to 240)
                (neither once school has been alerted: a forged sender must not close an alarm; the
                reply asks them to call school, and BACK with the PIN still ends the visit)
  BACK 1234     back at school (or home safe, on a visit that ends at home), with the safety PIN: a
                text's sender can be forged, so ending a visit by text always needs it; the duress
                PIN gets the same answer while raising the top level silently (safety.checkins)
  HELP          help now: the top level at once, as the code word

A word is enough (upper or lower case, anything after it ignored, "LATE 20 mins" too). The text is
recorded against the visit they are out on now, by them (how: by text message), with the provider's
message id as its idempotency key. Every text gets a reply saying what was recorded, or why nothing
was; the reply to HELP says only that the message arrived, since the phone may not be in their hand.
"""

import dataclasses
import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import pins
from visits import cover
from visits.lifecycle import EventKind
from visits.models import RecordedHow, Visit

from .checkins import check_in
from .models import Escalation

LATE_MINUTES = (5, 240)
# Visits one person can be out on at once, looked through for the one their phone shows them on.
MAX_VISITS_OUT = 5
COMMAND = re.compile(r"^\s*(ok|late|back|help)\b\W*(\d{1,8})?", re.IGNORECASE)
KINDS = {"ok": EventKind.OK, "late": EventKind.LATE, "back": EventKind.RETURNED, "help": EventKind.DURESS}


@dataclasses.dataclass(frozen=True)
class Command:
    kind: str  # EventKind
    minutes: int | None = None  # LATE: from now
    pin: str = ""  # BACK: the PIN typed after it


def parse(body: str) -> Command | None:
    """The command a text asks for, or None when it is none of them."""
    match = COMMAND.match(body or "")
    if match is None:
        return None
    word, digits = match.group(1).lower(), match.group(2) or ""
    if word == "late":
        return Command(KINDS[word], minutes=int(digits) if digits else None)
    return Command(KINDS[word], pin=digits if word == "back" else "")


def visit_out_on(user, as_their_phone_shows: bool = True) -> Visit | None:
    """The visit `user` is out on now (the latest they left on, should there be more than one), as
    their phone shows it (visits.cover, R-CODEWORD): not one their duress PIN shows them back from, so
    the reply to a later text says what the phone would and a later BACK cannot close the alarm.
    `as_their_phone_shows=False` (HELP): the visit they are really still out on, a new signal from it."""
    visits = (Visit.objects.out().filter(staff_links__user=user, staff_links__returned_at__isnull=True)
              .select_related("school").order_by("-departed_at", "-pk"))
    for visit in visits[:MAX_VISITS_OUT]:
        if not as_their_phone_shows or not cover.back_on_phone(cover.as_the_phone_shows(visit), user):
            return visit
    return None


def hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def record(user, body: str, key: str, now: datetime.datetime) -> str:
    """Record what the text asks for and say what came of it (the reply's words)."""
    command = parse(body)
    if command is None:
        return ""  # the outbox answers with what is understood
    visit = visit_out_on(user, as_their_phone_shows=command.kind != EventKind.DURESS)
    if visit is None:
        return "Home Visits: you are not out on a visit, so nothing was recorded. Call school if you need to."
    new_return = None
    if command.kind == EventKind.LATE:
        low, high = LATE_MINUTES
        if command.minutes is None or not low <= command.minutes <= high:
            return (f"Home Visits: nothing was recorded. Say how many minutes from now you will be back, "
                    f"{low} to {high}: for example LATE 20.")
        new_return = now + datetime.timedelta(minutes=command.minutes)
    if command.kind in (EventKind.OK, EventKind.LATE) and Escalation.objects.open_alerts().filter(visit=visit).exists():
        # A text's sender can be forged: once school has been alerted, OK or a new time by text would close
        # the alarm on a stranger's word (R-LATE-15, R-RETURN-30). A person at school takes it from here.
        return ("Home Visits: school has been alerted and is trying to reach you, so this text was not recorded. "
                f"Call school now: {visit.school.office_phone.as_national}. Back already? Text BACK and your PIN.")
    if command.kind == EventKind.RETURNED and not pins.has_pins(user):
        return ("Home Visits: nothing was recorded. To say you are back by text you need a safety PIN: set one "
                f"on your Account page. Call school: {visit.school.office_phone.as_national}")
    if command.kind == EventKind.RETURNED and not command.pin:
        # No PIN is no guess at one: nothing counted against their tries (accounts.pins), nothing recorded.
        return ("Home Visits: nothing was recorded. To say you are back, text BACK and your safety PIN. "
                f"Call school: {visit.school.office_phone.as_national}")
    try:
        check_in(visit, command.kind, user, now=now, how=RecordedHow.TEXT, new_expected_return=new_return,
                 idempotency_key=key, pin=command.pin)
    except (ValidationError, PermissionDenied) as exc:
        words = " ".join(getattr(exc, "messages", None) or [str(exc)])
        return f"Home Visits: nothing was recorded. {words} Call school: {visit.school.office_phone.as_national}"
    family = visit.family.display_name if visit.family_id else "your visit"
    if command.kind == EventKind.DURESS:
        return "Home Visits: message received."  # R-CODEWORD: nothing that gives it away on their screen
    if command.kind == EventKind.LATE:
        return f"Home Visits: recorded, running late on {family}: now back by {hhmm(new_return)}."
    if command.kind == EventKind.RETURNED:
        where = "home safe" if visit.ends_at_home else "back at school"
        return f"Home Visits: recorded, you are {where} ({hhmm(now)}). Thank you."
    return f"Home Visits: recorded, all OK on {family} at {hhmm(now)}."
