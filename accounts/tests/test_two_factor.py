"""Two-factor sign-in (django-otp): required for head, DSL, office and school admin, optional for
visiting staff; set up with a QR code and one code, then a code (or one backup code) at every sign-in."""

import datetime
import re

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.backup_codes import code_matches
from accounts.models import BackupCode
from homevisits.factories import make_staff

from .twofactor_helpers import (
    CODE_ITEM,
    CODES,
    SETUP,
    VERIFY,
    code_for,
    code_for_key,
    key_shown,
    open_enrolment_link,
    sign_in,
    with_two_factor,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_on")]

REQUIRED = [roles.HEAD, roles.DSL, roles.OFFICE, roles.SCHOOL_ADMIN]
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
# A page every signed-in user may see (the home page belongs to the planning work).
ACCOUNT = "/accounts/"


@pytest.fixture
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED


@pytest.mark.parametrize("role", REQUIRED)
def test_a_role_that_needs_it_is_sent_to_set_it_up_before_anything_else(client, school, role):
    user = make_staff(school, role)
    client.force_login(user)
    for path in (ACCOUNT, "/visits/", "/accounts/password/change/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(SETUP + "?next="), path
    assert client.get(SETUP).status_code == 200


def test_visiting_staff_are_not_forced_but_may_opt_in(client, school):
    teacher = make_staff(school, roles.VISITING_STAFF)
    client.force_login(teacher)
    assert client.get(ACCOUNT).status_code == 200
    assert client.get(SETUP).status_code == 200


def test_the_setting_switches_enforcement_off(client, school, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    client.force_login(make_staff(school, roles.OFFICE))
    assert client.get(ACCOUNT).status_code == 200


def test_setup_shows_a_qr_code_and_the_secret_then_one_code_turns_it_on_and_shows_10_backup_codes_once(
        client, school, clock_monday_gmt):
    office = make_staff(school, roles.OFFICE, username="olivia")
    client.force_login(office)
    # A first authenticator needs the emailed link (test_two_factor_setup_attack.py); the owner opens it.
    assert open_enrolment_link(client, office)["Location"] == SETUP
    page = client.get(SETUP + "?next=/visits/")
    html = page.content.decode()
    assert re.search(r'<img[^>]+src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)
    key = key_shown(html)
    # Nothing is written until a code confirms the key: no device anyone else could see.
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert key_shown(client.get(SETUP).content.decode()) == key  # the same key on reload

    wrong = client.post(SETUP, {"code": "000000", "next": "/visits/"})
    assert wrong.status_code == 200 and "That code did not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=office).exists()

    response = client.post(SETUP, {"code": code_for_key(key), "next": "/visits/"})
    # The backup codes come in the response that made them, and only there.
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device = TOTPDevice.objects.get(user=office)
    assert device.confirmed and device.key == key

    shown = response.content.decode()
    codes = CODE_ITEM.findall(shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    hashes = list(BackupCode.objects.filter(device__user=office).values_list("code_hash", flat=True))
    assert len(hashes) == 10 and not any(code in h for h in hashes for code in codes)
    assert all(any(code_matches(code, h) for h in hashes) for code in codes)
    assert 'href="/visits/"' in shown
    # Only once: nothing kept to show again, in the session or anywhere.
    assert not CODE_ITEM.findall(client.get(CODES).content.decode())
    assert not any(code in str(client.session.items()) for code in codes)
    # The session that set it up counts as verified.
    assert client.get(ACCOUNT).status_code == 200


def test_after_setup_every_sign_in_asks_for_a_code_from_the_app(school, clock_monday_gmt):
    head = make_staff(school, roles.HEAD)
    device, _codes = with_two_factor(head)
    client = Client()
    sign_in(client, head)
    response = client.get("/visits/")
    assert response.status_code == 302 and response["Location"] == VERIFY + "?next=%2Fvisits%2F"

    bad = client.post(VERIFY, {"code": "123456", "next": "/visits/"})
    assert bad.status_code == 200 and "That code did not work" in bad.content.decode()
    assert client.get(ACCOUNT).status_code == 302

    clock_monday_gmt.shift(datetime.timedelta(seconds=61))
    good = client.post(VERIFY, {"code": code_for(device), "next": "/visits/"})
    assert good.status_code == 302 and good["Location"] == "/visits/"
    assert client.get(ACCOUNT).status_code == 200

    # Signing out and in again asks again, and the same code can't be replayed.
    client.post("/accounts/logout/")
    sign_in(client, head)
    assert client.get(ACCOUNT).status_code == 302
    replay = client.post(VERIFY, {"code": code_for(device), "next": "/"})
    assert replay.status_code == 200
    clock_monday_gmt.shift(datetime.timedelta(seconds=30))
    assert client.post(VERIFY, {"code": code_for(device), "next": "/"}).status_code == 302


def test_a_backup_code_works_once_only(school, clock_monday_gmt):
    dsl = make_staff(school, roles.DSL)
    _device, codes = with_two_factor(dsl)
    first = Client()
    sign_in(first, dsl)
    response = first.post(VERIFY, {"code": codes[3].upper()[:4] + " " + codes[3][4:], "next": ACCOUNT}, follow=True)
    assert response.redirect_chain[0][0] == ACCOUNT
    assert "You used a backup code; 9 left." in response.content.decode()
    assert BackupCode.objects.filter(device__user=dsl).count() == 9

    second = Client()
    sign_in(second, dsl)
    again = second.post(VERIFY, {"code": codes[3], "next": "/"})
    assert again.status_code == 200 and "That code did not work" in again.content.decode()
    assert second.get(ACCOUNT).status_code == 302


def test_a_visiting_teacher_who_opted_in_must_verify_too(school, clock_monday_gmt):
    teacher = make_staff(school, roles.VISITING_STAFF)
    with_two_factor(teacher)
    client = Client()
    sign_in(client, teacher)
    assert client.get(ACCOUNT)["Location"].startswith(VERIFY)


def test_the_password_alone_cannot_add_a_new_authenticator(school, clock_monday_gmt):
    office = make_staff(school, roles.OFFICE)
    with_two_factor(office)
    client = Client()
    sign_in(client, office)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(CODES).status_code == 302  # no new backup codes either
    assert BackupCode.objects.filter(device__user=office).count() == 10


def test_a_verified_user_can_make_new_backup_codes_which_replace_the_old(school, clock_monday_gmt):
    head = make_staff(school, roles.HEAD)
    device, old_codes = with_two_factor(head)
    client = Client()
    sign_in(client, head)
    client.post(VERIFY, {"code": code_for(device), "next": "/"})
    page = client.post(CODES).content.decode()
    new_codes = CODE_ITEM.findall(page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)


def test_the_admin_site_itself_wants_a_verified_user(school):
    school_admin = make_staff(school, roles.SCHOOL_ADMIN)
    school_admin.is_staff = True
    school_admin.save()
    request = RequestFactory().get("/admin/")
    request.user = school_admin
    school_admin.is_verified = lambda: False
    assert admin.site.has_permission(request) is False
    school_admin.is_verified = lambda: True
    assert admin.site.has_permission(request) is True


def test_the_account_page_shows_the_state(client, school):
    teacher = make_staff(school, roles.VISITING_STAFF)
    client.force_login(teacher)
    page = client.get("/accounts/").content.decode()
    assert "Set up two-factor sign-in" in page and "Change password" in page


def test_a_school_admin_resets_a_lost_phone_for_their_own_staff(client, school, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []  # the admin here has not set up their own
    office = make_staff(school, roles.OFFICE)
    with_two_factor(office)
    school_admin = make_staff(school, roles.SCHOOL_ADMIN)
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    # First the admin's own password (accounts/tests/test_admin_remit.py tries it without).
    response = client.post("/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [office.pk],
                                                 "confirm_reset": "yes", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert not BackupCode.objects.filter(device__user=office).exists()


def test_a_background_htmx_request_moves_the_whole_page_to_the_second_step(client, school, clock_monday_gmt):
    office = make_staff(school, roles.OFFICE)
    with_two_factor(office)
    sign_in(client, office)
    response = client.get("/visits/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/out/")
    assert response.status_code == 204
    assert response["HX-Redirect"] == VERIFY + "?next=%2Fout%2F"


def test_a_refused_code_is_logged_without_the_code(school, clock_monday_gmt, caplog):
    office = make_staff(school, roles.OFFICE)
    with_two_factor(office)
    client = Client()
    sign_in(client, office)
    with caplog.at_level("WARNING", logger="homevisits.security"):
        client.post(VERIFY, {"code": "654321"})
    assert f"Two-factor code refused for user id {office.pk}" in caplog.text
    assert "654321" not in caplog.text
