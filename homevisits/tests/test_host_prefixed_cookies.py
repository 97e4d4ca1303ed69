"""Under HTTPS the session and CSRF cookies carry the __Host- prefix (Secure, Path=/, no Domain), so
neither a plain-http page nor a sibling subdomain can plant or overwrite them; over plain http (a
laptop's `make run`) they keep their usual names, which a browser would otherwise refuse."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts import roles
from accounts.checks import host_prefixed_cookies_keep_their_conditions
from homevisits.factories import SchoolFactory, make_staff

from .settings_probe import production_settings

PASSWORD = "correct-horse-battery"
NAMES = ["SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SESSION_COOKIE_PATH", "CSRF_COOKIE_PATH", "SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_DOMAIN"]


def test_under_https_the_settings_give_host_prefixed_cookies():
    s = production_settings(NAMES)  # HTTPS is on by default outside DEBUG
    assert s["SESSION_COOKIE_NAME"] == "__Host-sessionid" and s["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert s["SESSION_COOKIE_SECURE"] == s["CSRF_COOKIE_SECURE"] == "True"
    assert s["SESSION_COOKIE_PATH"] == s["CSRF_COOKIE_PATH"] == "/"
    assert s["SESSION_COOKIE_DOMAIN"] == s["CSRF_COOKIE_DOMAIN"] == "None"


def test_over_plain_http_they_keep_their_usual_names():
    s = production_settings(NAMES, HTTPS="false")
    assert s["SESSION_COOKIE_NAME"] == "sessionid" and s["CSRF_COOKIE_NAME"] == "csrftoken"


@pytest.fixture
def https(settings):
    """What settings.py sets with HTTPS on (checked above), in this process."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"


@pytest.mark.django_db
def test_signing_in_over_https_sets_host_prefixed_cookies_the_browser_keeps(https):
    user = make_staff(SchoolFactory(), roles.OFFICE)
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies["__Host-csrftoken"]
    signed_in = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD,
                                                 "csrfmiddlewaretoken": page.context["csrf_token"]},
                            secure=True, HTTP_REFERER="https://testserver/accounts/login/")
    assert signed_in.status_code == 302, signed_in.content[:500]
    session = signed_in.cookies["__Host-sessionid"]
    for morsel in (csrf, session):
        header = morsel.OutputString()
        # The browser's rule for __Host-: Secure, Path=/, and no Domain attribute.
        assert morsel["secure"] is True and morsel["path"] == "/" and not morsel["domain"], header
        assert "Domain=" not in header
    assert "sessionid" not in signed_in.cookies and "csrftoken" not in page.cookies
    # And the prefixed cookie is the one that signs the user in.
    assert client.get("/accounts/", secure=True).status_code == 200


def test_a_host_prefixed_cookie_that_breaks_its_conditions_stops_the_start(https, settings):
    assert host_prefixed_cookies_keep_their_conditions(None) == []
    settings.SESSION_COOKIE_DOMAIN = ".school.example"
    settings.CSRF_COOKIE_SECURE = False
    assert [e.id for e in host_prefixed_cookies_keep_their_conditions(None)] == ["accounts.E002"] * 2


def test_the_deployment_check_stays_clean_with_the_prefix():
    env = {k: v for k, v in os.environ.items() if k not in ("HTTPS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"SECRET_KEY": "ci-Qv7mZp2LxR9tWb4NcH8sJd6YfK3uGe5AoT1iVw0EzXnBqMrPyCl",
                "ALLOWED_HOSTS": "visits.school.example"})
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                         cwd=str(django_settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
