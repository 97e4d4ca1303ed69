"""Planning a day's round and deciding it as one plan (R-LUNCH, R-AUTH, R-RISK, R-NOVISIT, R-SCHEDULE):
the round's page with its messages beside the fields, nothing half-saved; submitting and approving
every visit or none, through each visit's own workflow; the timetable grouping the round's visits
under its return points; and the attacks (another school's round, someone else's visit)."""

import html
import re

import pytest
from django.urls import reverse

from homevisits.factories import FamilyFactory, VisitFactory
from visits import rounds
from visits.models import EventKind, Hazard, Round, Visit, VisitState
from visits.services import save_plan

from .planning import NOW, TOMORROW, local, login, make_ready, plan

pytestmark = pytest.mark.django_db

ROUND_FORM = {"date": "2026-11-25", "lunch_time": "12:30", "end_time": "15:30"}


def text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


@pytest.fixture
def drafts(teacher, ta, school, clock_tuesday_gmt):
    """Three drafts by the teacher and the TA tomorrow: 09:30, 10:45 and 13:30 (45 minutes each)."""
    return [plan(FamilyFactory(school=school, display_name=name), teacher, ta, start=start)
            for name, start in (("Ahmed family", (9, 30)), ("Brown family", (10, 45)), ("Cole family", (13, 30)))]


def post_round(client, visits, url=None, **changes):
    return client.post(url or reverse("visits:round-create"),
                       {**ROUND_FORM, "visits": [v.pk for v in visits], **changes})


def test_the_plan_page_offers_only_the_planners_own_drafts(client, teacher, other_teacher, ta, school, drafts):
    someone_elses = plan(FamilyFactory(school=school, display_name="Dunn family"), other_teacher, ta)
    page = text(login(client, teacher).get(reverse("visits:round-create")))
    assert all(str(v.family) in page for v in drafts)
    assert str(someone_elses.family) not in page


def test_planning_a_round_sets_each_visits_return_point(client, teacher, drafts):
    response = post_round(login(client, teacher), drafts)
    day_round = Round.objects.get()
    assert response.status_code == 302 and response.url == day_round.get_absolute_url()
    first, second, third = (Visit.objects.get(pk=v.pk) for v in drafts)
    assert first.expected_return == second.expected_return == local(TOMORROW, 12, 30)
    assert third.expected_return == local(TOMORROW, 15, 30)
    assert [first.round_order, second.round_order, third.round_order] == [1, 2, 3]
    assert day_round.lead == teacher
    assert first.events.filter(kind=EventKind.EDITED, note__contains="back at school at 12:30").exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"end_time": "12:00"}, "end_time", "The end of the day must be after the lunchtime return."),
    ({"lunch_time": "10:00"}, "visits", "runs over the lunchtime return (10:00)"),
    ({"end_time": "14:00"}, "visits", "ends after the end-of-day return (14:00)"),
    ({"date": "2026-11-26"}, "visits", "is not on the day of the round"),
    ({"lunch_time": ""}, "lunch_time", "This field is required."),
])
def test_bad_input_is_told_beside_the_field_and_nothing_is_saved(client, teacher, drafts, changes, field, message):
    response = post_round(login(client, teacher), drafts, **changes)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in text(response)
    assert not Round.objects.exists()
    assert all(Visit.objects.get(pk=v.pk).expected_return == v.expected_return for v in drafts)


def test_a_round_needs_the_same_staff_on_every_visit(client, teacher, other_teacher, school, drafts):
    drafts[1].staff.set([teacher, other_teacher])
    response = post_round(login(client, teacher), drafts)
    assert "The same staff must go on every visit of a round" in " ".join(response.context["form"].errors["visits"])
    assert not Round.objects.exists()


def test_a_staff_member_cannot_add_someone_elses_visit_to_their_round(client, teacher, other_teacher, ta, school,
                                                                      drafts):
    theirs = plan(FamilyFactory(school=school), other_teacher, ta, start=(11, 30))
    response = post_round(login(client, teacher), [*drafts, theirs])
    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["form"].errors["visits"])
    assert not Round.objects.exists()
    # Nor through the service: a round's visits share one lead.
    with pytest.raises(Exception, match="led by someone else"):
        rounds.save_round(None, school=school, lead=teacher, day=TOMORROW, lunch_return=local(TOMORROW, 12, 30),
                          end_return=local(TOMORROW, 15, 30), visits=[*drafts, theirs], by=teacher, now=NOW)


@pytest.fixture
def planned(teacher, school, drafts):
    return rounds.save_round(None, school=school, lead=teacher, day=TOMORROW, lunch_return=local(TOMORROW, 12, 30),
                             end_return=local(TOMORROW, 15, 30), visits=drafts, by=teacher, now=NOW)


@pytest.mark.parametrize("url", ["visits:round-detail", "visits:round-edit", "visits:round-decide"])
def test_another_schools_round_is_not_found(client, other_head, planned, url):
    assert login(client, other_head).get(reverse(url, args=[planned.pk])).status_code == 404
    assert client.post(reverse("visits:round-submit", args=[planned.pk])).status_code == 404


def test_a_colleague_not_on_the_round_does_not_find_it(client, other_teacher, planned):
    assert login(client, other_teacher).get(reverse("visits:round-detail", args=[planned.pk])).status_code == 404


def test_submitting_the_round_submits_every_visit_or_none(client, teacher, planned, drafts):
    make_ready(drafts[0])
    make_ready(drafts[1])  # the third's risk assessment and checklist are not done
    response = login(client, teacher).post(reverse("visits:round-submit", args=[planned.pk]))
    assert "Cole family: Review the risk assessment" in text(response)
    assert set(Visit.objects.filter(day_round=planned).values_list("state", flat=True)) == {VisitState.DRAFT}
    make_ready(drafts[2])
    client.post(reverse("visits:round-submit", args=[planned.pk]))
    assert set(Visit.objects.filter(day_round=planned).values_list("state", flat=True)) == {VisitState.SUBMITTED}


@pytest.fixture
def submitted(teacher, planned, drafts):
    for visit in drafts:
        make_ready(visit)
    rounds.submit_round(planned, teacher, now=NOW)
    return planned


def test_the_head_sees_each_visits_risk_assessment_and_approves_the_round_as_one(client, head, submitted, drafts):
    Hazard.objects.create(assessment=drafts[1].risk_assessment, kind="animals", description="Large dog",
                          severity=2, likelihood=2, controls="Dog shut in the kitchen")
    page = text(login(client, head).get(reverse("visits:round-decide", args=[submitted.pk])))
    assert page.count('data-testid="round-decide-visit"') == 3
    assert "Medium risk" in page and "Animals: Large dog: Dog shut in the kitchen" in page
    response = client.post(reverse("visits:round-decide", args=[submitted.pk]), {"action": "approve"})
    assert response.status_code == 302
    for visit in drafts:
        visit.refresh_from_db()
        assert visit.state == VisitState.APPROVED and visit.decided_by == head
        assert visit.events.filter(kind=EventKind.APPROVED).count() == 1


def test_a_high_risk_on_any_visit_blocks_the_whole_round(client, head, submitted, drafts):
    ra = drafts[2].risk_assessment
    ra.risk_of_harm_high = True
    ra.save()
    page = text(login(client, head).get(reverse("visits:round-decide", args=[submitted.pk])))
    assert 'data-testid="round-blocked"' in page and "High risk" in page
    response = client.post(reverse("visits:round-decide", args=[submitted.pk]), {"action": "approve"})
    assert response.status_code == 200 and "High risk" in text(response)
    assert set(Visit.objects.filter(day_round=submitted).values_list("state", flat=True)) == {VisitState.SUBMITTED}


def test_refusing_the_round_refuses_each_visit_with_the_reason(client, head, submitted, drafts):
    login(client, head)
    response = client.post(reverse("visits:round-decide", args=[submitted.pk]), {"action": "refuse", "reason": ""})
    assert "Give the reason" in text(response) or "required" in text(response)
    client.post(reverse("visits:round-decide", args=[submitted.pk]), {"action": "refuse", "reason": "Too many"})
    assert set(Visit.objects.filter(day_round=submitted).values_list("decision_reason", "state")) == {
        ("Too many", VisitState.REFUSED)}


def test_visiting_staff_cannot_decide_their_round(client, teacher, submitted):
    response = login(client, teacher).post(reverse("visits:round-decide", args=[submitted.pk]), {"action": "approve"})
    assert response.status_code == 403
    assert set(Visit.objects.filter(day_round=submitted).values_list("state", flat=True)) == {VisitState.SUBMITTED}


def test_a_round_visit_is_decided_with_its_round(client, head, submitted, drafts):
    response = login(client, head).get(reverse("visits:visit-approve", args=[drafts[0].pk]))
    assert response.url == reverse("visits:round-decide", args=[submitted.pk])
    assert 'data-testid="round-approvals"' in text(client.get(reverse("visits:approvals")))


def test_the_timetable_groups_the_rounds_visits_under_its_return_points(client, head, teacher, ta, school,
                                                                         planned, drafts):
    alone = VisitFactory(family=FamilyFactory(school=school, display_name="Evans family"), school=school,
                         lead=teacher, created_by=teacher, staff=[teacher, ta], state=VisitState.SUBMITTED,
                         planned_start=local(TOMORROW, 16), expected_return=local(TOMORROW, 17))
    page = text(login(client, head).get(reverse("visits:timetable")))
    assert page.count('data-testid="timetable-round"') == 1
    group = page.split('data-testid="timetable-round"', 1)[1].split("</ol>", 1)[0]
    assert "back at school 12:30 (lunch) and 15:30" in group
    assert group.index("Ahmed family") < group.index("Brown family") < group.index("Back at school 12:30") \
        < group.index("Cole family")
    assert str(alone.family) not in group and str(alone.family) in page


def test_changing_a_visit_on_the_round_keeps_its_return_point(teacher, ta, planned, drafts):
    visit = Visit.objects.get(pk=drafts[0].pk)
    visit.planned_start = local(TOMORROW, 9, 0)
    visit.expected_return = local(TOMORROW, 10, 0)  # as the plan form would post it

    save_plan(visit, [teacher, ta], teacher, changed_fields=["planned_start", "expected_return"], now=NOW)
    visit.refresh_from_db()
    assert visit.expected_return == local(TOMORROW, 12, 30)


def test_a_visit_changed_after_the_rounds_approval_is_approved_again_from_the_round(client, head, teacher, ta,
                                                                                      submitted, drafts):
    rounds.approve_round(submitted, head, now=NOW)
    visit = Visit.objects.get(pk=drafts[1].pk)
    visit.planned_start = local(TOMORROW, 11, 0)
    save_plan(visit, [teacher, ta], teacher, changed_fields=["planned_start"], now=NOW)
    assert Visit.objects.get(pk=visit.pk).state == VisitState.SUBMITTED
    page = text(login(client, head).get(reverse("visits:round-decide", args=[submitted.pk])))
    assert page.count("already decided") == 2
    client.post(reverse("visits:round-decide", args=[submitted.pk]), {"action": "approve"})
    assert set(Visit.objects.filter(day_round=submitted).values_list("state", flat=True)) == {VisitState.APPROVED}


def test_a_rounds_visit_is_not_submitted_alone(client, teacher, planned, drafts):
    make_ready(drafts[0])
    response = login(client, teacher).post(reverse("visits:visit-submit", args=[drafts[0].pk]))
    assert response.url == planned.get_absolute_url()
    assert Visit.objects.get(pk=drafts[0].pk).state == VisitState.DRAFT
