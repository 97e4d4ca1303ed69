"""A day's round for tests (R-LUNCH): visits by the teacher and the TA on one day, put on a round with its
lunchtime and end-of-day returns through the round's own planning (visits.rounds.save_round)."""

import datetime
import zoneinfo

from homevisits.factories import FamilyFactory, VisitFactory
from visits import rounds
from visits.models import Visit, VisitState

LONDON = zoneinfo.ZoneInfo("Europe/London")


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A London wall-clock time on `day` as a UTC instant (BST or GMT as that day has it)."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(datetime.UTC)


def round_of(world, day, starts=((9, 30), (10, 45), (13, 30)), lunch=(12, 30), end=(15, 30), *, now,
             state=VisitState.APPROVED, lead=None, staff=None):
    """A round of 45-minute visits starting at `starts` (London times on `day`), back at `lunch` and
    `end`; planned as drafts, put on the round, then (by default) approved as the workflow would."""
    lead = lead or world.teacher
    staff = staff or [world.teacher, world.ta]
    visits = []
    for hour, minute in starts:
        begins = local(day, hour, minute)
        visits.append(VisitFactory(family=FamilyFactory(school=world.school), school=world.school, lead=lead,
                                   created_by=lead, staff=staff, planned_start=begins,
                                   expected_return=begins + datetime.timedelta(minutes=60),
                                   state=VisitState.DRAFT))
    day_round = rounds.save_round(None, school=world.school, lead=lead, day=day, lunch_return=local(day, *lunch),
                                  end_return=local(day, *end), visits=visits, by=lead, now=now)
    if state != VisitState.DRAFT:
        Visit.objects.filter(day_round=day_round).update(state=state)
    return day_round, list(Visit.objects.filter(day_round=day_round).order_by("round_order"))
