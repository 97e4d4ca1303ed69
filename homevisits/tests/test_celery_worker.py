"""A real Celery worker, started as a subprocess, executes a task sent through the configured broker
(the filesystem broker by default, Redis when CELERY_BROKER_URL is set) and writes to the same
database the test reads."""

import datetime

import pytest

from homevisits.realstack import celery_worker
from safety.models import Heartbeat

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_real_worker_runs_the_watchdog_scan_sent_through_the_broker(tmp_path):
    from safety.tasks import scan_overdue

    with celery_worker(tmp_path) as worker:
        scan_overdue.delay()
        assert worker.wait_for(lambda: Heartbeat.objects.filter(name="watchdog-scan").exists(), seconds=60), \
            worker.log()
    beat = Heartbeat.objects.get(name="watchdog-scan")
    assert beat.last_seen > datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=2)
