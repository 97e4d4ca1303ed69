"""The week's timetable (R-SCHEDULE) and the personal iCalendar feed."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from accounts.models import StaffProfile
from homevisits.factories import FamilyFactory, make_staff

from .planning import TOMORROW, login, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]
TIMETABLE = reverse("visits:timetable")


def shown(response):
    return [v for day in response.context["days"] for v in day["visits"]]


def test_the_head_sees_every_visit_of_the_week(client, head, teacher, ta, school, family):
    mine = plan(family, teacher, ta)
    theirs = plan(FamilyFactory(school=school), make_staff(school), make_staff(school))
    response = login(client, head).get(TIMETABLE)
    assert shown(response) == [mine, theirs]
    page = response.content.decode()
    assert family.display_name in page and "10:00–11:30" in page


def test_staff_see_their_own_visits(client, teacher, ta, school, family):
    mine = plan(family, teacher, ta)
    plan(FamilyFactory(school=school), make_staff(school), make_staff(school))
    assert shown(login(client, teacher).get(TIMETABLE)) == [mine]


def test_a_visit_made_for_others_shows_only_family_initials(client, teacher, school):
    # The teacher planned it but is not going and the family is not shared: initials only.
    family = FamilyFactory(school=school, display_name="Popescu family")
    visit = plan(family, make_staff(school), make_staff(school))
    visit.created_by = teacher
    visit.save()
    page = login(client, teacher).get(TIMETABLE).content.decode()
    assert "Popescu family" not in page and "PF" in page


def test_previous_and_next_week(client, head, teacher, ta, family):
    plan(family, teacher, ta, day=TOMORROW + datetime.timedelta(days=7))
    login(client, head)
    this_week = client.get(TIMETABLE)
    assert shown(this_week) == []
    assert f"?week={this_week.context['next']:%Y-%m-%d}" in this_week.content.decode()
    next_week = client.get(TIMETABLE, {"week": "2026-12-02"})
    assert next_week.context["monday"] == datetime.date(2026, 11, 30) and len(shown(next_week)) == 1


def test_the_calendar_feed_shows_only_home_visit_times_and_a_link(client, teacher, ta, family):
    visit = plan(family, teacher, ta, code_word="marigold")
    token = StaffProfile.objects.get(user=teacher).calendar_token
    response = client.get(reverse("visits:calendar-feed", args=[token]))  # no login: the token is the key
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    for secret in ("marigold", family.display_name, family.address_line1, family.postcode):
        assert secret not in body
    cal = icalendar.Calendar.from_ical(response.content)
    (event,) = cal.walk("VEVENT")
    assert str(event["summary"]).startswith("Home visit")
    assert event.decoded("dtstart") == visit.planned_start
    assert visit.get_absolute_url() in str(event["url"])


def test_a_wrong_token_is_404(client):
    assert client.get(reverse("visits:calendar-feed", args=["not-a-token"])).status_code == 404


def test_revoking_the_link_stops_the_old_one(client, teacher, ta, family):
    plan(family, teacher, ta)
    old = StaffProfile.objects.get(user=teacher).calendar_token
    response = login(client, teacher).post(reverse("visits:calendar-revoke"))
    assert response.status_code == 302
    new = StaffProfile.objects.get(user=teacher).calendar_token
    assert new != old
    client.logout()
    assert client.get(reverse("visits:calendar-feed", args=[old])).status_code == 404
    assert client.get(reverse("visits:calendar-feed", args=[new])).status_code == 200


def test_revoking_needs_a_post(client, teacher):
    assert login(client, teacher).get(reverse("visits:calendar-revoke")).status_code == 405
