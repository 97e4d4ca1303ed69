"""Loaded by pytest as an early plugin (pytest.ini: -p homevisits.testenv), before Django starts:
tests run with DEBUG off as production does, so they need a key, and no HTTPS redirect."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("EMAIL_URL", "memorymail://")
# Two-factor sign-in is switched on per test (accounts/tests/test_two_factor*.py) with the settings
# fixture; the rest of the suite signs users in with force_login and no second factor.
os.environ.setdefault("TWO_FACTOR_REQUIRED_ROLES", "")
# Likewise the 30-minute idle limit (the 12-hour one stays): tests that move the clock through a
# visit would otherwise be signed out between two steps. homevisits/tests/test_sessions.py sets it back.
os.environ.setdefault("SESSION_IDLE_SECONDS", str(12 * 60 * 60))
os.environ.setdefault("SMS_BACKEND", "notifications.sms.LocmemSmsBackend")
# Playwright's sync API runs an event loop in the test thread; ORM calls in browser tests are
# ordinary synchronous test code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests render templates without running collectstatic first.
os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
# Tests keep their database file and broker folder apart from a running `make run`.
os.environ.setdefault("HOMEVISITS_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
