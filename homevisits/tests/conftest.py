"""The scene of the scoping walk (test_object_scoping.py, test_private_responses.py): two schools, a
person in each role, and each kind of object to be kept from everyone who must not see it."""

import datetime

import pytest

from accounts import roles
from homevisits.factories import (
    ChildFactory,
    FamilyFactory,
    UserFactory,
    VisitFactory,
    make_staff,
    make_trust,
    make_trust_person,
)
from safety.models import Escalation, EscalationLevel, EscalationReason, SafeguardingConcern
from safety.watchdog import check_in, scan
from visits.assessments import ensure_risk_assessment
from visits.models import EventKind, Incident, Outcome, Round, Visit, VisitReport, VisitState

from .routes import NOW


@pytest.fixture
def scene(clock_tuesday_11am_gmt, school, other_school, teacher, ta, office, head, dsl, school_admin, other_head,
          other_admin, other_dsl):
    """The root world's two schools and people, a teacher of the school on none of its visits (the
    stranger), the other school's teacher and office, and each kind of object to be kept from them."""
    home = school
    people = {"teacher": teacher, "ta": ta, "stranger": make_staff(home, roles.VISITING_STAFF), "office": office,
              "head": head, "dsl": dsl, "admin": school_admin}
    people["admin"].is_staff = True
    people["admin"].save()
    # The school's trust, whose lead and admin read its boards (trust pages) but open no school page.
    ours, theirs_trust = make_trust(home), make_trust(other_school)
    people["trust lead"] = make_trust_person(ours, roles.TRUST_SAFEGUARDING_LEAD)
    people["trust admin"] = make_trust_person(ours, roles.TRUST_ADMIN, is_staff=True)
    family = FamilyFactory(school=home, display_name="Quillfeather family", address_line1="17 Zanzibar Mews",
                           notes="Bruise on the arm noted by nursery")
    child = ChildFactory(family=family, first_name="Perpetua", last_name="Quillfeather")
    team = dict(family=family, school=home, lead=people["teacher"], created_by=people["teacher"],
                staff=[people["teacher"], people["ta"]], code_word="marigold-secret")

    planned = VisitFactory(state=VisitState.SUBMITTED, planned_start=NOW + datetime.timedelta(days=1),
                           expected_return=NOW + datetime.timedelta(days=1, hours=1), **team)
    ensure_risk_assessment(planned)
    planned.children.add(child)
    # The planned visit is on a day's round, waiting for approval with it (R-LUNCH).
    day_round = Round.objects.create(school=home, lead=planned.lead, created_by=planned.lead,
                                     date=(NOW + datetime.timedelta(days=1)).date(),
                                     lunch_return=planned.expected_return,
                                     end_return=planned.expected_return + datetime.timedelta(hours=4))
    Visit.objects.filter(pk=planned.pk).update(day_round=day_round, round_order=1)

    # Out since 08:00, due back at 09:30: escalated to level 2 by the time the clock reads 11:00.
    out = VisitFactory(state=VisitState.APPROVED, planned_start=NOW - datetime.timedelta(hours=3),
                       expected_return=NOW - datetime.timedelta(minutes=90), **team)
    ensure_risk_assessment(out)
    check_in(out, EventKind.DEPARTED, people["teacher"], now=NOW - datetime.timedelta(hours=3))
    scan(NOW)
    out.refresh_from_db()
    assert out.escalations.exists()

    done = VisitFactory(state=VisitState.RETURNED, planned_start=NOW - datetime.timedelta(days=1),
                        expected_return=NOW - datetime.timedelta(days=1) + datetime.timedelta(hours=1),
                        returned_at=NOW - datetime.timedelta(hours=23), **team)
    ensure_risk_assessment(done)
    VisitReport.objects.create(visit=done, outcome=Outcome.COMPLETED, summary="Talked about Perpetua's rabbit",
                               internal_notes="Bruise on the arm", filed_by=people["teacher"])
    Incident.objects.create(visit=done, occurred_at=NOW - datetime.timedelta(hours=23), what_happened="Dog barked",
                            people_involved="Quillfeather carer", recorded_by=people["teacher"])
    concern = SafeguardingConcern.objects.create(school=home, family=family, visit=done, details="Bruise on the arm",
                                                 raised_by=people["teacher"])
    # The done visit was late back: its alarm is resolved, and nobody has said yet what it was.
    alarm = Escalation.objects.create(visit=done, round=1, level=EscalationLevel.LATE, reason=EscalationReason.LATE_RETURN,
                                      anchor=done.expected_return, created_at=done.expected_return,
                                      resolved_at=done.returned_at, resolution_note="Everyone is back")

    other = other_school
    theirs = {roles.VISITING_STAFF: make_staff(other, roles.VISITING_STAFF), roles.OFFICE: make_staff(other, roles.OFFICE),
              roles.HEAD: other_head, roles.DSL: other_dsl, roles.SCHOOL_ADMIN: other_admin,
              # Another trust's people, the admin running the Django admin too.
              roles.TRUST_SAFEGUARDING_LEAD: make_trust_person(theirs_trust, roles.TRUST_SAFEGUARDING_LEAD),
              roles.TRUST_ADMIN: make_trust_person(theirs_trust, roles.TRUST_ADMIN, is_staff=True)}
    outsiders = {f"other school {role}": theirs[role] for role in roles.ALL_ROLES}
    # Another school's school admin runs the Django admin there.
    outsiders[f"other school {roles.SCHOOL_ADMIN}"].is_staff = True
    outsiders[f"other school {roles.SCHOOL_ADMIN}"].save()
    outsiders["signed-in user of no school"] = UserFactory()
    outsiders["superuser of no school"] = UserFactory(is_superuser=True, is_staff=True)
    # The other school has its own family and visits (so its people see pages full of their own data).
    VisitFactory(family=FamilyFactory(school=other), school=other, lead=outsiders[f"other school {roles.VISITING_STAFF}"])

    return {
        "people": people,
        "outsiders": outsiders,
        "objects": {"family": [family], "visit": [planned, out, done], "concern": [concern], "alarm": [alarm],
                    "school": [home], "round": [day_round]},
    }
