"""Security review of working for several schools: the head, the DSL and the school admin work for
their home school only (accounts.working_for), whatever memberships they still hold. So the other
school must not be able to put them on its visits either: they could never open that visit's pages
while out on it (working for their home school, its check-in page is "not found" to them), and the
visit would be watched for someone who cannot check in on it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import SchoolMembership
from accounts.working_for import works_at
from homevisits.factories import SchoolFactory, make_staff, make_trust

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.mark.parametrize("role", [roles.HEAD, roles.DSL, roles.SCHOOL_ADMIN])
def test_a_member_who_works_for_their_home_school_only_is_not_offered_to_the_other(school, role):
    b = SchoolFactory(name="Brookside")
    make_trust(school, b, name="Nene Valley Trust")
    fsw = make_staff(school, roles.VISITING_STAFF, username="fsw")
    SchoolMembership.objects.create(user=fsw, school=b)
    assert fsw in set(User.objects.filter(works_at(b)).distinct())
    fsw.groups.add(Group.objects.get(name=role))
    assert fsw not in set(User.objects.filter(works_at(b)).distinct())
    assert fsw in set(User.objects.filter(works_at(school)).distinct())  # their home school's, still
