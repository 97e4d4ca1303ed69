"""Approval by the head of school or DSL (R-AUTH): high risk blocks it (R-NOVISIT), the approver is
not a visitor, gates need an explicit override with a reason, and the staff see the decision."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from visits import services
from visits.models import Gate, Hazard, HazardKind, VisitState

from .planning import login, make_ready, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def submitted(family, teacher, ta):
    visit = make_ready(plan(family, teacher, ta))
    return services.submit(visit, teacher)


def approve_url(visit):
    return reverse("visits:visit-approve", args=[visit.pk])


def test_the_head_approves_a_ready_visit(client, head, submitted, teacher):
    response = login(client, head).post(approve_url(submitted), {})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == VisitState.APPROVED and submitted.decided_by == head
    # The staff see the decision on their visit.
    page = login(client, teacher).get(submitted.get_absolute_url()).content.decode()
    assert "Approved by" in page


def test_high_risk_blocks_approval(client, head, submitted):
    # R-NOVISIT: any "when not to visit" answer makes it high risk; the system refuses approval.
    ra = submitted.risk_assessment
    ra.perpetrator_may_be_present = True
    ra.save()
    response = login(client, head).post(approve_url(submitted), {})
    assert response.status_code == 200
    assert "High risk" in response.content.decode() and "perpetrator" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == VisitState.SUBMITTED


def test_a_high_risk_hazard_blocks_approval(head, submitted):
    Hazard.objects.create(assessment=submitted.risk_assessment, kind=HazardKind.ANIMALS, description="Two dogs",
                          severity=3, likelihood=2)
    with pytest.raises(Exception) as exc:
        services.approve(submitted, head)
    assert "High-risk hazard: Animals: Two dogs" in str(exc.value)


def test_the_approver_is_not_one_of_the_visitors(client, family, head, teacher):
    # R-AUTH: a head going on the visit can't approve it.
    visit = services.submit(make_ready(plan(family, teacher, head)), teacher)
    response = login(client, head).post(approve_url(visit), {})
    assert "You are one of the visiting staff" in response.content.decode()
    visit.refresh_from_db()
    assert visit.state == VisitState.SUBMITTED


def test_gates_need_an_explicit_override_with_a_reason(client, family, head, teacher, ta):
    # R-EVENING is a gate: no tick, or a tick with no reason, is refused; both together approve.
    visit = services.submit(make_ready(plan(family, teacher, ta, start=(17, 0))), teacher)
    assert visit.gates_required == [Gate.EVENING]
    login(client, head)
    response = client.post(approve_url(visit), {})
    assert "Tick each override" in response.content.decode()
    response = client.post(approve_url(visit), {"override_evening": "on", "reason_evening": " "})
    assert "Give the reason for this override" in response.content.decode()
    visit.refresh_from_db()
    assert visit.state == VisitState.SUBMITTED
    response = client.post(approve_url(visit), {"override_evening": "on", "reason_evening": "Only time dad is in"})
    visit.refresh_from_db()
    assert visit.state == VisitState.APPROVED
    assert visit.gate_overrides == {"evening": "Only time dad is in"}


def test_the_service_refuses_a_gate_without_a_reason(family, head, teacher, ta):
    visit = services.submit(make_ready(plan(family, teacher, ta, ends_at_home=True)), teacher)
    with pytest.raises(Exception, match="Tick each override"):
        services.approve(visit, head, {"commute": ""})


def test_only_approvers_may_decide(client, submitted, office, ta):
    login(client, office)
    assert client.get(reverse("visits:approvals")).status_code == 403
    assert client.post(approve_url(submitted), {}).status_code == 403
    assert client.post(reverse("visits:visit-refuse", args=[submitted.pk]), {"reason": "no"}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == VisitState.SUBMITTED


def test_refusing_needs_a_reason_and_the_staff_see_it(client, dsl, submitted, teacher):
    login(client, dsl)
    url = reverse("visits:visit-refuse", args=[submitted.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.state == VisitState.SUBMITTED
    client.post(url, {"reason": "Take the FSW with you."})
    submitted.refresh_from_db()
    assert submitted.state == VisitState.REFUSED
    page = login(client, teacher).get(submitted.get_absolute_url()).content.decode()
    assert "Take the FSW with you." in page and "Refused" in page


def test_the_queue_is_soonest_first_with_words_beside_each_colour(client, family, head, teacher, ta, school):
    from homevisits.factories import FamilyFactory, make_staff

    later = services.submit(make_ready(plan(family, teacher, ta, start=(14, 0))), teacher)
    gated = services.submit(make_ready(plan(FamilyFactory(school=school), make_staff(school), make_staff(school),
                                             start=(17, 0))), teacher)
    risky = make_ready(plan(FamilyFactory(school=school), make_staff(school), make_staff(school), start=(9, 30)))
    risky = services.submit(risky, teacher)
    risky.risk_assessment.aggression_or_intoxication = True
    risky.risk_assessment.save()
    response = login(client, head).get(reverse("visits:approvals"))
    rows = response.context["rows"]
    assert [r["visit"].pk for r in rows] == [risky.pk, later.pk, gated.pk]
    assert [r["colour"] for r in rows] == ["red", "green", "amber"]
    page = response.content.decode()
    assert "RED: Blocked: high risk" in page and "AMBER: Needs a decision" in page and "GREEN: Ready to approve" in page
    assert escape(Gate.EVENING.label) in page
    assert datetime  # times are shown per row


def test_a_submitted_visit_within_two_school_days_emails_the_head(family, head, teacher, ta):
    from notifications.models import Notification

    services.submit(make_ready(plan(family, teacher, ta)), teacher)
    assert Notification.objects.filter(recipient=head, subject__startswith="Visit waiting for approval").exists()


def test_an_assessment_changed_since_its_review_is_red_and_blocks_approval(client, head, submitted):
    ra = submitted.risk_assessment
    ra.reviewed_at = ra.reviewed_by = None
    ra.save()
    response = login(client, head).get(reverse("visits:approvals"))
    (row,) = response.context["rows"]
    assert row["colour"] == "red" and row["words"] == "Blocked"
    with pytest.raises(Exception, match="must review it"):
        services.approve(submitted, head)


def test_an_approver_on_the_visit_sees_amber_and_why(client, family, head, teacher):
    visit = services.submit(make_ready(plan(family, teacher, head)), teacher)
    (row,) = login(client, head).get(reverse("visits:approvals")).context["rows"]
    assert row["visit"] == visit and row["colour"] == "amber"
    assert "another approver must decide" in " ".join(row["reasons"])


def test_the_approver_is_told_an_override_puts_the_head_on_the_first_alert(client, family, head, teacher, ta):
    """R-LATE-15 with an override (visits.watch): said beside the overrides before approving; not on a
    visit with no gate, nor where the school turned it off."""
    visit = services.submit(make_ready(plan(family, teacher, ta, start=(17, 0))), teacher)
    page = login(client, head).get(approve_url(visit)).content.decode()
    assert 'data-testid="override-watch"' in page and "head of school on its first alert" in page
    assert "15 minutes after the expected return" in page
    visit.school.override_alerts_head_at_late_call = False
    visit.school.save()
    assert 'data-testid="override-watch"' not in client.get(approve_url(visit)).content.decode()


def test_no_gate_no_word_of_an_override(client, head, submitted):
    assert 'data-testid="override-watch"' not in login(client, head).get(approve_url(submitted)).content.decode()
