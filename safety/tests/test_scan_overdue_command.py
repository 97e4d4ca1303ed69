"""`manage.py scan_overdue`: one watchdog scan, and what it did (R-LATE-15, R-RETURN-30).

A drill at a later time never acts on live data: it needs --dry-run, which writes nothing and
notifies nobody; and no scan at another time than the real one stamps the heartbeat."""

import io
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from notifications.models import Notification
from safety.management.commands.scan_overdue import Command
from safety.models import Escalation, Heartbeat
from safety.watchdog import check_in, scan
from visits.models import EventKind, Visit, VisitEvent

from .pages import at

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("scan_overdue", *args, stdout=out)
    return out.getvalue()


def signed_out(world):
    visit = world.visit()  # 10:00 to 11:15 London time
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    return visit


def test_it_says_when_nothing_is_due(world, clock_june_bst):
    assert "nothing due" in run()


def test_it_escalates_and_prints_what_it_did(world, clock_june_bst):
    visit = signed_out(world)
    clock_june_bst.move_to(at(11, 40))
    # Due 11:15 London time: +15 minutes is 11:30 BST = 10:30 UTC (earlier than now: allowed).
    output = run("--now", "2026-06-10T10:30:00+00:00")
    assert "Scan at 2026-06-10 11:30:00 BST" in output
    assert f"1 escalated (visit {visit.pk} level 1)" in output
    assert "escalated" not in run("--now", "2026-06-10T10:31:00Z")  # a second scan escalates nothing more
    assert Escalation.objects.filter(visit=visit).count() == 1


def test_a_time_without_an_offset_is_london_time(world, clock_june_bst):
    visit = signed_out(world)
    clock_june_bst.move_to(at(11, 40))
    assert "nothing due" in run("--now", "2026-06-10T11:29:00")
    assert f"visit {visit.pk} level 1" in run("--now", "2026-06-10T11:30:00")


def test_it_runs_at_the_current_time_without_now(world, clock_june_bst):
    visit = signed_out(world)
    clock_june_bst.move_to(at(11, 45))
    output = run()
    assert "Scan at 2026-06-10 11:45:00 BST" in output and f"visit {visit.pk} level 1" in output


def test_a_bad_time_is_refused_clearly(world):
    with pytest.raises(CommandError, match="ISO-8601"):
        run("--now", "half past ten")


def _everything(visit):
    return (Escalation.objects.count(), Notification.objects.count(), VisitEvent.objects.count(),
            Visit.objects.filter(pk=visit.pk).values_list("next_check_at", "escalation_level").get(),
            list(Heartbeat.objects.values_list("last_seen", flat=True)))


def test_a_time_later_than_now_is_refused_without_dry_run(world, clock_june_bst):
    """The drill that escalated visits not yet due and texted the office and head."""
    visit = signed_out(world)
    before = _everything(visit)
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as handed_over, \
            pytest.raises(CommandError, match="later than the current time") as refused:
        run("--now", "2026-06-10T12:45")
    assert "--dry-run" in str(refused.value)
    assert _everything(visit) == before
    assert not handed_over.called and mail.outbox == []


def test_a_dry_run_prints_what_would_happen_and_changes_nothing(world, clock_june_bst):
    visit = signed_out(world)
    run()  # a real scan at 10:02: the heartbeat
    before = _everything(visit)
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as handed_over:
        output = run("--now", "2026-06-10T12:45", "--dry-run")
    assert "Dry run at 2026-06-10 12:45:00 BST (nothing written, nobody notified)" in output
    assert f"1 would be escalated (visit {visit.pk} level 1)" in output
    office = world.office.get_full_name()
    assert f"would alert visit {visit.pk} level 1: {office} (SMS, then email)" in output
    assert world.head.get_full_name() not in output  # level 1 is the office's alone
    assert _everything(visit) == before
    assert not handed_over.called and mail.outbox == []


def test_a_dry_run_shows_a_repeat_and_who_hears_it(world, clock_june_bst):
    visit = signed_out(world)
    clock_june_bst.move_to(at(11, 50))
    scan(at(11, 30))
    scan(at(11, 45))  # level 2 now, due to repeat at 11:55
    output = run("--now", "2026-06-10T12:00", "--dry-run")
    assert "1 alert(s) would be repeated" in output
    assert world.head.get_full_name() in output
    assert Escalation.objects.get(visit=visit, level=2).alert_count == 1


def test_a_drill_never_stamps_the_heartbeat(world, clock_june_bst, client):
    """A scan two hours ahead made /health/ 200 and removed the red banner while beat was stopped;
    one in the past made the heartbeat look older than it was."""
    signed_out(world)
    run()  # the last real scan, at 10:02; then beat stops
    clock_june_bst.move_to(at(10, 10))
    run("--now", "2026-06-10T12:10", "--dry-run")
    scan(at(12, 10))  # a drill calling the scan itself, at a time ahead
    scan(at(9, 0))  # and one in the past
    assert list(Heartbeat.objects.values_list("last_seen", flat=True)) == [at(10, 2)]
    assert client.get("/health/").status_code == 503
    client.force_login(world.office)
    assert 'data-testid="monitoring-banner"' in client.get("/out/live/").content.decode()


def test_a_real_time_scan_stamps_the_heartbeat(world, clock_june_bst, client):  # the control for the test above
    clock_june_bst.move_to(at(10, 10))
    run()
    assert list(Heartbeat.objects.values_list("last_seen", flat=True)) == [at(10, 10)]


@pytest.mark.parametrize(("value", "why"), [("2026-10-25T01:30", "happens twice"),
                                            ("2026-03-29T01:30", "does not exist")])
def test_a_local_time_the_clock_change_skips_or_repeats_needs_an_offset(value, why):
    with pytest.raises(CommandError, match=why) as refused:
        run("--now", value, "--dry-run")
    assert "give an offset" in str(refused.value)


def test_help_says_a_later_time_needs_a_dry_run():
    text = Command().create_parser("manage.py", "scan_overdue").format_help()
    assert "--dry-run" in text and "later than now" in " ".join(text.split())
