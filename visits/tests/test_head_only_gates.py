"""A gate records who may clear it (issue 10, item 5). R-COMMUTE needs "the prior approval of the HoS"
and R-FSW is "planned along with the head of school": the DSL can't clear either (the service refuses it,
whichever page or call asks), unless the school lets the DSL cover them. The approvals queue and the
decision page say who may decide, in plain words."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from homevisits.factories import make_staff
from visits import services
from visits.models import Gate, Purpose, VisitState

from .planning import login, make_ready, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

HEAD_ONLY = "Only the head of school can approve"


@pytest.fixture
def commute(family, teacher, ta):
    return services.submit(make_ready(plan(family, teacher, ta, ends_at_home=True)), teacher)


@pytest.fixture
def fsw_visit(family, teacher, ta):
    return services.submit(make_ready(plan(family, teacher, ta, purpose=Purpose.FSW, start=(14, 0))), teacher)


def test_the_dsl_cannot_clear_the_commute_gate(dsl, commute):
    # R-COMMUTE
    assert commute.gates_required == [Gate.COMMUTE]
    with pytest.raises(ValidationError, match=HEAD_ONLY):
        services.approve(commute, dsl, {"commute": "Lives on the way home"})
    commute.refresh_from_db()
    assert commute.state == VisitState.SUBMITTED and commute.gate_overrides == {}


def test_the_dsl_cannot_clear_the_fsw_gate(dsl, fsw_visit):
    # R-FSW
    assert fsw_visit.gates_required == [Gate.FSW]
    with pytest.raises(ValidationError, match=HEAD_ONLY):
        services.approve(fsw_visit, dsl, {"fsw": "Planned with me"})
    fsw_visit.refresh_from_db()
    assert fsw_visit.state == VisitState.SUBMITTED


def test_a_family_support_worker_going_makes_it_head_only_too(family, teacher, school, dsl, head):
    # R-FSW: the visitor's job, not only the purpose.
    fsw = make_staff(school, job_title="Family support worker")
    visit = services.submit(make_ready(plan(family, teacher, fsw)), teacher)
    assert Gate.FSW in visit.gates_required
    with pytest.raises(ValidationError, match=HEAD_ONLY):
        services.approve(visit, dsl, {"fsw": "ok"})
    assert services.approve(visit, head, {"fsw": "Planned together on Monday"}).state == VisitState.APPROVED


def test_the_dsl_posting_the_override_on_the_page_is_refused(client, dsl, commute):
    response = login(client, dsl).post(reverse("visits:visit-approve", args=[commute.pk]),
                                       {"override_commute": "on", "reason_commute": "Lives on the way home"})
    assert response.status_code == 200
    assert HEAD_ONLY in response.content.decode()
    commute.refresh_from_db()
    assert commute.state == VisitState.SUBMITTED


def test_the_head_clears_both(head, commute, fsw_visit):
    commute = services.approve(commute, head, {"commute": "Lives on the way home"})
    fsw_visit = services.approve(fsw_visit, head, {"fsw": "Planned with me as safeguarding lead"})
    assert commute.state == fsw_visit.state == VisitState.APPROVED
    assert commute.decided_by == head


def test_the_dsl_still_clears_the_other_gates(family, teacher, ta, dsl):
    # R-EVENING is not reserved for the head.
    visit = services.submit(make_ready(plan(family, teacher, ta, start=(17, 0))), teacher)
    assert services.approve(visit, dsl, {"evening": "Only time dad is in"}).state == VisitState.APPROVED


def test_a_school_may_let_the_dsl_cover(school, dsl, commute, fsw_visit):
    school.dsl_may_clear_head_gates = True
    school.save()
    commute.refresh_from_db()
    fsw_visit.refresh_from_db()
    commute = services.approve(commute, dsl, {"commute": "Covering for the head this week"})
    fsw_visit = services.approve(fsw_visit, dsl, {"fsw": "Covering for the head this week"})
    assert commute.state == fsw_visit.state == VisitState.APPROVED


def test_the_decision_page_says_who_may_clear_it_and_the_dsl_cannot_tick_it(client, dsl, head, commute):
    page = login(client, dsl).get(reverse("visits:visit-approve", args=[commute.pk])).content.decode()
    assert "Only the head of school can approve this." in page
    tick = page[page.index('data-testid="gate-override_commute"'):]
    tick = tick[:tick.index("</div>\n")]
    assert "disabled" in tick
    page = login(client, head).get(reverse("visits:visit-approve", args=[commute.pk])).content.decode()
    tick = page[page.index('data-testid="gate-override_commute"'):]
    assert "disabled" not in tick[:tick.index("</div>\n")]


def test_the_queue_tells_the_dsl_it_needs_the_head(client, dsl, head, commute):
    rows = login(client, dsl).get(reverse("visits:approvals")).context["rows"]
    assert rows[0]["words"] == "Needs the head of school"
    assert any("Only the head of school can approve this." in r for r in rows[0]["reasons"])
    rows = login(client, head).get(reverse("visits:approvals")).context["rows"]
    assert rows[0]["words"] == "Needs a decision"


def test_the_gate_box_on_the_plan_says_who_decides(client, school, teacher, commute):
    page = login(client, teacher).get(commute.get_absolute_url()).content.decode()
    assert "decided by the head of school only" in page
    school.dsl_may_clear_head_gates = True
    school.save()
    page = client.get(commute.get_absolute_url()).content.decode()
    assert "decided by the head of school or the DSL" in page
