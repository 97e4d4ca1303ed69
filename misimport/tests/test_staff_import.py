"""Importing staff: accounts in the importer's school with their role and mobile, an invitation to
choose a password, every account change recorded."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts import roles
from accounts.models import AccountChange, AccountChangeKind, StaffProfile, has_role
from misimport import samples

from .helpers import confirm, token_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_gmt", "import_dir")]
User = get_user_model()


def _staff_csv(rows=None):
    return samples.to_csv(rows or samples.staff_rows())


def test_staff_are_created_with_roles_and_invited_to_set_a_password(admin_client, school, school_admin, run_tasks):
    response = upload(admin_client, _staff_csv(), kind="staff")
    plan = response.context["plan"]
    assert plan.ok and plan.counts["staff"].created == 6
    with run_tasks():
        confirm(admin_client, token_of(response))
    sam = User.objects.get(email="sam.carter@school.example")
    assert not sam.has_usable_password()
    assert has_role(sam, roles.OFFICE) and sam.profile.school == school
    assert str(sam.profile.mobile) == "+447700900200" and sam.profile.job_title == "Receptionist"
    assert has_role(User.objects.get(email="priya.shah@school.example"), roles.VISITING_STAFF)
    assert has_role(User.objects.get(email="kim.moss@school.example"), roles.VISITING_STAFF)
    assert has_role(User.objects.get(email="tom.reid@school.example"), roles.OFFICE)
    assert len(mail.outbox) == 6
    invitation = next(m for m in mail.outbox if m.to == ["sam.carter@school.example"])
    assert school.name in invitation.subject and "/accounts/password/reset/" in invitation.body
    assert AccountChange.objects.filter(account=sam, kind=AccountChangeKind.CREATED, actor=school_admin,
                                        school=school).exists()
    assert AccountChange.objects.filter(account=sam, kind=AccountChangeKind.PASSWORD_RESET_SENT).exists()


def test_the_invitation_link_sets_the_first_password(admin_client, client, school, run_tasks):
    with run_tasks():
        confirm(admin_client, token_of(upload(admin_client, _staff_csv(), kind="staff")))
    body = next(m for m in mail.outbox if m.to == ["jo.baker@school.example"]).body
    link = next(line for line in body.splitlines() if "/accounts/password/reset/" in line).strip()
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path, follow=True)
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": "a long and unusual sentence 42",
                                  "new_password2": "a long and unusual sentence 42"}, follow=True)
    assert done.status_code == 200
    assert User.objects.get(email="jo.baker@school.example").check_password("a long and unusual sentence 42")


def test_the_same_staff_file_again_changes_nothing_and_sends_nothing(admin_client, run_tasks):
    with run_tasks():
        confirm(admin_client, token_of(upload(admin_client, _staff_csv(), kind="staff")))
    changes, sent = AccountChange.objects.count(), len(mail.outbox)
    response = upload(admin_client, _staff_csv(), kind="staff")
    assert response.context["plan"].counts["staff"].unchanged == 6
    with run_tasks():
        confirm(admin_client, token_of(response))
    assert AccountChange.objects.count() == changes and len(mail.outbox) == sent
    assert User.objects.filter(email__endswith="@school.example").count() == 6 + 1


def test_a_changed_mobile_updates_the_account_and_is_recorded(admin_client, run_tasks):
    rows = samples.staff_rows()
    with run_tasks():
        confirm(admin_client, token_of(upload(admin_client, _staff_csv(rows), kind="staff")))
    rows[3]["Mobile"] = "07700 900999"
    with run_tasks():
        confirm(admin_client, token_of(upload(admin_client, _staff_csv(rows), kind="staff")))
    jo = User.objects.get(email="jo.baker@school.example")
    assert str(jo.profile.mobile) == "+447700900999"
    assert AccountChange.objects.filter(account=jo, kind=AccountChangeKind.MOBILE, new="+447700900999").exists()


def test_unknown_roles_bad_emails_phones_and_duplicates_are_named(admin_client):
    rows = samples.staff_rows()
    rows[0]["Role"] = "Caretaker"
    rows[1]["Work Email"] = "not an address"
    rows[2]["Mobile"] = "0123"
    rows[4]["Work Email"] = rows[3]["Work Email"]
    rows[5]["Work Email"] = "k" * 140 + "@school.example"
    plan = upload(admin_client, _staff_csv(rows), kind="staff").context["plan"]
    assert [(p.line, p.column) for p in plan.problems] == [
        (2, "Role in Home Visits"), (3, "Email address"), (4, "Mobile"), (6, "Email address"), (7, "Email address")]
    assert "Unknown role “Caretaker”" in plan.problems[0].message
    assert not StaffProfile.objects.exclude(user__username="schooladmin").exists()
