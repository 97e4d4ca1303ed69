"""Notifications are recorded, sent once, retried with backoff, and a failure is kept visible."""

import datetime
from unittest import mock

import pytest
from django.core import mail

from notifications import sms
from notifications.models import Channel, DeliveryStatus, Notification
from notifications.outbox import resend_pending
from notifications.tasks import MAX_DELIVERY_ATTEMPTS, deliver_notification
from safety.watchdog import check_in, scan
from visits.models import EventKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_clean_outbox")]


@pytest.fixture
def _clean_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def escalate(out_visit):
    visit = out_visit()
    scan(visit.expected_return + datetime.timedelta(minutes=15))
    return visit


def test_each_notification_is_sent_once_even_when_its_task_runs_twice(out_visit, people):
    escalate(out_visit)
    note = Notification.objects.get(recipient=people["office"], channel=Channel.SMS)
    deliver_notification.apply(args=(note.pk,))
    deliver_notification.apply(args=(note.pk,))
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT and note.attempts == 1
    assert sms.outbox == [(str(people["office"].profile.mobile), mock.ANY)]


def test_an_escalation_reaches_each_person_on_their_first_channel_only(out_visit, people):
    """Push, then SMS, then email (no device here, so SMS): the email waits for fallback."""
    escalate(out_visit)
    assert set(Notification.objects.filter(recipient=people["office"]).values_list("channel", flat=True)) == {
        Channel.SMS}


def test_sms_goes_to_the_mobile_on_record(out_visit, people):
    escalate(out_visit)
    note = Notification.objects.get(recipient=people["office"], channel=Channel.SMS)
    deliver_notification.apply(args=(note.pk,))
    assert sms.outbox == [(str(people["office"].profile.mobile), mock.ANY)]


def test_a_failing_channel_is_retried_with_backoff_then_recorded_as_failed(
        out_visit, people, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "notifications.sms.FailingSmsBackend"
    visit = escalate(out_visit)
    note = Notification.objects.get(recipient=people["office"], channel=Channel.SMS)
    with mock.patch("notifications.tasks._retry_later") as retry:
        for attempt in range(1, MAX_DELIVERY_ATTEMPTS + 1):
            with django_capture_on_commit_callbacks(execute=True):
                deliver_notification.apply(args=(note.pk,))
            note.refresh_from_db()
            assert note.attempts == attempt
    delays = [c.args[1] for c in retry.call_args_list]
    assert len(delays) == MAX_DELIVERY_ATTEMPTS - 1  # no retry after the last try
    assert delays == sorted(delays) and delays[0] < delays[-1]  # backoff grows
    assert note.status == DeliveryStatus.FAILED
    assert "SMS provider unavailable" in note.last_error
    # The failed text moves the alert on to the person's next channel at the next scan, which works.
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        scan(visit.expected_return + datetime.timedelta(minutes=16))
    email = Notification.objects.get(recipient=people["office"], channel=Channel.EMAIL)
    deliver_notification.apply(args=(email.pk,))
    email.refresh_from_db()
    assert email.status == DeliveryStatus.SENT and mail.outbox[0].to == [people["office"].email]


def test_pending_notifications_are_handed_over_again_by_the_scan(
        out_visit, settings, django_capture_on_commit_callbacks):
    """If the broker was down when they were recorded (never handed over), the next scans send
    them (none lost); the few seconds before, the after-commit hand-over may still be on its way."""
    visit = escalate(out_visit)
    recorded_at = visit.expected_return + datetime.timedelta(minutes=15)
    assert not Notification.objects.exclude(handed_over_at=None).exists()
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as send, \
            django_capture_on_commit_callbacks(execute=True):
        assert resend_pending(recorded_at + datetime.timedelta(seconds=5)) == 0
        count = resend_pending(recorded_at + datetime.timedelta(seconds=11))
    assert count == Notification.objects.count() > 0
    assert send.call_count == count


def test_a_check_in_is_saved_when_the_broker_is_down(out_visit, people, django_capture_on_commit_callbacks):
    visit = out_visit()
    with mock.patch("notifications.tasks.deliver_notification.apply_async", side_effect=ConnectionError("redis down")):
        with django_capture_on_commit_callbacks(execute=True):
            check_in(visit, EventKind.DURESS, people["teacher"], now=visit.expected_return)
    assert visit.events.filter(kind=EventKind.DURESS).exists()
    assert Notification.objects.filter(status=DeliveryStatus.PENDING).count() > 0


def test_bodies_carry_no_family_address_child_name_or_code_word(out_visit):
    from homevisits.factories import ChildFactory

    visit = out_visit()
    ChildFactory(family=visit.family, first_name="Zebedee")
    scan(visit.expected_return + datetime.timedelta(minutes=30))
    scan(visit.expected_return + datetime.timedelta(minutes=31))
    text = " ".join(f"{n.subject} {n.body}" for n in Notification.objects.all())
    assert text
    for secret in (visit.code_word, visit.family.address_line1, visit.family.postcode, "Zebedee"):
        assert secret not in text


def test_a_database_blip_while_claiming_retries_the_delivery_soon(out_visit, people):
    """Not left for the scan's hand-over ten minutes later: the task itself tries again."""
    from django.db import OperationalError

    from notifications import tasks

    escalate(out_visit)
    note = Notification.objects.get(recipient=people["office"], channel=Channel.SMS)
    real, calls = tasks._claim, []

    def claim(pk):
        calls.append(pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection")
        return real(pk)

    with mock.patch("notifications.tasks._claim", side_effect=claim), \
            mock.patch.object(tasks.deliver_notification, "retry", wraps=tasks.deliver_notification.retry) as retry:
        deliver_notification.apply(args=(note.pk,))
    assert retry.call_args.kwargs["countdown"] == 10
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT and note.attempts == 1 and len(calls) == 2
