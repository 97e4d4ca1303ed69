"""Local times at the clock change: a time that does not exist (clocks forward) or happens twice
(clocks back) is a form error, never a 500 or a silently shifted visit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from visits.localtime import combine_local, next_local_time
from visits.models import Visit

from .planning import login, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt", "shared_family")]
CREATE = reverse("visits:visit-create")


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


def test_it_refuses_a_start_in_the_dst_gap_with_a_form_error(client, clock_tuesday_gmt, teacher, ta, family):
    clock_tuesday_gmt.move_to(datetime.datetime(2026, 3, 20, 9, tzinfo=datetime.UTC))
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], day="2026-03-29", start="01:30", back="03:30"))
    assert response.status_code == 200
    assert "does not exist" in " ".join(response.context["form"].errors["start_time"])
    assert not Visit.objects.exists()


def test_it_refuses_a_return_in_the_dst_gap_with_a_form_error(client, clock_tuesday_gmt, teacher, ta, family):
    clock_tuesday_gmt.move_to(datetime.datetime(2026, 3, 20, 9, tzinfo=datetime.UTC))
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], day="2026-03-29", start="00:15", back="01:45"))
    assert response.status_code == 200
    assert "does not exist" in " ".join(response.context["form"].errors["return_time"])
    assert not Visit.objects.exists()


def test_it_refuses_an_ambiguous_start_with_a_form_error(client, clock_tuesday_gmt, teacher, ta, family):
    clock_tuesday_gmt.move_to(datetime.datetime(2026, 10, 20, 9, tzinfo=datetime.UTC))
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], day="2026-10-25", start="01:30", back="03:30"))
    assert response.status_code == 200
    assert "happens twice" in " ".join(response.context["form"].errors["start_time"])
    assert not Visit.objects.exists()


def test_a_visit_on_the_day_the_clocks_change_keeps_its_local_times(client, clock_tuesday_gmt, teacher, ta, family):
    clock_tuesday_gmt.move_to(datetime.datetime(2026, 3, 20, 9, tzinfo=datetime.UTC))
    response = login(client, teacher).post(
        CREATE, plan_data(family, teacher, [ta], day="2026-03-29", start="10:00", back="11:30"))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.planned_start == datetime.datetime(2026, 3, 29, 9, 0, tzinfo=datetime.UTC)  # BST


# --- A time of day alone: the next such local time after now (visits.localtime.next_local_time) ---

UTC = datetime.UTC


def next_at(now, hhmm):
    hour, minute = map(int, hhmm.split(":"))
    return next_local_time(datetime.time(hour, minute), now)


@pytest.mark.parametrize(("now", "typed", "expected"), [
    # An ordinary summer evening: after midnight is tomorrow.
    (datetime.datetime(2026, 6, 10, 22, 50, tzinfo=UTC), "00:20", datetime.datetime(2026, 6, 10, 23, 20, tzinfo=UTC)),
    # Before the autumn repeated hour both 01:15s are to come: the earlier (BST) one.
    (datetime.datetime(2026, 10, 24, 23, 30, tzinfo=UTC), "01:15", datetime.datetime(2026, 10, 25, 0, 15, tzinfo=UTC)),
    # Inside it, the first time round (01:20 BST): 01:50 BST in 30 min, 01:10 GMT in 50.
    (datetime.datetime(2026, 10, 25, 0, 20, tzinfo=UTC), "01:50", datetime.datetime(2026, 10, 25, 0, 50, tzinfo=UTC)),
    (datetime.datetime(2026, 10, 25, 0, 20, tzinfo=UTC), "01:10", datetime.datetime(2026, 10, 25, 1, 10, tzinfo=UTC)),
    # The second time round (01:20 GMT): 01:50 GMT.
    (datetime.datetime(2026, 10, 25, 1, 20, tzinfo=UTC), "01:50", datetime.datetime(2026, 10, 25, 1, 50, tzinfo=UTC)),
    # Across the autumn change: 02:05 GMT is 75 minutes after 01:50 BST.
    (datetime.datetime(2026, 10, 25, 0, 50, tzinfo=UTC), "02:05", datetime.datetime(2026, 10, 25, 2, 5, tzinfo=UTC)),
    # After the spring jump, the time as the clock shows it.
    (datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "02:30", datetime.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
])
def test_a_time_of_day_is_the_next_such_local_time_after_now(now, typed, expected):
    moment = next_at(now, typed)
    assert moment == expected and moment.tzinfo is UTC


@pytest.mark.parametrize(("now", "typed", "code"), [
    (datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "01:30", "dst_gap"),  # 00:30 GMT, tonight's gap
    (datetime.datetime(2026, 3, 28, 23, 50, tzinfo=UTC), "01:30", "dst_gap"),  # from the evening before
    (datetime.datetime(2026, 6, 10, 14, 0, tzinfo=UTC), "14:30", "past"),  # 15:00: not tomorrow's 14:30
    (datetime.datetime(2026, 6, 10, 12, 0, tzinfo=UTC), "02:00", "past"),  # 13:00: 02:00 for 14:00
    (datetime.datetime(2026, 10, 25, 1, 20, tzinfo=UTC), "01:10", "past"),  # both 01:10s have gone
    (datetime.datetime(2026, 6, 10, 6, 0, tzinfo=UTC), "20:00", "too_far"),  # 07:00: 13 hours away
])
def test_a_skipped_passed_or_far_time_is_refused(now, typed, code):
    with pytest.raises(ValidationError) as refused:
        next_at(now, typed)
    assert refused.value.code == code


def test_combine_local_gives_utc_so_adding_minutes_is_elapsed_time():
    start = combine_local(datetime.date(2026, 10, 25), datetime.time(0, 50))  # 00:50 BST
    assert start.tzinfo is UTC
    assert timezone.localtime(start + datetime.timedelta(minutes=75)).strftime("%H:%M %Z") == "01:05 GMT"
