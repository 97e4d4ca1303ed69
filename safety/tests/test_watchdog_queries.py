"""The scan's cost does not grow with the number of visits: the index does the work."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from safety.models import Escalation
from safety.watchdog import scan

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
