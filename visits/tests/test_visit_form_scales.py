"""The visit form scales to a real school (issue 11, item 11): the family is found by typing (htmx posts
to our own visit-form-part page), only the chosen family's children are listed (none before a family is
chosen), "Going with" leaves out the lead, and transport has no preselected choice that fails the first
save. Scoping stays exact (R-CONFIDENTIAL): the search offers only families the user may see; another
school's family, or a family a visiting teacher may not see, is never offered and refused if posted."""

import re

import pytest
from django.urls import reverse

from homevisits.factories import ChildFactory, FamilyFactory, SchoolFactory, make_staff
from visits.models import Visit

from .planning import login, plan, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

CREATE = reverse("visits:visit-create")


def part(name, visit=None):
    url = reverse("visits:visit-form-part", args=[name])
    return f"{url}?visit={visit.pk}" if visit else url


def offered(html, name):
    """The values of the inputs called `name` in a page or fragment."""
    return {int(v) for v in re.findall(rf'name="{name}"[^>]*value="(\d+)"', html)} | {
        int(v) for v in re.findall(rf'value="(\d+)"[^>]*name="{name}"', html)}


@pytest.fixture
def many_families(school):
    return [FamilyFactory(school=school, display_name=f"Household {n:03d}", postcode="NN1 1AA") for n in range(60)]


def test_a_new_plan_lists_no_family_and_no_child_before_one_is_chosen(client, office, family, many_families):
    ChildFactory(family=family, first_name="Amir")
    ChildFactory(family=many_families[0], first_name="Zara")
    page = login(client, office).get(CREATE).content.decode()
    assert offered(page, "family") == set()
    assert offered(page, "children") == set()
    assert "Amir" not in page and "Zara" not in page
    assert "Choose the family first" in page
    assert 'name="family_search"' in page


def test_the_search_offers_the_families_that_match_among_those_the_user_may_see(client, office, family,
                                                                                 many_families):
    login(client, office)
    found = client.post(part("family"), {"family_search": "khan"}).content.decode()
    assert offered(found, "family") == {family.pk}
    by_postcode = client.post(part("family"), {"family_search": "nn11aa"}).content.decode()
    assert len(offered(by_postcode, "family")) == 15  # the first 15 of 60 ...
    assert "type more to narrow it down" in by_postcode  # ... and it says so


def test_another_schools_family_is_never_offered(client, office, family):
    elsewhere = FamilyFactory(school=SchoolFactory(), display_name="Khan household")
    login(client, office)
    found = client.post(part("family"), {"family_search": "khan"}).content.decode()
    assert offered(found, "family") == {family.pk}
    assert "Khan household" not in found
    # Posted as if chosen: not offered, and its children are not listed either.
    ChildFactory(family=elsewhere, first_name="Secretchild")
    drawn = client.post(part("family"), {"family_search": "", "family": elsewhere.pk}).content.decode()
    assert elsewhere.pk not in offered(drawn, "family")
    children = client.post(part("children"), {"family": elsewhere.pk}).content.decode()
    assert "Secretchild" not in children and offered(children, "children") == set()


def test_a_visiting_teacher_finds_only_the_families_they_may_see(client, school, teacher, ta, family):
    mine = FamilyFactory(school=school, display_name="Khan-Ali family")
    mine.shared_with.add(teacher)
    login(client, teacher)
    found = client.post(part("family"), {"family_search": "khan"}).content.decode()
    assert offered(found, "family") == {mine.pk}  # not the Khan family: no visit, not shared
    response = client.post(CREATE, plan_data(family, teacher, [ta]))
    assert response.status_code == 200 and "family" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_posting_another_schools_family_is_refused(client, office, teacher, ta):
    elsewhere = FamilyFactory(school=SchoolFactory())
    response = login(client, office).post(CREATE, plan_data(elsewhere, teacher, [ta]))
    assert response.status_code == 200 and "family" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_only_the_chosen_familys_children_are_listed_and_accepted(client, office, teacher, ta, family, school):
    amir = ChildFactory(family=family, first_name="Amir")
    other = ChildFactory(family=FamilyFactory(school=school), first_name="Zara")
    login(client, office)
    children = client.post(part("children"), {"family": family.pk}).content.decode()
    assert offered(children, "children") == {amir.pk}
    assert "Zara" not in children
    response = client.post(CREATE, plan_data(family, teacher, [ta], children=[amir.pk, other.pk]))
    assert response.status_code == 200 and "children" in response.context["form"].errors
    response = client.post(CREATE, plan_data(family, teacher, [ta], children=[amir.pk]))
    assert response.status_code == 302
    assert list(Visit.objects.get().children.all()) == [amir]


def test_going_with_leaves_out_the_lead(client, office, teacher, ta, family):
    login(client, office)
    drawn = client.post(part("other_staff"), {"lead": teacher.pk, "other_staff": [ta.pk]}).content.decode()
    assert teacher.pk not in offered(drawn, "other_staff")
    assert ta.pk in offered(drawn, "other_staff")
    assert re.search(rf'value="{ta.pk}"[^>]*checked', drawn), "a colleague already ticked stays ticked"
    # The teacher plans their own visit: they are the lead, so not offered again in "Going with".
    family.shared_with.add(teacher)
    page = login(client, teacher).get(f"{CREATE}?family={family.pk}").content.decode()
    assert teacher.pk not in offered(page, "other_staff") and ta.pk in offered(page, "other_staff")


def test_editing_a_visit_lists_that_familys_children_and_leaves_out_its_lead(client, office, teacher, ta, family):
    amir = ChildFactory(family=family, first_name="Amir")
    ChildFactory(family=FamilyFactory(school=family.school), first_name="Zara")
    visit = plan(family, teacher, ta)
    page = login(client, office).get(reverse("visits:visit-edit", args=[visit.pk])).content.decode()
    assert offered(page, "children") == {amir.pk}
    assert teacher.pk not in offered(page, "other_staff")
    assert 'name="family_search"' not in page  # the family of a visit does not change


def test_transport_has_no_preselected_choice_and_asks_for_one(client, teacher, ta, family):
    family.shared_with.add(teacher)
    login(client, teacher)
    page = client.get(f"{CREATE}?family={family.pk}").content.decode()
    select = re.search(r'<select name="transport".*?</select>', page, re.S).group(0)
    assert "selected" not in select.replace('<option value="" selected>', "")
    response = client.post(CREATE, plan_data(family, teacher, [ta], transport=""))
    assert response.context["form"].errors["transport"] == ["Say how you will travel."]
    assert not Visit.objects.exists()
    # On foot, the first save works.
    assert client.post(CREATE, plan_data(family, teacher, [ta], transport="foot")).status_code == 302


def test_find_without_javascript_draws_the_form_again_and_saves_nothing(client, office, teacher, ta, family):
    data = plan_data(family, teacher, [ta], family_search="khan", find_family="1")
    del data["family"]
    response = login(client, office).post(CREATE, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert offered(page, "family") == {family.pk}
    assert not response.context["form"].errors  # nothing judged yet
    assert 'value="bluebell"' in page  # what was typed is kept
    assert not Visit.objects.exists()


def test_the_form_parts_are_for_planners_of_the_school_only(client, school, family):
    admin = make_staff(school, "School admin")
    login(client, admin)
    assert client.post(part("family"), {"family_search": "khan"}).status_code == 403
    assert client.post(part("nonsense"), {}).status_code == 404
    client.logout()
    assert client.post(part("family"), {"family_search": "khan"}).status_code in (302, 403)
