"""The watchdog on the real stack: a Celery worker and beat started as processes, talking through
the configured broker (Redis in CI), against the test database.

R-LATE-15, R-RETURN-30: a visit made due in the database is escalated by the running beat and its
notifications delivered; a worker killed mid-delivery and started again loses and duplicates
nothing; a worker killed after the mail server accepted a message sends it again (delivery is at
least once), recognisably: the same Message-ID, and two attempts on record.
"""

import contextlib
import datetime
import email
import signal
import socket
import threading

import pytest
from django.utils import timezone

from homevisits.realstack import free_port, start_beat, start_worker
from homevisits.testing import need_redis
from notifications.models import Channel, DeliveryStatus, Notification
from safety.models import Escalation
from visits.models import Visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.redis]

INTERVAL = 2  # seconds between beat ticks in these drills


def _drill_env(tmp_path, **extra):
    return {
        "WATCHDOG_INTERVAL_SECONDS": INTERVAL,
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": tmp_path / "mail",
        "SMS_BACKEND": "notifications.sms.FileSmsBackend",
        "SMS_FILE_PATH": tmp_path / "sms.log",
        "NOTIFICATION_RESEND_AFTER_SECONDS": 3,
        # Longer than the slow test backends take to send, so a live send is never taken twice.
        "NOTIFICATION_SEND_LEASE_SECONDS": 5,
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
    # One channel at a time: the office's email waits while their text is not failed or overdue.
    assert not (tmp_path / "mail").exists() or not list((tmp_path / "mail").iterdir())


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


class SmtpServer:
    """A small SMTP server on a loopback port that keeps every message it accepts. While `stall`
    is set it answers QUIT only when released, so a worker can be killed after the server said
    250 to the message and before the worker recorded it as sent."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.Message] = []
        self.stall = threading.Event()
        self.release = threading.Event()
        self.stalled = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._sock.settimeout(0.2)
        self._running = True
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self._running:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        with contextlib.suppress(OSError), conn, conn.makefile("rwb") as f:
            def say(line):
                f.write(line.encode() + b"\r\n")
                f.flush()

            say("220 test ESMTP")
            while True:
                line = f.readline()
                if not line:
                    return
                verb = line.decode(errors="replace").strip().upper()
                if verb.startswith("DATA"):
                    say("354 go ahead")
                    data = []
                    for chunk in iter(f.readline, b""):
                        if chunk in (b".\r\n", b".\n"):
                            break
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    self.messages.append(email.message_from_bytes(b"".join(data)))
                    say("250 accepted")
                elif verb.startswith("QUIT"):
                    if self.stall.is_set():
                        self.stalled.set()
                        self.release.wait(timeout=120)
                    say("221 bye")
                    return
                else:
                    say("250 ok")

    def close(self):
        self._running = False
        self.release.set()
        self._sock.close()


def test_a_worker_killed_after_the_mail_server_accepted_sends_it_again_recognisably(out_visit, tmp_path, people):
    """The head got the level-2 email twice with different Message-IDs, and the row said one attempt."""
    need_redis()
    smtp = SmtpServer()
    smtp.stall.set()
    visit = _make_due(out_visit)
    # Email is the level-1 alert's only channel here, so the office's first message is this email.
    env = _drill_env(tmp_path, EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", EMAIL_TIMEOUT=120,
                     NOTIFICATION_CHANNEL_ORDER_1="email")
    worker = start_worker(tmp_path, name="worker1", **env)
    beat = start_beat(tmp_path, **env)
    try:
        # The office's level-1 email reaches the mail server, which accepts it; then the worker dies.
        assert worker.wait_for(smtp.stalled.is_set, seconds=60), worker.log() + beat.log()
        note = Notification.objects.get(escalation__visit=visit, channel=Channel.EMAIL)
        assert note.status == DeliveryStatus.PENDING
        assert note.attempts == 1 and note.sending_since is not None  # recorded before the hand-over
        worker.stop(sig=signal.SIGKILL)
        smtp.stall.clear()
        smtp.release.set()
        worker2 = start_worker(tmp_path, name="worker2", purge=False, **env)
        try:
            assert worker2.wait_for(
                lambda: not Notification.objects.filter(escalation__visit=visit)
                .exclude(status=DeliveryStatus.SENT).exists(), seconds=90), worker2.log() + beat.log()
        finally:
            worker2.stop()
    finally:
        beat.stop()
        worker.stop(sig=signal.SIGKILL)
        smtp.close()
    note.refresh_from_db()
    to_office = [m for m in smtp.messages if m["To"] == people["office"].email]
    assert len(to_office) == 2  # at least once: sent again after the worker died
    assert {m["Message-ID"] for m in to_office} == {note.message_id}  # recognisably the same message
    assert note.attempts == 2 and note.provider_reference == note.message_id and note.sending_since is None
