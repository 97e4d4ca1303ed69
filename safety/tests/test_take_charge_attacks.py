"""Hostile review of taking charge from the alert, the staff phone's "School has seen your alert"
and the alert that reached nobody: each test tries one attack or one way an alert is lost."""

import datetime
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from homevisits import factories
from notifications.models import Channel, DeliveryStatus, Notification, PushSubscription
from notifications.outbox import reached_nobody
from notifications.signals import alert_heard
from notifications.tests.fakes import signed
from safety.escalations import acknowledge, record_contact
from safety.models import AlarmOutcome, ContactOutcome, ContactStep, Escalation, EscalationLevel, EscalationReason
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitState

from .alert_links import link_in_alert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_broker")]

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def _no_broker():
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


def test_a_code_word_after_not_safe_never_shows_school_has_seen(client, out_visit, world):  # R-CODEWORD
    """"Not safe" opens the top-level alert; the code word then sounds it again (the same row, its
    reason still "unsafe"). Once the office takes charge again the phone must still show nothing."""
    visit = out_visit()
    now = visit.planned_start + 10 * MINUTE
    check_in(visit, EventKind.UNSAFE, world.teacher, now=now)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert esc.level == EscalationLevel.EMERGENCY and esc.reason == EscalationReason.UNSAFE
    client.force_login(world.office)
    client.post(link_in_alert(world.office, esc))
    check_in(visit, EventKind.DURESS, world.teacher, now=now + MINUTE)
    esc.refresh_from_db()
    assert esc.acknowledged_at is None and esc.alert_count == 2
    repeat = Notification.objects.filter(recipient=world.office, escalation=esc,
                                         dedupe_key__startswith=f"esc:{esc.pk}:2:").first()
    client.post(repeat.body[repeat.body.index("/out/take-charge/"):])
    esc.refresh_from_db()
    assert esc.acknowledged_by == world.office
    client.force_login(world.teacher)
    page = client.get(reverse("safety:checkin", args=[visit.pk])).content.decode()
    assert 'data-testid="school-has-seen"' not in page


def test_a_code_word_earlier_in_the_visit_never_shows_school_has_seen(client, out_visit, world):  # R-CODEWORD
    """The code word's alert was closed (reached and "safe": words that may have been forced), and a
    later late return is taken charge of: the phone still says nothing of school knowing."""
    visit = out_visit()
    now = visit.planned_start + 10 * MINUTE
    check_in(visit, EventKind.DURESS, world.teacher, now=now)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    record_contact(esc, 1, ContactOutcome.REACHED_SAFE, world.office, now=now + MINUTE,
                   new_expected_return=visit.expected_return, alarm_outcome=AlarmOutcome.FALSE_OTHER)
    visit.refresh_from_db()
    late = visit.expected_return + 15 * MINUTE
    scan(late)
    alert = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert alert.reason == EscalationReason.LATE_RETURN
    client.force_login(world.office)
    client.post(link_in_alert(world.office, alert))
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.office
    client.force_login(world.teacher)
    page = client.get(reverse("safety:checkin", args=[visit.pk])).content.decode()
    assert 'data-testid="school-has-seen"' not in page


def test_someone_who_has_left_cannot_take_charge_by_pressing_1(out_visit, world):
    """The office's call was placed; they leave the school (made inactive) before pressing 1 on it:
    the alert stays open and goes on repeating, and nobody is told that they have it."""
    visit = out_visit()
    due = visit.expected_return + 15 * MINUTE
    scan(due)
    esc = Escalation.objects.get(visit=visit)
    call = Notification.objects.create(dedupe_key=f"esc:{esc.pk}:1:{world.office.pk}:voice", recipient=world.office,
                                       channel=Channel.VOICE, subject="s", body="b", escalation=esc, visit=visit,
                                       level=1)
    world.office.is_active = False
    world.office.save()
    alert_heard.send(sender=Notification, notification=call)
    esc.refresh_from_db()
    assert esc.acknowledged_at is None


def test_a_push_sent_but_never_shown_to_a_push_only_person_reached_nobody(out_visit, world):  # R-LATE-15
    """The office's only channel is their phone's push; the push service took it (SENT) but the
    phone never showed it (no receipt) and there is no channel left: nobody has the alert."""
    world.office.email = ""
    world.office.save()
    world.office.profile.mobile = ""
    world.office.profile.save()
    PushSubscription.objects.create(user=world.office, endpoint="https://push.example/abc", p256dh="k", auth="a")
    factories.slow_roster(world.school)  # the office alone has it for now (not yet moved on to the head)
    visit = out_visit()
    due = visit.expected_return + 15 * MINUTE
    scan(due)
    esc = Escalation.objects.get(visit=visit)
    assert {n.channel for n in Notification.objects.filter(escalation=esc)} == {Channel.PUSH}
    Notification.objects.filter(escalation=esc).update(status=DeliveryStatus.SENT)
    scan(due + 6 * MINUTE)  # past level 1's wait for a receipt: fall_back finds no further channel
    assert Notification.objects.filter(escalation=esc, fell_back_at__isnull=False).exists()
    assert reached_nobody([esc.pk]) == {esc.pk}
    esc.refresh_from_db()
    assert esc.reached_nobody


def test_the_dsl_on_the_visit_is_not_sent_their_own_code_word_alert(client, world):  # R-CODEWORD
    """The DSL goes on a visit and says the code word: their own phone must not show "EMERGENCY",
    and nobody holding it can take charge of the alert, which would stop it repeating and tell the
    office and the head that the DSL is dealing with it."""
    start = factories.TUESDAY_GMT
    visit = factories.VisitFactory(family=factories.FamilyFactory(school=world.school), school=world.school,
                                   lead=world.dsl, created_by=world.dsl, staff=[world.dsl, world.teacher],
                                   planned_start=start, expected_return=start + 90 * MINUTE, state=VisitState.APPROVED)
    check_in(visit, EventKind.DEPARTED, world.dsl, now=start)
    visit.refresh_from_db()
    check_in(visit, EventKind.DURESS, world.dsl, now=start + 10 * MINUTE)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert Notification.objects.filter(escalation=esc, recipient=world.head).exists()
    assert not Notification.objects.filter(escalation=esc, recipient=world.dsl).exists()
    with pytest.raises(PermissionDenied):
        acknowledge(esc, world.dsl, now=start + 11 * MINUTE)
    esc.refresh_from_db()
    assert esc.acknowledged_at is None
    scan(start + 10 * MINUTE + world.school.alert_repeat_minutes * MINUTE)  # unacknowledged: it repeats
    esc.refresh_from_db()
    assert esc.alert_count == 2
    assert Notification.objects.filter(escalation=esc, recipient=world.head, dedupe_key__contains=":2:").exists()
    assert not Notification.objects.filter(escalation=esc, recipient=world.dsl).exists()


def test_the_head_late_on_a_visit_is_not_sent_their_own_level_2(out_visit, world):  # R-RETURN-30
    """The head goes with the teacher and both are 30 minutes late: the office hears, the head's own
    phone does not (and they cannot take charge of their own lateness)."""
    start = factories.TUESDAY_GMT
    visit = factories.VisitFactory(family=factories.FamilyFactory(school=world.school), school=world.school,
                                   lead=world.head, created_by=world.head, staff=[world.head, world.teacher],
                                   planned_start=start, expected_return=start + 90 * MINUTE, state=VisitState.APPROVED)
    check_in(visit, EventKind.DEPARTED, world.head, now=start)
    visit.refresh_from_db()
    scan(visit.expected_return + 30 * MINUTE)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert esc.level == EscalationLevel.CHASE
    assert Notification.objects.filter(escalation=esc, recipient=world.office).exists()
    assert not Notification.objects.filter(escalation=esc, recipient=world.head).exists()


def test_a_code_word_after_not_safe_lets_the_office_call_the_police_at_once(out_visit, world):  # R-CODEWORD
    """"Not safe", then the code word: the same open alert sounds again, and is now a code word's,
    so the office records the police call at once, before the other contact steps, and the alert
    says code word."""
    visit = out_visit()
    now = visit.planned_start + 10 * MINUTE
    check_in(visit, EventKind.UNSAFE, world.teacher, now=now)
    check_in(visit, EventKind.DURESS, world.teacher, now=now + MINUTE)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert esc.reason == EscalationReason.DURESS
    repeat = Notification.objects.filter(recipient=world.office, escalation=esc,
                                         dedupe_key__startswith=f"esc:{esc.pk}:2:").first()
    assert "Code word" in repeat.body
    record_contact(esc, ContactStep.POLICE, ContactOutcome.REACHED, world.office, now=now + 2 * MINUTE)


def test_pressing_1_on_a_call_from_before_the_code_word_does_not_take_charge_of_it(out_visit, world):  # R-CODEWORD
    """The head's call read the "not safe" alert; the code word came while it rang. Their 1 on that
    call is no proof they heard the code word: the alert goes on repeating until someone takes charge
    of it knowing."""
    visit = out_visit()
    now = visit.planned_start + 10 * MINUTE
    check_in(visit, EventKind.UNSAFE, world.teacher, now=now)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    call = Notification.objects.create(dedupe_key=f"esc:{esc.pk}:1:{world.head.pk}:voice", recipient=world.head,
                                       channel=Channel.VOICE, subject="s", body="b", escalation=esc, visit=visit,
                                       level=3)
    check_in(visit, EventKind.DURESS, world.teacher, now=now + MINUTE)
    alert_heard.send(sender=Notification, notification=call)
    esc.refresh_from_db()
    assert esc.acknowledged_at is None
    new_call = Notification.objects.create(dedupe_key=f"esc:{esc.pk}:2:{world.head.pk}:voice", recipient=world.head,
                                           channel=Channel.VOICE, subject="s", body="b", escalation=esc, visit=visit,
                                           level=3)
    alert_heard.send(sender=Notification, notification=new_call)
    esc.refresh_from_db()
    assert esc.acknowledged_by == world.head


def test_pressing_1_after_someone_else_took_charge_is_not_told_they_have_it(client, settings, out_visit, world,
                                                                          django_capture_on_commit_callbacks):
    """The office took charge from the link; the head then presses 1 on their call. The call must not
    say "You have taken charge": the head would believe they have it while the office does."""
    settings.SITE_URL, settings.TWILIO_AUTH_TOKEN = "https://homevisits.school.example", "f" * 32
    visit = out_visit()
    check_in(visit, EventKind.UNSAFE, world.teacher, now=visit.planned_start + 10 * MINUTE)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    call = Notification.objects.create(dedupe_key=f"esc:{esc.pk}:1:{world.head.pk}:voice", recipient=world.head,
                                       channel=Channel.VOICE, subject="s", body="b", escalation=esc, visit=visit,
                                       level=3, status=DeliveryStatus.SENT)
    acknowledge(esc, world.office, now=visit.planned_start + 11 * MINUTE)
    path = f"{reverse('notifications:twilio_gather')}?{urlencode({'reference': call.message_id})}"
    params = {"CallSid": "CA" + "6" * 32, "Digits": "1", "AnsweredBy": "human"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signed(settings.SITE_URL + path, params))
    assert response.status_code == 200
    esc.refresh_from_db()
    assert esc.acknowledged_by == world.office
    assert "You have taken charge" not in response.content.decode()
    assert f"{world.office.get_full_name()} has already taken charge" in response.content.decode()


def test_a_forged_key_press_takes_charge_of_nothing(client, settings, out_visit, world):
    """Someone who knows a call's reference posts "1" without Twilio's signature (or with one made
    with another token): refused, and the alert stays open."""
    settings.SITE_URL, settings.TWILIO_AUTH_TOKEN = "https://homevisits.school.example", "f" * 32
    visit = out_visit()
    check_in(visit, EventKind.UNSAFE, world.teacher, now=visit.planned_start + 10 * MINUTE)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    call = Notification.objects.create(dedupe_key=f"esc:{esc.pk}:1:{world.head.pk}:voice", recipient=world.head,
                                       channel=Channel.VOICE, subject="s", body="b", escalation=esc, visit=visit,
                                       level=3, status=DeliveryStatus.SENT)
    path = f"{reverse('notifications:twilio_gather')}?{urlencode({'reference': call.message_id})}"
    params = {"CallSid": "CA" + "6" * 32, "Digits": "1", "AnsweredBy": "human"}
    assert client.post(path, params).status_code == 403
    forged = signed(settings.SITE_URL + path, params, token="0" * 32)
    assert client.post(path, params, HTTP_X_TWILIO_SIGNATURE=forged).status_code == 403
    esc.refresh_from_db()
    call.refresh_from_db()
    assert esc.acknowledged_at is None and call.status == DeliveryStatus.SENT


def test_taking_charge_needs_the_form_s_csrf_token_and_a_get_changes_nothing(out_visit, world, clock_tuesday_gmt):
    visit = out_visit()
    scan(visit.expected_return + 15 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    url = link_in_alert(world.office, esc)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.office)
    assert browser.get(url).status_code == 200
    assert browser.post(url).status_code == 403  # a page elsewhere cannot post it for them
    esc.refresh_from_db()
    assert esc.acknowledged_at is None


def test_someone_who_has_left_is_not_moved_on_to_their_next_channel(out_visit, world):  # R-LATE-15
    """The office's push went before they left the school (made inactive): the alert's wait for a
    receipt passes, and their text is not sent to a phone that is no longer the school's."""
    PushSubscription.objects.create(user=world.office, endpoint="https://push.example/abc", p256dh="k", auth="a")
    factories.slow_roster(world.school)  # the office alone has it for now (not yet moved on to the head)
    visit = out_visit()
    due = visit.expected_return + 15 * MINUTE
    scan(due)
    esc = Escalation.objects.get(visit=visit)
    assert {n.channel for n in Notification.objects.filter(escalation=esc)} == {Channel.PUSH}
    Notification.objects.filter(escalation=esc).update(status=DeliveryStatus.SENT)
    world.office.is_active = False
    world.office.save()
    scan(due + 6 * MINUTE)
    assert {n.channel for n in Notification.objects.filter(escalation=esc, recipient=world.office)} == {Channel.PUSH}


def test_the_head_out_on_the_visit_is_not_sent_the_reminder_about_it(world):  # R-CODEWORD, R-CONTACT-STEPS
    """The head says the code word on a visit; the office takes charge and records no step: the
    reminders go to the office, never to the head's own phone (which must show nothing)."""
    start = factories.TUESDAY_GMT
    visit = factories.VisitFactory(family=factories.FamilyFactory(school=world.school), school=world.school,
                                   lead=world.head, created_by=world.head, staff=[world.head, world.teacher],
                                   planned_start=start, expected_return=start + 90 * MINUTE, state=VisitState.APPROVED)
    check_in(visit, EventKind.DEPARTED, world.head, now=start)
    visit.refresh_from_db()
    check_in(visit, EventKind.DURESS, world.head, now=start + 10 * MINUTE)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    took = start + 11 * MINUTE
    acknowledge(esc, world.office, now=took)
    every = world.school.charge_reminder_minutes * MINUTE
    scan(took + every)
    scan(took + 2 * every)
    assert Notification.objects.filter(recipient=world.office, dedupe_key__startswith="remind:").exists()
    assert not Notification.objects.filter(recipient=world.head).exists()


def test_an_old_link_of_someone_who_moved_school_is_not_found(client, out_visit, world, other_school):
    visit = out_visit()
    scan(visit.expected_return + 15 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    url = link_in_alert(world.office, esc)
    world.office.profile.school = other_school
    world.office.profile.save()
    client.force_login(world.office)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    esc.refresh_from_db()
    assert esc.acknowledged_at is None


def test_a_link_to_a_level_raised_since_takes_charge_of_nothing(client, out_visit, world):  # R-RETURN-30
    visit = out_visit()
    scan(visit.expected_return + 15 * MINUTE)
    level_1 = Escalation.objects.get(visit=visit)
    url = link_in_alert(world.office, level_1)
    scan(visit.expected_return + 30 * MINUTE)
    client.force_login(world.office)
    response = client.post(url, follow=True)
    assert "raised to level 2" in response.content.decode()
    assert not Escalation.objects.filter(visit=visit, acknowledged_at__isnull=False).exists()
