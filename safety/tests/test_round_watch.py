"""A day's round, watched (R-LUNCH, R-LATE-15, R-RETURN-30, R-RETURN): the watchdog counts from the
round's next return point, the lunchtime return for the morning's visits and the end-of-day return
after lunch; once staff go on to the round's next visit, the one they left raises nothing new, so an
overdue round is ONE alert; back at school at lunch brings them back from the whole morning.
On both clock-change days too (Europe/London: last Sundays of March and October)."""

import datetime

import pytest

from accounts import pins
from homevisits.tests.rounds import local, round_of
from notifications.models import Notification
from safety.models import Escalation, EscalationLevel
from safety.watchdog import check_in, look_again, scan
from visits import cover
from visits.models import EventKind, RecordedHow, VisitStaff, VisitState

pytestmark = pytest.mark.django_db

JUNE = datetime.date(2026, 6, 10)
SPRING_FORWARD = datetime.date(2026, 3, 29)  # the clocks go forward at 01:00 GMT
FALL_BACK = datetime.date(2026, 10, 25)  # the clocks go back at 02:00 BST
DAY_BEFORE = datetime.timedelta(days=1)


def morning(world, day):
    """The round's first two visits done (09:30 and 10:45), staff now at the second: the first is
    handed on to it."""
    day_round, (first, second, afternoon) = round_of(world, day, now=local(day, 7) - DAY_BEFORE)
    check_in(first, EventKind.DEPARTED, world.teacher, now=local(day, 9, 20))
    check_in(first, EventKind.ARRIVED, world.teacher, now=local(day, 9, 30))
    check_in(first, EventKind.LEFT, world.teacher, now=local(day, 10, 15))
    check_in(second, EventKind.DEPARTED, world.teacher, now=local(day, 10, 35))
    for visit in (first, second, afternoon):
        visit.refresh_from_db()
    return day_round, first, second, afternoon


def open_alerts():
    return list(Escalation.objects.filter(resolved_at__isnull=True).values_list("visit_id", "level"))


def test_the_rounds_visits_come_back_at_its_return_points(world):
    day_round, (first, second, afternoon) = round_of(world, JUNE, now=local(JUNE, 7) - DAY_BEFORE)
    assert [v.expected_return for v in (first, second)] == [local(JUNE, 12, 30)] * 2
    assert afternoon.expected_return == local(JUNE, 15, 30)
    assert [v.round_order for v in (first, second, afternoon)] == [1, 2, 3]


def test_a_visit_alone_on_its_way_is_counted_from_the_lunchtime_return(world):
    _, (first, _, _) = round_of(world, JUNE, now=local(JUNE, 7) - DAY_BEFORE)
    check_in(first, EventKind.DEPARTED, world.teacher, now=local(JUNE, 9, 20))
    scan(local(JUNE, 12, 44))
    assert open_alerts() == []  # its own 45 minutes ended at 10:15: the lunch return is what counts
    scan(local(JUNE, 12, 45))
    assert open_alerts() == [(first.pk, EscalationLevel.LATE)]


def test_staff_on_the_next_visit_hand_the_last_one_on_and_it_is_no_longer_scanned(world):
    _, first, second, _ = morning(world, JUNE)
    assert first.handed_on_at == local(JUNE, 10, 35)
    assert first.state == VisitState.LEFT  # still out until they are back at school
    assert first.next_check_at is None
    assert second.next_check_at is not None
    assert first.events.filter(kind=EventKind.HANDED_ON).count() == 1


def test_an_overdue_round_is_one_alert_not_one_per_visit(world):
    _, first, second, _ = morning(world, JUNE)
    scan(local(JUNE, 12, 45))
    assert open_alerts() == [(second.pk, EscalationLevel.LATE)]
    scan(local(JUNE, 13, 0))
    assert open_alerts() == [(second.pk, EscalationLevel.CHASE)]
    assert not Escalation.objects.filter(visit=first).exists()


def test_a_settings_change_bringing_every_visit_forward_still_raises_one_alert(world):
    _, first, second, _ = morning(world, JUNE)
    look_again(world.school.pk, local(JUNE, 12, 50))
    first.refresh_from_db()
    assert first.next_check_at == local(JUNE, 12, 50)  # the handed-on visit is looked at again too
    scan(local(JUNE, 12, 50))
    assert open_alerts() == [(second.pk, EscalationLevel.LATE)]
    first.refresh_from_db()
    assert first.next_check_at is None


def test_the_handed_on_visit_sends_its_staff_no_reminders(world):
    _, first, second, _ = morning(world, JUNE)
    scan(local(JUNE, 12, 30))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.staff_reminded_for is None and first.staff_nudged_for is None
    assert second.staff_nudged_for == local(JUNE, 12, 30)
    reminders = Notification.objects.filter(dedupe_key__startswith="due:")
    assert reminders.exists()
    assert not reminders.filter(dedupe_key__startswith=f"due:{first.pk}:").exists()


def test_back_at_school_at_lunch_brings_them_back_from_the_whole_morning_and_closes_the_alert(world):
    _, first, second, afternoon = morning(world, JUNE)
    scan(local(JUNE, 12, 45))
    check_in(second, EventKind.RETURNED, world.teacher, now=local(JUNE, 12, 50))
    first.refresh_from_db()
    assert first.state == VisitState.LEFT  # the TA is not back yet
    check_in(second, EventKind.RETURNED, world.ta, now=local(JUNE, 12, 52))
    for visit in (first, second, afternoon):
        visit.refresh_from_db()
    assert first.state == second.state == VisitState.RETURNED
    assert first.returned_at == second.returned_at == local(JUNE, 12, 52)
    assert afternoon.state == VisitState.APPROVED
    assert open_alerts() == []


def test_after_lunch_the_watch_counts_from_the_end_of_the_day(world):
    _, _, second, afternoon = morning(world, JUNE)
    for person in (world.teacher, world.ta):
        check_in(second, EventKind.RETURNED, person, now=local(JUNE, 12, 20))
    check_in(afternoon, EventKind.DEPARTED, world.teacher, now=local(JUNE, 13, 20))
    scan(local(JUNE, 15, 44))
    assert open_alerts() == []
    scan(local(JUNE, 15, 45))
    assert open_alerts() == [(afternoon.pk, EscalationLevel.LATE)]


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK], ids=["last Sunday of March", "last Sunday of October"])
def test_on_a_clock_change_day_the_return_points_are_the_wall_clock_times(world, day):
    _, first, second, afternoon = morning(world, day)
    # 12:30 on the school's clock that day, whatever the offset (BST from 29 March, GMT from 25 October).
    assert second.expected_return == local(day, 12, 30)
    assert second.expected_return.hour == (11 if day == SPRING_FORWARD else 12)
    scan(local(day, 12, 44))
    assert open_alerts() == []
    scan(local(day, 12, 45))
    assert open_alerts() == [(second.pk, EscalationLevel.LATE)]
    for person in (world.teacher, world.ta):
        check_in(second, EventKind.RETURNED, person, now=local(day, 12, 50))
    check_in(afternoon, EventKind.DEPARTED, world.teacher, now=local(day, 13, 20))
    scan(local(day, 15, 44))
    assert open_alerts() == []
    scan(local(day, 15, 45))
    assert open_alerts() == [(afternoon.pk, EscalationLevel.LATE)]


def test_the_office_recording_back_at_school_after_a_call_brings_the_person_back_from_the_morning(world):
    _, first, second, _ = morning(world, JUNE)
    check_in(second, EventKind.RETURNED, world.office, on_behalf_of=world.ta, how=RecordedHow.PHONE,
             now=local(JUNE, 12, 20))
    assert VisitStaff.objects.get(visit=first, user=world.ta).returned_at == local(JUNE, 12, 20)
    assert VisitStaff.objects.get(visit=first, user=world.teacher).returned_at is None
    back = first.events.get(kind=EventKind.RETURNED)
    assert back.actor == world.office and back.on_behalf_of == world.ta and back.how == RecordedHow.PHONE


def test_a_double_tapped_back_at_school_is_recorded_once_on_every_visit(world):
    _, first, second, _ = morning(world, JUNE)
    for _ in range(2):
        check_in(second, EventKind.RETURNED, world.teacher, now=local(JUNE, 12, 20), idempotency_key="tap-1")
    assert first.events.filter(kind=EventKind.RETURNED).count() == 1
    assert second.events.filter(kind=EventKind.RETURNED).count() == 1


def test_a_duress_pin_for_back_at_school_shows_the_whole_morning_back_on_the_phone_and_raises_one_alarm(world):
    _, first, second, _ = morning(world, JUNE)
    world.school.pin_to_end_visit = True
    world.school.save()
    pins.set_pins(world.teacher, "739146", "582073")
    second.refresh_from_db()
    check_in(second, EventKind.RETURNED, world.teacher, now=local(JUNE, 12, 20), pin="582073")
    for visit in (first, second):
        visit.refresh_from_db()
        assert visit.state != VisitState.RETURNED  # nobody is really back: still out and watched
        shown = cover.as_the_phone_shows(visit)
        assert cover.back_on_phone(shown, world.teacher)
    assert open_alerts() == [(second.pk, EscalationLevel.EMERGENCY)]
