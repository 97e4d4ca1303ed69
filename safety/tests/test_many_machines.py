"""Many machines on one Redis and one PostgreSQL: two beats and three workers running at once
escalate each due visit once and deliver each notification once (R-LATE-15). Beat may therefore run
on every node (the README says so): the scan claims due rows with SELECT ... FOR UPDATE SKIP LOCKED
and the unique constraints stay the backstop; a send is leased before it goes."""

import collections
import datetime

import pytest
from django.utils import timezone

from homevisits.realstack import file_delivery_env, sms_sends, start_beat, start_worker
from homevisits.testing import need_postgres, need_redis
from notifications.models import Channel, DeliveryStatus, Notification
from safety.models import Escalation
from visits.models import EventKind, Visit, VisitEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.redis]

INTERVAL = 1  # seconds between each beat's ticks: two beats, so a scan about every half second
DUE = 12


def test_two_beats_and_three_workers_escalate_once_and_deliver_once(out_visit, tmp_path):
    need_redis()
    need_postgres()
    now = timezone.now()
    visits = []
    for n in range(DUE):
        start = now - datetime.timedelta(minutes=106, seconds=n)
        visit = out_visit(start=start, back_after=90)  # 16 minutes overdue: level 1 is due
        Visit.objects.filter(pk=visit.pk).update(planned_start=start, next_check_at=now)
        visits.append(visit)
    env = file_delivery_env(tmp_path, INTERVAL)
    workers = [start_worker(tmp_path, name=f"worker{i}", purge=(i == 0), **env) for i in range(3)]
    beats = []
    for i in range(2):
        (tmp_path / f"beat{i}").mkdir()
        beats.append(start_beat(tmp_path / f"beat{i}", name=f"beat{i}", **env))

    def all_delivered():
        notes = Notification.objects.filter(escalation__visit__in=visits)
        return (Escalation.objects.filter(visit__in=visits).values("visit").distinct().count() == DUE
                and notes.exists() and not notes.exclude(status=DeliveryStatus.SENT).exists())

    try:
        assert workers[0].wait_for(all_delivered, seconds=90), "\n".join(p.log() for p in workers + beats)
        # Several more ticks of both beats on the same rows: nothing more happens.
        workers[0].wait_for(lambda: False, seconds=4 * INTERVAL)
    finally:
        for proc in beats + workers:
            proc.stop()

    # Each due visit escalated once: one level 1 alert, one "escalated" event.
    assert Escalation.objects.filter(visit__in=visits).count() == DUE
    events = collections.Counter(VisitEvent.objects.filter(visit__in=visits, kind=EventKind.ESCALATED)
                                 .values_list("visit_id", flat=True))
    assert sorted(events.values()) == [1] * DUE
    # Each notification handed to the provider once (the file backend writes a line per send).
    sent = Notification.objects.filter(escalation__visit__in=visits, channel=Channel.SMS)
    assert sent.count() >= DUE
    per_reference = sms_sends(tmp_path)
    assert {note.message_id for note in sent} <= set(per_reference)
    assert [ref for ref, times in per_reference.items() if times > 1] == []
    # Both beats did tick, and all three workers were up taking tasks.
    assert all(beat.said("Sending due task watchdog-scan") for beat in beats)
    assert all(worker.said(" ready.") for worker in workers)
