"""Fault drills: the watchdog keeps escalating, and nothing is lost or sent twice, when parts of the
stack fail. Servers are started by the tests on spare loopback ports, or reached through a
forwarder the drill can cut (homevisits.realstack.TcpOutage); the machine's shared PostgreSQL and
Redis are never stopped.
"""

import contextlib
import datetime
import json
import shutil
import subprocess
import sys
import time

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from homevisits.realstack import TcpOutage, free_port, stack_env, start_beat, start_worker
from homevisits.testing import need, need_postgres
from notifications.models import DeliveryStatus, Notification
from safety.health import SCAN_HEARTBEAT, health_report, record_heartbeat
from safety.models import Escalation, Heartbeat
from safety.watchdog import check_in, scan
from visits.models import EventKind


@contextlib.contextmanager
def redis_server(port):
    binary = shutil.which("redis-server")
    need(binary is not None, "redis-server (Debian package redis-server)")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        import socket

        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def celery_broker(url):
    """Point this process's Celery app at another broker for the duration of a drill."""
    from homevisits.celery import app

    before = app.conf.broker_url
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield app
    finally:
        app.conf.broker_url = before
        app._pool = None
        app.amqp._producer_pool = None


def _sms_lines(tmp_path):
    path = tmp_path / "sms.log"
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_redis_down_while_staff_check_in(out_visit, people, tmp_path):
    """The check-in is saved; the alerts go out once Redis is back, none lost and none twice."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    visit = out_visit(start=timezone.now() - datetime.timedelta(minutes=30))
    with redis_server(port), celery_broker(url):
        pass  # Redis was up at the start of the day, and now it has gone.
    with celery_broker(url):
        event = check_in(visit, EventKind.DURESS, people["teacher"])
    assert visit.events.filter(pk=event.pk, kind=EventKind.DURESS).exists()
    assert Escalation.objects.filter(visit=visit, level=3).exists()
    pending = Notification.objects.filter(visit=visit, status=DeliveryStatus.PENDING)
    expected = pending.count()
    assert expected > 0

    env = {"CELERY_BROKER_URL": url, "WATCHDOG_INTERVAL_SECONDS": 1, "NOTIFICATION_RESEND_AFTER_SECONDS": 1,
           "EMAIL_URL": "filemail://", "EMAIL_FILE_PATH": tmp_path / "mail",
           "SMS_BACKEND": "notifications.sms.FileSmsBackend", "SMS_FILE_PATH": tmp_path / "sms.log"}
    with redis_server(port), celery_broker(url):
        worker = start_worker(tmp_path, **env)
        beat = start_beat(tmp_path, **env)
        try:
            assert worker.wait_for(lambda: not Notification.objects.filter(visit=visit).exclude(
                status=DeliveryStatus.SENT).exists(), seconds=60), worker.log() + beat.log()
            # A few more ticks: nothing is sent a second time.
            worker.wait_for(lambda: False, seconds=3)
        finally:
            beat.stop()
            worker.stop()
    lines = _sms_lines(tmp_path)
    assert len(lines) == Notification.objects.filter(visit=visit, channel="sms").count()
    assert Notification.objects.filter(visit=visit).count() == expected


@pytest.mark.django_db
def test_beat_down_for_an_hour_then_back(out_visit, settings):
    """Meanwhile the health check and the banner show the outage; at the next tick every visit that
    became due is escalated, once each."""
    settings.WATCHDOG_INTERVAL_SECONDS = 10
    start = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    visits = [out_visit(start=start + datetime.timedelta(minutes=i)) for i in range(5)]
    last_tick = start + datetime.timedelta(minutes=70)  # 10:10, before any visit is due back (10:30+)

    def tick(now):  # beat's scans run at the real time
        with time_machine.travel(now, tick=False):
            scan(now)

    tick(last_tick)
    assert Escalation.objects.count() == 0
    outage_end = last_tick + datetime.timedelta(hours=1)
    ok, report = health_report(now=last_tick + datetime.timedelta(minutes=5))
    assert not ok and report["beat"]["ok"] is False
    # Back: the first tick flags all five (level 1), the next moves them to level 2; then quiet.
    tick(outage_end)
    assert Escalation.objects.filter(level=1).count() == 5
    tick(outage_end + datetime.timedelta(seconds=10))
    tick(outage_end + datetime.timedelta(seconds=20))
    assert Escalation.objects.filter(level=2).count() == 5
    assert Escalation.objects.count() == 10
    assert Escalation.objects.open_alerts().count() == 5  # one alert per visit, at level 2
    assert all(v.events.filter(kind=EventKind.ESCALATED).count() == 2 for v in visits)
    ok, report = health_report(now=outage_end + datetime.timedelta(seconds=25))
    assert report["beat"]["ok"] is True


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.postgres
def test_database_unreachable_then_back(tmp_path):
    """/health/ answers 503, the scan logs one clear line per tick, and resumes by itself."""
    need_postgres()
    outage = TcpOutage(int(connection.settings_dict.get("PORT") or 5432)).up()
    s = connection.settings_dict
    db_url = f"postgres://{s['USER']}@127.0.0.1:{outage.port}/{s['NAME']}"
    env = {"DATABASE_URL": db_url, "WATCHDOG_INTERVAL_SECONDS": 1, "CONN_MAX_AGE": 0}
    worker = start_worker(tmp_path, **env)
    beat = start_beat(tmp_path, **env)
    try:
        assert worker.wait_for(lambda: Heartbeat.objects.filter(name=SCAN_HEARTBEAT).exists(), seconds=45), \
            worker.log()
        outage.down()
        assert worker.wait_for(lambda: worker.log().count("could not reach the database") >= 2, seconds=30), \
            worker.log()
        health = subprocess.run(
            [sys.executable, "-c", "import django, json; django.setup(); from safety.health import health_report;"
             "print(json.dumps(health_report()[1]))"],
            cwd=settings.BASE_DIR, env=stack_env(tmp_path, **env), capture_output=True, text=True, timeout=60)
        assert json.loads(health.stdout.strip().splitlines()[-1])["database"]["ok"] is False
        log = worker.log()
        assert "Traceback" not in log[log.find("could not reach the database"):]
        back_at = timezone.now()
        outage.up()
        assert worker.wait_for(
            lambda: Heartbeat.objects.get(name=SCAN_HEARTBEAT).last_seen > back_at, seconds=45), worker.log()
    finally:
        beat.stop()
        worker.stop()
        outage.down()


@pytest.mark.django_db
def test_health_answers_503_while_the_database_is_unreachable(client):
    record_heartbeat(SCAN_HEARTBEAT, timezone.now())
    from unittest import mock

    from django.db import OperationalError

    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("gone")):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "detail": "OperationalError"}
