"""Fault drills on the real stack (PostgreSQL, Redis, real Celery workers started as processes): a
worker killed (SIGKILL) in the middle of a send, after the provider took the message or before, is
replaced and the person gets the message once; two workers handed the same message at once send it
once; the Procfile's one worker consumes every channel's queue.

The provider is the file provider held at a chosen point of its send (notifications.tests.drills),
or a fake GOV.UK Notify or Twilio on loopback that holds its answer after taking the message, so the
kill lands exactly between "the provider accepted it" and "the status was saved". The two-workers
and 410-then-SMS drills with real push are in test_delivery_real_stack. Skipped without PostgreSQL
and Redis; under REQUIRE_SERVICES=1 (CI) they must run."""

import datetime
import email.utils
import json
import shlex
import signal
import threading
import uuid
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from werkzeug import Response

from homevisits.celery import app
from homevisits.realstack import start, start_worker
from homevisits.testing import need_postgres, need_redis
from notifications import outbox
from notifications.models import Channel, DeliveryStatus, Notification
from notifications.tasks import deliver_notification, queue_for
from notifications.tests import drills, fakes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.redis,
              pytest.mark.postgres]


@pytest.fixture
def drill(tmp_path):
    need_postgres()
    need_redis()
    return {"SMS_PROVIDER": f"{drills.__name__}.HoldingFileSms", "SMS_FILE_PATH": tmp_path / "sms.log",
            "DRILL_HOLDING": tmp_path / "holding", "DRILL_RELEASE": tmp_path / "release",
            "DRILL_MAX_WAIT_SECONDS": "60"}


def sent_lines(drill) -> list[str]:
    """What the provider accepted: one line a message (number, text, reference)."""
    path = drill["SMS_FILE_PATH"]
    return path.read_text().splitlines() if path.exists() else []


def one_sms(person, key):
    [pk] = outbox.queue([dict(dedupe_key=f"{key}:{person.pk}:sms", recipient=person, channel=Channel.SMS,
                              subject="Overdue", body="Contact them now.")])
    return pk


@pytest.mark.parametrize("hold", ["after", "before"])
def test_a_worker_killed_mid_send_is_replaced_and_the_person_gets_the_message_once(office, tmp_path, drill, hold):
    doomed = start_worker(tmp_path, name="doomed", DRILL_HOLD=hold, **drill)
    try:
        pk = one_sms(office, f"drill:kill-{hold}")
        assert doomed.wait_for(lambda: drill["DRILL_HOLDING"].exists(), seconds=60), doomed.log()
    finally:
        doomed.stop(signal.SIGKILL)  # the machine died: no clean shutdown, nothing saved after this
    note = Notification.objects.get(pk=pk)
    assert (note.status, note.attempts, note.provider) == (DeliveryStatus.QUEUED, 1, "")
    assert note.sending_since is not None  # the lease the dead worker left behind
    assert len(sent_lines(drill)) == (1 if hold == "after" else 0)

    # Time passes beyond the lease (moved back on this row: the drill does not wait a minute), and
    # the watchdog's scan hands the message over again, to the worker that took the dead one's place.
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS + 1)
    Notification.objects.filter(pk=pk).update(sending_since=F("sending_since") - lease,
                                              handed_over_at=F("handed_over_at") - lease)
    replacement = start_worker(tmp_path, name="replacement", purge=False, **drill)
    try:
        assert outbox.resend_pending(timezone.now()) == 1
        assert replacement.wait_for(lambda: Notification.objects.get(pk=pk).status != DeliveryStatus.QUEUED,
                                    seconds=60), replacement.log()
    finally:
        replacement.stop()
    note.refresh_from_db()
    assert sent_lines(drill) == [f"{office.profile.mobile}\tOverdue. Contact them now.\t{note.message_id}"]
    assert (note.status, note.attempts, note.provider, note.sending_since) == (DeliveryStatus.SENT, 2, "drill", None)


def test_two_workers_handed_the_same_message_at_once_send_it_once(office, tmp_path, drill):
    workers = [start_worker(tmp_path, name="worker-a", DRILL_HOLD="after", **drill),
               start_worker(tmp_path, name="worker-b", purge=False, DRILL_HOLD="after", **drill)]
    logs = lambda: "".join(w.log() for w in workers)  # noqa: E731
    try:
        pk = one_sms(office, "drill:twice")
        assert workers[0].wait_for(lambda: drill["DRILL_HOLDING"].exists(), seconds=60), logs()
        # While one worker holds the message at the provider, the scan (or the broker's redelivery)
        # hands the same message over twice more: the other worker takes them, and leaves it alone.
        copies = [deliver_notification.apply_async((pk,), queue=queue_for(Channel.SMS)).id for _ in range(2)]
        assert workers[0].wait_for(lambda: all(f"[{task}] succeeded" in logs() for task in copies), seconds=60), logs()
        assert len(sent_lines(drill)) == 1
        drill["DRILL_RELEASE"].touch()
        assert workers[0].wait_for(lambda: Notification.objects.get(pk=pk).status == DeliveryStatus.SENT,
                                   seconds=60), logs()
        # A copy arriving after it was sent does nothing either.
        late = deliver_notification.apply_async((pk,), queue=queue_for(Channel.SMS)).id
        assert workers[0].wait_for(lambda: f"[{late}] succeeded" in logs(), seconds=60), logs()
    finally:
        for worker in workers:
            worker.stop()
    assert len(sent_lines(drill)) == 1
    assert Notification.objects.get(pk=pk).attempts == 1


class HeldProvider:
    """A fake GOV.UK Notify or Twilio on loopback speaking their documented send and list requests:
    it records each message it accepts, then holds its answer until the drill lets it go, so the
    worker can be killed while the provider has the message and the worker does not know it."""

    def __init__(self, kind, httpserver):
        self.kind, self.accepted, self.asked = kind, [], []
        self.took, self.release = threading.Event(), threading.Event()
        if kind == "notify":
            httpserver.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(self.notify_send)
            httpserver.expect_request("/v2/notifications", method="GET").respond_with_handler(self.notify_list)
        else:
            httpserver.expect_request(fakes.MESSAGES, method="POST").respond_with_handler(self.twilio_send)
            httpserver.expect_request(fakes.MESSAGES, method="GET").respond_with_handler(self.twilio_list)

    def env(self, httpserver) -> dict:
        if self.kind == "notify":
            return {"SMS_PROVIDER": "notify", "NOTIFY_API_KEY": fakes.API_KEY,
                    "NOTIFY_SMS_TEMPLATE_ID": fakes.SMS_TEMPLATE, "NOTIFY_BASE_URL": httpserver.url_for("/")}
        return {"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": fakes.ACCOUNT,
                "TWILIO_AUTH_TOKEN": fakes.TOKEN, "TWILIO_FROM_NUMBER": fakes.FROM,
                "TWILIO_API_BASE_URL": httpserver.url_for("/")}

    def _hold(self, response):
        self.took.set()
        self.release.wait(60)  # bounded: the drill releases it as soon as the worker is dead
        return response

    def notify_send(self, request):
        sent = json.loads(request.data)
        record = {"id": str(uuid.uuid4()), "reference": sent["reference"], "type": "sms", "status": "created",
                  "phone_number": sent["phone_number"], "created_at": timezone.now().isoformat()}
        self.accepted.append(record)
        return self._hold(Response(json.dumps({"id": record["id"], "reference": record["reference"]}), status=201,
                                   content_type="application/json"))

    def notify_list(self, request):
        self.asked.append(request.args.to_dict())
        found = [r for r in self.accepted if r["reference"] == request.args.get("reference")]
        return Response(json.dumps({"notifications": found, "links": {"current": request.full_path}}),
                        content_type="application/json")

    def twilio_send(self, request):
        sent = parse_qs(request.get_data(as_text=True))
        record = fakes.message_record("SM" + uuid.uuid4().hex, timezone.now(), body=sent["Body"][0],
                                            to=sent["To"][0], status="queued")
        self.accepted.append(record)
        return self._hold(Response(json.dumps(record), status=201, content_type="application/json"))

    def earlier(self, by: datetime.timedelta):
        """Move what it accepted back in time, with the drill's clock (Twilio compares creation times)."""
        for record in self.accepted:
            if self.kind == "twilio":
                record["date_created"] = fakes.rfc2822(
                    email.utils.parsedate_to_datetime(record["date_created"]) - by)

    def twilio_list(self, request):
        self.asked.append(request.args.to_dict())
        return fakes.listed("messages", [r for r in reversed(self.accepted) if r["to"] == request.args.get("To")])


@pytest.mark.parametrize("kind", ["notify", "twilio"])
def test_a_worker_killed_while_the_provider_answered_is_replaced_and_the_provider_asked_not_sent_to_twice(
        office, tmp_path, httpserver, kind):
    need_postgres()
    need_redis()
    provider = HeldProvider(kind, httpserver)
    env = provider.env(httpserver) | {"PROVIDER_TIMEOUT_SECONDS": "30"}
    doomed = start_worker(tmp_path, name="doomed", **env)
    try:
        pk = one_sms(office, f"drill:{kind}")
        assert doomed.wait_for(provider.took.is_set, seconds=60), doomed.log()
    finally:
        doomed.stop(signal.SIGKILL)
        provider.release.set()
    assert len(provider.accepted) == 1
    assert Notification.objects.get(pk=pk).status == DeliveryStatus.QUEUED
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS + 1)
    Notification.objects.filter(pk=pk).update(sending_since=F("sending_since") - lease,
                                              handed_over_at=F("handed_over_at") - lease)
    provider.earlier(lease)
    replacement = start_worker(tmp_path, name="replacement", purge=False, **env)
    try:
        assert outbox.resend_pending(timezone.now()) == 1
        assert replacement.wait_for(lambda: Notification.objects.get(pk=pk).status != DeliveryStatus.QUEUED,
                                    seconds=60), replacement.log()
    finally:
        replacement.stop()
    note = Notification.objects.get(pk=pk)
    accepted_id = provider.accepted[0]["id" if kind == "notify" else "sid"]
    assert len(provider.accepted) == 1 and len(provider.asked) == 1, replacement.log()
    assert (note.status, note.provider, note.provider_reference, note.attempts) == (
        DeliveryStatus.SENT, kind, accepted_id, 2)


# --- The Procfile's worker --------------------------------------------------------------------------

QUEUE_OPTIONS = ("-Q", "--queues", "-X", "--exclude-queues")


def procfile_worker() -> list[str]:
    """The Procfile's worker command, split as a shell would."""
    lines = (settings.BASE_DIR / "Procfile").read_text().splitlines()
    [command] = [line.partition(":")[2] for line in lines if line.startswith("worker:")]
    return shlex.split(command)


@pytest.mark.django_db(transaction=False)
def test_the_procfiles_worker_names_no_queues_so_it_takes_them_all():
    args = procfile_worker()
    assert args[:4] == [".venv/bin/celery", "-A", "homevisits", "worker"]
    assert not [a for a in args if a in QUEUE_OPTIONS or a.startswith(tuple(f"{o}=" for o in QUEUE_OPTIONS))]


def test_the_procfiles_worker_consumes_every_channels_queue(tmp_path):
    need_redis()
    args = procfile_worker()[3:]  # "worker" and its options, as the Procfile gives them
    hostname = f"procfile-{tmp_path.name}@test"
    at = args.index("--hostname")
    args[at + 1] = hostname  # its own name on the shared broker; everything else as in the Procfile
    app.control.purge()
    worker = start(args, tmp_path, "procfile-worker")
    try:
        found = {}

        def answered():
            found.update(app.control.inspect(destination=[hostname], timeout=1).active_queues() or {})
            return hostname in found

        assert worker.wait_for(answered, seconds=60), worker.log()
    finally:
        worker.stop()
    assert {q["name"] for q in found[hostname]} == {q.name for q in settings.CELERY_TASK_QUEUES}
    assert {queue_for(channel) for channel in Channel} | {"celery"} <= {q["name"] for q in found[hostname]}
