"""Erasure on request: `manage.py erase_family ID --confirm` anonymises one family and its concerns
now, as retention would; a dry run or a missing --confirm changes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from safety.models import SafeguardingConcern

from .retention_world import SECRET, household, rows_mentioning_secret

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def test_it_erases_one_family_and_its_concerns_whatever_the_dates(school, people):
    family = household(school, people, concern=True, left=(None,))
    other = household(school, people, name="Other", left=(None,))
    out = io.StringIO()
    call_command("erase_family", str(family.pk), "--confirm", stdout=out)
    assert "1 families anonymised" in out.getvalue()
    assert "1 safeguarding concerns anonymised" in out.getvalue()
    family.refresh_from_db()
    assert family.anonymised_at is not None
    assert SafeguardingConcern.objects.get(family=family).details == ""
    assert {model for model, _pk in rows_mentioning_secret()} >= {"Family"}
    other.refresh_from_db()
    assert SECRET in other.display_name
    assert all(pk != family.pk for model, pk in rows_mentioning_secret() if model in ("Family", "HistoricalFamily"))


def test_it_needs_confirm_and_a_dry_run_changes_nothing(school, people):
    family = household(school, people, left=(None,))
    with pytest.raises(CommandError):
        call_command("erase_family", str(family.pk), stdout=io.StringIO())
    out = io.StringIO()
    call_command("erase_family", str(family.pk), "--dry-run", stdout=out)
    assert "Would have: 1 families anonymised" in out.getvalue()
    family.refresh_from_db()
    assert family.anonymised_at is None and SECRET in family.display_name


def test_it_refuses_an_unknown_or_already_erased_family(school, people):
    with pytest.raises(CommandError):
        call_command("erase_family", "999999", "--confirm", stdout=io.StringIO())
    family = household(school, people, left=(None,))
    call_command("erase_family", str(family.pk), "--confirm", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("erase_family", str(family.pk), "--confirm", stdout=io.StringIO())
