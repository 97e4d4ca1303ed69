"""The escalation ladder, moved through time by passing `now` (nothing sleeps).

R-LATE-15, R-RETURN-30, R-CHECKIN, R-CODEWORD, R-RETURN.
"""

import datetime

import pytest
import time_machine

from homevisits.factories import slow_roster
from notifications.models import Notification
from safety.models import Escalation, EscalationLevel, EscalationReason
from safety.watchdog import acknowledge, check_in, scan
from visits.models import EventKind, VisitState

pytestmark = pytest.mark.django_db


def past_due(visit, minutes, seconds=0):
    """`minutes` after the visit's expected return."""
    return visit.expected_return + datetime.timedelta(minutes=minutes, seconds=seconds)


def levels(visit):
    return sorted(Escalation.objects.filter(visit=visit).values_list("level", flat=True))


def test_on_time_nothing_happens(out_visit):
    visit = out_visit()
    scan(past_due(visit, -30))
    scan(past_due(visit, 0))
    assert levels(visit) == []


def test_at_14_minutes_59_nothing_happens(out_visit):  # R-LATE-15
    visit = out_visit()
    scan(past_due(visit, 14, 59))
    assert levels(visit) == []


def test_at_15_minutes_the_office_is_flagged_and_nothing_more(out_visit, people):  # R-LATE-15
    visit = out_visit()
    scan(past_due(visit, 15))
    assert levels(visit) == [EscalationLevel.LATE]
    esc = Escalation.objects.get(visit=visit)
    assert esc.reason == EscalationReason.LATE_RETURN
    recipients = set(Notification.objects.filter(escalation=esc).values_list("recipient", flat=True))
    assert recipients == {people["office"].pk}  # the head is not alerted yet
    scan(past_due(visit, 29, 59))
    assert levels(visit) == [EscalationLevel.LATE]


def test_at_30_minutes_the_office_must_chase_and_the_head_is_alerted(out_visit, people):  # R-RETURN-30
    visit = out_visit()
    scan(past_due(visit, 15))
    scan(past_due(visit, 30))
    assert levels(visit) == [EscalationLevel.LATE, EscalationLevel.CHASE]
    chase = Escalation.objects.get(visit=visit, level=EscalationLevel.CHASE)
    recipients = set(Notification.objects.filter(escalation=chase).values_list("recipient", flat=True))
    assert recipients == {people["office"].pk, people["head"].pk}
    visit.refresh_from_db()
    assert visit.escalation_level == EscalationLevel.CHASE


def test_a_scan_after_a_long_outage_catches_up_one_step_per_pass(out_visit):
    """Beat down for an hour: the next ticks escalate what became due, once each, no storm."""
    visit = out_visit()
    scan(past_due(visit, 60))
    scan(past_due(visit, 60, 10))
    assert levels(visit) == [EscalationLevel.LATE, EscalationLevel.CHASE]
    for seconds in (20, 30, 40):
        scan(past_due(visit, 60, seconds))
    assert levels(visit) == [EscalationLevel.LATE, EscalationLevel.CHASE]


def test_scanning_twice_at_the_same_moment_escalates_once(out_visit):
    visit = out_visit()
    scan(past_due(visit, 15))
    scan(past_due(visit, 15))
    assert Escalation.objects.filter(visit=visit).count() == 1
    assert visit.events.filter(kind=EventKind.ESCALATED).count() == 1


def test_a_late_notice_at_plus_10_moves_the_ladder(out_visit, people):  # R-LATE-15
    visit = out_visit()
    old_plus_15, old_plus_30, new_return = past_due(visit, 15), past_due(visit, 30), past_due(visit, 45)
    check_in(visit, EventKind.LATE, people["teacher"], now=past_due(visit, 10), new_expected_return=new_return)
    visit.refresh_from_db()
    assert visit.expected_return == new_return
    scan(old_plus_15)
    scan(old_plus_30)
    assert levels(visit) == []
    scan(new_return + datetime.timedelta(minutes=14, seconds=59))
    assert levels(visit) == []
    scan(new_return + datetime.timedelta(minutes=15))
    assert levels(visit) == [EscalationLevel.LATE]


def test_a_return_at_plus_20_closes_the_escalation(out_visit, people):  # R-RETURN
    visit = out_visit()
    scan(past_due(visit, 15))
    check_in(visit, EventKind.RETURNED, people["teacher"], now=past_due(visit, 19))
    check_in(visit, EventKind.RETURNED, people["ta"], now=past_due(visit, 20))  # each signs themselves back in
    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED
    assert visit.next_check_at is None and visit.escalation_level == 0
    assert not Escalation.objects.filter(visit=visit, resolved_at__isnull=True).exists()
    scan(past_due(visit, 40))
    assert levels(visit) == [EscalationLevel.LATE]


def test_a_code_word_goes_straight_to_the_top_with_head_and_dsl(out_visit, people):  # R-CODEWORD
    visit = out_visit()
    check_in(visit, EventKind.DURESS, people["ta"], now=past_due(visit, -40))
    esc = Escalation.objects.get(visit=visit)
    assert esc.level == EscalationLevel.EMERGENCY and esc.reason == EscalationReason.DURESS
    recipients = set(Notification.objects.filter(escalation=esc).values_list("recipient", flat=True))
    assert recipients == {people["office"].pk, people["head"].pk, people["dsl"].pk}
    bodies = " ".join(Notification.objects.values_list("body", flat=True))
    assert visit.code_word not in bodies and visit.family.address_line1 not in bodies


def test_feeling_unsafe_on_arrival_is_an_emergency(out_visit, people):  # R-ARRIVE
    visit = out_visit()
    check_in(visit, EventKind.UNSAFE, people["teacher"], now=past_due(visit, -60))
    assert levels(visit) == [EscalationLevel.EMERGENCY]
    visit.refresh_from_db()
    assert visit.state == VisitState.LEFT


def test_an_unacknowledged_top_alert_repeats_every_10_minutes_until_acknowledged(out_visit, people):
    visit = out_visit()
    slow_roster(visit.school)  # the roster moving on tier by tier: safety/tests/test_roster.py
    scan(past_due(visit, 15))
    scan(past_due(visit, 30))
    scan(past_due(visit, 39, 59))
    chase = Escalation.objects.get(visit=visit, level=EscalationLevel.CHASE)
    assert chase.alert_count == 1
    scan(past_due(visit, 40))
    chase.refresh_from_db()
    assert chase.alert_count == 2
    assert Notification.objects.filter(escalation=chase, subject__startswith="REPEAT 2").exists()
    acknowledge(chase, people["office"], now=past_due(visit, 41))
    scan(past_due(visit, 50))
    scan(past_due(visit, 70))
    chase.refresh_from_db()
    assert chase.alert_count == 2
    assert chase.resolved_at is None  # acknowledged alerts stay visible until resolved


def test_a_missed_periodic_check_in_escalates_from_when_it_was_due(out_visit, school, people):  # R-CHECKIN
    school.checkin_interval_minutes = 60
    school.save()
    start = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    visit = out_visit(start=start, back_after=180)
    due = start + datetime.timedelta(minutes=60)
    scan(due + datetime.timedelta(minutes=14, seconds=59))
    assert levels(visit) == []
    scan(due + datetime.timedelta(minutes=15))
    esc = Escalation.objects.get(visit=visit)
    assert esc.level == EscalationLevel.LATE and esc.reason == EscalationReason.MISSED_CHECKIN
    # Word from everyone out answers it (each person's word counts for them only), and the next
    # check-in is due an interval after the older of the two.
    check_in(visit, EventKind.OK, people["teacher"], now=due + datetime.timedelta(minutes=20))
    esc.refresh_from_db()
    assert esc.resolved_at is None
    check_in(visit, EventKind.OK, people["ta"], now=due + datetime.timedelta(minutes=21))
    esc.refresh_from_db()
    assert esc.resolved_at is not None
    visit.refresh_from_db()
    assert visit.next_check_at == due + datetime.timedelta(minutes=20 + 60 + 15)


def test_a_regular_check_in_keeps_the_periodic_ladder_quiet(out_visit, school, people):  # R-CHECKIN
    school.checkin_interval_minutes = 60
    school.save()
    start = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    visit = out_visit(start=start, back_after=180)
    check_in(visit, EventKind.OK, people["teacher"], now=start + datetime.timedelta(minutes=50))
    check_in(visit, EventKind.OK, people["ta"], now=start + datetime.timedelta(minutes=52))
    scan(start + datetime.timedelta(minutes=76))
    assert levels(visit) == []


def test_the_clock_change_neither_shifts_nor_loses_an_escalation(out_visit):
    """Expected back at 01:30 BST on the last Sunday of October (00:30 UTC, before the clocks go
    back at 02:00 BST): flagged 15 real minutes later, not 75 or -45."""
    expected = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)  # 01:30 BST
    visit = out_visit(start=expected - datetime.timedelta(minutes=90), back_after=90)
    assert visit.expected_return == expected
    scan(expected + datetime.timedelta(minutes=14, seconds=59))
    assert levels(visit) == []
    scan(expected + datetime.timedelta(minutes=15))
    assert levels(visit) == [EscalationLevel.LATE]
    scan(expected + datetime.timedelta(minutes=30))  # 01:00 GMT, after the change
    assert levels(visit) == [EscalationLevel.LATE, EscalationLevel.CHASE]


def test_a_scan_at_the_real_time_records_a_heartbeat(out_visit):
    from safety.models import Heartbeat

    visit = out_visit()
    with time_machine.travel(past_due(visit, 1), tick=False):
        scan(past_due(visit, 1))
    assert Heartbeat.objects.get(name="watchdog-scan").last_seen == past_due(visit, 1)
