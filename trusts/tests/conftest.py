"""Two trusts: A (the root world's school and a second school, Nene Valley) and B (the other school).
A lead and an admin of each."""

import dataclasses
import datetime

import pytest

from accounts import roles
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff, make_trust, make_trust_person
from safety.models import Escalation
from safety.watchdog import check_in, scan
from visits.assessments import ensure_risk_assessment
from visits.models import EventKind, VisitState


@dataclasses.dataclass
class Trusts:
    a: object
    b: object
    second: object  # the second school of trust A
    lead: object  # trust A's safeguarding lead
    admin: object  # trust A's admin
    other_lead: object  # trust B's safeguarding lead
    other_admin: object
    second_office: object


@pytest.fixture
def trusts(school, other_school):
    second = SchoolFactory(name="Nene Valley")
    a = make_trust(school, second, name="Northampton Learning Trust")
    b = make_trust(other_school, name="Wootton Trust")
    return Trusts(a=a, b=b, second=second,
                  lead=make_trust_person(a, roles.TRUST_SAFEGUARDING_LEAD, username="trustlead"),
                  admin=make_trust_person(a, roles.TRUST_ADMIN, username="trustadmin"),
                  other_lead=make_trust_person(b, roles.TRUST_SAFEGUARDING_LEAD, username="otherlead"),
                  other_admin=make_trust_person(b, roles.TRUST_ADMIN, username="otheradmin"),
                  second_office=make_staff(second, roles.OFFICE, username="neneoffice"))


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


@pytest.fixture
def day(clock_tuesday_11am_gmt, trusts, school, other_school, teacher, ta, other_head):
    """Trust A: someone overdue (escalated) at the world's school, someone out on time at the second;
    a visit waiting for approval at the world's school. Trust B's school has someone overdue too."""
    late = out_since(school, teacher, [teacher, ta], "Quillfeather family")
    on_time = out_since(trusts.second, trusts.second_office, [trusts.second_office], "Ashby family", hours=1,
                        back_minutes=45)
    elsewhere = out_since(other_school, other_head, [other_head], "Zanzibar family")
    waiting = VisitFactory(family=FamilyFactory(school=school, display_name="Waiting family"), school=school,
                           lead=teacher, created_by=teacher, staff=[teacher, ta], state=VisitState.SUBMITTED,
                           planned_start=NOW + datetime.timedelta(days=1),
                           expected_return=NOW + datetime.timedelta(days=1, hours=1))
    ensure_risk_assessment(waiting)
    scan(NOW)
    assert Escalation.objects.filter(visit=late, resolved_at__isnull=True).exists()
    return {"late": late, "on_time": on_time, "elsewhere": elsewhere, "waiting": waiting}
