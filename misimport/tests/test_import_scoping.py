"""Only a school's admin or head imports, into their own school only: another school's pupils and
staff are never read or changed, whatever the file or a crafted form says."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts import roles
from homevisits.factories import ChildFactory, FamilyFactory, make_staff
from misimport import samples
from visits.models import Child, Family

from .helpers import confirm, pupils_csv, token_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_gmt", "import_dir")]


@pytest.mark.parametrize("role", [roles.VISITING_STAFF, roles.OFFICE, roles.DSL])
def test_other_roles_get_not_found(client, school, role):
    client.force_login(make_staff(school, role))
    assert client.get(reverse("misimport:start")).status_code == 404
    assert upload(client, pupils_csv(count=3), follow=False).status_code == 404
    assert not Child.objects.exists()


def test_the_head_may_import(client, school):
    client.force_login(make_staff(school, roles.HEAD))
    confirm(client, token_of(upload(client, pupils_csv(count=3))))
    assert Child.objects.filter(family__school=school).count() == 3


def test_another_schools_pupils_named_in_the_file_are_never_touched(admin_client, school, other_school):
    rows = samples.pupil_rows(6)
    theirs = ChildFactory(family=FamilyFactory(school=other_school, display_name="Their family"),
                          first_name="Theirs", upn=rows[0]["UPN"], admission_number=rows[1]["Adno"])
    rows[0]["Family ID"] = str(theirs.family.pk)  # a household reference that is their family's id
    confirm(admin_client, token_of(upload(admin_client, pupils_csv(rows))))
    theirs.refresh_from_db()
    assert theirs.first_name == "Theirs" and theirs.family.school == other_school
    assert Family.objects.filter(school=other_school).count() == 1
    assert Child.objects.filter(family__school=other_school).count() == 1
    assert Child.objects.filter(family__school=school).count() == 6
    assert not theirs.family.history.filter(history_change_reason__isnull=False).exists()


def test_another_schools_staff_are_refused_not_changed(admin_client, school, other_school):
    theirs = make_staff(other_school, roles.OFFICE, username="theiroffice")
    theirs.email = "jo.baker@school.example"
    theirs.save()
    plan = upload(admin_client, samples.to_csv(samples.staff_rows()), kind="staff").context["plan"]
    assert [(p.line, p.column) for p in plan.problems] == [(5, "Email address")]
    assert "outside this school" in plan.problems[0].message
    theirs.refresh_from_db()
    assert theirs.profile.school == other_school and theirs.first_name != "Jo"


def test_a_superusers_email_is_refused(admin_client):
    get_user_model().objects.create_superuser("root", "tom.reid@school.example", "x-long-password-1")
    plan = upload(admin_client, samples.to_csv(samples.staff_rows()), kind="staff").context["plan"]
    assert [(p.line, p.column) for p in plan.problems] == [(4, "Email address")]


def test_a_crafted_mapping_maps_only_our_fields_and_the_files_columns(admin_client, school, other_school):
    token = token_of(upload(admin_client, pupils_csv(count=3), source="other"))
    response = admin_client.post(reverse("misimport:columns", args=[token]), {
        "upn": "UPN", "first_name": "Legal Forename", "last_name": "Legal Surname", "date_of_birth": "DOB",
        "address_line1": "Address Line 1", "postcode": "Postcode", "school": str(other_school.pk),
        "family": "1", "town": "No such column"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    admin_client.post(reverse("misimport:columns", args=[token]), {
        "upn": "UPN", "first_name": "Legal Forename", "last_name": "Legal Surname", "date_of_birth": "DOB",
        "address_line1": "Address Line 1", "postcode": "Postcode", "school": str(other_school.pk)})
    item = admin_client.session["misimport"][token]
    assert set(item["mapping"]) == {"upn", "first_name", "last_name", "date_of_birth", "address_line1", "postcode"}
    confirm(admin_client, token)
    assert not Family.objects.filter(school=other_school).exists()
    assert Family.objects.filter(school=school).count() >= 1


def test_someone_elses_upload_is_not_found(admin_client, client, school, other_school):
    token = token_of(upload(admin_client, pupils_csv(count=3)))
    for intruder in (make_staff(school, roles.HEAD), make_staff(other_school, roles.SCHOOL_ADMIN)):
        client.force_login(intruder)
        assert client.get(reverse("misimport:preview", args=[token])).status_code == 404
        assert client.post(reverse("misimport:confirm", args=[token])).status_code == 404
    assert not Child.objects.exists()


def test_an_admin_moved_to_another_school_cannot_confirm_an_earlier_upload(admin_client, school_admin,
                                                                          other_school):
    token = token_of(upload(admin_client, pupils_csv(count=3)))
    school_admin.profile.school = other_school
    school_admin.profile.save()
    assert admin_client.post(reverse("misimport:confirm", args=[token])).status_code == 404
    assert not Child.objects.exists()


@pytest.mark.parametrize(("role", "shown"), [(roles.HEAD, True), (roles.SCHOOL_ADMIN, True),
                                             (roles.DSL, False), (roles.OFFICE, False), (roles.VISITING_STAFF, False)])
def test_the_import_is_in_the_menu_of_those_who_may_import(client, school, role, shown):
    client.force_login(make_staff(school, role))
    page = client.get(reverse("home"), follow=True)
    assert page.status_code == 200
    assert ('class="nav-link" href="/school/import/"' in page.content.decode()) is shown


def test_a_superuser_outside_a_school_has_no_import_link(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x-long-password-1"))
    page = client.get(reverse("home"), follow=True)
    assert page.status_code == 200 and 'href="/school/import/"' not in page.content.decode()
    assert client.get(reverse("misimport:start")).status_code == 404
