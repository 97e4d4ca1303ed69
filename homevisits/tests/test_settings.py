"""Settings come from the environment, with safe defaults (a fresh interpreter each time)."""

import json
import os
import subprocess
import sys

from django.conf import settings

BASE = str(settings.BASE_DIR)


def read_settings(env_overrides, *names):
    env = {k: v for k, v in os.environ.items() if k not in (
        "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HTTPS", "EMAIL_URL")}
    env.update(env_overrides)
    code = (
        "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE']='homevisits.settings'; django.setup();"
        "from django.conf import settings as s;"
        f"print(json.dumps({{n: str(getattr(s, n)) for n in {list(names)!r}}}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, timeout=60)
    return out


def test_debug_is_off_and_a_secret_key_is_required_by_default():
    out = read_settings({}, "DEBUG")
    assert out.returncode != 0
    assert "SECRET_KEY is not set" in out.stderr


def test_defaults_are_embedded_sqlite_and_filesystem_broker_in_london_time():
    out = read_settings({"SECRET_KEY": "x" * 50}, "DEBUG", "DATABASES", "CELERY_BROKER_URL", "TIME_ZONE", "USE_TZ",
                        "CELERY_TIMEZONE", "EMAIL_BACKEND", "SECURE_SSL_REDIRECT")
    assert out.returncode == 0, out.stderr
    values = json.loads(out.stdout)
    assert values["DEBUG"] == "False"
    assert "sqlite3" in values["DATABASES"] and "IMMEDIATE" in values["DATABASES"] and "WAL" in values["DATABASES"]
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert values["TIME_ZONE"] == "Europe/London"
    assert values["USE_TZ"] == "True"
    assert values["CELERY_TIMEZONE"] == "UTC"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["SECURE_SSL_REDIRECT"] == "True"


def test_environment_overrides_database_broker_hosts_and_debug():
    out = read_settings(
        {"DEBUG": "true", "DATABASE_URL": "postgres://u:p@db.example:5432/hv", "CELERY_BROKER_URL": "redis://r:6379/1",
         "ALLOWED_HOSTS": "visits.school.example,other.example"},
        "DEBUG", "DATABASES", "CELERY_BROKER_URL", "ALLOWED_HOSTS", "SECRET_KEY",
    )
    assert out.returncode == 0, out.stderr
    values = json.loads(out.stdout)
    assert values["DEBUG"] == "True"
    assert "postgresql" in values["DATABASES"] and "db.example" in values["DATABASES"]
    assert values["CELERY_BROKER_URL"] == "redis://r:6379/1"
    assert "visits.school.example" in values["ALLOWED_HOSTS"]


def test_a_bad_database_url_gives_one_clear_line():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"SECRET_KEY": "x" * 50, "DATABASE_URL": "nonsense://what"})
    out = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert "DATABASE_URL" in out.stderr and "Traceback" not in out.stderr


def test_an_unreachable_database_or_broker_is_named_by_preflight():
    env = {k: v for k, v in os.environ.items()}
    env.update({"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing"})
    out = subprocess.run([sys.executable, "manage.py", "preflight"], cwd=BASE, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode != 0
    assert "The database is not reachable" in out.stderr and "DATABASE_URL" in out.stderr
    assert "Traceback" not in out.stderr

    env.pop("DATABASE_URL")
    env["CELERY_BROKER_URL"] = "redis://:secretpw@127.0.0.1:1/0"
    out = subprocess.run([sys.executable, "manage.py", "preflight"], cwd=BASE, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode != 0
    assert "The Celery broker is not reachable" in out.stderr and "CELERY_BROKER_URL" in out.stderr
    assert "secretpw" not in out.stderr and "Traceback" not in out.stderr


def test_check_deploy_passes_with_production_like_environment():
    env = {k: v for k, v in os.environ.items() if k not in ("HTTPS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"SECRET_KEY": "k" * 30 + "Zq8#pL2@vX9!mN4$" + "r" * 20, "ALLOWED_HOSTS": "visits.school.example"})
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=BASE,
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_key_make_run_keeps_is_used_when_none_is_set(tmp_path):
    (tmp_path / "secret_key").write_text("kept-by-make-run-" + "k" * 40 + "\n")
    out = read_settings({"HOMEVISITS_VAR_DIR": str(tmp_path)}, "SECRET_KEY")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["SECRET_KEY"] == "kept-by-make-run-" + "k" * 40


def test_links_in_notifications_follow_the_port_the_app_is_served_on():
    """`make run` serves on WEB_PORT: without SITE_URL, links in notifications say the same port."""
    out = read_settings({"SECRET_KEY": "x" * 50, "WEB_PORT": "8101"}, "SITE_URL")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["SITE_URL"] == "http://127.0.0.1:8101"

    out = read_settings({"SECRET_KEY": "x" * 50, "WEB_HOST": "0.0.0.0", "WEB_PORT": "8102"}, "SITE_URL")
    assert json.loads(out.stdout)["SITE_URL"] == "http://127.0.0.1:8102"  # all interfaces: this machine

    out = read_settings({"SECRET_KEY": "x" * 50}, "SITE_URL")
    assert json.loads(out.stdout)["SITE_URL"] == "http://127.0.0.1:8000"


def test_site_url_wins_over_the_port():
    out = read_settings({"SECRET_KEY": "x" * 50, "WEB_PORT": "8101", "SITE_URL": "https://visits.school.example"},
                        "SITE_URL")
    assert json.loads(out.stdout)["SITE_URL"] == "https://visits.school.example"
