"""The record of each sign-in (django-axes' access log: who, from which address and browser, when)
is personal data too: kept SIGN_IN_LOG_DAYS (90) days, then deleted by beat's daily job."""

import datetime

import pytest
from axes.models import AccessLog
from celery.schedules import crontab
from django.conf import settings

from audit import tasks
from homevisits.celery import app
from homevisits.factories import TUESDAY_GMT as NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def test_a_sign_in_is_recorded_and_forgotten_after_90_days(client, people, clock_tuesday_gmt):
    client.post("/accounts/login/", {"username": "teacher", "password": "correct-horse-battery"},
                REMOTE_ADDR="192.0.2.10")
    assert AccessLog.objects.filter(username="teacher", ip_address="192.0.2.10").exists()
    old = AccessLog.objects.create(username="office", ip_address="192.0.2.11", user_agent="Firefox")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=NOW - datetime.timedelta(days=91))
    assert settings.SIGN_IN_LOG_DAYS == 90
    assert "Forgot 1 sign-in records" in tasks.forget_old_sign_ins()
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert AccessLog.objects.filter(username="teacher").exists()


def test_it_runs_daily_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["forget-old-sign-ins"]
    assert entry["task"] == "audit.tasks.forget_old_sign_ins" and isinstance(entry["schedule"], crontab)
    assert entry["schedule"].day_of_week == set(range(7))
    app.loader.import_default_modules()
    assert "audit.tasks.forget_old_sign_ins" in app.tasks
