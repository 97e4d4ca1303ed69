"""With no worker running, the scans do not pile copies of the same notification into the broker.

A drill with no worker left 7,782 queued tasks in Redis for 104 notifications: every scan handed
every pending row over again. A pending notification is handed over again only when it never
reached the broker, when its last hand-over is older than NOTIFICATION_RESEND_AFTER_SECONDS, or
when a worker died while sending it; and one scan hands over at most NOTIFICATION_RESEND_BATCH.
"""

import base64
import collections
import datetime
import json
from unittest import mock

import pytest
import time_machine
from django.test import TestCase

from homevisits.testing import need_redis
from notifications.models import Channel, DeliveryStatus, Notification
from safety.watchdog import scan

UTC = datetime.UTC
START = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TICK = datetime.timedelta(seconds=10)  # beat's interval


def pending(people, count, when=START):
    return [Notification.objects.create(dedupe_key=f"test:{i}", recipient=people["office"], channel=Channel.EMAIL,
                                        subject="Overdue", body="...", created_at=when).pk
            for i in range(count)]


def ticks(count, first=START + TICK, execute=True):
    """`count` beat scans, one every 10 seconds, at the real time; the after-commit hand-overs run."""
    for n in range(count):
        moment = first + n * TICK
        with time_machine.travel(moment, tick=False), TestCase.captureOnCommitCallbacks(execute=execute):
            scan(moment)


@pytest.mark.django_db
def test_fifty_scans_with_no_worker_hand_each_pending_notification_over_once(people):
    pks = pending(people, 20)  # the broker was down when they were recorded: never handed over
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as broker:  # up, nobody consuming
        ticks(50)
    handed = collections.Counter(call.args[0][0] for call in broker.call_args_list)
    assert handed == {pk: 1 for pk in pks}
    assert not Notification.objects.filter(handed_over_at=None).exists()


@pytest.mark.django_db
def test_a_notification_still_pending_long_after_its_hand_over_is_handed_over_once_more(people, settings):
    settings.NOTIFICATION_RESEND_AFTER_SECONDS = 300
    pks = pending(people, 3)
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as broker:
        ticks(1)  # 09:00:10: handed over
        ticks(29, first=START + 2 * TICK)  # to 09:05:00: not yet
        assert broker.call_count == 3
        ticks(3, first=START + 30 * TICK)  # 09:05:00 - 09:05:20: once more each, then quiet
    assert collections.Counter(call.args[0][0] for call in broker.call_args_list) == {pk: 2 for pk in pks}


@pytest.mark.django_db
def test_one_scan_hands_over_at_most_a_batch(people, settings):
    settings.NOTIFICATION_RESEND_BATCH = 7
    pending(people, 20)
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as broker:
        ticks(1)
        assert broker.call_count == 7
        ticks(2, first=START + 2 * TICK)
    assert broker.call_count == 20  # the oldest first, the rest at the next ticks


@pytest.mark.django_db
def test_a_hand_over_the_broker_refused_is_tried_again_at_the_next_scan(people):
    pks = pending(people, 2)
    with mock.patch("notifications.tasks.deliver_notification.apply_async", side_effect=ConnectionError("down")):
        ticks(3)
    assert set(Notification.objects.values_list("handed_over_at", flat=True)) == {None}
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as broker:
        ticks(1, first=START + 4 * TICK)
    assert sorted(call.args[0][0] for call in broker.call_args_list) == sorted(pks)


@pytest.mark.django_db
def test_a_send_a_worker_never_finished_is_handed_over_once_after_the_lease(people, settings):
    settings.NOTIFICATION_SEND_LEASE_SECONDS = 60
    [pk] = pending(people, 1)
    Notification.objects.filter(pk=pk).update(handed_over_at=START, attempts=1, sending_since=START + TICK)
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as broker:
        ticks(5, first=START + 2 * TICK)  # to 09:01:00: the worker may still be sending
        assert broker.call_count == 0
        ticks(10, first=START + 7 * TICK)  # from 09:01:10, a minute after it began: it died; once
    assert broker.call_count == 1


def _queued_notification_pks(client, queues):
    """The notification ids of the delivery tasks waiting in Redis queues (kombu's message format)."""
    out = []
    for raw in (raw for queue in queues for raw in client.lrange(queue, 0, -1)):
        message = json.loads(raw)
        if message["headers"].get("task") != "safety.tasks.deliver_notification":
            continue
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        out.append(args[0])
    return out


@pytest.mark.django_db(transaction=True)
@pytest.mark.redis
def test_fifty_scans_with_no_worker_leave_one_task_per_pending_row_in_redis(people, settings):
    """The drill itself on the real broker: no worker, fifty beat ticks, then count what Redis holds."""
    need_redis()
    import redis

    from homevisits.celery import app

    app.control.purge()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        pks = pending(people, 30)
        for n in range(50):
            moment = START + (n + 1) * TICK
            with time_machine.travel(moment, tick=False):
                scan(moment)
        # Each channel has its queue (notifications.tasks.queue_for): count them all.
        queued = collections.Counter(_queued_notification_pks(client, [q.name for q in settings.CELERY_TASK_QUEUES]))
        assert queued == {pk: 1 for pk in pks}
        assert not Notification.objects.exclude(status=DeliveryStatus.PENDING).exists()
    finally:
        app.control.purge()
        client.close()
