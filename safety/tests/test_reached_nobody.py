"""An alert that reached nobody is itself an alert: when every person's messages about an open
escalation failed with no channel left (a wrong number, no email), or there was nobody to send one
to, the scan records it on the visit, the board and the escalation page say so, and the next people
up hear at once on every channel they have; once per escalation."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse

from notifications.models import Channel, DeliveryStatus, Notification, PushSubscription
from notifications.outbox import reached_nobody
from safety.escalations import acknowledge
from safety.models import Escalation
from safety.watchdog import check_in, scan
from visits.models import EventKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_broker")]

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def _no_broker():
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


def late(out_visit):
    """A visit 15 minutes overdue, escalated to level 1 (the office), and its escalation."""
    visit = out_visit()
    due = visit.expected_return + 15 * MINUTE
    scan(due)
    return visit, Escalation.objects.get(visit=visit), due


def fail_everything(escalation):
    """Every message of the escalation failed for good, and fall_back has seen each one."""
    Notification.objects.filter(escalation=escalation).update(status=DeliveryStatus.PERMANENT_FAILURE)


def to(person, escalation=None):
    notes = Notification.objects.filter(recipient=person)
    if escalation is not None:
        notes = notes.filter(escalation=escalation)
    return set(notes.values_list("dedupe_key", "channel"))


def test_an_alert_whose_every_message_failed_goes_to_the_next_people_up(out_visit, world):  # R-LATE-15
    visit, esc, due = late(out_visit)
    assert {channel for _, channel in to(world.office)} == {Channel.SMS}
    assert not to(world.head)  # level 1 is the office's
    fail_everything(esc)
    scan(due + MINUTE)  # fall_back: the text failed for good, so the email goes at once
    assert {channel for _, channel in to(world.office)} == {Channel.SMS, Channel.EMAIL}
    esc.refresh_from_db()
    assert esc.unreached_at is None  # the email is still on its way
    fail_everything(esc)  # the email bounced too
    scan(due + 2 * MINUTE)  # fall_back finds no channel left, and the same scan raises it
    esc.refresh_from_db()
    assert esc.unreached_at == due + 2 * MINUTE
    assert esc.reached_nobody
    assert visit.events.filter(kind=EventKind.UNREACHED).count() == 1
    # The head (next up at level 1) hears at once, on every channel: text, call and email.
    head = Notification.objects.filter(recipient=world.head, dedupe_key__startswith=f"unreached:{esc.pk}:")
    assert set(head.values_list("channel", flat=True)) == {Channel.SMS, Channel.VOICE, Channel.EMAIL}
    assert all(n.subject.startswith("NOT REACHED") for n in head)
    assert not any(visit.family.address_line1 in n.body or visit.code_word in n.body for n in head)
    # Once: the next scans add nothing.
    count = Notification.objects.count()
    scan(due + 3 * MINUTE)
    assert Notification.objects.count() == count
    assert visit.events.filter(kind=EventKind.UNREACHED).count() == 1


def test_one_message_delivered_is_enough(out_visit, world):
    visit, esc, due = late(out_visit)
    Notification.objects.filter(escalation=esc).update(status=DeliveryStatus.PERMANENT_FAILURE, fell_back_at=due)
    Notification.objects.create(dedupe_key=f"esc:{esc.pk}:1:{world.office.pk}:email", recipient=world.office,
                                channel=Channel.EMAIL, subject="s", body="b", escalation=esc, visit=visit, level=1,
                                status=DeliveryStatus.DELIVERED, created_at=due)
    assert reached_nobody([esc.pk]) == set()


def test_an_email_sent_with_no_receipt_may_have_reached_its_person(out_visit, world):
    """SMTP says nothing after it takes a message: the last channel sent is not a failure."""
    visit, esc, due = late(out_visit)
    Notification.objects.filter(escalation=esc).update(status=DeliveryStatus.PERMANENT_FAILURE, fell_back_at=due)
    Notification.objects.create(dedupe_key=f"esc:{esc.pk}:1:{world.office.pk}:email", recipient=world.office,
                                channel=Channel.EMAIL, subject="s", body="b", escalation=esc, visit=visit, level=1,
                                status=DeliveryStatus.SENT, created_at=due, fell_back_at=due + 5 * MINUTE)
    assert reached_nobody([esc.pk]) == set()


def test_a_failure_fall_back_has_not_seen_yet_is_not_the_end(out_visit, world):
    visit, esc, due = late(out_visit)
    Notification.objects.filter(escalation=esc).update(status=DeliveryStatus.PERMANENT_FAILURE)
    assert reached_nobody([esc.pk]) == set()
    Notification.objects.filter(escalation=esc).update(fell_back_at=due)
    assert reached_nobody([esc.pk]) == {esc.pk}


def test_nobody_to_send_to_is_an_alert_that_reached_nobody(out_visit, world):
    """The office has no mobile, no email and no device: the level 1 alert has no message at all."""
    world.office.email = ""
    world.office.save()
    world.office.profile.mobile = ""
    world.office.profile.save()
    visit, esc, due = late(out_visit)
    assert not Notification.objects.filter(escalation=esc, dedupe_key__startswith="esc:").exists()
    esc.refresh_from_db()
    assert esc.reached_nobody  # in the same scan
    assert {channel for _, channel in to(world.head, esc)} == {Channel.SMS, Channel.VOICE, Channel.EMAIL}


def test_an_alert_someone_took_charge_of_is_not_raised_again(out_visit, world):
    visit, esc, due = late(out_visit)
    acknowledge(esc, world.office, now=due + MINUTE)
    Notification.objects.filter(escalation=esc).update(status=DeliveryStatus.PERMANENT_FAILURE, fell_back_at=due)
    scan(due + 2 * MINUTE)
    esc.refresh_from_db()
    assert esc.unreached_at is None and not to(world.head)


def test_at_the_top_the_school_admin_hears_too(out_visit, world):  # R-CODEWORD
    visit = out_visit()
    now = visit.expected_return - 10 * MINUTE
    check_in(visit, EventKind.DURESS, world.teacher, now=now)
    esc = Escalation.objects.get(visit=visit, level=3)
    Notification.objects.filter(escalation=esc).update(status=DeliveryStatus.PERMANENT_FAILURE, fell_back_at=now)
    with mock.patch("notifications.outbox._next_channel", return_value=None):
        scan(now + MINUTE)
    esc.refresh_from_db()
    assert esc.reached_nobody
    assert to(world.admin, esc)
    assert not to(world.teacher, esc)  # never the person in danger's own phone


def test_the_board_and_the_escalation_page_say_so(client, out_visit, world, clock_tuesday_11am_gmt):
    visit, esc, due = late(out_visit)
    client.force_login(world.office)
    board = client.get(reverse("safety:board")).content.decode()
    assert 'data-testid="reached-nobody"' not in board
    Notification.objects.filter(escalation=esc).update(status=DeliveryStatus.PERMANENT_FAILURE, fell_back_at=due)
    scan(due + MINUTE)
    board = client.get(reverse("safety:board")).content.decode()
    assert 'data-testid="reached-nobody"' in board and "This alert has reached nobody" in board
    assert f"u{esc.pk}" in board  # a new alert key: the open board sounds again
    page = client.get(reverse("safety:escalation", args=[visit.pk])).content.decode()
    assert 'data-testid="reached-nobody"' in page
    acknowledge(esc, world.office, now=due + 2 * MINUTE)
    assert 'data-testid="reached-nobody"' not in client.get(reverse("safety:board")).content.decode()


def test_in_production_a_log_only_sms_is_skipped_and_the_email_goes_first(settings, out_visit, world):
    """Text messages that only go to the server's log reach nobody: with no SMS provider the office's
    alert goes by email at once, not after the SMS's wait."""
    settings.SITE_URL = "https://visits.example.org"
    settings.SMS_PROVIDER, settings.SMS_BACKEND, settings.VOICE_PROVIDER = "console", "", "console"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    visit, esc, due = late(out_visit)
    assert {channel for _, channel in to(world.office)} == {Channel.EMAIL}


def test_a_device_comes_first(out_visit, world):
    PushSubscription.objects.create(user=world.office, endpoint="https://push.example/abc", p256dh="k", auth="a")
    visit, esc, due = late(out_visit)
    assert {channel for _, channel in to(world.office)} == {Channel.PUSH}

