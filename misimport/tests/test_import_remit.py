"""The staff import tried as a hostile school admin or head: whoever imports is held to the one
remit for accounts (accounts.remit, as in the Django admin). They give only Office and Visiting
staff; the head's, the DSL's, a school admin's, a superuser's and their own account keep their
roles; no row sets a password, the active flag, an email or a school."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import roles
from accounts.models import AccountChange, has_role
from homevisits.factories import make_staff
from misimport import plan as import_plan
from misimport import samples

from .helpers import confirm, token_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_gmt", "import_dir")]
User = get_user_model()


def _one(email="pat.jones@school.example", role="Teacher", mobile="07700 900321", first="Pat", last="Jones"):
    return samples.to_csv([{"Legal Forename": first, "Legal Surname": last, "Work Email": email, "Role": role,
                            "Post": "Teacher", "Mobile": mobile}])


@pytest.fixture(params=[roles.SCHOOL_ADMIN, roles.HEAD])
def importer(request, client, school):
    user = make_staff(school, request.param, username=f"importer-{request.param.replace(' ', '-').lower()}")
    client.force_login(user)
    return client


@pytest.mark.parametrize("word", ["Headteacher", "Head of school", "Principal", "DSL",
                                  "Designated safeguarding lead", "School admin", "Business manager"])
def test_a_senior_role_is_a_bad_row_and_never_given(importer, word):
    response = upload(importer, _one(role=word), kind="staff")
    plan = response.context["plan"]
    assert [(p.line, p.column) for p in plan.problems] == [(2, "Role in Home Visits")]
    assert plan.problems[0].message.startswith("Only Office and Visiting staff can be given here; ask a superuser")
    assert "Only Office and Visiting staff can be given here" in response.content.decode()
    # Confirming anyway (a forged POST) imports nothing.
    assert confirm(importer, token_of(response)).status_code == 409
    assert not User.objects.filter(email="pat.jones@school.example").exists()
    assert not mail.outbox


@pytest.mark.parametrize("word", ["Superuser", "is_superuser", "Django admin", "Staff status", "Admin"])
def test_superuser_and_admin_words_are_unknown_roles(importer, word):
    plan = upload(importer, _one(role=word), kind="staff").context["plan"]
    assert [(p.line, p.column) for p in plan.problems] == [(2, "Role in Home Visits")]
    assert "Head of school" not in plan.problems[0].message  # only what this person may give is offered
    assert not User.objects.filter(email="pat.jones@school.example").exists()
    assert not User.objects.filter(is_superuser=True).exists() and not User.objects.filter(is_staff=True).exists()


def _snapshot(user):
    user = User.objects.get(pk=user.pk)
    return (sorted(user.groups.values_list("name", flat=True)), user.is_active, user.password, user.email,
            user.is_superuser, user.is_staff, user.profile.school_id)


def test_the_heads_email_with_another_role_is_refused_and_nothing_changes(importer, school):
    head = make_staff(school, roles.HEAD, username="thehead")
    head.email = "pat.jones@school.example"
    head.set_password("the heads own long password 1")
    head.save()
    before = _snapshot(head)
    response = upload(importer, _one(role="Teacher", mobile="07700 900999"), kind="staff")
    problems = response.context["plan"].problems
    assert [(p.line, p.column) for p in problems] == [(2, "Role in Home Visits")]
    assert "only be changed by a superuser" in problems[0].message
    assert confirm(importer, token_of(response)).status_code == 409
    assert _snapshot(head) == before and str(head.profile.mobile) == "+447700900123"


def test_the_heads_email_with_a_new_mobile_changes_only_what_the_remit_allows(importer, school, run_tasks):
    """The remit lets a school admin edit a senior account's name and profile (as the Django admin's
    staff profile page does), never its roles, email, active flag, password or school."""
    head = make_staff(school, roles.HEAD, username="thehead")
    head.email = "pat.jones@school.example"
    head.set_password("the heads own long password 1")
    head.save()
    before = _snapshot(head)
    with run_tasks():
        response = confirm(importer, token_of(upload(importer, _one(role="Headteacher", mobile="07700 900999"),
                                                     kind="staff")))
    assert response.status_code == 200
    head.refresh_from_db()
    assert _snapshot(head) == before and str(head.profile.mobile) == "+447700900999"
    assert head.check_password("the heads own long password 1")
    assert not mail.outbox  # no invitation: nobody is sent a link to the head's account


@pytest.mark.parametrize("senior", [roles.DSL, roles.SCHOOL_ADMIN])
def test_other_senior_accounts_keep_their_roles(importer, school, senior):
    account = make_staff(school, senior, username="senior")
    account.email = "pat.jones@school.example"
    account.save()
    before = _snapshot(account)
    response = upload(importer, _one(role="Office"), kind="staff")
    assert [(p.line, p.column) for p in response.context["plan"].problems] == [(2, "Role in Home Visits")]
    confirm(importer, token_of(response))
    assert _snapshot(account) == before


def test_the_importers_own_account_keeps_its_roles(client, school):
    me = make_staff(school, roles.HEAD, username="me")
    me.email = "pat.jones@school.example"
    me.save()
    client.force_login(me)
    response = upload(client, _one(role="Office"), kind="staff")
    assert [(p.line, p.column) for p in response.context["plan"].problems] == [(2, "Role in Home Visits")]
    confirm(client, token_of(response))
    assert sorted(me.groups.values_list("name", flat=True)) == [roles.HEAD]


@pytest.mark.parametrize("kind", ["superuser", "staff status"])
def test_a_superuser_or_django_admin_user_in_the_school_is_never_touched(importer, school, kind):
    account = make_staff(school, roles.OFFICE, username="special")
    account.email = "pat.jones@school.example"
    account.is_superuser = kind == "superuser"
    account.is_staff = kind == "staff status"
    account.save()
    before = _snapshot(account)
    response = upload(importer, _one(role="Office", first="Changed"), kind="staff")
    problems = response.context["plan"].problems
    assert [(p.line, p.column) for p in problems] == [(2, "Email address")]
    assert "only a superuser changes" in problems[0].message
    confirm(importer, token_of(response))
    account.refresh_from_db()
    assert _snapshot(account) == before and account.first_name != "Changed"


def test_an_ordinary_account_keeps_its_password_active_flag_and_school(importer, school, run_tasks):
    teacher = make_staff(school, roles.VISITING_STAFF, username="leaver")
    teacher.email = "pat.jones@school.example"
    teacher.is_active = False
    teacher.set_password("a long password of their own 7")
    teacher.save()
    with run_tasks():
        confirm(importer, token_of(upload(importer, _one(role="Office"), kind="staff")))
    teacher.refresh_from_db()
    assert sorted(teacher.groups.values_list("name", flat=True)) == [roles.OFFICE, roles.VISITING_STAFF]
    assert not teacher.is_active and teacher.check_password("a long password of their own 7")
    assert teacher.profile.school == school and teacher.first_name == "Pat"
    assert not mail.outbox


def test_the_write_is_checked_again_against_the_remit(school, school_admin):
    """Should a plan ever ask for more than the remit allows, the write itself is refused and undone."""
    teacher = make_staff(school, roles.VISITING_STAFF, username="teacher")
    changes = AccountChange.objects.count()
    with pytest.raises(PermissionDenied), transaction.atomic():
        import_plan._update_staff(teacher, {"first_name": "Pat", "last_name": "Jones", "mobile": "",
                                            "job_title": None, "role": roles.HEAD}, school_admin)
    assert not has_role(teacher, roles.HEAD) and AccountChange.objects.count() == changes
    with pytest.raises(PermissionDenied), transaction.atomic():
        import_plan._create_staff(school, "new@school.example", {"first_name": "New", "last_name": "Person",
                                                                 "mobile": "", "job_title": None,
                                                                 "role": roles.DSL}, school_admin, lambda u: None)
    assert not User.objects.filter(username="new@school.example").exists()
    assert Group.objects.get(name=roles.DSL).user_set.count() == 0


def test_a_superuser_importing_may_give_the_senior_roles(client, school):
    root = make_staff(school, roles.SCHOOL_ADMIN, username="root")
    root.is_superuser = True
    root.save()
    client.force_login(root)
    confirm(client, token_of(upload(client, _one(role="Headteacher"), kind="staff")))
    assert has_role(User.objects.get(email="pat.jones@school.example"), roles.HEAD)
