"""The one rule for 404 vs 403 (accounts.permissions), on the planning pages: a visit a user may not
see (another school's, or one they are not on) is 404, exactly as a missing one; a visit they may
see, with an action their role may not take, is 403 (R-CONFIDENTIAL, R-AUTH)."""

import pytest
from django.urls import reverse

from accounts import roles
from homevisits.factories import FamilyFactory, SchoolFactory, make_staff

from .planning import login, plan

pytestmark = pytest.mark.django_db

MISSING = 987654321


def test_a_visit_the_user_may_see_but_not_approve_is_403(client, office, family, teacher, ta):
    visit = plan(family, teacher, ta)
    login(client, office)
    assert client.get(visit.get_absolute_url()).status_code == 200  # they may see it
    assert client.get(reverse("visits:visit-approve", args=[visit.pk])).status_code == 403


@pytest.mark.parametrize("page", ["visits:visit-detail", "visits:visit-approve", "visits:visit-edit"])
def test_another_schools_visit_is_404_like_a_missing_one(client, family, teacher, ta, page):
    visit = plan(family, teacher, ta)
    elsewhere = make_staff(SchoolFactory(), roles.HEAD, username="otherhead")
    login(client, elsewhere)
    assert client.get(reverse(page, args=[visit.pk])).status_code == 404
    assert client.get(reverse(page, args=[MISSING])).status_code == 404


def test_a_visit_a_teacher_is_not_on_is_404_even_for_an_action_their_role_has(client, school, family, teacher, ta):
    visit = plan(family, teacher, ta)
    stranger = make_staff(school, username="stranger")
    login(client, stranger)
    assert client.get(reverse("visits:visit-edit", args=[visit.pk])).status_code == 404
    assert client.post(reverse("visits:visit-cancel", args=[visit.pk]), {"reason": "x"}).status_code == 404
    family = FamilyFactory(school=school)
    assert client.get(reverse("visits:family-detail", args=[family.pk])).status_code == 404
