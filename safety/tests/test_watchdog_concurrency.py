"""Two scans at once over the same due visits escalate each (visit, level) exactly once.

Real row locks (select_for_update with skip_locked) only exist on PostgreSQL.
"""

import datetime
import threading

import pytest
from django.db import connection

from homevisits.testing import need_postgres
from notifications.models import Notification
from safety.models import Escalation
from safety.watchdog import scan
from visits.models import VisitEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_concurrent_scans_escalate_each_visit_once(out_visit):
    need_postgres()
    start = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    visits = [out_visit(start=start + datetime.timedelta(seconds=i)) for i in range(40)]
    now = visits[-1].expected_return + datetime.timedelta(minutes=16)
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait(timeout=30)
            scan(now, batch_size=7)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert Escalation.objects.count() == 40
    assert Escalation.objects.values("visit", "round", "level").distinct().count() == 40
    assert VisitEvent.objects.filter(kind="escalated").count() == 40
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) > 0
