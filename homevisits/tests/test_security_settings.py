"""Production defaults of the security settings, read by a fresh interpreter with nothing set but a
key and a host (the test suite itself relaxes two of them in homevisits/testenv.py)."""

import json
import os
import subprocess
import sys

from django.conf import settings

from accounts import roles

NAMES = ["SESSION_COOKIE_AGE", "SESSION_SAVE_EVERY_REQUEST", "SESSION_ABSOLUTE_SECONDS", "SESSION_COOKIE_SECURE",
         "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
         "TWO_FACTOR_REQUIRED_ROLES", "AXES_FAILURE_LIMIT", "AXES_LOCKOUT_PARAMETERS", "AXES_COOLOFF_TIME",
         "AXES_HANDLER", "TRUSTED_PROXIES", "BEHIND_PROXY"]


def production_settings(names=None, **extra):
    env = {k: v for k, v in os.environ.items() if k not in (
        "HTTPS", "DEBUG", "TWO_FACTOR_REQUIRED_ROLES", "SESSION_IDLE_SECONDS", "DATABASE_URL")}
    env.update({"SECRET_KEY": "p" * 60, "ALLOWED_HOSTS": "visits.school.example", **extra})
    code = (
        "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE']='homevisits.settings'; django.setup();"
        "from django.conf import settings as s;"
        f"print(json.dumps({{n: str(getattr(s, n)) for n in {names or NAMES!r}}}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=str(settings.BASE_DIR), env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_defaults():
    s = production_settings()
    assert s["SESSION_COOKIE_AGE"] == "1800" and s["SESSION_SAVE_EVERY_REQUEST"] == "True"
    assert s["SESSION_ABSOLUTE_SECONDS"] == str(12 * 3600)
    assert s["SESSION_COOKIE_SECURE"] == s["CSRF_COOKIE_SECURE"] == s["SESSION_COOKIE_HTTPONLY"] == "True"
    assert s["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert s["SECURE_SSL_REDIRECT"] == "True" and s["SECURE_HSTS_SECONDS"] == "31536000"
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] == "True"
    assert s["SECURE_REFERRER_POLICY"] == "same-origin" and s["X_FRAME_OPTIONS"] == "DENY"
    assert s["TWO_FACTOR_REQUIRED_ROLES"] == str([roles.HEAD, roles.DSL, roles.OFFICE, roles.SCHOOL_ADMIN])
    # Lockout: per username + address and per username from anywhere (accounts/lockout.py).
    assert s["AXES_LOCKOUT_PARAMETERS"] == str([["username", "ip_address"], "username"])
    assert s["AXES_FAILURE_LIMIT"] == "accounts.lockout.failure_limit"
    assert s["AXES_COOLOFF_TIME"] == "accounts.lockout.cool_off"
    assert s["AXES_HANDLER"] == "accounts.lockout.LockoutHandler"
    # No proxy is believed until one is named.
    assert s["TRUSTED_PROXIES"] == "[]" and s["BEHIND_PROXY"] == "False"


def test_naming_the_proxies_trusts_them_and_their_https_header():
    s = production_settings(TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16")
    assert s["TRUSTED_PROXIES"] == str(["10.0.0.5", "10.1.0.0/16"]) and s["BEHIND_PROXY"] == "True"
