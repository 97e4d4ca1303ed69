"""A school admin's Django admin shows only their own school (a 500 on the schools list before)."""

import pytest

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff

pytestmark = pytest.mark.django_db


def test_a_school_admin_sees_only_their_own_school_and_staff(client):
    school, other = SchoolFactory(name="Oakfield"), SchoolFactory(name="Elmwood")
    school_admin = make_staff(school, roles.SCHOOL_ADMIN)
    school_admin.is_staff = True
    school_admin.save()
    make_staff(other, roles.OFFICE, username="elsewhere")
    client.force_login(school_admin)
    schools = client.get("/admin/accounts/school/")
    assert schools.status_code == 200
    assert "Oakfield" in schools.content.decode() and "Elmwood" not in schools.content.decode()
    users = client.get("/admin/auth/user/")
    assert users.status_code == 200 and "elsewhere" not in users.content.decode()
