"""The other schools a member of staff works for (issue 16, SchoolMembership): a superuser gives them
in the Django admin, only schools of the home school's trust (the message beside the field), each
change on the account change log of every school it concerns; a school admin is offered nothing of
it and a forged one is refused as a whole."""

import pytest
from django.core.exceptions import ValidationError

from accounts import roles
from accounts.models import AccountChange, AccountChangeKind, SchoolMembership
from homevisits.factories import SchoolFactory, UserFactory, make_staff, make_trust

from .admin_forms import read_form

pytestmark = pytest.mark.django_db

USERS = "/admin/auth/user/"
PREFIX = "school_memberships"


@pytest.fixture
def trust_schools(school, other_school):
    b = SchoolFactory(name="Brookside")
    make_trust(school, b, name="Nene Valley Trust")
    return school, b, other_school


@pytest.fixture
def fsw(school):
    return make_staff(school, roles.VISITING_STAFF, username="fsw", job_title="Family support worker")


@pytest.fixture
def root(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def adding(client, user, school):
    page = client.get(f"{USERS}{user.pk}/change/")
    assert page.status_code == 200
    data, names = read_form(page.content.decode(), "user_form")
    assert f"{PREFIX}-TOTAL_FORMS" in names
    data[f"{PREFIX}-TOTAL_FORMS"] = ["1"]
    data[f"{PREFIX}-0-school"] = [str(school.pk)]
    data[f"{PREFIX}-0-user"] = [str(user.pk)]
    return data


def test_only_a_school_of_the_same_trust_may_be_added(trust_schools, fsw):
    a, b, outside = trust_schools
    SchoolMembership(user=fsw, school=b).full_clean()
    for school, words in ((outside, "same trust"), (a, "already their home school")):
        with pytest.raises(ValidationError) as error:
            SchoolMembership(user=fsw, school=school).full_clean()
        assert words in " ".join(error.value.message_dict["school"])


def test_a_home_school_in_no_trust_has_no_other_schools(other_school):
    alone = make_staff(other_school, username="alone")
    with pytest.raises(ValidationError):
        SchoolMembership(user=alone, school=SchoolFactory(name="Anywhere")).full_clean()


def test_a_superuser_adds_a_school_of_the_trust_and_it_is_on_both_schools_audit(client, root, trust_schools, fsw):
    a, b, _ = trust_schools
    response = client.post(f"{USERS}{fsw.pk}/change/", adding(client, fsw, b))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(SchoolMembership.objects.filter(user=fsw).values_list("school", flat=True)) == [b.pk]
    rows = AccountChange.objects.filter(account=fsw, kind=AccountChangeKind.OTHER_SCHOOLS)
    assert sorted(rows.values_list("school_id", "old", "new", "actor_id")) == sorted(
        [(a.pk, "(none)", "Brookside", root.pk), (b.pk, "(none)", "Brookside", root.pk)])


def test_a_school_outside_the_trust_gets_its_message_beside_the_field_and_nothing_is_saved(client, root,
                                                                                          trust_schools, fsw):
    _, _, outside = trust_schools
    before = fsw.first_name
    data = adding(client, fsw, outside)
    data["first_name"] = ["Changed"]
    response = client.post(f"{USERS}{fsw.pk}/change/", data)
    assert response.status_code == 200
    assert "Only a school of the same trust as their home school" in response.content.decode()
    fsw.refresh_from_db()
    assert fsw.first_name == before and not SchoolMembership.objects.filter(user=fsw).exists()
    assert not AccountChange.objects.filter(account=fsw).exists()


def test_a_school_admin_is_offered_no_other_schools_and_a_forged_one_is_refused(client, trust_schools, fsw,
                                                                                 school_admin):
    _, b, _ = trust_schools
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    page = client.get(f"{USERS}{fsw.pk}/change/")
    data, names = read_form(page.content.decode(), "user_form")
    assert not [n for n in names if n.startswith(PREFIX)]
    data.update({f"{PREFIX}-TOTAL_FORMS": ["1"], f"{PREFIX}-INITIAL_FORMS": ["0"], f"{PREFIX}-0-school": [str(b.pk)],
                 f"{PREFIX}-0-user": [str(fsw.pk)]})
    client.post(f"{USERS}{fsw.pk}/change/", data)
    assert not SchoolMembership.objects.filter(user=fsw).exists()
    # And B's admin can't see (or reach) A's member of staff who works for B.
    SchoolMembership.objects.create(user=fsw, school=b)
    b_admin = make_staff(b, roles.SCHOOL_ADMIN, username="badmin")
    b_admin.is_staff = True
    b_admin.save()
    client.force_login(b_admin)
    assert client.get(f"{USERS}{fsw.pk}/change/").status_code == 404


def test_a_head_dsl_or_school_admin_gets_the_message_beside_the_field(client, root, trust_schools, head):
    _, b, _ = trust_schools
    response = client.post(f"{USERS}{head.pk}/change/", adding(client, head, b))
    assert response.status_code == 200
    assert "works for their own school only" in response.content.decode()
    assert not SchoolMembership.objects.filter(user=head).exists()
