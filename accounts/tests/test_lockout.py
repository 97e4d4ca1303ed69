"""Lockout (django-axes): 5 failed sign-ins for one username from one IP address, then 15 minutes
off with a page that says so; admins can unlock."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.management import call_command

from accounts import roles
from homevisits import factories
from homevisits.factories import make_staff

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
USERNAME = factories.PEOPLE["teacher"][1]  # the root world's teacher, who is locked out


def sign_in(client, password, username=USERNAME, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client):
    return "_auth_user_id" in client.session


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def fail_five_times(client):
    responses = [sign_in(client, "wrong-password-123") for _ in range(5)]
    for response in responses[:4]:
        assert response.status_code == 200 and "Please enter a correct username and password" in text(response)
    return responses[4]


def test_the_fifth_wrong_password_locks_the_username_on_that_address_with_a_clear_page(client, teacher, clock_monday_gmt):
    locked = fail_five_times(client)
    assert locked.status_code == 429
    page = text(locked)
    assert "Signing in is paused for 15 minutes" in page
    assert "Try again after 09:15 (in 15 minutes)" in page  # London time = UTC in March
    assert "ask your school admin: they can unlock your account" in page
    assert '<html lang="en-GB">' in page  # the site's own page, not a bare error

    # Even the right password is refused now.
    again = sign_in(client, PASSWORD)
    assert again.status_code == 429 and not signed_in(client)


def test_the_lock_is_per_username_and_address(client, teacher, clock_monday_gmt):
    fail_five_times(client)
    other_address = sign_in(client, PASSWORD, ip="198.51.100.20")
    assert other_address.status_code == 302 and signed_in(client)


def test_four_failures_do_not_lock(client, teacher, clock_monday_gmt):
    for _ in range(4):
        sign_in(client, "wrong-password-123")
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_the_lock_lifts_after_15_minutes_and_each_try_restarts_it(client, teacher, clock_monday_gmt):
    fail_five_times(client)
    clock_monday_gmt.shift(datetime.timedelta(minutes=10))
    assert sign_in(client, PASSWORD).status_code == 429  # restarts the 15 minutes
    clock_monday_gmt.shift(datetime.timedelta(minutes=14))
    assert sign_in(client, PASSWORD, ip="203.0.113.7").status_code == 429
    clock_monday_gmt.shift(datetime.timedelta(minutes=16))
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_an_admin_unlocks_with_axes_reset(client, teacher, clock_monday_gmt):
    fail_five_times(client)
    assert AccessAttempt.objects.filter(username=USERNAME).exists()
    call_command("axes_reset_username", USERNAME)
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_an_admin_can_see_and_delete_lockouts_in_the_admin(admin_client, teacher, clock_monday_gmt):
    assert AccessAttempt in admin.site._registry
    from django.test import Client

    fail_five_times(Client())
    attempt = AccessAttempt.objects.get(username=USERNAME)
    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and USERNAME in text(page)
    # Deleting the attempt in the admin is the unlock.
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=USERNAME).exists()
    assert sign_in(Client(), PASSWORD).status_code == 302


def test_the_password_is_not_stored_with_the_failed_attempt(client, teacher, clock_monday_gmt):
    sign_in(client, "my-secret-guess-xyz")
    attempt = AccessAttempt.objects.get(username=USERNAME)
    assert "my-secret-guess-xyz" not in attempt.post_data


def test_behind_a_proxy_the_lock_counts_the_address_the_proxy_saw(client, teacher, clock_monday_gmt, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]

    def via_proxy(password, client_address, spoofed="10.9.9.9"):
        return client.post(LOGIN, {"username": USERNAME, "password": password}, REMOTE_ADDR="10.0.0.1",
                           HTTP_X_FORWARDED_FOR=f"{spoofed}, {client_address}")

    for n in range(5):
        # A client that writes its own X-Forwarded-For entry can't dodge the count.
        via_proxy("wrong-password-123", "203.0.113.7", spoofed=f"10.9.9.{n}")
    assert via_proxy(PASSWORD, "203.0.113.7").status_code == 429
    # Someone else behind the same proxy is not locked out with them.
    assert via_proxy(PASSWORD, "198.51.100.20").status_code == 302


def test_a_school_admin_unlocks_their_own_staff_from_the_staff_list(client, teacher, school_admin, other_school,
                                                                  clock_monday_gmt):
    from django.test import Client

    fail_five_times(Client())
    school_admin.is_staff = True
    school_admin.save()
    other_school_user = make_staff(other_school, roles.VISITING_STAFF, username="olga")
    for _ in range(5):
        sign_in(Client(), "wrong-password-123", username="olga")
    client.force_login(school_admin)
    response = client.post("/admin/auth/user/", {"action": "unlock_sign_in",
                                                 "_selected_action": [teacher.pk, other_school_user.pk]})
    assert response.status_code == 302
    assert sign_in(Client(), PASSWORD).status_code == 302
    # Another school's user is outside the admin's list, so stays locked.
    assert AccessAttempt.objects.filter(username="olga").exists()
