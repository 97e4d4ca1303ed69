"""`manage.py apply_retention --dry-run` reports exactly what a real run would do, and changes nothing."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from audit import retention
from homevisits.factories import TUESDAY_GMT as NOW

from .retention_world import household

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def snapshot():
    """Every row of every model of ours, current and historical."""
    return {model._meta.label: sorted(map(repr, model._base_manager.values_list()))
            for model in apps.get_models()
            if model._meta.app_label in ("accounts", "notifications", "visits", "safety", "audit")}


def test_it_changes_nothing_on_a_dry_run(school, people):
    household(school, people)
    household(school, people, name="Held", concern=True)
    before = snapshot()
    report = retention.apply(NOW, dry_run=True)
    assert report.counts["families"] == 1
    assert snapshot() == before


def test_it_reports_the_same_counts_as_the_real_run(school, people):
    household(school, people)
    dry = retention.apply(NOW, dry_run=True)
    real = retention.apply(NOW)
    assert dry.counts == real.counts
    assert dry.family_ids == real.family_ids


def test_the_command_prints_the_counts_per_kind(school, people):
    household(school, people)
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", "--now", "2026-11-24T09:00", stdout=out)
    text = out.getvalue()
    assert "dry run (nothing changed)" in text
    assert "Would have: 1 families anonymised" in text
    assert "Would have: 1 carers deleted" in text
    out = io.StringIO()
    call_command("apply_retention", "--now", "2026-11-24T09:00", stdout=out)
    assert "Retention applied" in out.getvalue()
    assert "  1 families anonymised" in out.getvalue()
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "  0 families anonymised" in out.getvalue()
