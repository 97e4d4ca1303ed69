"""Plan again: a new visit started from an earlier one, its risk assessment copied forward to be
reviewed, never silently reused (R-RISK); and cancelling with a reason (R-CANCEL)."""

import datetime

import pytest
from django.urls import reverse

from notifications.models import Notification
from visits import services
from visits.models import RiskAssessment, Visit, VisitState

from .planning import TOMORROW, login, make_ready, plan, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def earlier(family, teacher, ta, head):
    visit = make_ready(plan(family, teacher, ta, purpose="attendance"))
    ra = visit.risk_assessment
    ra.vulnerable_persons = "Baby at home"
    ra.save()
    return visit


def test_the_form_is_prefilled_from_the_earlier_visit(client, earlier, teacher, ta, family):
    response = login(client, teacher).get(reverse("visits:visit-plan-again", args=[earlier.pk]))
    form = response.context["form"]
    assert form.initial["family"] == family.pk and form.initial["purpose"] == "attendance"
    assert form.initial["lead"] == teacher.pk and form.initial["other_staff"] == [ta.pk]
    assert form.initial["address"] == earlier.address


def test_the_risk_assessment_is_copied_forward_unreviewed(client, earlier, teacher, ta, family):
    day = TOMORROW + datetime.timedelta(days=7)
    response = login(client, teacher).post(
        reverse("visits:visit-plan-again", args=[earlier.pk]),
        plan_data(family, teacher, [ta], day=f"{day:%Y-%m-%d}", purpose="attendance"))
    new = Visit.objects.exclude(pk=earlier.pk).get()
    assert response["Location"] == new.get_absolute_url()
    assert new.planned_from == earlier
    ra = RiskAssessment.objects.get(visit=new)
    assert ra.copied_from == earlier.risk_assessment
    assert ra.vulnerable_persons == "Baby at home"
    assert ra.hazards.count() == earlier.risk_assessment.hazards.count()
    assert not ra.is_reviewed
    assert "Review the risk assessment" in " ".join(services.submission_problems(new))


def test_cancelling_needs_a_reason(client, earlier, teacher):
    url = reverse("visits:visit-cancel", args=[earlier.pk])
    response = login(client, teacher).post(url, {"reason": ""})
    assert response.status_code == 200
    earlier.refresh_from_db()
    assert earlier.state == VisitState.DRAFT


def test_cancelling_for_safety_tells_the_head_in_writing(client, earlier, teacher, head):
    # R-CANCEL, R-ANIMALS
    url = reverse("visits:visit-cancel", args=[earlier.pk])
    login(client, teacher).post(url, {"reason": "Dog can't be kept apart", "for_safety": "on"})
    earlier.refresh_from_db()
    assert earlier.state == VisitState.CANCELLED and earlier.cancelled_for_safety
    assert Notification.objects.filter(recipient=head, subject__contains="for safety reasons").exists()
    page = client.get(earlier.get_absolute_url()).content.decode()
    assert "Dog can&#x27;t be kept apart" in page
