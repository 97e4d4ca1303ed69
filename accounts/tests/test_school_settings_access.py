"""Only the school admin of the school (and a superuser) opens or changes its settings pages. Everyone
else, another school's admin included, gets "not found", for reading and for posting, and nothing is
changed (accounts.permissions.may_change_school_settings)."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import RosterTier, School
from homevisits.factories import SchoolFactory

from .settings_helpers import form_of, url

pytestmark = pytest.mark.django_db

PAGES = ("alerts", "roster", "watch", "planning", "letters", "records")


@pytest.mark.parametrize("who", ["teacher", "office", "head", "dsl", "other_admin", "other_head"])
@pytest.mark.parametrize("page", PAGES)
def test_anyone_but_the_schools_admin_gets_not_found(client, people, school, school_admin, who, page):
    data = form_of(_as(client, school_admin), school, page)
    data.update(late_call_minutes="3", visit_retention_years="1", letter_greeting="Oi")
    before = School.objects.filter(pk=school.pk).values().get()
    client.force_login(people[who])
    assert client.get(url(school, page)).status_code == 404
    assert client.post(url(school, page), data).status_code == 404
    assert School.objects.filter(pk=school.pk).values().get() == before


@pytest.mark.parametrize("who", ["teacher", "office", "head", "dsl"])
def test_the_menu_link_is_not_found_for_other_roles(client, people, who):
    client.force_login(people[who])
    assert client.get("/school/settings/").status_code == 404
    assert "/settings/alerts/" not in client.get("/accounts/").content.decode()


def test_another_schools_admin_cannot_reach_this_school_by_its_id(client, other_admin, school, other_school):
    client.force_login(other_admin)
    assert client.get(url(other_school, "alerts")).status_code == 200  # their own
    assert client.get(url(school, "alerts")).status_code == 404
    assert client.get(url(school, "roster")).status_code == 404


def test_a_school_that_does_not_exist_is_not_found(client, school_admin):
    client.force_login(school_admin)
    assert client.get("/schools/99999/settings/alerts/").status_code == 404


def test_signed_out_goes_to_sign_in(client, school):
    response = client.get(url(school, "alerts"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_superuser_may_change_any_schools_settings(client, school, other_school):
    root = get_user_model().objects.create_superuser("root", "root@school.example", "x-long-password-1")
    client.force_login(root)
    data = form_of(client, other_school, "alerts")
    data["late_call_minutes"] = "9"
    assert client.post(url(other_school, "alerts"), data).status_code == 302
    other_school.refresh_from_db()
    assert other_school.late_call_minutes == 9


def test_a_superuser_choosing_people_sees_only_that_schools(client, school, other_school, office, other_head):
    # A third school's page lists neither school's office staff.
    root = get_user_model().objects.create_superuser("root", "root@school.example", "x-long-password-1")
    client.force_login(root)
    third = SchoolFactory()
    html = client.get(url(third, "roster")).content.decode()
    assert office.get_full_name() not in html and other_head.get_full_name() not in html
    assert not RosterTier.objects.filter(school=third).exists()


def _as(client, user):
    client.force_login(user)
    return client
