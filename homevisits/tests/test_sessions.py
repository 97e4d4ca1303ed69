"""Sessions: 30 minutes idle, 12 hours at most, a new id at sign-in, other sessions ended by a
password change, and a form sent after the session ended is not lost silently."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts import roles
from homevisits.factories import VisitFactory, make_staff
from homevisits.middleware import ABSOLUTE_LIMIT_MESSAGE, NOT_SAVED_MESSAGE
from visits.models import VisitState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_idle_limit")]

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
PAGE = "/accounts/"  # any page that needs a login
FORM_PAGE = "/accounts/password/change/"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def real_idle_limit(settings):
    # The general suite runs with a long idle limit (homevisits/testenv.py); here the real one.
    settings.SESSION_COOKIE_AGE = 30 * 60


def minutes(n):
    return datetime.timedelta(minutes=n)


def signed_in(client):
    return client.get(PAGE).status_code == 200


def test_30_idle_minutes_end_the_session_but_activity_keeps_it(client, office, clock_monday_8am_gmt):
    client.force_login(office)
    clock_monday_8am_gmt.shift(minutes(29))
    assert signed_in(client)
    clock_monday_8am_gmt.shift(minutes(29))  # 58 minutes after signing in, 29 after the last page
    assert signed_in(client)
    clock_monday_8am_gmt.shift(minutes(31))
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/accounts/"


def test_12_hours_after_signing_in_the_user_is_signed_out_however_busy(client, office, clock_monday_8am_gmt):
    client.force_login(office)
    for _ in range(35):  # a page every 20 minutes: never idle
        clock_monday_8am_gmt.shift(minutes(20))
        assert signed_in(client)
    clock_monday_8am_gmt.shift(minutes(20) + datetime.timedelta(seconds=1))  # 12 h 0 min 1 s
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    login_page = client.get(response["Location"])
    assert ABSOLUTE_LIMIT_MESSAGE in login_page.content.decode()
    assert not signed_in(client)


def test_staff_out_on_a_visit_are_not_signed_out_while_idle_until_they_are_back(client, school, clock_monday_8am_gmt):
    teacher = make_staff(school, roles.VISITING_STAFF)
    visit = VisitFactory(school=school, lead=teacher, staff=[teacher, make_staff(school)],
                         state=VisitState.DEPARTED)
    client.force_login(teacher)
    assert signed_in(client)
    clock_monday_8am_gmt.shift(minutes(100))  # a long visit without touching the phone
    assert signed_in(client)

    visit.state = VisitState.RETURNED
    visit.save(update_fields=["state"])
    assert signed_in(client)  # the visit is over: the idle limit applies again
    clock_monday_8am_gmt.shift(minutes(31))
    assert not signed_in(client)


@pytest.mark.parametrize("role", [roles.DSL, roles.OFFICE, roles.HEAD])
def test_whoever_is_out_on_a_visit_stays_signed_in_whatever_their_role(client, school, clock_monday_8am_gmt, role):
    """A DSL, head or office member on a visit must not meet a password and a code on a doorstep;
    once they themselves are back, the idle limit applies again, even while a colleague is out."""
    from safety.watchdog import check_in
    from visits.models import EventKind

    person, colleague = make_staff(school, role), make_staff(school)
    visit = VisitFactory(school=school, lead=colleague, staff=[colleague, person], state=VisitState.APPROVED,
                         planned_start=START, expected_return=START + minutes(120))
    check_in(visit, EventKind.DEPARTED, colleague, now=START)
    client.force_login(person)
    assert signed_in(client)
    clock_monday_8am_gmt.shift(minutes(100))  # a long visit without touching the phone
    assert signed_in(client)

    check_in(visit, EventKind.RETURNED, person, now=START + minutes(100))  # back; the colleague is still out
    assert signed_in(client)
    clock_monday_8am_gmt.shift(minutes(31))
    assert not signed_in(client)


def test_signing_in_gives_a_new_session_id(client, office):
    session = client.session
    session["before"] = "sign-in"
    session.save()
    before = client.cookies["sessionid"].value
    response = client.post("/accounts/login/", {"username": office.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before
    assert signed_in(client)


def test_changing_the_password_ends_the_users_other_sessions_and_keeps_this_one(office):
    here, elsewhere, other_user = Client(), Client(), Client()
    here.force_login(office)
    elsewhere.force_login(office)
    other_user.force_login(make_staff(office.profile.school, roles.OFFICE))
    response = here.post(FORM_PAGE, {"old_password": PASSWORD, "new_password1": "a-new-long-passphrase",
                                     "new_password2": "a-new-long-passphrase"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/change/done/"
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert signed_in(other_user)


def test_a_form_sent_after_the_session_ended_goes_to_sign_in_and_back_to_the_page_it_was_on(
        client, office, clock_monday_8am_gmt):
    client.force_login(office)
    assert client.get(FORM_PAGE).status_code == 200
    clock_monday_8am_gmt.shift(minutes(45))
    response = client.post(FORM_PAGE, {"old_password": PASSWORD, "new_password1": "x" * 14},
                           HTTP_REFERER="http://testserver/accounts/password/change/?from=account")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/change/%3Ffrom%3Daccount"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOT_SAVED_MESSAGE]
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out, so what you just sent was not saved. Please sign in and enter it again." in page

    # Signing in again goes back to the page the form was on.
    again = client.post("/accounts/login/", {"username": office.username, "password": PASSWORD,
                                             "next": "/accounts/password/change/?from=account"})
    assert again["Location"] == "/accounts/password/change/?from=account"


def test_a_form_from_another_site_is_sent_home_after_sign_in(client):
    response = client.post(FORM_PAGE, {}, HTTP_REFERER="https://evil.example/accounts/password/change/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"


def test_an_htmx_request_after_the_session_ended_moves_the_whole_page(client):
    response = client.post(FORM_PAGE, {}, HTTP_HX_REQUEST="true",
                           HTTP_HX_CURRENT_URL="http://testserver/visits/new/")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=/visits/new/"


def test_session_cookie_is_httponly_and_samesite_and_secure_under_https(client, office, settings):
    settings.SESSION_COOKIE_SECURE = True
    client.post("/accounts/login/", {"username": office.username, "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True
    assert int(cookie["max-age"]) == 30 * 60


def test_a_form_with_an_out_of_date_security_token_says_it_was_not_saved(office):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    client.get(FORM_PAGE)
    response = client.post(FORM_PAGE, {"csrfmiddlewaretoken": "x" * 64, "old_password": PASSWORD},
                           HTTP_REFERER="http://testserver/accounts/password/change/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "What you sent was not saved" in page and 'href="/accounts/password/change/"' in page
    assert '<html lang="en-GB">' in page
