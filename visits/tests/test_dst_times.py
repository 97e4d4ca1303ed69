"""Local times at the clock change: a time that does not exist (clocks forward) or happens twice
(clocks back) is a form error, never a 500 or a silently shifted visit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from visits.localtime import combine_local
from visits.models import Visit

from .planning import login, plan_data

pytestmark = pytest.mark.django_db
CREATE = reverse("visits:visit-create")


@pytest.fixture(autouse=True)
def shared(family, teacher):
    """Visiting staff plan visits for families the head has shared with them (R-CONFIDENTIAL)."""
    family.shared_with.add(teacher)


def test_an_ordinary_local_time_becomes_the_right_utc_instant():
    summer = combine_local(datetime.date(2026, 7, 1), datetime.time(10, 0))
    winter = combine_local(datetime.date(2026, 12, 1), datetime.time(10, 0))
    assert summer.astimezone(datetime.UTC).hour == 9
    assert winter.astimezone(datetime.UTC).hour == 10


def test_a_time_in_the_spring_gap_does_not_exist():
    with pytest.raises(ValidationError) as exc:
        combine_local(datetime.date(2026, 3, 29), datetime.time(1, 30))
    assert exc.value.code == "dst_gap"


def test_a_time_in_the_autumn_overlap_is_ambiguous():
    with pytest.raises(ValidationError) as exc:
        combine_local(datetime.date(2026, 10, 25), datetime.time(1, 30))
    assert exc.value.code == "dst_ambiguous"


def test_it_refuses_a_start_in_the_dst_gap_with_a_form_error(client, clock, teacher, ta, family):
    clock.move_to(datetime.datetime(2026, 3, 20, 9, tzinfo=datetime.UTC))
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], day="2026-03-29", start="01:30", back="03:30"))
    assert response.status_code == 200
    assert "does not exist" in " ".join(response.context["form"].errors["start_time"])
    assert not Visit.objects.exists()


def test_it_refuses_a_return_in_the_dst_gap_with_a_form_error(client, clock, teacher, ta, family):
    clock.move_to(datetime.datetime(2026, 3, 20, 9, tzinfo=datetime.UTC))
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], day="2026-03-29", start="00:15", back="01:45"))
    assert response.status_code == 200
    assert "does not exist" in " ".join(response.context["form"].errors["return_time"])
    assert not Visit.objects.exists()


def test_it_refuses_an_ambiguous_start_with_a_form_error(client, clock, teacher, ta, family):
    clock.move_to(datetime.datetime(2026, 10, 20, 9, tzinfo=datetime.UTC))
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], day="2026-10-25", start="01:30", back="03:30"))
    assert response.status_code == 200
    assert "happens twice" in " ".join(response.context["form"].errors["start_time"])
    assert not Visit.objects.exists()


def test_a_visit_on_the_day_the_clocks_change_keeps_its_local_times(client, clock, teacher, ta, family):
    clock.move_to(datetime.datetime(2026, 3, 20, 9, tzinfo=datetime.UTC))
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], day="2026-03-29", start="10:00", back="11:30"))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.planned_start == datetime.datetime(2026, 3, 29, 9, 0, tzinfo=datetime.UTC)  # BST
