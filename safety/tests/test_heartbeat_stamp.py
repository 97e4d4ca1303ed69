"""The scan's heartbeat is one UPDATE a tick (issue 17). On PostgreSQL, outside any transaction, its
commit does not wait for the disk, and only that commit: the connection's next transaction is
durable as before, and a stamp inside a caller's transaction is a plain UPDATE."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from homevisits.testing import need_postgres
from safety.health import SCAN_HEARTBEAT, record_heartbeat, scan_age
from safety.models import Heartbeat

T = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)


def _synchronous_commit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_first_stamp_makes_the_row_and_the_next_is_one_update():
    record_heartbeat(SCAN_HEARTBEAT, T, "nothing due")
    with CaptureQueriesContext(connection) as ctx:
        record_heartbeat(SCAN_HEARTBEAT, T + datetime.timedelta(seconds=10), "1 escalated (visit 7 level 1)")
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["UPDATE"]
    beat = Heartbeat.objects.get(name=SCAN_HEARTBEAT)
    assert (beat.last_seen, beat.detail) == (T + datetime.timedelta(seconds=10), "1 escalated (visit 7 level 1)")
    assert scan_age(T + datetime.timedelta(seconds=15)) == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_on_postgresql_only_the_stamps_own_commit_is_relaxed():
    need_postgres()
    record_heartbeat(SCAN_HEARTBEAT, T, "nothing due")
    record_heartbeat(SCAN_HEARTBEAT, T + datetime.timedelta(seconds=10), "nothing due")
    assert Heartbeat.objects.get(name=SCAN_HEARTBEAT).last_seen == T + datetime.timedelta(seconds=10)
    assert _synchronous_commit() == "on"
    with transaction.atomic():
        record_heartbeat(SCAN_HEARTBEAT, T + datetime.timedelta(seconds=20), "nothing due")
        assert _synchronous_commit() == "on"  # a caller's transaction keeps its durable commit
    assert Heartbeat.objects.get(name=SCAN_HEARTBEAT).last_seen == T + datetime.timedelta(seconds=20)
