"""Security review: a school admin (is_staff) in the Django admin against the trust's own records.
Which trust exists and who its people are (Trust, TrustMembership) is a superuser's alone: a school
admin who could add a TrustMembership for themselves (or give themselves a trust role) would read
every school of the trust. Each URL is refused and nothing is saved."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import SchoolMembership, Trust, TrustMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_school_admin(client, school_admin):
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    return client


@pytest.mark.parametrize("url", ["/admin/accounts/trust/", "/admin/accounts/trust/add/",
                                 "/admin/accounts/trustmembership/", "/admin/accounts/trustmembership/add/"])
def test_the_trusts_records_are_closed_to_a_school_admin(as_school_admin, trusts, url):
    assert as_school_admin.get(url).status_code in (403, 404)


def test_a_school_admin_cannot_make_themselves_one_of_the_trusts_people(as_school_admin, trusts, school_admin, school):
    before = (Trust.objects.count(), TrustMembership.objects.count())
    as_school_admin.post("/admin/accounts/trustmembership/add/", {"user": school_admin.pk, "trust": trusts.a.pk})
    as_school_admin.post("/admin/accounts/trust/add/", {"name": "Mine", "slug": "mine"})
    as_school_admin.post(f"/admin/accounts/trust/{trusts.b.pk}/change/", {"name": "Renamed", "slug": "renamed"})
    assert (Trust.objects.count(), TrustMembership.objects.count()) == before
    assert not TrustMembership.objects.filter(user=school_admin).exists()
    trusts.b.refresh_from_db()
    assert trusts.b.name == "Wootton Trust"
    # Nor the other schools someone works for: no page of its own, and no trust role to give.
    assert as_school_admin.get("/admin/accounts/schoolmembership/").status_code in (403, 404)
    assert not SchoolMembership.objects.exists()
    assert not school_admin.groups.filter(name__in=roles.TRUST_ROLES).exists()
    assert not Group.objects.get(name=roles.SCHOOL_ADMIN).permissions.filter(
        content_type__model__in=["trust", "trustmembership", "schoolmembership"]).exists()
