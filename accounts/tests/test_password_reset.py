"""Password reset by email: the same answer whether or not the address is known; a link built
from SITE_URL (never from the request's Host) that sets a new password once."""

import re

import pytest
from django.conf import settings
from django.core import mail

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"


@pytest.fixture
def user():
    user = make_staff(SchoolFactory(), roles.VISITING_STAFF, username="tom")
    user.email = "tom.baker@school.example"
    user.save()
    return user


def body(response):
    # The CSRF token differs between any two pages; everything else must be the same.
    return re.sub(r'value="[^"]{40,}"', "", response.content.decode())


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_an_email(client, user):
    known = client.post(RESET, {"email": "tom.baker@school.example"})
    unknown = client.post(RESET, {"email": "nobody@school.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    assert body(client.get(known["Location"])) == body(client.get(unknown["Location"]))
    assert "If that address belongs to an account here" in client.get(known["Location"]).content.decode()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["tom.baker@school.example"]
    assert mail.outbox[0].subject == "Home Visits: reset your password"


def test_the_link_comes_from_site_url_and_sets_a_new_password_once(client, user):
    client.post(RESET, {"email": "tom.baker@school.example"}, HTTP_HOST="localhost")
    link = re.search(r"(\S+/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    assert link.startswith(settings.SITE_URL.rstrip("/") + "/accounts/password/reset/")
    path = link[len(settings.SITE_URL.rstrip("/")):]

    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")

    again = client.get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_the_reset_pages_are_reachable_without_signing_in(client):
    assert client.get(RESET).status_code == 200
    assert "Forgotten your password?" in client.get("/accounts/login/").content.decode()


def test_a_new_password_from_the_emailed_link_lifts_a_lockout(client, user):
    from axes.models import AccessAttempt
    from django.test import Client

    locked = Client()
    for _ in range(5):
        locked.post("/accounts/login/", {"username": "tom", "password": "wrong-password-123"})
    assert AccessAttempt.objects.filter(username="tom").exists()
    client.post(RESET, {"email": "tom.baker@school.example"})
    link = re.search(r"(\S+/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link[len(settings.SITE_URL.rstrip("/")):], follow=True)
    client.post(form_page.redirect_chain[-1][0],
                {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"})
    assert not AccessAttempt.objects.filter(username="tom").exists()
    response = locked.post("/accounts/login/", {"username": "tom", "password": "a-brand-new-passphrase"})
    assert response.status_code == 302
