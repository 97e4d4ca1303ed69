"""Changes to staff accounts on the audit page: roles, school, superuser/admin access, password
resets, two-factor resets and set-ups, each with who, when, whose account and old -> new; the
auditor's own school only (a move between schools shows on both)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts import roles, twofactor
from accounts.models import AccountChange, StaffProfile
from accounts.tests.admin_forms import read_form
from accounts.tests.twofactor_helpers import code_for_key
from homevisits.factories import TUESDAY_GMT as NOW
from homevisits.factories import UserFactory, as_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


@pytest.fixture
def root():
    return UserFactory(is_superuser=True, is_staff=True, first_name="Rita", last_name="Root")


def admin_save(client, user, **changes):
    """Save the user's admin change form with `changes` (as a superuser)."""
    data, _ = read_form(client.get(f"/admin/auth/user/{user.pk}/change/").content.decode(), "user_form")
    data.update(changes)
    response = client.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:1000]


def account_entries(client, **params):
    response = client.get("/audit/", {"model": "account", **params})
    assert response.status_code == 200
    return response, response.context["entries"]


def test_role_and_superuser_changes_show_who_when_whose_and_old_to_new(client, people, root, clock_tuesday_gmt):
    as_user(client, root)
    clock_tuesday_gmt.move_to(NOW + datetime.timedelta(minutes=5))
    admin_save(client, people["teacher"], groups=[str(Group.objects.get(name=roles.DSL).pk)],
               is_superuser="on", is_staff="on")
    page, entries = account_entries(as_user(Client(), people["head"]))
    by_field = {e["changes"][0]["field"]: e for e in entries if e["changes"]}
    assert by_field["Roles"]["changes"] == [{"field": "Roles", "old": roles.VISITING_STAFF, "new": roles.DSL}]
    assert by_field["Superuser (every school)"]["changes"][0]["new"] == "Yes"
    assert by_field["Django admin access"]["changes"][0]["old"] == "No"
    for entry in by_field.values():
        assert entry["who"] == "Rita Root"
        assert entry["label"] == f"{people['teacher'].get_full_name()} (teacher)"
        assert entry["at"] == NOW + datetime.timedelta(minutes=5)
    html = page.content.decode()
    assert "<del>Visiting staff</del> → <ins>DSL</ins>" in html
    assert "Staff account" in html


def test_a_move_between_schools_shows_on_both_schools_audit_and_nothing_else_leaks(
        client, people, root, school, other_school):
    as_user(client, root)
    profile = StaffProfile.objects.get(user=people["teacher"])
    url = f"/admin/accounts/staffprofile/{profile.pk}/change/"
    data, _ = read_form(client.get(url).content.decode(), "staffprofile_form")
    assert client.post(url, {**data, "school": str(other_school.pk)}).status_code == 302

    for head in (people["head"], people["other_head"]):
        _page, entries = account_entries(as_user(Client(), head))
        moves = [e for e in entries if e["changes"] and e["changes"][0]["field"] == "School"]
        assert len(moves) == 1, head
        assert moves[0]["changes"][0]["old"] == school.name and moves[0]["changes"][0]["new"] == other_school.name
    # A change at the other school only is not on this school's page.
    twofactor.reset_two_factor(people["other_dsl"], by=people["other_admin"])
    _page, entries = account_entries(as_user(Client(), people["head"]))
    assert not [e for e in entries if "otherdsl" in e["label"]]


def test_password_resets_two_factor_resets_and_set_ups_are_there(client, people):
    admin_user = people["admin"]
    admin_user.is_staff = True
    admin_user.save()
    key = twofactor.new_setup_key()
    twofactor.enrol_authenticator(people["dsl"], key, code_for_key(key))
    as_user(client, admin_user)
    client.post("/admin/auth/user/", {"action": "send_password_reset", "_selected_action": [people["office"].pk]})
    client.post("/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [people["dsl"].pk],
                                      "confirm_reset": "yes", "password": "correct-horse-battery"})
    _page, entries = account_entries(as_user(Client(), people["head"]))
    actions = {(e["action"], e["label"].split(" (")[1].rstrip(")"), e["who"]) for e in entries}
    admin_name = admin_user.get_full_name()
    dsl_name = people["dsl"].get_full_name()
    assert ("Password reset email sent", "office", admin_name) in actions
    assert ("Two-factor sign-in reset", "dsl", admin_name) in actions
    assert ("Authenticator app added", "dsl", dsl_name) in actions
    assert ("New backup codes made", "dsl", dsl_name) in actions


def test_the_filters_apply_to_account_changes_and_all_records_include_them(client, people, clock_tuesday_gmt):
    twofactor.new_backup_codes(people["office"])
    clock_tuesday_gmt.move_to(NOW + datetime.timedelta(days=2))
    twofactor.new_backup_codes(people["teacher"])
    as_user(client, people["admin"])
    _p, everything = account_entries(client)
    assert len(everything) == 2
    _p, by_person = account_entries(client, person=people["office"].pk)
    assert [e["label"] for e in by_person] == [f"{people['office'].get_full_name()} (office)"]
    _p, dated = account_entries(client, date_from="2026-11-26")
    assert [e["label"].split(" (")[1] for e in dated] == ["teacher)"]
    all_records = client.get("/audit/").context["entries"]
    assert {e["key"] for e in all_records} >= {"account"}


def test_account_changes_are_append_only(people):
    twofactor.new_backup_codes(people["office"])
    change = AccountChange.objects.get(account=people["office"])
    change.new = "rewritten"
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()
