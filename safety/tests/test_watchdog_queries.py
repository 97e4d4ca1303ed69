"""The scan's cost does not grow with the number of visits: the index does the work."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safety.models import Escalation
from safety.watchdog import scan

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)


def queries_for_scan(now):
    with CaptureQueriesContext(connection) as ctx:
        scan(now)
    return len(ctx.captured_queries)


def test_an_idle_scan_costs_the_same_for_1_or_30_visits_out(out_visit):
    out_visit(start=START)
    scan(START)  # the heartbeat row exists from here on
    one = queries_for_scan(START + datetime.timedelta(minutes=5))
    for i in range(29):
        out_visit(start=START + datetime.timedelta(seconds=i + 1))
    assert queries_for_scan(START + datetime.timedelta(minutes=6)) == one


def test_an_escalating_scan_costs_the_same_for_1_or_20_due_visits(out_visit):
    scan(START)
    out_visit(start=START)
    due_time = START + datetime.timedelta(minutes=90 + 16)
    one = queries_for_scan(due_time)
    assert Escalation.objects.count() == 1
    for i in range(20):
        out_visit(start=START + datetime.timedelta(seconds=i + 1))
    assert queries_for_scan(due_time + datetime.timedelta(seconds=30)) == one
    assert Escalation.objects.count() == 21
