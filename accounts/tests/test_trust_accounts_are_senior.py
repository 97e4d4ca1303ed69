"""Security review: a school admin (is_staff) in the Django admin against the accounts of a trust's
people who also work at their school. A trust safeguarding lead or trust admin reads every school of
the trust (and the trust admin sets its rules): their account is senior to any one school's admin,
so its email, roles and status stay out of the school admin's reach (accounts.remit), as the head's do.
Otherwise: change the email, send the reset, reset two-factor, and sign in as the trust."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import StaffProfile, TrustMembership
from homevisits import factories
from homevisits.factories import make_trust

from .admin_forms import read_form

pytestmark = pytest.mark.django_db

USERS = "/admin/auth/user/"


@pytest.fixture
def trust_person(school, other_school):
    """A trust safeguarding lead whose home school is the world's school (they also visit there)."""
    trust = make_trust(school, name="Northampton Learning Trust")
    user = factories.make_staff(school, roles.VISITING_STAFF, username="trustleadvisits")
    user.groups.add(Group.objects.get(name=roles.TRUST_SAFEGUARDING_LEAD))
    TrustMembership.objects.create(user=user, trust=trust)
    assert StaffProfile.objects.get(user=user).school == school
    return user


@pytest.fixture
def as_school_admin(client, school_admin):
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    return client


@pytest.mark.parametrize("role", [roles.TRUST_SAFEGUARDING_LEAD, roles.TRUST_ADMIN])
def test_a_school_admin_cannot_take_over_a_trust_persons_account(as_school_admin, trust_person, role):
    if role == roles.TRUST_ADMIN:
        trust_person.groups.remove(Group.objects.get(name=roles.TRUST_SAFEGUARDING_LEAD))
        trust_person.groups.add(Group.objects.get(name=roles.TRUST_ADMIN))
    page = as_school_admin.get(f"{USERS}{trust_person.pk}/change/")
    assert page.status_code == 200
    data, names = read_form(page.content.decode(), "user_form")
    data = {k: v for k, v in data.items() if k != "is_active"}  # unticked
    response = as_school_admin.post(f"{USERS}{trust_person.pk}/change/", {**data, "email": "attacker@evil.example"})
    assert response.status_code in (200, 302, 403)
    trust_person.refresh_from_db()
    assert trust_person.email != "attacker@evil.example"
    assert trust_person.is_active
    assert set(trust_person.groups.values_list("name", flat=True)) == {roles.VISITING_STAFF, role}
    # Not even offered, as for the head's account.
    assert not names & {"email", "is_active", "groups"}


def test_a_school_admin_may_still_correct_a_trust_persons_name(as_school_admin, trust_person):
    """What the remit leaves them (the name) saves, and the trust role stays: today the form's roles
    box, which cannot show the trust role, takes it away, and the whole save is refused (403)."""
    data, _names = read_form(as_school_admin.get(f"{USERS}{trust_person.pk}/change/").content.decode(), "user_form")
    response = as_school_admin.post(f"{USERS}{trust_person.pk}/change/", {**data, "first_name": "Corrected"})
    assert response.status_code == 302
    trust_person.refresh_from_db()
    assert trust_person.first_name == "Corrected"
    assert trust_person.groups.filter(name=roles.TRUST_SAFEGUARDING_LEAD).exists()
