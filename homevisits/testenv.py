"""Loaded by pytest as an early plugin (pytest.ini: -p homevisits.testenv), before Django starts:
tests run with DEBUG off as production does, so they need a key, and no HTTPS redirect."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("EMAIL_URL", "memorymail://")
os.environ.setdefault("SMS_BACKEND", "safety.sms.LocmemSmsBackend")
# Playwright's sync API runs an event loop in the test thread; ORM calls in browser tests are
# ordinary synchronous test code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests render templates without running collectstatic first.
os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
# Tests keep their database file and broker folder apart from a running `make run`.
os.environ.setdefault("HOMEVISITS_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
