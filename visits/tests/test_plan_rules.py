"""Planning a visit through the form: the rules of services.plan_errors() are shown beside the
fields and nothing is saved (R-PAIR, R-PHONE, double booking, times)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import StaffProfile
from homevisits.factories import make_staff
from visits.models import Gate, RiskAssessment, Visit, VisitState

from .planning import TOMORROW, login, plan, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt", "shared_family")]
CREATE = reverse("visits:visit-create")


def errors_of(response, field):
    return " ".join(str(e) for e in response.context["form"].errors.get(field, []))


def test_it_saves_a_good_plan_with_its_risk_assessment(client, teacher, ta, family):
    response = login(client, teacher).post(CREATE, plan_data(family, teacher, [ta]))
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    assert visit.state == VisitState.DRAFT
    assert set(visit.staff.all()) == {teacher, ta} and visit.lead == teacher
    assert visit.address == family.address  # defaults to the family's address
    assert RiskAssessment.objects.filter(visit=visit).exists()
    assert visit.events.filter(kind="created", actor=teacher).exists()


def test_it_refuses_a_visit_by_one_person_alone(client, teacher, family):
    # R-PAIR
    response = login(client, teacher).post(CREATE, plan_data(family, teacher, []))
    assert response.status_code == 200
    assert "At least two members of staff" in errors_of(response, "other_staff")
    assert not Visit.objects.exists()


def test_a_lone_visit_where_allowed_is_a_gate(client, teacher, family, school):
    # R-PAIR: where the school allows lone visits, they need the head's override.
    school.lone_visits_allowed = True
    school.save()
    login(client, teacher).post(CREATE, plan_data(family, teacher, []))
    visit = Visit.objects.get()
    response = client.get(visit.get_absolute_url())
    assert Gate.LONE.label in response.content.decode()


def test_it_refuses_a_visitor_without_a_mobile(client, teacher, school, family):
    # R-PHONE
    no_phone = make_staff(school, mobile="")
    response = login(client, teacher).post(CREATE, plan_data(family, teacher, [no_phone]))
    assert "No mobile number on record" in errors_of(response, "other_staff")
    assert "R-" not in errors_of(response, "other_staff")  # rule IDs stay in the code
    assert not Visit.objects.exists()


def test_it_refuses_to_double_book_a_visitor(client, teacher, ta, school, family):
    plan(family, ta, make_staff(school), start=(10, 30))
    response = login(client, teacher).post(CREATE, plan_data(family, teacher, [ta], start="10:00", back="11:30"))
    assert "already booked on another visit" in errors_of(response, "other_staff")
    assert Visit.objects.count() == 1


def test_a_cancelled_visit_does_not_double_book(client, teacher, ta, school, family):
    other = plan(family, ta, make_staff(school), start=(10, 30))
    other.state = VisitState.CANCELLED
    other.save()
    response = login(client, teacher).post(CREATE, plan_data(family, teacher, [ta]))
    assert response.status_code == 302


def test_it_refuses_a_return_before_the_start(client, teacher, ta, family):
    response = login(client, teacher).post(CREATE, plan_data(family, teacher, [ta], start="14:00", back="13:00"))
    assert "must be after the visit starts" in errors_of(response, "return_time")
    assert not Visit.objects.exists()


def test_it_refuses_a_visit_in_the_past(client, teacher, ta, family):
    response = login(client, teacher).post(CREATE, plan_data(family, teacher, [ta], day="2026-11-23"))
    assert "can't be planned in the past" in errors_of(response, "start_time")
    assert not Visit.objects.exists()


def test_it_refuses_an_unannounced_visit_without_a_reason(client, teacher, ta, family):
    # R-INFORM
    response = login(client, teacher).post(CREATE, plan_data(family, teacher, [ta], announced="False"))
    assert "An unannounced visit must say why." in errors_of(response, "unannounced_reason")


def test_it_refuses_a_car_without_its_details(client, teacher, ta, family):
    # R-VEHICLE: the office must hold the car's details.
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], transport="car", vehicle_owner=ta.pk))
    assert "no vehicle registration" in errors_of(response, "vehicle_owner")
    StaffProfile.objects.filter(user=ta).update(vehicle_registration="AB12 CDE")
    response = client.post(CREATE, plan_data(family, teacher, [ta], transport="car", vehicle_owner=ta.pk))
    assert response.status_code == 302


def test_it_refuses_children_of_another_family(client, teacher, ta, family, school):
    from homevisits.factories import ChildFactory, FamilyFactory

    stranger = ChildFactory(family=FamilyFactory(school=school))
    login(client, teacher)
    # The other family is not visible to the teacher, so its child is not even a choice.
    response = client.post(CREATE, plan_data(family, teacher, [ta], children=[stranger.pk]))
    assert response.status_code == 200 and response.context["form"].errors.get("children")


def test_an_evening_visit_warns_of_its_gate_at_once(client, teacher, ta, family):
    # R-EVENING: the form is saved, and the gate is shown straight away on the visit.
    login(client, teacher).post(CREATE, plan_data(family, teacher, [ta], start="17:00", back="18:15"))
    visit = Visit.objects.get()
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "Needs the approver" in page and escape(Gate.EVENING.label) in page
    edit = client.get(reverse("visits:visit-edit", args=[visit.pk])).content.decode()
    assert escape(Gate.EVENING.label) in edit


def test_the_family_detail_offers_a_prefilled_plan(client, teacher, ta, family):
    plan(family, teacher, ta)
    response = login(client, teacher).get(CREATE + f"?family={family.pk}")
    form = response.context["form"]
    assert form.initial["family"] == family.pk and form.initial["address"] == family.address
    assert form.initial["lead"] == teacher.pk
    assert TOMORROW  # the plan helper's day


def test_the_form_previews_the_gates_as_it_is_filled_in(client, teacher, ta, family):
    # R-EVENING, R-COMMUTE: the htmx preview answers before anything is saved.
    url = reverse("visits:visit-gates")
    login(client, teacher)
    quiet = client.post(url, plan_data(family, teacher, [ta]))
    assert quiet.status_code == 200 and "Needs the approver" not in quiet.content.decode()
    late = client.post(url, plan_data(family, teacher, [ta], start="17:00", back="18:15", ends_at_home="on"))
    page = late.content.decode()
    assert escape(Gate.EVENING.label) in page and escape(Gate.COMMUTE.label) in page
    assert not Visit.objects.exists()
