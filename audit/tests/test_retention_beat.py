"""Celery beat runs the retention weekly, through the same function as the command."""

import pytest
from celery.schedules import crontab
from django.conf import settings

from audit import tasks
from homevisits.celery import app
from homevisits.factories import TUESDAY_GMT as NOW

from .retention_world import household

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def test_it_is_on_the_beat_schedule_weekly():
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "audit.tasks.apply_retention"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == {0}  # Sunday
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1


def test_the_task_is_registered_under_that_name():
    app.loader.import_default_modules()
    assert "audit.tasks.apply_retention" in app.tasks


def test_the_task_applies_retention(school, people):
    family = household(school, people)
    summary = tasks.apply_retention()
    assert "1 families anonymised" in summary
    family.refresh_from_db()
    assert family.anonymised_at == NOW
