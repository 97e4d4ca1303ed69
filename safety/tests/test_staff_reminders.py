"""Staff first (fewer false alarms): each member of staff still out hears "Due back at 10:30 — tap to
tell school" staff_reminder_minutes (5) before the expected return and again at it, once per expected
return, never once an escalation has started, and it never moves level 1 (R-LATE-15 still fires at
the expected return + late_call_minutes). Times travel by passing `now` to the scan; nothing sleeps."""

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import Channel, DeliveryStatus, Notification, PushSubscription
from notifications.outbox import reached_nobody
from safety import ladder, staff_reminders
from safety.alerts import alerted_people
from safety.models import Escalation, EscalationLevel
from safety.watchdog import check_in, raise_unreached, scan
from visits.models import EventKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_broker")]

UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def _no_broker():
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


def told(person):
    """What a person was told about being due back, one line per message (whichever channels carried
    it: fall_back moves a push not shown on to SMS with the same key)."""
    notes = Notification.objects.filter(recipient=person, dedupe_key__startswith="due:").order_by("pk")
    return list({note.dedupe_key.rsplit(":", 2)[0]: note.subject for note in notes}.values())


def kinds(person):
    """Which of the reminder and the nudge a person got, in order."""
    notes = Notification.objects.filter(recipient=person, dedupe_key__startswith="due:").order_by("pk")
    return list(dict.fromkeys(note.dedupe_key.split(":")[2] for note in notes))


def levels(visit):
    return sorted(Escalation.objects.filter(visit=visit).values_list("level", flat=True))


@pytest.fixture
def visit(out_visit):
    """Out at 09:00 GMT on the Tuesday with the teacher and the TA, expected back at 10:30."""
    return out_visit()


# --- When ---------------------------------------------------------------------------------------

def test_the_staff_are_reminded_5_minutes_before_and_nudged_at_the_expected_return_each_once(visit, world):
    expected = visit.expected_return
    assert visit.next_check_at == expected - 5 * MINUTE  # the one due scan finds it
    scan(expected - 5 * MINUTE - SECOND)
    assert told(world.teacher) == told(world.ta) == []
    scan(expected - 5 * MINUTE)
    assert told(world.teacher) == told(world.ta) == ["Due back at 10:30 — tap to tell school"]
    scan(expected - 4 * MINUTE)  # a second scan sends nothing more
    assert kinds(world.teacher) == ["reminder"]
    visit.refresh_from_db()
    assert visit.next_check_at == expected and visit.staff_reminded_for == expected
    scan(expected)
    scan(expected + SECOND)
    assert kinds(world.teacher) == kinds(world.ta) == ["reminder", "nudge"]
    assert told(world.teacher) == ["Due back at 10:30 — tap to tell school"] * 2
    visit.refresh_from_db()
    assert visit.next_check_at == expected + 15 * MINUTE  # then only the ladder: R-LATE-15
    assert told(world.office) == told(world.head) == []  # the staff's own, nobody else's
    assert levels(visit) == []


def test_level_1_still_fires_at_exactly_15_minutes_after_the_reminders(visit, world):  # R-LATE-15
    expected = visit.expected_return
    for moment in (expected - 5 * MINUTE, expected, expected + 15 * MINUTE - SECOND):
        scan(moment)
    assert kinds(world.teacher) == ["reminder", "nudge"] and levels(visit) == []
    scan(expected + 15 * MINUTE)
    assert levels(visit) == [EscalationLevel.LATE]
    assert Notification.objects.filter(recipient=world.office, dedupe_key__startswith="esc:").exists()


def test_level_1_fires_on_time_when_no_scan_ran_for_the_reminders(visit, world):  # R-LATE-15
    """A scan that was down for the reminder and the nudge raises level 1 at +15, and sends neither:
    once an escalation has started, level 1 is the word."""
    scan(visit.expected_return + 15 * MINUTE)
    assert levels(visit) == [EscalationLevel.LATE]
    assert told(world.teacher) == told(world.ta) == []
    visit.refresh_from_db()
    assert visit.next_check_at == visit.expected_return + 20 * MINUTE  # the roster moving on, not a reminder


def test_nothing_reminds_after_an_escalation_has_started(visit, world):  # R-LATE-15
    scan(visit.expected_return + 15 * MINUTE)
    for minutes in (16, 20, 25, 30):
        scan(visit.expected_return + minutes * MINUTE)
    assert told(world.teacher) == told(world.ta) == []


def test_after_a_code_word_the_phone_is_never_reminded(visit, world):  # R-CODEWORD
    check_in(visit, EventKind.DURESS, world.teacher, now=visit.expected_return - 20 * MINUTE)
    visit.refresh_from_db()
    scan(visit.expected_return - 5 * MINUTE)
    scan(visit.expected_return)
    assert told(world.teacher) == told(world.ta) == []


def test_an_alert_for_a_missed_check_in_means_no_reminder_of_the_return(out_visit, world):  # R-CHECKIN
    """Check-ins every 60 minutes: the 10:00 one missed is level 1 at 10:15, so at 10:25 the alert,
    not a reminder, is the word."""
    world.school.checkin_interval_minutes = 60
    world.school.save()
    visit = out_visit()
    scan(visit.departed_at + 75 * MINUTE)
    assert levels(visit) == [EscalationLevel.LATE]
    scan(visit.expected_return - 5 * MINUTE)
    scan(visit.expected_return)
    assert told(world.teacher) == told(world.ta) == []


def test_a_scan_that_ran_late_sends_the_nudge_but_not_the_reminder_it_missed(visit, world):
    scan(visit.expected_return + 2 * MINUTE)
    assert kinds(world.teacher) == ["nudge"]
    visit.refresh_from_db()
    assert visit.next_check_at == visit.expected_return + 15 * MINUTE  # not due again for the reminder


def test_leaving_inside_the_reminder_window_skips_the_reminder_not_the_nudge(world):
    start = datetime.datetime(2026, 11, 24, 10, 27, tzinfo=UTC)
    visit = world.visit(start=start - 30 * MINUTE, back=start + 3 * MINUTE)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=start)  # left at 10:27, due back at 10:30
    scan(start + 10 * SECOND)
    assert told(world.teacher) == []  # not "due back" a moment after leaving
    scan(start + 3 * MINUTE)
    assert kinds(world.teacher) == ["nudge"]


# --- Who ----------------------------------------------------------------------------------------

def test_someone_already_back_is_not_reminded(visit, world):  # R-RETURN
    check_in(visit, EventKind.RETURNED, world.ta, now=visit.expected_return - 10 * MINUTE)
    visit.refresh_from_db()
    scan(visit.expected_return - 5 * MINUTE)
    scan(visit.expected_return)
    assert kinds(world.teacher) == ["reminder", "nudge"]
    assert told(world.ta) == []


def test_everyone_back_ends_the_reminders(visit, world):  # R-RETURN
    for person in (world.teacher, world.ta):
        check_in(visit, EventKind.RETURNED, person, now=visit.expected_return - 10 * MINUTE)
    visit.refresh_from_db()
    assert visit.next_check_at is None
    scan(visit.expected_return)
    assert told(world.teacher) == told(world.ta) == []


@pytest.mark.parametrize("off", [None, 0])
def test_a_school_can_switch_the_reminders_off(out_visit, world, off):
    world.school.staff_reminder_minutes = off
    world.school.save()
    visit = out_visit()
    assert visit.next_check_at == visit.expected_return + 15 * MINUTE  # R-LATE-15 alone
    scan(visit.expected_return - 5 * MINUTE)
    scan(visit.expected_return)
    assert told(world.teacher) == told(world.ta) == []
    scan(visit.expected_return + 15 * MINUTE)
    assert levels(visit) == [EscalationLevel.LATE]


def test_the_school_sets_how_many_minutes_before(out_visit, world):
    world.school.staff_reminder_minutes = 10
    world.school.save()
    visit = out_visit()
    scan(visit.expected_return - 10 * MINUTE - SECOND)
    assert told(world.teacher) == []
    scan(visit.expected_return - 10 * MINUTE)
    assert kinds(world.teacher) == ["reminder"]


@pytest.mark.parametrize(("minutes", "ok"), [(1, True), (60, True), (61, False), (0, False), (None, True)])
def test_the_setting_is_bounded(world, minutes, ok):
    world.school.staff_reminder_minutes = minutes
    if ok:
        world.school.full_clean()
    else:
        with pytest.raises(ValidationError) as raised:
            world.school.full_clean()
        assert "staff_reminder_minutes" in raised.value.message_dict


# --- A new time ---------------------------------------------------------------------------------

def test_running_late_means_a_new_reminder_for_the_new_time(visit, world):  # R-LATE-15
    first = visit.expected_return  # 10:30
    scan(first - 5 * MINUTE)
    new = first + 30 * MINUTE  # 11:00
    check_in(visit, EventKind.LATE, world.teacher, now=first - 2 * MINUTE, new_expected_return=new)
    visit.refresh_from_db()
    assert visit.next_check_at == new - 5 * MINUTE
    scan(first)  # the old time: no nudge for it any more
    assert told(world.teacher) == ["Due back at 10:30 — tap to tell school"]
    scan(new - 5 * MINUTE)
    scan(new - 5 * MINUTE + SECOND)
    assert told(world.teacher) == told(world.ta) == ["Due back at 10:30 — tap to tell school",
                                                     "Due back at 11:00 — tap to tell school"]
    scan(new)
    assert kinds(world.teacher) == ["reminder", "nudge"] and len(told(world.teacher)) == 3
    scan(first + 15 * MINUTE)  # the old time's level 1 moment: nothing, the ladder follows the new time
    assert levels(visit) == []
    scan(new + 15 * MINUTE - SECOND)
    assert levels(visit) == []
    scan(new + 15 * MINUTE)
    assert levels(visit) == [EscalationLevel.LATE]


def test_a_new_time_after_level_1_gets_its_own_reminders(visit, world):  # R-LATE-15
    scan(visit.expected_return + 15 * MINUTE)
    new = visit.expected_return + 60 * MINUTE
    check_in(visit, EventKind.LATE, world.teacher, now=visit.expected_return + 16 * MINUTE, new_expected_return=new)
    visit.refresh_from_db()
    assert not Escalation.objects.open_alerts().filter(visit=visit).exists()  # a new round
    scan(new - 5 * MINUTE)
    assert told(world.teacher) == ["Due back at 11:30 — tap to tell school"]


# --- The clock change (last Sundays of October and March, Europe/London) ----------------------

def test_across_the_autumn_change_the_reminder_comes_5_real_minutes_before(world):
    """Out at 00:40 BST on 25 October 2026 (23:40 UTC), back at 01:30 GMT (01:30 UTC), after the clocks
    went back: the reminder at 01:25 UTC, the London clock reading 01:25 for the second time."""
    departed = datetime.datetime(2026, 10, 24, 23, 40, tzinfo=UTC)
    back = datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    visit = world.visit(start=departed, back=back)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=departed)
    visit.refresh_from_db()
    assert ladder.reminder_at(visit) == datetime.datetime(2026, 10, 25, 1, 25, tzinfo=UTC)
    scan(datetime.datetime(2026, 10, 25, 0, 25, tzinfo=UTC))  # 01:25 BST, the first time round: too soon
    assert told(world.teacher) == []
    scan(datetime.datetime(2026, 10, 25, 1, 25, tzinfo=UTC))
    assert told(world.teacher) == ["Due back at 01:30 — tap to tell school"]
    scan(back + 15 * MINUTE)
    assert levels(visit) == [EscalationLevel.LATE]  # R-LATE-15, on time


def test_across_the_spring_change_the_reminder_comes_5_real_minutes_before(world):
    """Out at 00:30 GMT on 29 March 2026, back at 02:10 BST (01:10 UTC): reminded at 01:05 UTC,
    02:05 on the London clock."""
    departed = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    back = datetime.datetime(2026, 3, 29, 1, 10, tzinfo=UTC)
    visit = world.visit(start=departed, back=back)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=departed)
    visit.refresh_from_db()
    assert visit.next_check_at == datetime.datetime(2026, 3, 29, 1, 5, tzinfo=UTC)
    scan(datetime.datetime(2026, 3, 29, 1, 5, tzinfo=UTC) - SECOND)
    assert told(world.teacher) == []
    scan(datetime.datetime(2026, 3, 29, 1, 5, tzinfo=UTC))
    assert told(world.teacher) == ["Due back at 02:10 — tap to tell school"]
    scan(back)
    assert kinds(world.teacher) == ["reminder", "nudge"]


# --- The words, the link and the channels -------------------------------------------------------

def test_the_message_opens_their_check_in_page(visit, world):  # R-CHECKIN
    scan(visit.expected_return - 5 * MINUTE)
    note = Notification.objects.get(recipient=world.teacher, dedupe_key__startswith="due:")
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('safety:checkin', args=[visit.pk])}"
    assert note.subject == "Due back at 10:30 — tap to tell school"
    assert note.body == f"Due back at 10:30 — tap to tell school: {url}"
    assert note.visit_id == visit.pk and note.escalation_id is None
    assert note.channel == Channel.SMS  # no device: a text message
    assert staff_reminders.checkin_url(visit) == url


def test_push_first_then_a_text_message_never_a_call(visit, world):
    PushSubscription.objects.create(user=world.teacher, endpoint="https://push.example/t", p256dh="k", auth="a")
    scan(visit.expected_return - 5 * MINUTE)
    first = Notification.objects.get(recipient=world.teacher, dedupe_key__startswith="due:")
    assert first.channel == Channel.PUSH and first.level == EscalationLevel.LATE
    Notification.objects.filter(pk=first.pk).update(status=DeliveryStatus.PERMANENT_FAILURE)
    scan(visit.expected_return - 4 * MINUTE)  # fall_back: the same reminder by text message
    channels = list(Notification.objects.filter(recipient=world.teacher, dedupe_key__startswith="due:")
                    .order_by("pk").values_list("channel", flat=True))
    assert channels == [Channel.PUSH, Channel.SMS]
    assert len(told(world.teacher)) == 1
    for minutes in (0, 5, 10, 14):
        scan(visit.expected_return + minutes * MINUTE)
    assert not Notification.objects.filter(recipient=world.teacher, channel=Channel.VOICE).exists()


# --- Never mistaken for an escalation alert -----------------------------------------------------

def test_reminders_are_not_alerts_for_the_all_clear_or_reached_nobody(visit, world):  # R-LATE-15
    scan(visit.expected_return - 5 * MINUTE)
    scan(visit.expected_return)
    Notification.objects.filter(dedupe_key__startswith="due:").update(
        status=DeliveryStatus.PERMANENT_FAILURE, fell_back_at=visit.expected_return)
    scan(visit.expected_return + 15 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    alerted = {person.pk for person in alerted_people(esc)}
    assert world.office.pk in alerted
    assert world.teacher.pk not in alerted and world.ta.pk not in alerted
    assert reached_nobody([esc.pk]) == set()  # the office's alert is waiting, whatever the reminders did
    assert raise_unreached(visit.expected_return + 16 * MINUTE) == []
    assert all(not key.startswith("esc:") for key in Notification.objects.filter(
        dedupe_key__startswith="due:").values_list("dedupe_key", flat=True))
