"""The settings a fresh interpreter reads with nothing set but a key and a host: production's defaults
(the test suite itself relaxes some in homevisits/testenv.py)."""

import json
import os
import subprocess
import sys

from django.conf import settings

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
