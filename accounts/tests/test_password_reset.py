"""Password reset by email: the same answer, the same work and the same time whether or not the
address is known (the worker looks it up and sends); a link built from SITE_URL (never from the
request's Host) that sets a new password once; throttled per address and per source address."""

import datetime
import re
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import tasks
from accounts.models import AccountChange, AccountChangeKind
from homevisits import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_monday_gmt")]

RESET = "/accounts/password/reset/"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
# The root world's teacher, who forgot their password: their username and address.
USERNAME = factories.PEOPLE["teacher"][1]
EMAIL = f"{USERNAME}@school.example"
LINK = re.compile(r"(\S+/accounts/password/reset/\S+/\S+/)")


def body(response):
    # The CSRF token differs between any two pages; everything else must be the same.
    return re.sub(r'value="[^"]{40,}"', "", response.content.decode())


def path_of(link):
    return link[len(settings.SITE_URL.rstrip("/")):]


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_an_email(client, teacher, run_tasks):
    with run_tasks():
        known = client.post(RESET, {"email": EMAIL})
        unknown = client.post(RESET, {"email": "nobody@school.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    assert body(client.get(known["Location"])) == body(client.get(unknown["Location"]))
    assert "If that address belongs to an account here" in client.get(known["Location"]).content.decode()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    assert mail.outbox[0].subject == "Home Visits: reset your password"


def test_the_request_only_queues_the_same_task_doing_the_same_queries_for_known_and_unknown(
        client, teacher, django_capture_on_commit_callbacks):
    """The page does not look the address up at all (so its timing can't tell whether an account
    exists): it counts the request and queues it; the worker looks it up and sends."""
    queued, queries = {}, {}
    for email in (EMAIL, "nobody@school.example"):
        with mock.patch.object(tasks.password_reset_requested, "apply_async") as send, \
                django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as captured:
            client.post(RESET, {"email": email}, REMOTE_ADDR=f"192.0.2.{len(queued) + 1}")
        queued[email] = [call.args[0] for call in send.call_args_list]
        queries[email] = [q["sql"] for q in captured.captured_queries]
    assert queued == {EMAIL: [(EMAIL,)],
                      "nobody@school.example": [("nobody@school.example",)]}
    assert len(mail.outbox) == 0  # nothing sent by the web request itself
    assert len(queries[EMAIL]) == len(queries["nobody@school.example"])
    assert not any("auth_user" in sql for sql in queries[EMAIL] + queries["nobody@school.example"])


def test_the_link_comes_from_site_url_and_sets_a_new_password_once(client, teacher, run_tasks):
    with run_tasks():
        client.post(RESET, {"email": EMAIL}, HTTP_HOST="localhost")
    link = LINK.search(mail.outbox[0].body).group(1)
    assert link.startswith(settings.SITE_URL.rstrip("/") + "/accounts/password/reset/")

    form_page = client.get(path_of(link), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"
    teacher.refresh_from_db()
    assert teacher.check_password("a-brand-new-passphrase")
    assert AccountChange.objects.filter(account=teacher, kind=AccountChangeKind.PASSWORD_SET).exists()

    again = client.get(path_of(link), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_the_reset_pages_are_reachable_without_signing_in(client):
    assert client.get(RESET).status_code == 200
    assert "Forgotten your password?" in client.get("/accounts/login/").content.decode()


def test_a_new_password_from_the_emailed_link_lifts_a_lockout(client, teacher, run_tasks):
    from axes.models import AccessAttempt

    locked = Client()
    for _ in range(5):
        locked.post("/accounts/login/", {"username": USERNAME, "password": "wrong-password-123"})
    assert AccessAttempt.objects.filter(username=USERNAME).exists()
    with run_tasks():
        client.post(RESET, {"email": EMAIL})
    link = LINK.search(mail.outbox[0].body).group(1)
    form_page = client.get(path_of(link), follow=True)
    client.post(form_page.redirect_chain[-1][0],
                {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"})
    assert not AccessAttempt.objects.filter(username=USERNAME).exists()
    response = locked.post("/accounts/login/", {"username": USERNAME, "password": "a-brand-new-passphrase"})
    assert response.status_code == 302


# --- Throttling ---------------------------------------------------------------------------------

def test_one_address_gets_at_most_three_emails_an_hour_and_the_page_answers_the_same(
        client, teacher, run_tasks, clock_monday_gmt, settings):
    assert settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR == 3
    answers = []
    with run_tasks():
        # From five different places: the address's own limit, not the source's.
        for n in range(5):
            response = client.post(RESET, {"email": EMAIL.capitalize()}, REMOTE_ADDR=f"198.51.100.{n}")
            answers.append((response.status_code, response["Location"]))
    assert answers == [(302, "/accounts/password/reset/sent/")] * 5
    assert len(mail.outbox) == 3

    clock_monday_gmt.shift(datetime.timedelta(minutes=61))
    with run_tasks():
        client.post(RESET, {"email": EMAIL})
    assert len(mail.outbox) == 4


def test_one_source_address_is_told_to_wait_after_twenty_requests_an_hour(client, teacher, run_tasks, clock_monday_gmt,
                                                                           settings):
    assert settings.PASSWORD_RESET_PER_SOURCE_PER_HOUR == 20
    with run_tasks():
        for n in range(20):
            assert client.post(RESET, {"email": f"guess{n}@school.example"}, REMOTE_ADDR="203.0.113.9").status_code == 302
        refused = client.post(RESET, {"email": EMAIL}, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429
    assert "too many reset requests from your network" in refused.content.decode()
    assert mail.outbox == []
    # Somewhere else is not held up by it.
    with run_tasks():
        assert client.post(RESET, {"email": EMAIL}, REMOTE_ADDR="203.0.113.10").status_code == 302
    assert len(mail.outbox) == 1

    clock_monday_gmt.shift(datetime.timedelta(minutes=61))
    with run_tasks():
        assert client.post(RESET, {"email": "x@school.example"}, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_the_throttle_table_holds_no_email_or_ip_address(client, teacher):
    from accounts.models import RateLimitHit

    client.post(RESET, {"email": EMAIL}, REMOTE_ADDR="203.0.113.77")
    stored = " ".join(f"{r.scope} {r.key}" for r in RateLimitHit.objects.all())
    assert RateLimitHit.objects.count() == 2
    assert USERNAME not in stored and "203.0.113.77" not in stored


def test_the_worker_sends_nothing_to_an_inactive_account_or_an_unknown_address(teacher):
    teacher.is_active = False
    teacher.save()
    assert tasks.password_reset_requested.apply(args=(EMAIL,)).get() == 0
    assert tasks.password_reset_requested.apply(args=("nobody@school.example",)).get() == 0
    assert mail.outbox == []


def test_a_broker_that_is_down_loses_the_email_not_the_page(client, teacher, django_capture_on_commit_callbacks, caplog):
    with mock.patch.object(tasks.password_reset_requested, "apply_async", side_effect=ConnectionError("down")), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": EMAIL})
    assert response.status_code == 302
    assert "broker unavailable" in caplog.text
