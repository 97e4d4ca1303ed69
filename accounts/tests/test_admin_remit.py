"""A hostile school admin in the Django admin (issue: "a school admin can make themselves anything,
anywhere"). Every field and URL outside their remit is tried as a POST, on their own school and on
another: each is refused and the database is unchanged. What they may do still works."""

import types

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.account_audit import snapshot
from accounts.admin import SchoolScopedAdmin, StaffUserAdmin
from accounts.models import AccountChange, AccountChangeKind, BackupCode, School, StaffProfile
from homevisits import factories
from homevisits.factories import FamilyFactory, UserFactory, VisitFactory, make_staff
from notifications.models import Channel, Notification
from safety.models import ContactAttempt, ContactOutcome, ContactStep, Escalation, EscalationLevel, EscalationReason
from visits.events import record_event
from visits.models import EventKind

from .admin_forms import read_form
from .twofactor_helpers import PASSWORD, with_two_factor

pytestmark = pytest.mark.django_db

USERS = "/admin/auth/user/"
OTHER = factories.OTHER_SCHOOL_NAME  # the other school, whose name the admin never sees


def group(name):
    return Group.objects.get(name=name)


@pytest.fixture
def w(school, other_school, school_admin, head, dsl, office, teacher, other_head, other_admin):
    """The root world's two schools and people, and the other school's teacher; both schools' admins
    may use the Django admin."""
    people = types.SimpleNamespace(own=school, other=other_school, admin=school_admin, head=head, dsl=dsl,
                                   office=office, teacher=teacher, other_head=other_head, other_admin=other_admin)
    people.other_teacher = factories.other_person(other_school, "teacher")  # "otherteacher"
    for user in (people.admin, people.other_admin):
        user.is_staff = True
        user.save()
    return people


@pytest.fixture
def as_admin(client, w):
    client.force_login(w.admin)
    return client


def state(user):
    """Everything about an account that must not move, as stored."""
    snap = snapshot(user)
    profile = StaffProfile.objects.filter(user=user).values().first()
    return {**snap, "profile": profile}


def change_form(client, user):
    page = client.get(f"{USERS}{user.pk}/change/")
    assert page.status_code == 200
    return read_form(page.content.decode(), "user_form")


# --- What is offered ------------------------------------------------------------------------

def test_the_change_form_offers_only_the_fields_of_the_remit(as_admin, w):
    page = as_admin.get(f"{USERS}{w.teacher.pk}/change/")
    data, names = read_form(page.content.decode(), "user_form")
    assert {"first_name", "last_name", "email", "is_active", "groups", "profile-0-mobile",
            "profile-0-job_title", "profile-0-vehicle_registration", "profile-0-training_date"} <= names
    # (profile-0-user is the inline's hidden link to this account: the formset sets it to the account itself.)
    assert not names & {"is_superuser", "is_staff", "user_permissions", "username", "password", "profile-0-school"}
    assert set(page.context["adminform"].form.fields["groups"].queryset.values_list("name", flat=True)) == {
        roles.OFFICE, roles.VISITING_STAFF}
    assert "/password/" not in page.content.decode()  # no "change their password" link


def test_a_senior_accounts_roles_email_and_status_are_not_offered(as_admin, w):
    for person in (w.head, w.dsl, w.admin):
        _data, names = change_form(as_admin, person)
        assert {"first_name", "last_name"} <= names
        assert not names & {"groups", "email", "is_active", "is_superuser", "is_staff", "username"}, person


# --- Forged fields on their own school's staff ----------------------------------------------

FORGED = {
    "superuser": lambda w: {"is_superuser": "on"},
    "staff": lambda w: {"is_staff": "on"},
    "permissions": lambda w: {"user_permissions": [Permission.objects.get(codename="delete_user").pk]},
    "username": lambda w: {"username": "renamed"},
    "password": lambda w: {"password": "md5$x$0123456789abcdef", "password1": "x-new-passphrase-1",
                           "password2": "x-new-passphrase-1"},
    "profile school": lambda w: {"profile-0-school": str(w.other.pk)},
    "profile user": lambda w: {"profile-0-user": str(w.other_teacher.pk)},
    "head role": lambda w: {"groups": [str(group(roles.HEAD).pk)]},
    "dsl role": lambda w: {"groups": [str(group(roles.DSL).pk), str(group(roles.VISITING_STAFF).pk)]},
    "school admin role": lambda w: {"groups": [str(group(roles.SCHOOL_ADMIN).pk)]},
}


@pytest.mark.parametrize("forged", FORGED, ids=list(FORGED))
def test_a_forged_field_on_an_ordinary_account_changes_nothing(as_admin, w, forged):
    before = state(w.teacher)
    data, _names = change_form(as_admin, w.teacher)
    response = as_admin.post(f"{USERS}{w.teacher.pk}/change/", {**data, **FORGED[forged](w)})
    assert response.status_code in (200, 302, 403)
    assert state(w.teacher) == before
    assert not AccountChange.objects.filter(account=w.teacher).exists()


@pytest.mark.parametrize("person", ["head", "dsl", "admin"])
def test_a_senior_account_or_their_own_keeps_roles_email_and_status(as_admin, w, person):
    target = getattr(w, person)
    before = state(target)
    data, _names = change_form(as_admin, target)
    data = {k: v for k, v in data.items() if k != "is_active"}  # unticked
    forged = {"groups": [str(group(roles.VISITING_STAFF).pk), str(group(roles.OFFICE).pk)],
              "email": "attacker@evil.example", "is_superuser": "on"}
    as_admin.post(f"{USERS}{target.pk}/change/", {**data, **forged})
    assert state(target) == before


def test_what_a_school_admin_may_change_is_saved_and_recorded(as_admin, w, run_tasks):
    data, _names = change_form(as_admin, w.teacher)
    data.update({"first_name": "Thomas", "email": "thomas@school.example", "profile-0-job_title": "Year 1 teacher",
                 "groups": [str(group(roles.OFFICE).pk), str(group(roles.VISITING_STAFF).pk)]})
    old_email = w.teacher.email
    with run_tasks():
        response = as_admin.post(f"{USERS}{w.teacher.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    w.teacher.refresh_from_db()
    assert w.teacher.first_name == "Thomas" and w.teacher.email == "thomas@school.example"
    assert w.teacher.profile.job_title == "Year 1 teacher"
    assert set(w.teacher.groups.values_list("name", flat=True)) == {roles.OFFICE, roles.VISITING_STAFF}
    changes = {c.kind: c for c in AccountChange.objects.filter(account=w.teacher)}
    assert changes[AccountChangeKind.ROLES].old == roles.VISITING_STAFF
    assert changes[AccountChangeKind.ROLES].new == f"{roles.OFFICE}, {roles.VISITING_STAFF}"
    assert changes[AccountChangeKind.ROLES].actor == w.admin
    assert changes[AccountChangeKind.EMAIL].new == "thomas@school.example"
    # The old address hears of it (changing the email is the first step of a takeover).
    notice = [m for m in mail.outbox if m.to == [old_email]]
    assert notice and "thomas@school.example" in notice[0].body


def test_the_server_refuses_what_a_form_let_through(as_admin, w, monkeypatch):
    """Defence in depth: even a form that offered superuser status and every role (a bug, or a
    later change) can't get past the check made on the stored state after the save."""

    class TooGenerous(forms.ModelForm):
        class Meta:
            model = User
            fields = ("first_name", "last_name", "email", "is_active", "groups", "is_superuser", "is_staff")

    original = StaffUserAdmin.get_form

    def generous_get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = TooGenerous
        kwargs["fields"] = list(TooGenerous.Meta.fields)
        return original(self, request, obj, **kwargs)

    monkeypatch.setattr(StaffUserAdmin, "get_form", generous_get_form)
    monkeypatch.setattr(StaffUserAdmin, "get_readonly_fields", lambda self, request, obj=None: ())
    monkeypatch.setattr(StaffUserAdmin, "formfield_for_manytomany",
                        lambda self, db_field, request, **kw: admin.ModelAdmin.formfield_for_manytomany(
                            self, db_field, request, **kw))
    for target, forged in [
        (w.teacher, {"is_superuser": "on"}),
        (w.teacher, {"is_staff": "on"}),
        (w.teacher, {"groups": [str(group(roles.HEAD).pk)]}),
        (w.head, {"groups": [str(group(roles.VISITING_STAFF).pk)]}),
        (w.head, {"email": "attacker@evil.example"}),
        (w.admin, {"groups": [str(group(roles.SCHOOL_ADMIN).pk), str(group(roles.OFFICE).pk)]}),
    ]:
        before = state(target)
        data = {"first_name": target.first_name, "last_name": target.last_name, "email": target.email,
                "is_active": "on", "groups": [str(g) for g in target.groups.values_list("pk", flat=True)],
                "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1", "profile-MIN_NUM_FORMS": "0",
                "profile-MAX_NUM_FORMS": "1", "profile-0-id": str(target.profile.pk), "profile-0-user": str(target.pk),
                "profile-0-mobile": "07700 900123"}
        response = as_admin.post(f"{USERS}{target.pk}/change/", {**data, **forged})
        assert response.status_code == 403, (target, forged)
        assert state(target) == before, (target, forged)


# --- The staff profile page -----------------------------------------------------------------

def test_the_staff_profile_page_keeps_the_school_and_the_person(as_admin, w):
    profile = w.teacher.profile
    url = f"/admin/accounts/staffprofile/{profile.pk}/change/"
    page = as_admin.get(url)
    data, names = read_form(page.content.decode(), "staffprofile_form")
    assert not names & {"school", "user"}
    assert OTHER not in page.content.decode()
    before = state(w.teacher)
    as_admin.post(url, {**data, "school": str(w.other.pk), "user": str(w.other_teacher.pk)})
    assert state(w.teacher) == before
    assert StaffProfile.objects.get(user=w.other_teacher).school == w.other
    # Their own fields still save.
    assert as_admin.post(url, {**data, "job_title": "SENCO"}).status_code == 302
    profile.refresh_from_db()
    assert profile.job_title == "SENCO" and profile.school == w.own


def test_no_staff_profile_is_added_outside_the_users_page_and_no_school_filter_lists_others(as_admin, w):
    assert as_admin.get("/admin/accounts/staffprofile/add/").status_code == 403
    assert as_admin.post("/admin/accounts/staffprofile/add/",
                         {"user": str(UserFactory().pk), "school": str(w.other.pk)}).status_code == 403
    listing = as_admin.get("/admin/accounts/staffprofile/").content.decode()
    assert OTHER not in listing and "otherteacher" not in listing


# --- Passwords ------------------------------------------------------------------------------

def test_a_school_admin_never_sets_a_password(as_admin, w):
    before = state(w.head)
    url = f"{USERS}{w.head.pk}/password/"
    assert as_admin.get(url).status_code == 403
    response = as_admin.post(url, {"password1": "a-taken-over-passphrase", "password2": "a-taken-over-passphrase",
                                   "usable_password": "true", "set-password": "1"})
    assert response.status_code == 403
    assert state(w.head) == before
    other = f"{USERS}{w.other_head.pk}/password/"
    assert as_admin.get(other).status_code == 404
    assert as_admin.post(other, {"password1": "a-taken-over-passphrase",
                                 "password2": "a-taken-over-passphrase"}).status_code == 404


def test_they_send_a_reset_email_instead(as_admin, w, run_tasks):
    with run_tasks():
        response = as_admin.post(USERS, {"action": "send_password_reset", "_selected_action": [w.teacher.pk]})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[w.teacher.email]]
    assert "/accounts/password/reset/" in mail.outbox[0].body
    change = AccountChange.objects.get(account=w.teacher, kind=AccountChangeKind.PASSWORD_RESET_SENT)
    assert change.actor == w.admin and change.school == w.own


def test_a_superuser_still_sets_passwords_and_grants_any_role(client, w):
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    data, names = change_form(client, w.teacher)
    assert {"is_superuser", "is_staff", "groups", "username"} <= names
    data["groups"] = [str(group(roles.HEAD).pk)]
    assert client.post(f"{USERS}{w.teacher.pk}/change/", data).status_code == 302
    assert set(w.teacher.groups.values_list("name", flat=True)) == {roles.HEAD}
    change = AccountChange.objects.get(account=w.teacher, kind=AccountChangeKind.ROLES)
    assert (change.actor, change.old, change.new) == (root, roles.VISITING_STAFF, roles.HEAD)
    response = client.post(f"{USERS}{w.teacher.pk}/password/", {
        "password1": "a-new-passphrase-here", "password2": "a-new-passphrase-here",
        "usable_password": "true", "set-password": "1"})
    assert response.status_code == 302
    w.teacher.refresh_from_db()
    assert w.teacher.check_password("a-new-passphrase-here")
    assert AccountChange.objects.filter(account=w.teacher, kind=AccountChangeKind.PASSWORD_SET, actor=root).exists()


# --- Another school -------------------------------------------------------------------------

def other_school_urls(w):
    profile = w.other_teacher.profile
    return [
        *(f"{USERS}{u.pk}/{tail}" for u in (w.other_teacher, w.other_head, w.other_admin)
          for tail in ("change/", "history/", "delete/", "password/")),
        *(f"/admin/accounts/staffprofile/{profile.pk}/{tail}" for tail in ("change/", "history/", "delete/")),
        *(f"/admin/accounts/school/{w.other.pk}/{tail}" for tail in ("change/", "history/", "delete/")),
    ]


def test_every_url_of_another_schools_people_and_school_is_not_found(as_admin, w):
    before = {u: state(u) for u in (w.other_teacher, w.other_head, w.other_admin)}
    school_before = School.objects.filter(pk=w.other.pk).values().get()
    for url in other_school_urls(w):
        assert as_admin.get(url).status_code == 404, url
        forged = {"post": "yes", "first_name": "Hacked", "name": "Hacked school", "is_superuser": "on",
                  "password1": "a-taken-over-passphrase", "password2": "a-taken-over-passphrase",
                  "groups": [str(group(roles.OFFICE).pk)], "job_title": "Hacked"}
        response = as_admin.post(url, forged)
        assert response.status_code == 404, url
        # The school's whole name: its first word alone ("Heather") is also a first name Faker gives our people.
        assert OTHER.encode() not in response.content and b"otherteacher" not in response.content
    assert {u: state(u) for u in before} == before
    assert School.objects.filter(pk=w.other.pk).values().get() == school_before


@pytest.mark.parametrize("action", ["send_password_reset", "unlock_sign_in", "reset_two_factor"])
def test_actions_on_another_schools_ids_do_nothing(as_admin, w, action, run_tasks):
    with_two_factor(w.other_head)
    with run_tasks():
        for extra in ({}, {"select_across": "1", "index": "0"}, {"confirm_reset": "yes", "password": PASSWORD}):
            as_admin.post(USERS, {"action": action, "_selected_action": [w.other_head.pk, w.other_teacher.pk],
                                  **extra})
    assert TOTPDevice.objects.filter(user=w.other_head).exists()
    assert BackupCode.objects.filter(device__user=w.other_head).count() == 10
    assert not [m for m in mail.outbox if set(m.to) & {w.other_head.email, w.other_teacher.email}]
    assert not AccountChange.objects.filter(account__in=[w.other_head, w.other_teacher]).exclude(
        kind__in=[AccountChangeKind.TWO_FACTOR_ENROLLED, AccountChangeKind.BACKUP_CODES]).exists()


def test_the_admin_autocomplete_and_search_show_no_one_from_another_school(as_admin, w):
    for url in ("/admin/autocomplete/?app_label=accounts&model_name=staffprofile&field_name=user&term=other",
                f"{USERS}?q=other", "/admin/accounts/staffprofile/?q=other"):
        response = as_admin.get(url)
        assert b"otherteacher" not in response.content and b"otherhead" not in response.content, url


# --- Two-factor reset -----------------------------------------------------------------------

def test_resetting_the_heads_two_factor_needs_the_admins_own_password_and_is_recorded_and_emailed(
        as_admin, w, run_tasks):
    with_two_factor(w.head)
    action = {"action": "reset_two_factor", "_selected_action": [w.head.pk]}
    first = as_admin.post(USERS, action)
    assert first.status_code == 200 and "Your own password" in first.content.decode()
    assert "head" in first.content.decode()
    wrong = as_admin.post(USERS, {**action, "confirm_reset": "yes", "password": "not-my-password"})
    assert wrong.status_code == 200 and "That is not your password." in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=w.head).exists()
    assert BackupCode.objects.filter(device__user=w.head).count() == 10

    with run_tasks():
        done = as_admin.post(USERS, {**action, "confirm_reset": "yes", "password": PASSWORD})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=w.head).exists()
    assert not BackupCode.objects.filter(device__user=w.head).exists()
    change = AccountChange.objects.get(account=w.head, kind=AccountChangeKind.TWO_FACTOR_RESET)
    assert change.actor == w.admin and change.school == w.own
    notice = [m for m in mail.outbox if m.to == [w.head.email]]
    assert len(notice) == 1 and "reset" in notice[0].subject
    assert w.admin.get_full_name() in notice[0].body


def test_five_wrong_passwords_stop_the_confirmation_for_a_while(as_admin, w, settings):
    with_two_factor(w.head)
    action = {"action": "reset_two_factor", "_selected_action": [w.head.pk], "confirm_reset": "yes"}
    for _ in range(5):
        as_admin.post(USERS, {**action, "password": "guess-guess-guess"})
    refused = as_admin.post(USERS, {**action, "password": PASSWORD})
    assert refused.status_code == 200 and "Too many wrong passwords" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=w.head).exists()


def test_a_school_admin_cannot_reset_a_superusers_two_factor(as_admin, w):
    root = make_staff(w.own, roles.VISITING_STAFF, username="root")
    root.is_superuser = root.is_staff = True
    root.save()
    with_two_factor(root)
    as_admin.post(USERS, {"action": "reset_two_factor", "_selected_action": [root.pk], "confirm_reset": "yes",
                          "password": PASSWORD})
    assert TOTPDevice.objects.filter(user=root).exists()
    assert not AccountChange.objects.filter(account=root, kind=AccountChangeKind.TWO_FACTOR_RESET).exists()


# --- Adding staff ---------------------------------------------------------------------------

def test_a_new_member_of_staff_gets_no_password_from_the_admin_and_only_an_ordinary_role(as_admin, w, run_tasks):
    page = as_admin.get(f"{USERS}add/")
    data, names = read_form(page.content.decode(), "user_form")
    assert {"username", "first_name", "last_name", "email", "groups", "profile-0-mobile"} <= names
    assert not names & {"password1", "password2", "usable_password", "is_superuser", "is_staff",
                        "profile-0-school"}
    assert "enter a username and password" not in page.content.decode().lower()

    base = {**data, "username": "newteacher", "first_name": "Nia", "last_name": "Jones",
            "email": "nia.jones@school.example", "profile-0-job_title": "Year 2 teacher"}
    refused = as_admin.post(f"{USERS}add/", {**base, "groups": [str(group(roles.HEAD).pk)]})
    assert refused.status_code == 200
    assert not User.objects.filter(username="newteacher").exists()

    with run_tasks():
        response = as_admin.post(f"{USERS}add/", {
            **base, "groups": [str(group(roles.VISITING_STAFF).pk)], "password1": "chosen-by-the-admin-1",
            "password2": "chosen-by-the-admin-1", "is_superuser": "on", "is_staff": "on",
            "profile-0-school": str(w.other.pk)})
    assert response.status_code == 302, response.content.decode()[:3000]
    new = User.objects.get(username="newteacher")
    assert not new.has_usable_password() and not new.is_superuser and not new.is_staff
    assert new.profile.school == w.own and new.profile.job_title == "Year 2 teacher"
    assert set(new.groups.values_list("name", flat=True)) == {roles.VISITING_STAFF}
    assert [m.to for m in mail.outbox] == [["nia.jones@school.example"]]
    kinds = set(AccountChange.objects.filter(account=new).values_list("kind", flat=True))
    assert {AccountChangeKind.CREATED, AccountChangeKind.ROLES, AccountChangeKind.PASSWORD_RESET_SENT} <= kinds


def test_a_new_account_without_a_profile_filled_in_still_belongs_to_the_admins_school(as_admin, w):
    data, _names = read_form(as_admin.get(f"{USERS}add/").content.decode(), "user_form")
    response = as_admin.post(f"{USERS}add/", {**data, "username": "bare", "email": "bare@school.example",
                                              "groups": [str(group(roles.OFFICE).pk)]})
    assert response.status_code == 302
    assert User.objects.get(username="bare").profile.school == w.own


# --- The rest of the admin ------------------------------------------------------------------

def test_groups_permissions_devices_and_lockout_records_are_not_theirs(as_admin, w):
    for url in ("/admin/auth/group/", f"/admin/auth/group/{group(roles.HEAD).pk}/change/", "/admin/auth/group/add/",
                "/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/", "/admin/axes/accessattempt/",
                "/admin/accounts/school/add/", f"/admin/accounts/school/{w.own.pk}/delete/",
                f"{USERS}{w.teacher.pk}/delete/"):
        assert as_admin.get(url).status_code == 403, url
    before = set(group(roles.SCHOOL_ADMIN).permissions.values_list("pk", flat=True))
    as_admin.post(f"/admin/auth/group/{group(roles.SCHOOL_ADMIN).pk}/change/",
                  {"name": roles.SCHOOL_ADMIN, "permissions": [p.pk for p in Permission.objects.all()]})
    assert set(group(roles.SCHOOL_ADMIN).permissions.values_list("pk", flat=True)) == before


def test_no_admin_page_shows_them_another_schools_people_or_school(as_admin, w):
    pages = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        pages += [f"/admin/{meta.app_label}/{meta.model_name}/", f"/admin/{meta.app_label}/{meta.model_name}/add/"]
    for url in pages:
        response = as_admin.get(url)
        assert response.status_code in (200, 403), url
        text = response.content.decode()
        assert OTHER not in text and "otherteacher" not in text and "otherhead" not in text, url


def test_every_admin_answers_not_found_for_every_row_of_another_school(as_admin, w, rf):
    """Each registered admin that is scoped by school (accounts, visits, safety, the append-only
    records of audit), each row outside the school admin's own: change, history and delete are 404."""
    visit = VisitFactory(family=FamilyFactory(school=w.other, display_name="Elmwood family"), school=w.other,
                         lead=w.other_teacher)
    record_event(visit, EventKind.DEPARTED, w.other_teacher, note="Elmwood note")
    escalation = Escalation.objects.create(visit=visit, round=1, level=EscalationLevel.LATE,
                                           reason=EscalationReason.LATE_RETURN)
    ContactAttempt.objects.create(escalation=escalation, step=ContactStep.WORKER, outcome=ContactOutcome.NO_ANSWER,
                                  note="Elmwood voicemail", by=w.other_head)
    Notification.objects.create(dedupe_key="elmwood-1", recipient=w.other_head, channel=Channel.EMAIL,
                                subject="Elmwood alert", body="Elmwood body")
    request = rf.get("/admin/")
    request.user = w.admin
    checked = set()
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, SchoolScopedAdmin | StaffUserAdmin):
            continue
        own = set(model_admin.get_queryset(request).values_list("pk", flat=True))
        outside = model.objects.exclude(pk__in=own)
        meta = model._meta
        for obj in outside:
            checked.add(meta.model_name)
            for tail in ("change/", "history/", "delete/"):
                url = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/{tail}"
                for response in (as_admin.get(url), as_admin.post(url, {"post": "yes"})):
                    assert response.status_code == 404, url
                    assert b"Elmwood" not in response.content and OTHER.encode() not in response.content, url
    assert {"user", "staffprofile", "school", "visitevent", "escalation", "contactattempt", "notification"} <= checked
