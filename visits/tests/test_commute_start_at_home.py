"""R-COMMUTE, "on the way to or from work" (issue 10, item 6): a visit can start from home, end at home,
or both; either needs the head's approval (the commute gate). The form and the visit page show it, and
the phone's sign-out button says "Start the visit" to someone leaving home, "Leaving now" otherwise."""

import pytest
from django.urls import reverse

from visits import services
from visits.models import Gate, Visit, VisitState

from .planning import login, make_ready, plan, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt", "shared_family")]
CREATE = reverse("visits:visit-create")


@pytest.mark.parametrize("starts,ends,gated", [(False, False, False), (True, False, True), (False, True, True),
                                               (True, True, True)])
def test_starting_or_ending_at_home_needs_the_commute_gate(family, teacher, ta, starts, ends, gated):
    visit = plan(family, teacher, ta, starts_at_home=starts, ends_at_home=ends)
    assert (Gate.COMMUTE in services.gates_for(visit, [teacher, ta])) is gated
    assert services.gates_for(visit, [teacher, ta]).count(Gate.COMMUTE) <= 1


def test_the_form_records_a_visit_that_starts_from_home(client, teacher, ta, family):
    page = login(client, teacher).get(CREATE).content.decode()
    assert 'name="starts_at_home"' in page and "Starting from home" in page
    response = client.post(CREATE, plan_data(family, teacher, [ta], starts_at_home="on"))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.starts_at_home and not visit.ends_at_home
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "Leaving from home, going back to school afterwards" in page
    assert "Starts or ends at home instead of at school" in page  # the gate, before it is submitted


def test_the_gates_preview_warns_as_the_box_is_ticked(client, teacher, ta, family):
    login(client, teacher)
    url = reverse("visits:visit-gates")
    assert "Starts or ends at home" not in client.post(url, plan_data(family, teacher, [ta])).content.decode()
    ticked = client.post(url, plan_data(family, teacher, [ta], starts_at_home="on")).content.decode()
    assert "Starts or ends at home instead of at school" in ticked and "head of school only" in ticked


def test_submitting_records_the_gate_and_the_head_must_clear_it(family, teacher, ta, head, dsl):
    visit = services.submit(make_ready(plan(family, teacher, ta, starts_at_home=True)), teacher)
    assert visit.gates_required == [Gate.COMMUTE]
    with pytest.raises(Exception, match="Only the head of school"):
        services.approve(visit, dsl, {"commute": "On her way in"})
    assert services.approve(visit, head, {"commute": "On her way in"}).state == VisitState.APPROVED


def test_changing_where_an_approved_visit_starts_sends_it_back(client, family, teacher, ta, head):
    visit = services.submit(make_ready(plan(family, teacher, ta)), teacher)
    services.approve(visit, head)
    response = login(client, teacher).post(reverse("visits:visit-edit", args=[visit.pk]),
                                           plan_data(family, teacher, [ta], starts_at_home="on"))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.state == VisitState.SUBMITTED and visit.starts_at_home
    assert visit.gates_required == [Gate.COMMUTE]


def test_plan_again_keeps_where_it_starts(family, teacher, ta):
    source = plan(family, teacher, ta, starts_at_home=True)
    assert services.plan_again_initial(source)["starts_at_home"] is True


def test_the_sign_out_button_fits_where_staff_leave_from(family, teacher, ta):
    assert plan(family, teacher, ta).departure_label == "Leaving now"
    assert Visit(starts_at_home=True).departure_label == "Start the visit"
    assert Visit(ends_at_home=True).departure_label == "Leaving now"


def test_the_police_pack_says_they_set_off_from_home(client, family, teacher, ta, head, office):
    # R-POLICE: the last known location must not send the police to the school's route.
    import time_machine

    from safety.watchdog import check_in

    from .planning import TOMORROW, local

    visit = services.submit(make_ready(plan(family, teacher, ta, starts_at_home=True)), teacher)
    services.approve(visit, head, {"commute": "On her way in"})
    with time_machine.travel(local(TOMORROW, 9, 50), tick=False):
        check_in(visit, "departed", teacher, now=local(TOMORROW, 9, 50))
        page = login(client, office).get(reverse("safety:police-pack", args=[visit.pk])).content.decode()
    assert f"On the way from home to {visit.address}" in page
