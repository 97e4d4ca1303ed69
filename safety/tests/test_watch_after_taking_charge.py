"""After someone takes charge, the watchdog keeps watching (R-CONTACT-STEPS): with no contact step
recorded for charge_reminder_minutes the person in charge is reminded; from the second reminder the
head too; a step recorded starts the quiet time again; resolving ends it."""

import datetime
from unittest import mock

import pytest

from notifications.models import Notification
from safety.escalations import acknowledge, record_contact
from safety.models import ContactOutcome, ContactStep, Escalation
from safety.watchdog import scan
from visits.models import EventKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_broker")]

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def _no_broker():
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


@pytest.fixture
def taken(out_visit, world):
    """Level 2 at +30 (R-RETURN-30), taken charge of by the office a minute later."""
    visit = out_visit()
    scan(visit.expected_return + 15 * MINUTE)
    due = visit.expected_return + 30 * MINUTE
    scan(due)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    acknowledge(esc, world.office, now=due + MINUTE)
    return visit, esc, due + MINUTE


def reminders(person):
    """The reminders a person got (one each, whichever channels carried it: fall_back moves each on)."""
    notes = Notification.objects.filter(recipient=person, dedupe_key__startswith="remind:").order_by("pk")
    return list({note.dedupe_key.rsplit(":", 2)[0]: note.subject for note in notes}.values())


def test_the_person_in_charge_is_reminded_then_the_head_too(taken, world):  # R-CONTACT-STEPS
    visit, esc, took = taken
    every = world.school.charge_reminder_minutes * MINUTE
    visit.refresh_from_db()
    assert visit.next_check_at == took + every  # still watched
    scan(took + every - MINUTE)
    assert reminders(world.office) == []
    scan(took + every)
    assert len(reminders(world.office)) == 1 and reminders(world.head) == []
    assert reminders(world.office)[0].startswith(f"Reminder: {world.office.get_full_name()} took charge")
    assert visit.events.filter(kind=EventKind.REMINDED).count() == 1
    scan(took + every + MINUTE)  # not again so soon
    assert len(reminders(world.office)) == 1
    scan(took + 2 * every)
    assert len(reminders(world.office)) == 2 and len(reminders(world.head)) == 1


def test_a_contact_step_starts_the_quiet_time_again(taken, world):
    visit, esc, took = taken
    every = world.school.charge_reminder_minutes * MINUTE
    record_contact(esc, ContactStep.WORKER, ContactOutcome.NO_ANSWER, world.office, now=took + 10 * MINUTE)
    visit.refresh_from_db()
    assert visit.next_check_at == took + 10 * MINUTE + every
    scan(took + every)
    assert reminders(world.office) == []
    scan(took + 10 * MINUTE + every)
    assert len(reminders(world.office)) == 1


def test_resolving_ends_the_watch(taken, world):
    visit, esc, took = taken
    record_contact(esc, ContactStep.WORKER, ContactOutcome.REACHED_SAFE, world.office, now=took + 5 * MINUTE,
                   new_expected_return=took + 60 * MINUTE)
    scan(took + 30 * MINUTE)
    assert reminders(world.office) == [] and reminders(world.head) == []
