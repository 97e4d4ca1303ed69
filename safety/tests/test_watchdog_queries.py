"""The scan's cost does not grow with the number of visits: the index does the work, an idle tick is
one round trip and the heartbeat, and a batch of due visits a constant number of statements."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from safety import watchdog
from safety.health import SCAN_HEARTBEAT
from safety.models import Escalation, Heartbeat
from safety.watchdog import scan
from visits.models import Visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_broker_takes_everything")]

START = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def _broker_takes_everything():
    """Notifications are handed to a (mock) broker after each commit, as in production, so that
    none is left to be handed over again by a later scan of these measurements."""
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


def queries_for_scan(now):
    """The queries of one real-time scan at `now` (the after-commit hand-overs run afterwards)."""
    with time_machine.travel(now, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        with CaptureQueriesContext(connection) as ctx:
            scan(now)
    return len(ctx.captured_queries)


def test_an_idle_scan_costs_the_same_for_1_or_30_visits_out(out_visit):
    out_visit(start=START)
    queries_for_scan(START)  # the heartbeat row exists from here on
    one = queries_for_scan(START + datetime.timedelta(minutes=5))
    for i in range(29):
        out_visit(start=START + datetime.timedelta(seconds=i + 1))
    assert queries_for_scan(START + datetime.timedelta(minutes=6)) == one


def test_an_idle_scan_is_one_round_trip_and_the_heartbeat(out_visit):
    """Issue 17: with nothing due, a tick asks once whether any part of the scan has work (due
    visits, messages to hand over or move on, alerts that reached nobody) and stamps its heartbeat."""
    queries_for_scan(START)  # the heartbeat row exists from here on
    assert queries_for_scan(START + datetime.timedelta(minutes=1)) <= 3
    for i in range(30):
        out_visit(start=START + datetime.timedelta(seconds=i))
    assert queries_for_scan(START + datetime.timedelta(minutes=5)) <= 3


def test_an_idle_scan_still_stamps_the_heartbeat(out_visit):
    out_visit(start=START)
    queries_for_scan(START)
    queries_for_scan(START + datetime.timedelta(minutes=5))
    assert Heartbeat.objects.get(name=SCAN_HEARTBEAT).last_seen == START + datetime.timedelta(minutes=5)


def test_an_escalating_scan_costs_the_same_for_1_or_20_due_visits(out_visit):
    queries_for_scan(START)
    out_visit(start=START)
    due_time = START + datetime.timedelta(minutes=90 + 16)
    one = queries_for_scan(due_time)
    assert Escalation.objects.count() == 1
    for i in range(20):
        out_visit(start=START + datetime.timedelta(seconds=i + 1))
    assert queries_for_scan(due_time + datetime.timedelta(seconds=30)) == one
    assert Escalation.objects.count() == 21


def test_a_scan_that_was_down_catches_up_in_one_tick_without_an_empty_batch(out_visit):
    """Level 1 and level 2 both past (R-LATE-15, R-RETURN-30): one tick raises the visit to level 2,
    as before, in the same number of queries for 1 or 10 such visits."""
    queries_for_scan(START)
    out_visit(start=START)
    late = START + datetime.timedelta(minutes=90 + 31)
    one = queries_for_scan(late)
    assert list(Escalation.objects.order_by("level").values_list("level", "resolved_at")) == [(1, late), (2, None)]
    for i in range(10):
        out_visit(start=START + datetime.timedelta(seconds=i + 1))
    assert queries_for_scan(late + datetime.timedelta(seconds=30)) == one
    assert Escalation.objects.filter(level=2, resolved_at__isnull=True).count() == 11


def test_the_idle_query_built_once_is_the_one_the_orm_builds_at_every_now():
    """The idle tick's four EXISTS are built by the ORM once per process (building them cost more
    than running them); at any `now` the text and parameters are those the ORM would build then."""
    using = Visit.objects.db
    for now in (START, START + datetime.timedelta(days=200, seconds=7),
                datetime.datetime(2027, 3, 28, 1, 30, tzinfo=datetime.UTC)):
        assert watchdog._waiting_sql(now, using) == watchdog._compiled_waiting(now, using)
    assert [plan for plan in watchdog._WAITING_PLANS.values() if plan is None] == []
