"""The watchdog on the real stack: a Celery worker and beat started as processes, talking through
the configured broker (Redis in CI), against the test database.

R-LATE-15, R-RETURN-30: a visit made due in the database is escalated by the running beat and its
notifications delivered; a worker killed mid-delivery and started again loses and duplicates
nothing.
"""

import datetime
import signal

import pytest
from django.utils import timezone

from homevisits.realstack import start_beat, start_worker
from homevisits.testing import need_redis
from safety.models import DeliveryStatus, Escalation, Notification
from visits.models import Visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.redis]

INTERVAL = 2  # seconds between beat ticks in these drills


def _drill_env(tmp_path, **extra):
    return {
        "WATCHDOG_INTERVAL_SECONDS": INTERVAL,
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": tmp_path / "mail",
        "SMS_BACKEND": "safety.sms.FileSmsBackend",
        "SMS_FILE_PATH": tmp_path / "sms.log",
        "NOTIFICATION_RESEND_AFTER_SECONDS": 3,
        **extra,
    }


def _make_due(out_visit, minutes_overdue=16):
    now = timezone.now()
    visit = out_visit(start=now - datetime.timedelta(minutes=90 + minutes_overdue), back_after=90)
    Visit.objects.filter(pk=visit.pk).update(
        planned_start=now - datetime.timedelta(minutes=90 + minutes_overdue))
    return visit


def _sms_lines(tmp_path):
    path = tmp_path / "sms.log"
    return path.read_text().splitlines() if path.exists() else []


def test_the_running_beat_escalates_a_due_visit_and_delivers_its_notifications(out_visit, tmp_path, people):
    need_redis()
    visit = _make_due(out_visit)
    env = _drill_env(tmp_path)
    worker = start_worker(tmp_path, **env)
    beat = start_beat(tmp_path, **env)
    try:
        # Worker start-up takes a few seconds; then within two beat intervals.
        assert worker.wait_for(lambda: Escalation.objects.filter(visit=visit).exists(), seconds=45), \
            worker.log() + beat.log()
        assert worker.wait_for(
            lambda: Notification.objects.filter(escalation__visit=visit).exists()
            and not Notification.objects.filter(escalation__visit=visit).exclude(status=DeliveryStatus.SENT).exists(),
            seconds=30), worker.log()
    finally:
        beat.stop()
        worker.stop()
    office_mobile = str(people["office"].profile.mobile)
    assert [line for line in _sms_lines(tmp_path) if line.startswith(office_mobile)]
    assert list((tmp_path / "mail").iterdir())


def test_killing_the_worker_mid_delivery_loses_nothing_and_duplicates_nothing(out_visit, tmp_path, people):
    need_redis()
    visit = _make_due(out_visit)
    env = _drill_env(tmp_path, SMS_BACKEND="safety.tests.backends.SlowFileSmsBackend", SLOW_SMS_SECONDS=3)
    worker = start_worker(tmp_path, name="worker1", **env)
    beat = start_beat(tmp_path, **env)
    try:
        assert worker.wait_for(lambda: Notification.objects.filter(escalation__visit=visit, channel="sms").exists(),
                               seconds=45), worker.log()
        # Kill it hard while the slow SMS is being sent.
        assert worker.wait_for(lambda: "deliver_notification" in worker.log(), seconds=30), worker.log()
        worker.wait_for(lambda: False, seconds=1)
        assert _sms_lines(tmp_path) == []  # mid-delivery: nothing sent yet
        worker.stop(sig=signal.SIGKILL)
        worker2 = start_worker(tmp_path, name="worker2", purge=False, **env)
        try:
            assert worker2.wait_for(
                lambda: not Notification.objects.filter(escalation__visit=visit)
                .exclude(status=DeliveryStatus.SENT).exists(), seconds=90), worker2.log()
        finally:
            worker2.stop()
    finally:
        beat.stop()
        worker.stop(sig=signal.SIGKILL)
    sent = Notification.objects.filter(escalation__visit=visit, channel="sms")
    lines = _sms_lines(tmp_path)
    assert len(lines) == sent.count()  # every SMS exactly once
    assert len(set(lines)) == len(lines)
    assert Escalation.objects.filter(visit=visit).count() == 1
