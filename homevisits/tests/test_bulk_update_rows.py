"""homevisits.bulk.update_rows: each row gets its own values, in one statement on PostgreSQL (the
scan writes its batch's visits and escalations with it), Django's bulk_update on SQLite."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from homevisits.bulk import update_rows
from safety.models import Heartbeat

pytestmark = pytest.mark.django_db

T = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)


def test_each_row_gets_its_own_values_and_nothing_else_changes():
    rows = [Heartbeat.objects.create(name=f"beat-{n}", last_seen=T, detail="old") for n in range(3)]
    untouched = Heartbeat.objects.create(name="other", last_seen=T, detail="keep")
    for n, row in enumerate(rows[:2]):
        row.last_seen = T + datetime.timedelta(minutes=n + 1)
        row.detail = f"new {n}"
    with CaptureQueriesContext(connection) as ctx:
        update_rows(rows[:2], ["last_seen"])
    got = {row.name: (row.last_seen, row.detail) for row in Heartbeat.objects.all()}
    minutes = datetime.timedelta(minutes=1)
    assert got == {"beat-0": (T + minutes, "old"), "beat-1": (T + 2 * minutes, "old"), "beat-2": (T, "old"),
                   untouched.name: (T, "keep")}
    if connection.vendor == "postgresql":
        assert len(ctx.captured_queries) == 1


def test_no_rows_is_no_query():
    with CaptureQueriesContext(connection) as ctx:
        update_rows([], ["last_seen"])
    assert ctx.captured_queries == []
