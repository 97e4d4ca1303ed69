"""R-CONFIDENTIAL: who sees which families and visits. Objects a user can't see are 404;
actions a role can't take on what it can see are 403."""

import pytest
from django.urls import reverse

from homevisits.factories import FamilyFactory, SchoolFactory, make_staff

from .planning import login, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

FAMILY_PAGES = ["visits:family-detail", "visits:family-edit"]
VISIT_PAGES = ["visits:visit-detail", "visits:visit-edit", "visits:visit-plan-again", "visits:visit-cancel",
               "visits:visit-submit", "visits:risk-assessment", "visits:checklist", "visits:visit-letter",
               "visits:visit-slip", "visits:visit-approve", "visits:visit-refuse"]


@pytest.fixture
def elsewhere():
    """Another school, with its own family and visit."""
    school = SchoolFactory()
    family = FamilyFactory(school=school)
    return family, plan(family, make_staff(school), make_staff(school))


@pytest.mark.parametrize("name", FAMILY_PAGES)
def test_a_teacher_cannot_open_another_schools_family(client, teacher, elsewhere, name):
    family, _ = elsewhere
    assert login(client, teacher).get(reverse(name, args=[family.pk])).status_code == 404


@pytest.mark.parametrize("name", VISIT_PAGES)
def test_a_teacher_cannot_open_another_schools_visit(client, teacher, elsewhere, name):
    _, visit = elsewhere
    assert login(client, teacher).get(reverse(name, args=[visit.pk])).status_code == 404


@pytest.mark.parametrize("name", FAMILY_PAGES)
def test_a_teacher_cannot_open_an_unrelated_family_of_their_school(client, teacher, family, name):
    assert login(client, teacher).get(reverse(name, args=[family.pk])).status_code == 404


@pytest.mark.parametrize("name", VISIT_PAGES)
def test_a_teacher_cannot_open_a_visit_they_are_not_on(client, teacher, family, school, name):
    visit = plan(family, make_staff(school), make_staff(school))
    assert login(client, teacher).get(reverse(name, args=[visit.pk])).status_code == 404


@pytest.mark.parametrize("name", VISIT_PAGES)
def test_the_head_of_another_school_cannot_open_a_visit(client, elsewhere, name, school):
    from accounts import roles

    head = make_staff(school, roles.HEAD)
    _, visit = elsewhere
    assert login(client, head).get(reverse(name, args=[visit.pk])).status_code == 404


def test_a_teacher_sees_the_family_of_their_own_visit(client, teacher, ta, family):
    visit = plan(family, teacher, ta)
    login(client, teacher)
    assert client.get(reverse("visits:family-detail", args=[family.pk])).status_code == 200
    assert client.get(visit.get_absolute_url()).status_code == 200


def test_a_family_the_head_shares_is_visible(client, teacher, family):
    family.shared_with.add(teacher)
    assert login(client, teacher).get(reverse("visits:family-detail", args=[family.pk])).status_code == 200


@pytest.mark.parametrize("role_fixture", ["office", "head", "dsl", "school_admin"])
def test_office_head_dsl_and_admin_see_every_family_of_their_school(client, family, request, role_fixture, elsewhere):
    user = request.getfixturevalue(role_fixture)
    login(client, user)
    assert client.get(reverse("visits:family-detail", args=[family.pk])).status_code == 200
    listed = client.get(reverse("visits:family-list")).context["families"]
    assert family in listed and elsewhere[0] not in listed


def test_the_family_list_shows_a_teacher_only_their_families(client, teacher, ta, family, school):
    mine = FamilyFactory(school=school, display_name="Mine family")
    plan(mine, teacher, ta)
    listed = list(login(client, teacher).get(reverse("visits:family-list")).context["families"])
    assert listed == [mine]


def test_the_school_admin_may_see_but_not_plan_a_visit(client, school_admin, family, teacher, ta):
    visit = plan(family, teacher, ta)
    login(client, school_admin)
    assert client.get(visit.get_absolute_url()).status_code == 200
    assert client.get(reverse("visits:visit-edit", args=[visit.pk])).status_code == 403
    assert client.post(reverse("visits:visit-cancel", args=[visit.pk]), {"reason": "x"}).status_code == 403


def test_a_visitor_who_is_not_the_lead_cannot_answer_the_checklist(client, teacher, ta, family):
    # R-CHECKLIST: the lead answers it.
    visit = plan(family, teacher, ta)
    response = login(client, ta).post(reverse("visits:checklist", args=[visit.pk]), {})
    assert response.status_code == 403


def test_the_code_word_is_hidden_from_the_dsl_who_is_not_on_the_visit(client, dsl, teacher, ta, family):
    # R-SAFEWORD: office, head and the visitors see it.
    visit = plan(family, teacher, ta, code_word="marigold")
    assert "marigold" not in login(client, dsl).get(visit.get_absolute_url()).content.decode()
    assert "marigold" in login(client, teacher).get(visit.get_absolute_url()).content.decode()
