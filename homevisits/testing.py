"""Shared test helpers: which real servers are configured, and the REQUIRE_SERVICES rule."""

import os

import pytest
from django.conf import settings
from django.db import connection


def require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") in ("1", "true", "yes")


def need(available: bool, what: str) -> None:
    """Skip with a visible reason when a real server is not configured, or fail under REQUIRE_SERVICES=1."""
    if available:
        return
    message = f"{what} is not configured for this run"
    if require_services():
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
    pytest.skip(message)


def require_pdf() -> bool:
    """REQUIRE_PDF=1 (set by CI, which installs WeasyPrint's system libraries): the server PDF must be
    made, not just the note saying why it can't be."""
    return os.environ.get("REQUIRE_PDF", "") in ("1", "true", "yes")


def postgres_configured() -> bool:
    return connection.vendor == "postgresql"


def redis_configured() -> bool:
    return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def need_postgres():
    need(postgres_configured(), "PostgreSQL (DATABASE_URL=postgres://...)")


def need_redis():
    need(redis_configured(), "Redis (CELERY_BROKER_URL=redis://...)")


def need_chromium():
    need(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
