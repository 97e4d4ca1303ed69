"""The password alone must not defeat two-factor sign-in (issue: someone who signed in with a stolen
password before the real user set up two-factor saw the key the user later scanned, and so held a
permanent second factor).

Now a setup attempt keeps its own key in its own session and writes no device until a code confirms
it, and a first authenticator needs the one-time link emailed to the account's owner."""

import datetime
import importlib
import re

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mail as account_mail
from accounts import roles
from accounts.models import AccountChange, AccountChangeKind, BackupCode, BackupCodeDevice
from accounts.views import ENROL_GRANT_SESSION_KEY
from homevisits.factories import make_staff

from .twofactor_helpers import (
    CODE_ITEM,
    SETUP,
    VERIFY,
    code_for_key,
    key_shown,
    link_path,
    open_enrolment_link,
    sign_in,
    with_two_factor,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("required")]

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
ENROL_LINK = re.compile(r"(http\S+/accounts/two-factor/enrol/\S+/)")


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = [roles.HEAD, roles.DSL, roles.OFFICE, roles.SCHOOL_ADMIN]


def emailed_link(to):
    links = [ENROL_LINK.search(m.body).group(1) for m in mail.outbox if m.to == [to] and ENROL_LINK.search(m.body)]
    assert links, [m.subject for m in mail.outbox]
    return link_path(links[-1])


@pytest.mark.parametrize("role", [roles.HEAD, roles.DSL, roles.OFFICE, roles.SCHOOL_ADMIN, roles.VISITING_STAFF])
def test_a_password_thief_who_signs_in_first_gets_no_key_and_no_second_factor(school, clock_monday_gmt, run_tasks, role):
    victim = make_staff(school, role, username="victim")
    thief = Client()
    sign_in(thief, victim)
    # The thief opens the setup page before the real person ever has.
    page = thief.get(SETUP)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="secret"' not in html and 'data-testid="qr-code"' not in html
    assert "Email me the link" in html
    assert not TOTPDevice.objects.filter(user=victim).exists()
    # Asking for the link sends it to the owner's mailbox, not to the thief.
    with run_tasks():
        thief.post(SETUP, {"send_link": "1"})
    assert [m.to for m in mail.outbox] == [[victim.email]]
    assert "someone else may know your password" in mail.outbox[0].body
    # Codes posted to the setup page do nothing without the link.
    assert thief.post(SETUP, {"code": "123456"}).status_code == 200
    assert not TOTPDevice.objects.filter(user=victim).exists()
    # Guessed, forged or someone else's links don't work either.
    stranger = make_staff(school, role, username="stranger")
    assert thief.get(link_path(account_mail.enrolment_link(stranger))).status_code == 403
    uid = emailed_link(victim.email).split("/")[-3]
    assert thief.get(f"/accounts/two-factor/enrol/{uid}/abc-0123456789abcdef/").status_code == 400
    assert ENROL_GRANT_SESSION_KEY not in thief.session

    # The real person signs in elsewhere, opens the emailed link and sets up their phone.
    owner = Client()
    sign_in(owner, victim)
    assert owner.get(emailed_link(victim.email))["Location"] == SETUP
    key = key_shown(owner.get(SETUP).content.decode())
    done = owner.post(SETUP, {"code": code_for_key(key)})
    assert len(CODE_ITEM.findall(done.content.decode())) == 10

    # The thief's session can neither set up its own nor skip the code.
    assert thief.get(SETUP)["Location"].startswith(VERIFY)
    assert thief.get("/accounts/")["Location"].startswith(VERIFY)
    clock_monday_gmt.shift(datetime.timedelta(seconds=30))
    assert thief.post(VERIFY, {"code": "000000"}).status_code == 200
    assert thief.get("/accounts/")["Location"].startswith(VERIFY)


def test_two_setup_attempts_never_share_a_key_and_only_the_confirmed_one_becomes_the_device(school, clock_monday_gmt):
    """Even a second session that got as far as a key (here given a grant directly, as if it had the
    link) holds a key of its own: the one the owner confirms is not one anybody else saw."""
    head = make_staff(school, roles.HEAD)
    first, second = Client(), Client()
    for client in (first, second):
        sign_in(client, head)
        session = client.session
        session[ENROL_GRANT_SESSION_KEY] = {"user": head.pk, "until": START.timestamp() + 600}
        session.save()
    first_key = key_shown(first.get(SETUP).content.decode())
    second_key = key_shown(second.get(SETUP).content.decode())
    assert first_key != second_key
    assert not TOTPDevice.objects.filter(user=head).exists()

    second.post(SETUP, {"code": code_for_key(second_key)})
    assert list(TOTPDevice.objects.filter(user=head).values_list("key", flat=True)) == [second_key]
    # The first session's key is worth nothing, at setup or at sign-in.
    assert first.post(SETUP, {"code": code_for_key(first_key)})["Location"].startswith(VERIFY)
    clock_monday_gmt.shift(datetime.timedelta(seconds=30))
    late = Client()
    sign_in(late, head)
    assert late.post(VERIFY, {"code": code_for_key(first_key)}).status_code == 200
    assert late.get("/accounts/")["Location"].startswith(VERIFY)
    clock_monday_gmt.shift(datetime.timedelta(seconds=2))  # past django-otp's pause after a wrong code
    assert late.post(VERIFY, {"code": code_for_key(second_key)}).status_code == 302


def test_the_link_works_once_only_for_its_owner_and_not_after_an_hour(school, clock_monday_gmt, run_tasks):
    office = make_staff(school, roles.OFFICE)
    client = Client()
    sign_in(client, office)
    with run_tasks():
        client.post(SETUP, {"send_link": "1"})
    path = emailed_link(office.email)

    # Opened without signing in: to the sign-in page first (a mail scanner uses nothing up).
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    # Signed in as someone else: refused.
    colleague = Client()
    colleague.force_login(make_staff(school, roles.OFFICE, username="colleague"))
    assert colleague.get(path).status_code == 403

    assert client.get(path)["Location"] == SETUP
    assert 'data-testid="secret"' in client.get(SETUP).content.decode()
    # Once.
    again = Client()
    sign_in(again, office)
    assert again.get(path).status_code == 400

    # A new link, left for more than an hour.
    with run_tasks():
        again.post(SETUP, {"send_link": "1"})
    late = emailed_link(office.email)
    clock_monday_gmt.shift(datetime.timedelta(minutes=61))
    sign_in(again, office)
    assert again.get(late).status_code == 400


def test_a_link_dies_when_the_password_or_email_changes(school, clock_monday_gmt):
    dsl = make_staff(school, roles.DSL)
    link = link_path(account_mail.enrolment_link(dsl))
    dsl.set_password("a-changed-passphrase-9")
    dsl.save()
    client = Client()
    client.force_login(dsl)
    assert client.get(link).status_code == 400
    link = link_path(account_mail.enrolment_link(dsl))
    dsl.email = "elsewhere@school.example"
    dsl.save()
    assert client.get(link).status_code == 400


def test_no_more_than_three_links_an_hour(school, clock_monday_gmt, run_tasks):
    head = make_staff(school, roles.HEAD)
    client = Client()
    sign_in(client, head)
    with run_tasks():
        for _ in range(5):
            client.post(SETUP, {"send_link": "1"})
    assert len(mail.outbox) == 3
    assert AccountChange.objects.filter(account=head, kind=AccountChangeKind.ENROLMENT_LINK_SENT).count() == 3


def test_without_an_email_address_the_page_says_what_to_do(school):
    head = make_staff(school, roles.HEAD)
    head.email = ""
    head.save()
    client = Client()
    client.force_login(head)
    page = client.get(SETUP).content.decode()
    assert 'data-testid="no-email"' in page and "Email me the link" not in page


def test_the_owner_is_emailed_when_an_authenticator_or_backup_codes_are_added(school, clock_monday_gmt, run_tasks):
    teacher = make_staff(school, roles.VISITING_STAFF)
    client = Client()
    sign_in(client, teacher)
    open_enrolment_link(client, teacher)
    key = key_shown(client.get(SETUP).content.decode())
    with run_tasks():
        client.post(SETUP, {"code": code_for_key(key)})
    assert [m.subject for m in mail.outbox] == ["Home Visits: an authenticator app was added"]
    with run_tasks():
        client.post("/accounts/two-factor/backup-codes/")
    assert mail.outbox[-1].subject == "Home Visits: new backup codes were made"
    assert all(m.to == [teacher.email] for m in mail.outbox)
    kinds = list(AccountChange.objects.filter(account=teacher).order_by("pk").values_list("kind", flat=True))
    assert kinds == [AccountChangeKind.TWO_FACTOR_ENROLLED, AccountChangeKind.BACKUP_CODES,
                     AccountChangeKind.BACKUP_CODES]
    # Moving to a new phone (a verified session, no link needed) tells them too.
    new_key = key_shown(client.get(SETUP).content.decode())
    assert new_key != key
    clock_monday_gmt.shift(datetime.timedelta(seconds=30))
    with run_tasks():
        client.post(SETUP, {"code": code_for_key(new_key)})
    assert mail.outbox[-1].subject == "Home Visits: an authenticator app was added"
    assert list(TOTPDevice.objects.filter(user=teacher).values_list("key", flat=True)) == [new_key]


def test_the_migration_removes_unconfirmed_devices_and_hashes_the_old_plaintext_backup_codes(school):
    from django.apps import apps

    head = make_staff(school, roles.HEAD)
    with_two_factor(head)
    BackupCodeDevice.objects.filter(user=head).delete()
    stale = TOTPDevice.objects.create(user=head, name="Authenticator app", confirmed=False)
    old = StaticDevice.objects.create(user=head, name="Backup codes", confirmed=True)
    StaticToken.objects.bulk_create(StaticToken(device=old, token=t) for t in ("abcdefgh", "ijklmnop"))

    migration = importlib.import_module("accounts.migrations.0006_hash_backup_codes_drop_unconfirmed_devices")
    migration.forwards(apps, None)

    assert not TOTPDevice.objects.filter(pk=stale.pk).exists()
    assert TOTPDevice.objects.filter(user=head, confirmed=True).count() == 1
    assert not StaticDevice.objects.exists() and not StaticToken.objects.exists()
    device = BackupCodeDevice.objects.get(user=head)
    assert not BackupCode.objects.filter(code_hash__contains="abcdefgh").exists()
    assert device.verify_token("ABCD EFGH") is True  # the same codes still work, once
    assert device.verify_token("abcdefgh") is False
    assert BackupCode.objects.filter(device=device).count() == 1


@pytest.mark.parametrize("uid,token", [("!!!", "x"), ("A" * 300, "B" * 500), ("MTIzNDU2Nzg5MDEyMzQ1Njc4OTA", "1-2"),
                                       ("Tk9UQU5VTUJFUg", "zzz-zzz")])
def test_a_damaged_link_is_refused_plainly(school, uid, token):
    client = Client()
    client.force_login(make_staff(school, roles.OFFICE))
    client.raise_request_exception = False
    response = client.get(f"/accounts/two-factor/enrol/{uid}/{token}/")
    assert response.status_code in (400, 403)
    assert ENROL_GRANT_SESSION_KEY not in client.session


def test_the_server_can_print_a_link_for_someone_without_email(school, capsys):
    from django.core.management import call_command

    root = make_staff(school, roles.HEAD, username="firsthead")
    root.email = ""
    root.save()
    call_command("two_factor_link", "firsthead")
    link = capsys.readouterr().out.strip()
    client = Client()
    client.force_login(root)
    assert client.get(link_path(link))["Location"] == SETUP
    assert AccountChange.objects.filter(account=root, kind=AccountChangeKind.ENROLMENT_LINK_SENT,
                                        actor=None).exists()
