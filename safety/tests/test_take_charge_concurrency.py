"""Two people taking charge of the same alert at the same moment (R-CONTACT-STEPS): the escalation
row is locked, so one wins and the other is shown who has it; nobody is told twice.

Real row locks only exist on PostgreSQL."""

import datetime
import threading

import pytest
from django.db import connection

from homevisits.testing import need_postgres
from notifications.models import Notification
from safety.escalations import acknowledge
from safety.models import Escalation
from safety.watchdog import scan
from visits.models import EventKind

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_two_people_taking_charge_at_once_one_wins(out_visit, world):
    need_postgres()
    visit = out_visit()
    due = visit.expected_return + datetime.timedelta(minutes=30)
    scan(due - datetime.timedelta(minutes=15))
    scan(due)  # level 2: the office and the head have it
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def take(person):
        try:
            barrier.wait(timeout=30)
            results[person.username] = acknowledge(esc, person, now=due + datetime.timedelta(minutes=1))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(p,)) for p in (world.office, world.head)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    esc.refresh_from_db()
    winner = esc.acknowledged_by
    assert winner in (world.office, world.head)
    # Both calls return the same alert with the one winner's name: the loser sees who has it.
    assert {r.acknowledged_by_id for r in results.values()} == {winner.pk}
    assert visit.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1
    told = Notification.objects.filter(dedupe_key__startswith=f"taken:{esc.pk}:")
    loser = world.head if winner == world.office else world.office
    assert set(told.values_list("recipient_id", flat=True)) == {loser.pk}
