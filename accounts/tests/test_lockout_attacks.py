"""The lockout tried as an attacker would (accounts/lockout.py, accounts/proxies.py): a guesser who
rotates addresses, one who rotates a forged X-Forwarded-For header, and one who forges the header to
lock a colleague out. The per username + address limit stays as it was (test_lockout.py)."""

import datetime
import re

import pytest
from django.core import checks
from django.test import Client, RequestFactory

from accounts import lockout, roles
from accounts.proxies import client_address
from homevisits import factories
from homevisits.factories import make_staff

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"
WRONG = "wrong-password-123"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
USERNAME = factories.PEOPLE["teacher"][1]  # the root world's teacher, who is locked out
PROXY = "10.0.0.1"


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def try_from(address, password=WRONG, username=USERNAME, **headers):
    """One sign-in from a fresh browser (no shared cookies) connecting from `address`."""
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def rotating(n, start=0):
    return [f"198.51.{(i // 250) % 250}.{i % 250 + 1}" for i in range(start, start + n)]


def signed_in(response):
    return response.status_code == 302


# --- One username from many addresses ------------------------------------------------------------

def test_a_guesser_rotating_addresses_is_stopped_at_the_username_limit(teacher, clock_monday_gmt):
    answers = [try_from(address) for address in rotating(lockout.PER_USERNAME_LIMIT)]
    assert all(a.status_code == 200 for a in answers[:-1])  # below the limit: the sign-in page again
    assert answers[-1].status_code == 429
    page = text(answers[-1])
    assert "paused everywhere" in page and "Signing in is paused for 15 minutes" in page
    # Now even the right password, from an address never seen, is refused: the pause is the username's.
    assert try_from("192.0.2.200", PASSWORD).status_code == 429


def test_below_the_username_limit_the_user_signs_in_from_their_own_address(teacher, clock_monday_gmt):
    for address in rotating(lockout.PER_USERNAME_LIMIT - 1):
        try_from(address)
    assert signed_in(try_from("192.0.2.200", PASSWORD))


def test_the_username_pause_lifts_after_15_minutes(teacher, clock_monday_gmt):
    for address in rotating(lockout.PER_USERNAME_LIMIT):
        try_from(address)
    clock_monday_gmt.shift(datetime.timedelta(minutes=14))
    assert try_from("192.0.2.200", PASSWORD).status_code == 429  # ... which counts, and starts it again
    clock_monday_gmt.shift(datetime.timedelta(minutes=16))
    assert signed_in(try_from("192.0.2.200", PASSWORD))


def test_the_pause_grows_as_the_guessing_goes_on(teacher, clock_monday_gmt):
    # 30 wrong passwords that day: 30 minutes from the last one.
    for address in rotating(30):
        try_from(address)
    locked = try_from("192.0.2.200", PASSWORD)  # refused, and counted: 31
    assert locked.status_code == 429 and "paused for 30 minutes" in text(locked)
    clock_monday_gmt.shift(datetime.timedelta(minutes=25))
    assert try_from("192.0.2.201", PASSWORD).status_code == 429  # 32, and the 30 minutes start again
    clock_monday_gmt.shift(datetime.timedelta(minutes=31))
    assert signed_in(try_from("192.0.2.201", PASSWORD))  # clears 192.0.2.201's one: 31 left

    # Past the limit, one more wrong password pauses it again at once; at 40 that day, for an hour.
    answers = [try_from(address) for address in rotating(9, start=100)]
    assert [a.status_code for a in answers] == [429] * 9
    assert "paused for 30 minutes" in text(answers[0]) and "paused for 1 hour" in text(answers[-1])
    clock_monday_gmt.shift(datetime.timedelta(minutes=59))
    assert try_from("192.0.2.202", PASSWORD).status_code == 429  # 41: an hour from now
    clock_monday_gmt.shift(datetime.timedelta(minutes=61))
    assert signed_in(try_from("192.0.2.202", PASSWORD))


def test_the_pause_is_never_longer_than_a_day(teacher, clock_monday_gmt):
    assert lockout.pause_for(10_000) == datetime.timedelta(hours=24)
    assert [lockout.pause_for(n) for n in (0, 19, 20, 29, 30, 40, 50)] == [
        datetime.timedelta(minutes=m) for m in (15, 15, 15, 15, 30, 60, 120)]


def test_signing_in_does_not_give_a_guesser_elsewhere_a_fresh_allowance(teacher, clock_monday_gmt):
    for address in rotating(15):
        try_from(address)
    assert signed_in(try_from("192.0.2.200", PASSWORD))  # the real user, at school
    answers = [try_from(address) for address in rotating(5, start=15)]
    assert answers[-1].status_code == 429


def test_signing_in_clears_the_users_own_mistypes_on_that_address(teacher, clock_monday_gmt):
    for _ in range(4):
        try_from("192.0.2.200")
    assert signed_in(try_from("192.0.2.200", PASSWORD))
    for _ in range(4):
        try_from("192.0.2.200")
    assert signed_in(try_from("192.0.2.200", PASSWORD))


def test_another_username_is_not_paused_by_the_guessing(teacher, clock_monday_gmt):
    make_staff(teacher.profile.school, roles.VISITING_STAFF, username="tess")
    for address in rotating(lockout.PER_USERNAME_LIMIT):
        try_from(address)
    assert signed_in(try_from(rotating(1)[0], PASSWORD, username="tess"))


def test_a_long_pause_of_one_user_is_not_lifted_by_anothers_short_one(teacher, clock_monday_gmt):
    # Axes on its own deletes every attempt older than the current request's pause.
    make_staff(teacher.profile.school, roles.VISITING_STAFF, username="tess")
    for address in rotating(40):
        try_from(address)  # the teacher: an hour
    clock_monday_gmt.shift(datetime.timedelta(minutes=20))
    try_from("192.0.2.9", username="tess")  # tess mistypes once (her pause would be 15 minutes)
    assert try_from("192.0.2.200", PASSWORD).status_code == 429


def test_a_new_password_from_the_emailed_link_lifts_the_username_pause(teacher, clock_monday_gmt):
    from axes.utils import reset

    for address in rotating(lockout.PER_USERNAME_LIMIT):
        try_from(address)
    reset(username=USERNAME)  # what accounts.views.ResetConfirmView does once the new password is set
    assert signed_in(try_from("192.0.2.200", PASSWORD))


# --- Forged X-Forwarded-For ------------------------------------------------------------------------

@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.BEHIND_PROXY = True


def test_rotating_a_forged_header_straight_at_the_app_does_not_dodge_the_address_limit(teacher, clock_monday_gmt,
                                                                                        behind_proxy):
    attacker = "203.0.113.66"
    answers = [try_from(attacker, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n in range(1, 6)]
    assert answers[-1].status_code == 429 and "from this device" in text(answers[-1])


def test_rotating_a_forged_header_through_the_proxy_does_not_dodge_it_either(teacher, clock_monday_gmt, behind_proxy):
    # The proxy appends what it saw; whatever the client wrote to the left of it is ignored.
    answers = [try_from(PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.66") for n in range(1, 6)]
    assert answers[-1].status_code == 429


def test_a_forged_header_cannot_aim_a_lockout_at_a_colleagues_address(teacher, clock_monday_gmt, behind_proxy):
    victim = "192.0.2.44"
    for _ in range(lockout.PER_ADDRESS_LIMIT + 2):
        try_from("203.0.113.66", HTTP_X_FORWARDED_FOR=victim)  # straight at the app
        try_from(PROXY, HTTP_X_FORWARDED_FOR=f"{victim}, 203.0.113.67")  # through the proxy
    # The colleague, through the proxy from their own address, signs in.
    assert signed_in(try_from(PROXY, PASSWORD, HTTP_X_FORWARDED_FOR=victim))


def test_without_trusted_proxies_the_header_is_never_believed(teacher, clock_monday_gmt, settings):
    settings.TRUSTED_PROXIES = []
    settings.BEHIND_PROXY = True
    answers = [try_from(PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n in range(1, 6)]
    assert answers[-1].status_code == 429


# --- Reading the address ---------------------------------------------------------------------------

def meta(remote, forwarded=None):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **(
        {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}))
    return request.META


@pytest.mark.parametrize("remote,forwarded,expected", [
    # Not from a trusted proxy: the connecting address, whatever the header says.
    ("203.0.113.66", "192.0.2.1", "203.0.113.66"),
    # From the proxy: the right-most entry that is not one of ours.
    ("10.0.0.1", "192.0.2.1, 203.0.113.7", "203.0.113.7"),
    # Two proxies of ours (a load balancer, then nginx): past both.
    ("10.0.0.1", "192.0.2.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
    # A port, IPv6 in brackets, an IPv4 client seen as IPv6.
    ("10.0.0.1", "203.0.113.7:51234", "203.0.113.7"),
    ("10.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
    ("::ffff:10.0.0.1", "2001:db8::8", "2001:db8::8"),
    # Garbage where the client's address should be: the last hop we can vouch for, never the garbage.
    ("10.0.0.1", "203.0.113.7, not-an-address", "10.0.0.1"),
    ("10.0.0.1", "", "10.0.0.1"),
    ("10.0.0.1", None, "10.0.0.1"),
])
def test_it_reads_the_client_address(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_address(meta(remote, forwarded)) == expected


def test_a_bad_trusted_proxies_entry_is_an_error_and_a_missing_one_a_deploy_warning(settings):
    from accounts.checks import a_proxy_is_named_when_behind_one, trusted_proxies_are_addresses

    settings.TRUSTED_PROXIES = ["10.0.0.1", "proxy.example"]
    assert [e.id for e in trusted_proxies_are_addresses(None)] == ["accounts.E001"]
    settings.TRUSTED_PROXIES, settings.BEHIND_PROXY = [], True
    assert [e.id for e in a_proxy_is_named_when_behind_one(None)] == ["accounts.W001"]
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert a_proxy_is_named_when_behind_one(None) == [] and trusted_proxies_are_addresses(None) == []
    settings.TRUSTED_PROXIES, settings.BEHIND_PROXY = [], True
    assert "accounts.W001" in {m.id for m in checks.run_checks(include_deployment_checks=True)}
