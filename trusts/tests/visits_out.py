"""A visit out since a chosen time, for the trust pages' tests."""

import datetime

from homevisits.factories import FamilyFactory, VisitFactory
from safety.watchdog import check_in
from visits.assessments import ensure_risk_assessment
from visits.models import EventKind, VisitState

NOW = datetime.datetime(2026, 11, 24, 11, 0, tzinfo=datetime.UTC)  # a Tuesday, 11:00 in London (the day fixture)


def out_since(school, lead, staff, family_name, hours=3, back_minutes=-90, now=NOW):
    """A visit of `school` out since `hours` ago, due back `back_minutes` from now (negative: overdue)."""
    family = FamilyFactory(school=school, display_name=family_name)
    visit = VisitFactory(family=family, school=school, lead=lead, created_by=lead, staff=staff,
                         state=VisitState.APPROVED, planned_start=now - datetime.timedelta(hours=hours),
                         expected_return=now + datetime.timedelta(minutes=back_minutes))
    ensure_risk_assessment(visit)
    check_in(visit, EventKind.DEPARTED, lead, now=now - datetime.timedelta(hours=hours))
    return visit
