"""R-CONFIDENTIAL: a trust role opens no school page of any school, its own trust's included (the
trust pages are its only way in, read-only); the Django admin gives a trust admin who is staff
nothing. The walk of every id-taking page is homevisits/tests/test_object_scoping.py (the trust's
people are among those it tries); here, the pages without an id and the admin."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import TrustMembership
from homevisits.factories import as_user

pytestmark = pytest.mark.django_db

SCHOOL_PAGES = ["/out/", "/out/live/", "/out/mine/", "/approvals/", "/families/", "/visits/", "/timetable/",
                "/timetable/csv/", "/timetable/reports-csv/", "/concerns/", "/governors/", "/governors/2026/",
                "/governors/2026/figures.csv", "/audit/", "/audit/reads/", "/out/readiness/", "/out/alarms/",
                "/school/import/", "/school/settings/"]
WORDS = ("Quillfeather", "Waiting family", "Ashby", "Zanzibar")


@pytest.mark.parametrize("url", SCHOOL_PAGES)
def test_a_trust_role_reads_nothing_through_the_school_pages(client, day, trusts, url):
    for who in (trusts.lead, trusts.admin):
        response = as_user(client, who).get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        if response.status_code == 302:
            assert not response.url.startswith(("/out", "/visits", "/families")), response.url
        text = response.content.decode(errors="replace")
        assert not [w for w in WORDS if w in text], (url, who)


def test_the_visit_pages_police_pack_and_escalation_of_the_trusts_own_school_are_not_found(client, day, trusts):
    late = day["late"]
    for who in (trusts.lead, trusts.admin):
        as_user(client, who)
        for url in (f"/visits/{late.pk}/", f"/out/{late.pk}/", f"/out/{late.pk}/escalation/",
                    f"/out/{late.pk}/police/", f"/out/{late.pk}/phone/", f"/families/{late.family_id}/",
                    f"/visits/{late.pk}/letter/"):
            assert client.get(url).status_code == 404, (url, who)


def test_a_trust_admin_who_is_staff_gets_nothing_in_the_django_admin(client, day, trusts, school, head):
    trusts.admin.is_staff = True
    trusts.admin.save()
    as_user(client, trusts.admin)
    index = client.get("/admin/")
    assert index.status_code == 200 and "/admin/accounts/school/" not in index.content.decode()
    for url in (f"/admin/accounts/school/{school.pk}/change/", f"/admin/accounts/school/{trusts.b.schools.get().pk}/change/",
                f"/admin/auth/user/{head.pk}/change/", f"/admin/accounts/staffprofile/{head.profile.pk}/change/",
                "/admin/accounts/school/", "/admin/auth/user/", f"/admin/visits/visitevent/?visit={day['late'].pk}"):
        response = client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert not [w for w in WORDS if w in response.content.decode(errors="replace")]


def test_the_trust_lead_lands_on_the_trust_overview(client, day, trusts):
    response = as_user(client, trusts.lead).get("/")
    assert response.status_code == 302 and response.url == "/trust/"
    page = client.get("/trust/").content.decode()
    assert 'href="/trust/"' in page and "Northampton Learning Trust" in page


def test_a_head_who_is_also_a_trust_lead_keeps_the_school_pages_of_their_school_only(client, day, trusts, school,
                                                                                    head, other_school):
    head.groups.add(Group.objects.get(name=roles.TRUST_SAFEGUARDING_LEAD))
    TrustMembership.objects.create(user=head, trust=trusts.a)
    as_user(client, head)
    assert client.get(f"/visits/{day['late'].pk}/").status_code == 200
    assert client.get(f"/trust/schools/{trusts.second.pk}/board/").status_code == 200
    # The second school's visit: on its board for the trust, never through the school pages.
    assert client.get(f"/visits/{day['on_time'].pk}/").status_code == 404
    assert client.get(f"/trust/schools/{other_school.pk}/board/").status_code == 404
