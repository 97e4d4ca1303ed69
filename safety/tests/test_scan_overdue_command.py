"""`manage.py scan_overdue`: one watchdog scan, and what it did (R-LATE-15, R-RETURN-30)."""

import io

import pytest
from django.core.management import CommandError, call_command

from safety.models import Escalation
from safety.watchdog import check_in
from visits.models import EventKind

from .pages import at

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("scan_overdue", *args, stdout=out)
    return out.getvalue()


def test_it_says_when_nothing_is_due(world, clock):
    assert "nothing due" in run()


def test_it_escalates_and_prints_what_it_did(world, clock):
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    # Due 11:15 London time: +15 minutes is 11:30 BST = 10:30 UTC.
    output = run("--now", "2026-06-10T10:30:00+00:00")
    assert "Scan at 2026-06-10 11:30:00 BST" in output
    assert f"1 escalated (visit {visit.pk} level 1)" in output
    assert "escalated" not in run("--now", "2026-06-10T10:31:00Z")  # a second scan escalates nothing more
    assert Escalation.objects.filter(visit=visit).count() == 1


def test_a_time_without_an_offset_is_london_time(world, clock):
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    assert "nothing due" in run("--now", "2026-06-10T11:29:00")
    assert f"visit {visit.pk} level 1" in run("--now", "2026-06-10T11:30:00")


def test_it_runs_at_the_current_time_without_now(world, clock):
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    clock.move_to(at(11, 45))
    output = run()
    assert "Scan at 2026-06-10 11:45:00 BST" in output and f"visit {visit.pk} level 1" in output


def test_a_bad_time_is_refused_clearly(world):
    with pytest.raises(CommandError, match="ISO-8601"):
        run("--now", "half past ten")
