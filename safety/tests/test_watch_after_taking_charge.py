"""After someone takes charge, the watchdog keeps watching (R-CONTACT-STEPS): with no contact step
recorded for charge_reminder_minutes the person in charge is reminded; from the second reminder the
head too; a step recorded starts the quiet time again; resolving ends it."""

import datetime
from unittest import mock

import pytest

from notifications.models import Notification
from safety.escalations import acknowledge, record_contact
from safety.models import AlarmOutcome, ContactOutcome, ContactStep, Escalation
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
                   new_expected_return=took + 60 * MINUTE, alarm_outcome=AlarmOutcome.LATE_SAFE)
    scan(took + 30 * MINUTE)
    assert reminders(world.office) == [] and reminders(world.head) == []


def police_prompts(person):
    notes = Notification.objects.filter(recipient=person, dedupe_key__startswith="police:")
    return {note.dedupe_key.rsplit(":", 2)[0] for note in notes}


def test_still_no_word_at_the_police_time_prompts_the_police_step_once(taken, world, client):  # R-CONTACT-STEPS
    visit, esc, took = taken
    police_at = visit.expected_return + world.school.police_prompt_minutes * MINUTE
    scan(police_at - MINUTE)
    assert not police_prompts(world.office) and not police_prompts(world.head)
    scan(police_at)
    esc.refresh_from_db()
    assert esc.police_prompted_at == police_at
    assert police_prompts(world.office) and police_prompts(world.head)  # the person in charge and the head
    assert not police_prompts(world.dsl)
    note = Notification.objects.filter(recipient=world.head, dedupe_key__startswith="police:").first()
    assert note.subject.startswith("Still no word from") and "call the police (999) now" in note.subject
    assert visit.events.filter(kind=EventKind.POLICE_PROMPTED).count() == 1
    scan(police_at + 20 * MINUTE)
    assert visit.events.filter(kind=EventKind.POLICE_PROMPTED).count() == 1  # once
    client.force_login(world.office)
    from django.urls import reverse

    page = client.get(reverse("safety:escalation", args=[visit.pk])).content.decode()
    assert 'data-testid="police-prompt"' in page


def test_with_nobody_in_charge_everyone_on_the_alert_and_the_head_are_prompted(out_visit, world):
    visit = out_visit()
    for minutes in (15, 30):
        scan(visit.expected_return + minutes * MINUTE)
    scan(visit.expected_return + world.school.police_prompt_minutes * MINUTE)
    assert police_prompts(world.office) and police_prompts(world.head)


def test_a_visit_back_before_the_police_time_prompts_nothing(taken, world):
    from safety.watchdog import check_in

    visit, esc, took = taken
    check_in(visit, EventKind.RETURNED, world.teacher, now=took + 5 * MINUTE)
    check_in(visit, EventKind.RETURNED, world.ta, now=took + 6 * MINUTE)
    scan(visit.expected_return + world.school.police_prompt_minutes * MINUTE)
    assert not Notification.objects.filter(dedupe_key__startswith="police:").exists()
