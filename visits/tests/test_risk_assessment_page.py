"""The risk assessment page (R-RISK, R-NOVISIT, R-ANIMALS), the lead's checklist (R-CHECKLIST) and
submitting with its to-do list."""

import pytest
from django.urls import reverse

from visits.models import HazardKind, SafetyChecklist, VisitState

from .planning import login, make_ready, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def visit(family, teacher, ta):
    return plan(family, teacher, ta)


def ra_data(ra, **overrides):
    hazards = list(ra.hazards.all())
    data = {"risk_of_harm_high": "False", "perpetrator_may_be_present": "False",
            "aggression_or_intoxication": "False", "vulnerable_persons": "", "safeguarding_team_aware": "True",
            "hazards-TOTAL_FORMS": str(len(hazards)), "hazards-INITIAL_FORMS": str(len(hazards)),
            "hazards-MIN_NUM_FORMS": "0", "hazards-MAX_NUM_FORMS": "1000"}
    for i, h in enumerate(hazards):
        data.update({f"hazards-{i}-id": h.pk, f"hazards-{i}-kind": h.kind, f"hazards-{i}-description": h.description,
                     f"hazards-{i}-who_may_be_harmed": h.who_may_be_harmed, f"hazards-{i}-severity": h.severity,
                     f"hazards-{i}-likelihood": h.likelihood, f"hazards-{i}-controls": h.controls})
    data.update(overrides)
    return data


def test_a_new_assessment_starts_from_the_lone_working_matrix(client, visit, teacher):
    response = login(client, teacher).get(reverse("visits:risk-assessment", args=[visit.pk]))
    kinds = [f.instance.kind for f in response.context["hazards"]]
    assert kinds == [HazardKind.AGGRESSION, HazardKind.DRIVING, HazardKind.PUBLIC_AREAS, HazardKind.ILLNESS,
                     HazardKind.ANIMALS]
    page = response.content.decode()
    assert "risk-low" in page and "Low risk" in page  # colour and words


def test_adding_a_custom_hazard_and_confirming_the_review(client, visit, teacher):
    ra = visit.risk_assessment
    n = ra.hazards.count()
    data = ra_data(ra, reviewed="on", **{
        "hazards-TOTAL_FORMS": str(n + 1), f"hazards-{n}-kind": "other", f"hazards-{n}-description": "Steep steps",
        f"hazards-{n}-who_may_be_harmed": "Visiting staff", f"hazards-{n}-severity": "2",
        f"hazards-{n}-likelihood": "2", f"hazards-{n}-controls": "Use the handrail"})
    response = login(client, teacher).post(reverse("visits:risk-assessment", args=[visit.pk]), data)
    assert response.status_code == 302
    ra.refresh_from_db()
    assert ra.is_reviewed and ra.reviewed_by == teacher
    steps = ra.hazards.get(description="Steep steps")
    assert steps.level == "medium"


def test_a_high_hazard_makes_the_assessment_high_risk(client, visit, teacher):
    ra = visit.risk_assessment
    data = ra_data(ra, **{"hazards-0-severity": "3", "hazards-0-likelihood": "3"})
    login(client, teacher).post(reverse("visits:risk-assessment", args=[visit.pk]), data)
    ra.refresh_from_db()
    assert ra.level == "high"
    page = client.get(reverse("visits:risk-assessment", args=[visit.pk])).content.decode()
    assert "High risk: this visit can't be approved" in page


def test_a_yes_to_a_when_not_to_visit_question_is_high_risk(client, visit, teacher):
    # R-NOVISIT
    ra = visit.risk_assessment
    login(client, teacher).post(reverse("visits:risk-assessment", args=[visit.pk]),
                                ra_data(ra, aggression_or_intoxication="True"))
    ra.refresh_from_db()
    assert ra.aggression_or_intoxication and ra.level == "high"


def test_the_animals_question_is_asked_when_the_family_has_dangerous_animals(client, visit, teacher, family):
    # R-ANIMALS
    url = reverse("visits:risk-assessment", args=[visit.pk])
    login(client, teacher)
    assert "animals_separate_room" not in client.get(url).context["form"].fields
    family.dangerous_animals, family.animals_details = True, "Two dogs"
    family.save()
    assert "Two dogs" in client.get(url).content.decode()
    client.post(url, ra_data(visit.risk_assessment, animals_separate_room="True"))
    visit.risk_assessment.refresh_from_db()
    assert visit.risk_assessment.animals_separate_room is True


def test_the_lead_answers_the_checklist(client, visit, teacher):
    data = {name: "on" for name, _ in SafetyChecklist.QUESTIONS}
    response = login(client, teacher).post(reverse("visits:checklist", args=[visit.pk]), data)
    assert response.status_code == 302
    checklist = SafetyChecklist.objects.get(visit=visit)
    assert checklist.is_complete and checklist.completed_by == teacher


def test_a_partly_answered_checklist_is_not_complete(client, visit, teacher):
    login(client, teacher).post(reverse("visits:checklist", args=[visit.pk]), {"info_gathered": "on"})
    assert not SafetyChecklist.objects.get(visit=visit).is_complete


def test_submit_shows_what_is_still_to_do(client, visit, teacher):
    url = reverse("visits:visit-submit", args=[visit.pk])
    page = login(client, teacher).get(url).content.decode()
    assert "Review the risk assessment" in page and "personal safety checklist" in page
    response = client.post(url)
    assert "Not submitted" in response.content.decode()
    visit.refresh_from_db()
    assert visit.state == VisitState.DRAFT


def test_a_ready_visit_is_submitted(client, visit, teacher):
    make_ready(visit)
    response = login(client, teacher).post(reverse("visits:visit-submit", args=[visit.pk]))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.state == VisitState.SUBMITTED
