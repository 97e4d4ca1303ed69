"""Editing an approved visit's time, staff or address sends it back for approval (R-AUTH)."""

import pytest
from django.urls import reverse

from homevisits.factories import make_staff
from visits import services
from visits.models import EventKind, VisitState

from .planning import login, make_ready, plan, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def approved(family, teacher, ta, head):
    family.shared_with.add(teacher)
    visit = services.submit(make_ready(plan(family, teacher, ta)), teacher)
    return services.approve(visit, head)


def edit(client, visit, teacher, ta, **changes):
    return client.post(reverse("visits:visit-edit", args=[visit.pk]),
                       plan_data(visit.family, teacher, [ta], address=visit.address, **changes))


def test_changing_the_time_sends_it_back_for_approval(client, approved, teacher, ta):
    response = edit(login(client, teacher), approved, teacher, ta, start="11:00", back="12:30")
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.state == VisitState.SUBMITTED
    assert approved.decided_by is None and approved.decided_at is None
    assert approved.events.filter(kind=EventKind.REOPENED).exists()


def test_changing_the_staff_sends_it_back_for_approval(client, approved, teacher, school):
    other = make_staff(school)
    edit(login(client, teacher), approved, teacher, other)
    approved.refresh_from_db()
    assert approved.state == VisitState.SUBMITTED
    assert set(approved.staff.all()) == {teacher, other}


def test_changing_the_address_sends_it_back_for_approval(client, approved, teacher, ta):
    client = login(client, teacher)
    client.post(reverse("visits:visit-edit", args=[approved.pk]),
                plan_data(approved.family, teacher, [ta], address="Grandma's, 1 Oak Lane, NN4 1AA"))
    approved.refresh_from_db()
    assert approved.state == VisitState.SUBMITTED


def test_changing_only_the_notes_keeps_the_approval(client, approved, teacher, ta):
    edit(login(client, teacher), approved, teacher, ta, notes="Bring the starter pack.")
    approved.refresh_from_db()
    assert approved.state == VisitState.APPROVED
    assert approved.notes == "Bring the starter pack."
    assert approved.events.filter(kind=EventKind.EDITED).exists()


def test_a_stored_time_with_seconds_is_not_a_change(client, family, teacher, ta, head):
    # The form shows minutes: saving it unchanged must not look like a new time.
    import datetime

    family.shared_with.add(teacher)
    visit = make_ready(plan(family, teacher, ta))
    visit.planned_start += datetime.timedelta(seconds=17)
    visit.expected_return += datetime.timedelta(seconds=17)
    visit.save()
    visit = services.approve(services.submit(visit, teacher), head)
    edit(login(client, teacher), visit, teacher, ta, notes="Ring first.")
    visit.refresh_from_db()
    assert visit.state == VisitState.APPROVED and visit.planned_start.second == 17


def test_changing_the_risk_assessment_sends_it_back_for_approval(client, approved, teacher):
    ra = approved.risk_assessment
    hazards = list(ra.hazards.all())
    data = {"risk_of_harm_high": "False", "perpetrator_may_be_present": "False",
            "aggression_or_intoxication": "False", "vulnerable_persons": "Grandad, frail",
            "safeguarding_team_aware": "True", "hazards-TOTAL_FORMS": str(len(hazards)),
            "hazards-INITIAL_FORMS": str(len(hazards)), "hazards-MIN_NUM_FORMS": "0", "hazards-MAX_NUM_FORMS": "1000"}
    for i, h in enumerate(hazards):
        data.update({f"hazards-{i}-id": h.pk, f"hazards-{i}-kind": h.kind, f"hazards-{i}-description": h.description,
                     f"hazards-{i}-who_may_be_harmed": h.who_may_be_harmed, f"hazards-{i}-severity": h.severity,
                     f"hazards-{i}-likelihood": h.likelihood, f"hazards-{i}-controls": h.controls})
    login(client, teacher).post(reverse("visits:risk-assessment", args=[approved.pk]), data)
    approved.refresh_from_db()
    ra.refresh_from_db()
    assert approved.state == VisitState.SUBMITTED
    assert not ra.is_reviewed  # changed without the review tick: needs a review again (R-RISK)


def test_confirming_an_unchanged_assessment_keeps_the_approval(client, approved, teacher):
    ra = approved.risk_assessment
    hazards = list(ra.hazards.all())
    data = {"risk_of_harm_high": "False", "perpetrator_may_be_present": "False",
            "aggression_or_intoxication": "False", "vulnerable_persons": ra.vulnerable_persons,
            "safeguarding_team_aware": str(ra.safeguarding_team_aware), "reviewed": "on",
            "hazards-TOTAL_FORMS": str(len(hazards)), "hazards-INITIAL_FORMS": str(len(hazards)),
            "hazards-MIN_NUM_FORMS": "0", "hazards-MAX_NUM_FORMS": "1000"}
    for i, h in enumerate(hazards):
        data.update({f"hazards-{i}-id": h.pk, f"hazards-{i}-kind": h.kind, f"hazards-{i}-description": h.description,
                     f"hazards-{i}-who_may_be_harmed": h.who_may_be_harmed, f"hazards-{i}-severity": h.severity,
                     f"hazards-{i}-likelihood": h.likelihood, f"hazards-{i}-controls": h.controls})
    login(client, teacher).post(reverse("visits:risk-assessment", args=[approved.pk]), data)
    approved.refresh_from_db()
    assert approved.state == VisitState.APPROVED


def test_the_edit_form_shows_the_visits_own_lead(client, family, teacher, ta):
    # Opened by a colleague who is not the lead, the form keeps the visit's lead.
    visit = plan(family, ta, teacher)
    form = login(client, teacher).get(reverse("visits:visit-edit", args=[visit.pk])).context["form"]
    assert form["lead"].value() == ta.pk
    assert form["other_staff"].value() == [teacher.pk]


def test_saving_a_stale_form_does_not_undo_a_decision_made_meanwhile(family, teacher, ta, head):
    # The plan form was opened while the visit waited for approval; the head approved it before
    # the teacher saved a change to the notes: the approval stands.
    visit = services.submit(make_ready(plan(family, teacher, ta)), teacher)
    stale = type(visit).objects.get(pk=visit.pk)
    services.approve(visit, head)
    stale.notes = "Bring the starter pack."
    services.save_plan(stale, [teacher, ta], teacher, changed_fields={"notes"})
    visit.refresh_from_db()
    assert visit.state == VisitState.APPROVED and visit.decided_by == head
    assert visit.notes == "Bring the starter pack."


def test_a_stale_form_cannot_change_a_visit_that_was_cancelled_meanwhile(family, teacher, ta):
    from django.core.exceptions import ValidationError

    visit = plan(family, teacher, ta)
    stale = type(visit).objects.get(pk=visit.pk)
    services.cancel(visit, teacher, "Family moved")
    stale.notes = "x"
    with pytest.raises(ValidationError, match="cancelled"):
        services.save_plan(stale, [teacher, ta], teacher, changed_fields={"notes"})
    visit.refresh_from_db()
    assert visit.state == VisitState.CANCELLED
