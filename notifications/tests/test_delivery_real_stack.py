"""Delivery on the real stack: PostgreSQL, Redis and two Celery workers started as processes,
consuming the channels' queues as the Procfile's worker does (no -Q). Each message is sent once
though two workers take from the same queues; a push service answering 410 deletes the device, and
the person still gets their SMS."""

import datetime

import pytest
from django.utils import timezone
from werkzeug import Response

from homevisits.realstack import start_worker
from homevisits.testing import need_postgres, need_redis
from notifications import outbox
from notifications.models import Channel, DeliveryStatus, Notification, PushSubscription
from notifications.tests.fakes import Browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.redis,
              pytest.mark.postgres]


def test_two_workers_send_each_message_once_and_a_gone_device_falls_back_to_sms(office, tmp_path, httpserver):
    need_postgres()
    need_redis()
    httpserver.expect_request("/wpush/gone", method="POST").respond_with_response(Response("", status=410))
    sub = Browser().subscription(httpserver.url_for("/wpush/gone"))
    PushSubscription.objects.create(user=office, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"],
                                    auth=sub["keys"]["auth"])
    sms_log = tmp_path / "sms.log"
    env = {"SMS_PROVIDER": "file", "SMS_FILE_PATH": sms_log, "PUSH_PROVIDER": "webpush",
           "PUSH_SERVICE_HOSTS": "localhost", "PUSH_ALLOW_HTTP_ENDPOINTS": "1",
           "VAPID_SUBJECT": "mailto:office@school.example", "PROVIDER_TIMEOUT_SECONDS": "5"}
    workers = [start_worker(tmp_path, name="worker-a", **env), start_worker(tmp_path, name="worker-b", purge=False, **env)]
    try:
        now = timezone.now()
        sms = [dict(dedupe_key=f"drill:{n}:{office.pk}:sms", recipient=office, channel=Channel.SMS,
                    subject="Drill", body=f"message {n}") for n in range(20)]
        push = dict(dedupe_key=f"esc:drill:1:{office.pk}:push", recipient=office, channel=Channel.PUSH,
                    subject="Overdue", body="Contact them now.", level=2)
        outbox.queue([*sms, push], now)

        def settled():
            return not Notification.objects.filter(status=DeliveryStatus.QUEUED).exists()

        assert workers[0].wait_for(settled, seconds=60), workers[0].log() + workers[1].log()
        assert not PushSubscription.objects.exists()
        assert Notification.objects.get(channel=Channel.PUSH).status == DeliveryStatus.PERMANENT_FAILURE
        assert outbox.fall_back(now + datetime.timedelta(seconds=1)) == 1
        fallback = Notification.objects.get(dedupe_key=f"esc:drill:1:{office.pk}:sms")
        assert workers[0].wait_for(lambda: Notification.objects.get(pk=fallback.pk).status == DeliveryStatus.SENT,
                                   seconds=60), workers[0].log() + workers[1].log()
        lines = sms_log.read_text().splitlines()
        bodies = [line.split("\t")[1] for line in lines]
        assert sorted(bodies) == sorted([f"Drill. message {n}" for n in range(20)] + ["Overdue. Contact them now."])
        assert Notification.objects.filter(channel=Channel.SMS, attempts=1, status=DeliveryStatus.SENT).count() == 21
    finally:
        for worker in workers:
            worker.stop()
