"""Security review of a day's round (R-LUNCH, R-AUTH): someone on a round's visits who does not lead
it may read it, but its plan (its visits, its return points) is its lead's, or a planner who sees the
whole school's (office, head, DSL). Otherwise a second member of staff could swap the lead's visits
off the round for their own, and the round would still carry the lead's name."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from homevisits.factories import FamilyFactory
from visits import rounds
from visits.models import Round, Visit, VisitState
from visits.services import save_plan

from .planning import NOW, TOMORROW, local, login, make_ready, plan

pytestmark = pytest.mark.django_db

ROUND_FORM = {"date": "2026-11-25", "lunch_time": "12:30", "end_time": "15:30"}


@pytest.fixture
def teachers_round(client, teacher, ta, school, clock_tuesday_gmt):
    """The teacher's round of two visits tomorrow, with the TA on both."""
    visits = [plan(FamilyFactory(school=school, display_name=name), teacher, ta, start=start)
              for name, start in (("Ahmed family", (9, 30)), ("Brown family", (10, 45)))]
    response = login(client, teacher).post(reverse("visits:round-create"),
                                           {**ROUND_FORM, "visits": [v.pk for v in visits]})
    assert response.status_code == 302
    client.logout()
    return Round.objects.get(), visits


def test_someone_on_the_round_who_does_not_lead_it_cannot_replace_its_visits(
        client, teacher, ta, school, teachers_round):
    day_round, visits = teachers_round
    # The TA's own two plans, led by the TA alone (a TA is visiting staff: they plan their own).
    own = [plan(FamilyFactory(school=school, display_name=name), ta, teacher, start=start)
           for name, start in (("Cole family", (13, 30)), ("Dunn family", (14, 30)))]
    for visit in own:
        visit.staff.set([ta])
    assert login(client, ta).get(reverse("visits:round-detail", args=[day_round.pk])).status_code == 200
    response = client.post(reverse("visits:round-edit", args=[day_round.pk]),
                           {**ROUND_FORM, "visits": [v.pk for v in own]})
    assert response.status_code in (403, 404)
    assert set(Visit.objects.filter(day_round=day_round).values_list("pk", flat=True)) == {v.pk for v in visits}
    assert not Visit.objects.filter(pk__in=[v.pk for v in own], day_round__isnull=False).exists()


def test_the_round_page_offers_its_change_to_the_lead_only(client, teacher, ta, teachers_round):
    day_round, _visits = teachers_round
    edit = reverse("visits:round-edit", args=[day_round.pk])
    assert edit not in login(client, ta).get(reverse("visits:round-detail", args=[day_round.pk])).content.decode()
    client.logout()
    assert edit in login(client, teacher).get(reverse("visits:round-detail", args=[day_round.pk])).content.decode()


def test_a_round_changed_to_another_leads_visits_is_led_by_them(client, teacher, ta, office, school, teachers_round):
    """The office may re-plan the round with another lead's visits: the round's lead is then theirs
    (a round's visits share one lead, and the round names it), never the lead it had before."""
    day_round, _visits = teachers_round
    own = [plan(FamilyFactory(school=school, display_name=name), ta, teacher, start=start)
           for name, start in (("Cole family", (13, 30)), ("Dunn family", (14, 30)))]
    response = login(client, office).post(reverse("visits:round-edit", args=[day_round.pk]),
                                          {**ROUND_FORM, "visits": [v.pk for v in own]})
    assert response.status_code == 302
    day_round.refresh_from_db()
    assert set(Visit.objects.filter(day_round=day_round).values_list("lead", flat=True)) == {ta.pk}
    assert day_round.lead == ta


def test_a_round_visits_staff_cannot_be_changed_on_its_own_plan(teacher, ta, other_teacher, teachers_round):
    """R-LUNCH: the same staff on every visit of a round. Changed on one visit's own plan page, the round
    would no longer be whole, and someone on that one visit only would read the round's other visits
    (their times, risk and state) on the round's page."""
    day_round, visits = teachers_round
    second = Visit.objects.get(pk=visits[1].pk)
    with pytest.raises(ValidationError) as refused:
        save_plan(second, [teacher, other_teacher], teacher, changed_fields=["staff"])
    assert "same staff" in " ".join(refused.value.message_dict.get("other_staff", []))
    assert set(Visit.objects.get(pk=second.pk).staff.values_list("pk", flat=True)) == {teacher.pk, ta.pk}


def test_a_round_visits_own_plan_saves_with_the_rounds_staff(teacher, ta, teachers_round):
    _day_round, visits = teachers_round
    second = Visit.objects.get(pk=visits[1].pk)
    second.purpose_other = "Checked"
    save_plan(second, [teacher, ta], teacher)


def test_the_dsl_on_a_round_cannot_approve_it_and_nothing_is_approved(dsl, ta, school, clock_tuesday_gmt):
    """R-AUTH: the approver is not one of the visitors, for a round as for a visit: the DSL who goes on
    the round's visits is refused for every one of them, and none is approved (the round stays whole)."""
    visits = [make_ready(plan(FamilyFactory(school=school, display_name=name), dsl, ta, start=start))
              for name, start in (("Ahmed family", (9, 30)), ("Brown family", (10, 45)))]
    day_round = rounds.save_round(None, school=school, lead=dsl, day=TOMORROW, lunch_return=local(TOMORROW, 12, 30),
                                  end_return=local(TOMORROW, 15, 30), visits=visits, by=dsl, now=NOW)
    rounds.submit_round(day_round, dsl, now=NOW)
    with pytest.raises(ValidationError) as refused:
        rounds.approve_round(day_round, dsl, now=NOW)
    assert "You are one of the visiting staff" in " ".join(refused.value.messages)
    assert set(Visit.objects.filter(day_round=day_round).values_list("state", flat=True)) == {VisitState.SUBMITTED}
