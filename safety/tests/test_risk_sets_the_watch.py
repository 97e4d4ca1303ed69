"""Risk sets the watch: the risk assessment's level decides how often staff check in while out, and a
visit approved with an override has the head of school on its first alert (visits.watch, read by
safety.ladder). Time moves by passing `now`; nothing sleeps.

R-CHECKIN, R-RISK, R-LATE-15, R-RETURN-30.
"""

import datetime
import re
from unittest import mock

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from safety import ladder
from safety.board import live_board
from safety.models import Escalation, EscalationLevel, EscalationReason
from safety.watchdog import check_in, scan
from visits.models import EventKind, Gate, RiskLevel
from visits.watch import watch_for, watch_of

from .risk import assess

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
START = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)  # Tuesday, 09:00 in London (GMT)
RULE_ID = re.compile(r"(?<![A-Za-z0-9_-])R-[A-Z]{2,}")




def out(world, risk=None, *, start=START, back_after=180, overrides=None):
    """A visit by the teacher and the TA at `risk` (None: no assessment), signed out at `start`."""
    visit = world.visit(start=start, back=start + back_after * MINUTE)
    if risk is not None:
        assess(visit, risk)
    if overrides:
        visit.gate_overrides = overrides
        visit.save(update_fields=["gate_overrides"])
    check_in(visit, EventKind.DEPARTED, world.teacher, now=start)
    visit.refresh_from_db()
    return visit


def escalations(visit):
    return list(Escalation.objects.filter(visit=visit).order_by("level").values_list("level", "reason"))


def recipients(esc):
    return set(Notification.objects.filter(escalation=esc).values_list("recipient__username", flat=True))


# --- The table --------------------------------------------------------------------------------

def test_the_defaults_low_no_check_in_medium_every_30_high_every_15(school):
    assert (school.low_risk_checkin_minutes, school.medium_risk_checkin_minutes,
            school.high_risk_checkin_minutes) == (None, 30, 15)
    assert school.override_alerts_head_at_late_call is True
    low = watch_for(school, RiskLevel.LOW, {})
    assert low.checkin_minutes is None and low.reason == "Low risk: no check-ins needed while out, only the return."
    medium = watch_for(school, RiskLevel.MEDIUM, {})
    assert medium.checkin_minutes == 30 and medium.reason == "Medium risk: check in every 30 minutes."
    assert watch_for(school, RiskLevel.HIGH, {}).checkin_minutes == 15
    assert not medium.head_at_late_call and medium.sentences == (medium.reason,)


def test_the_check_in_for_every_visit_is_the_loosest_watch_and_alone_applies_without_an_assessment(school):
    school.checkin_interval_minutes = 20
    assert watch_for(school, RiskLevel.LOW, {}).reason == (
        "Low risk: check in every 20 minutes, as on every visit at this school.")
    assert watch_for(school, RiskLevel.MEDIUM, {}).checkin_minutes == 20  # shorter than the risk's own 30
    assert watch_for(school, RiskLevel.HIGH, {}).reason == "High risk: check in every 15 minutes."
    assert watch_for(school, None, {}).reason == (
        "No risk assessment yet: check in every 20 minutes, as on every visit at this school.")
    school.checkin_interval_minutes = None
    assert watch_for(school, None, {}).checkin_minutes is None


def test_an_override_puts_the_head_on_the_first_alert_unless_the_school_turned_it_off(school):
    watch = watch_for(school, RiskLevel.LOW, {Gate.EVENING: "Only time the family can do"})
    assert watch.head_at_late_call
    assert watch.head_reason == ("Approved with an override, so the head of school is alerted at the first alert "
                                 "(15 minutes late), not at 30 minutes.")
    school.override_alerts_head_at_late_call = False
    assert not watch_for(school, RiskLevel.LOW, {Gate.EVENING: "x"}).head_at_late_call


# --- The ladder, by risk ------------------------------------------------------------------------

def test_a_medium_risk_visit_with_no_word_for_30_minutes_escalates_as_a_missed_check_in(world):
    visit = out(world, RiskLevel.MEDIUM)
    assert visit.next_check_at == START + 45 * MINUTE  # check-in due at 09:30, the office flagged at 09:45
    scan(START + 44 * MINUTE + datetime.timedelta(seconds=59))
    assert escalations(visit) == []
    scan(START + 45 * MINUTE)
    assert escalations(visit) == [(EscalationLevel.LATE, EscalationReason.MISSED_CHECKIN)]
    scan(START + 60 * MINUTE)  # the office chase, counted from the same due time
    assert escalations(visit)[-1] == (EscalationLevel.CHASE, EscalationReason.MISSED_CHECKIN)


def test_a_low_risk_visit_has_no_periodic_check_in_only_the_late_return(world):
    visit = out(world, RiskLevel.LOW)
    for minutes in (45, 60, 120, 194):
        scan(START + minutes * MINUTE)
    assert escalations(visit) == []
    scan(START + 195 * MINUTE)  # expected back at 12:00, + 15
    assert escalations(visit) == [(EscalationLevel.LATE, EscalationReason.LATE_RETURN)]


def test_a_high_risk_visit_out_all_the_same_checks_in_every_15_minutes(world):
    visit = out(world, RiskLevel.HIGH)
    scan(START + 29 * MINUTE)
    assert escalations(visit) == []
    scan(START + 30 * MINUTE)
    assert escalations(visit) == [(EscalationLevel.LATE, EscalationReason.MISSED_CHECKIN)]


def test_check_ins_on_time_keep_a_medium_risk_visit_quiet(world):
    visit = out(world, RiskLevel.MEDIUM)
    for minutes in (25, 50, 75):
        for person in (world.teacher, world.ta):
            check_in(visit, EventKind.OK, person, now=START + minutes * MINUTE)
        visit.refresh_from_db()
    scan(START + 100 * MINUTE)
    assert escalations(visit) == []
    assert visit.next_check_at == START + (75 + 30 + 15) * MINUTE


def test_one_persons_word_does_not_answer_the_missed_check_in_of_the_other(world):
    visit = out(world, RiskLevel.MEDIUM)
    scan(START + 45 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    check_in(visit, EventKind.OK, world.teacher, now=START + 46 * MINUTE)
    esc.refresh_from_db()
    assert esc.resolved_at is None  # the TA is still not heard from
    check_in(visit, EventKind.OK, world.ta, now=START + 47 * MINUTE)
    esc.refresh_from_db()
    assert esc.resolved_at is not None


def test_the_missed_check_in_alert_names_those_not_heard_from(world):
    visit = out(world, RiskLevel.MEDIUM)
    check_in(visit, EventKind.OK, world.teacher, now=START + 20 * MINUTE)
    scan(START + 45 * MINUTE)  # the TA's check-in fell due at 09:30
    esc = Escalation.objects.get(visit=visit)
    subjects = set(Notification.objects.filter(escalation=esc).values_list("subject", flat=True))
    ta, teacher = world.ta.get_full_name(), world.teacher.get_full_name()
    assert subjects and all(ta in s and teacher not in s for s in subjects)


def test_the_schools_own_minutes_set_the_watch(world):
    world.school.medium_risk_checkin_minutes = 60
    world.school.save()
    visit = out(world, RiskLevel.MEDIUM)
    scan(START + 45 * MINUTE)
    assert escalations(visit) == []
    scan(START + 75 * MINUTE)
    assert escalations(visit) == [(EscalationLevel.LATE, EscalationReason.MISSED_CHECKIN)]


# --- An override: the head at the first alert -----------------------------------------------------

def test_a_visit_approved_with_an_override_has_the_head_in_the_first_alert_at_the_late_call(world):
    visit = out(world, RiskLevel.LOW, back_after=90, overrides={Gate.EVENING: "Only time the family can do"})
    scan(START + 105 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    assert esc.level == EscalationLevel.LATE
    assert recipients(esc) == {"office", "head"}  # not the DSL: that is the roster's next tier


def test_without_an_override_the_head_is_not_in_the_first_alert(world):
    visit = out(world, RiskLevel.LOW, back_after=90)
    scan(START + 105 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    assert esc.level == EscalationLevel.LATE and recipients(esc) == {"office"}


def test_a_school_that_turned_it_off_alerts_the_office_only_at_the_late_call(world):
    world.school.override_alerts_head_at_late_call = False
    world.school.save()
    visit = out(world, RiskLevel.LOW, back_after=90, overrides={Gate.LONE: "Agreed with the head"})
    scan(START + 105 * MINUTE)
    assert recipients(Escalation.objects.get(visit=visit)) == {"office"}


def test_a_missed_check_in_of_an_override_visit_reaches_the_head_too(world):
    visit = out(world, RiskLevel.MEDIUM, overrides={Gate.EVENING: "Agreed"})
    scan(START + 45 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    assert esc.reason == EscalationReason.MISSED_CHECKIN and recipients(esc) == {"office", "head"}


# --- The clock change ---------------------------------------------------------------------------

@pytest.mark.parametrize(("departed", "shown_due"), [
    # 01:50 BST on the last Sunday of October; the clocks go back at 02:00 BST (01:00 UTC).
    (datetime.datetime(2026, 10, 25, 0, 50, tzinfo=datetime.UTC), "01:20"),
    # 00:40 GMT on the last Sunday of March; the clocks go forward at 01:00 GMT.
    (datetime.datetime(2026, 3, 29, 0, 40, tzinfo=datetime.UTC), "02:10"),
], ids=["october", "march"])
def test_the_periodic_check_in_is_30_real_minutes_across_the_clock_change(world, client, departed, shown_due):
    visit = out(world, RiskLevel.MEDIUM, start=departed, back_after=120)
    due = ladder.deadlines(visit)
    assert due.reason == EscalationReason.MISSED_CHECKIN and due.anchor == departed + 30 * MINUTE
    client.force_login(world.teacher)
    page = re.sub(r"\s+", " ", client.get(reverse("safety:checkin", args=[visit.pk])).content.decode())
    assert f"Your next check-in is due by {shown_due}" in page  # London time, 30 real minutes on
    scan(departed + 44 * MINUTE + datetime.timedelta(seconds=59))
    assert escalations(visit) == []
    scan(departed + 45 * MINUTE)
    assert escalations(visit) == [(EscalationLevel.LATE, EscalationReason.MISSED_CHECKIN)]


# --- The board: the same instants -----------------------------------------------------------------

def test_the_boards_amber_comes_at_the_missed_check_in_without_the_watchdog(world):
    visit = out(world, RiskLevel.MEDIUM)
    row, = live_board(world.office, START + 46 * MINUTE).rows  # the scan has not run
    assert row.progress.state == "late" and row.status == "Check-in missed: 15 minutes without word"
    assert row.progress.late_ms == int(ladder.deadlines(visit).late_at.timestamp() * 1000)
    assert row.progress.due_ms == int(visit.expected_return.timestamp() * 1000)  # the bar still runs to the return
    low = out(world, RiskLevel.LOW)
    rows = {r.visit.pk: r for r in live_board(world.office, START + 46 * MINUTE).rows}
    assert rows[low.pk].progress.state == "ok"


def test_the_board_reads_every_visits_watch_in_the_same_number_of_queries(world):
    out(world, RiskLevel.MEDIUM)
    live_board(world.office, START + 10 * MINUTE)  # the office's roles, read once a request
    with CaptureQueriesContext(connection) as one:
        live_board(world.office, START + 10 * MINUTE)
    for risk in (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, None) * 3:
        out(world, risk)
    with CaptureQueriesContext(connection) as many:
        board = live_board(world.office, START + 10 * MINUTE)
    assert len(board.rows) == 13 and len(many) == len(one)


def queries_for_scan(now):
    """One scan's queries, its notifications handed to a (mock) broker after commit, as in production
    (so none is left for the next scan to hand over: safety/tests/test_watchdog_queries.py)."""
    with mock.patch("notifications.tasks.deliver_notification.apply_async"), \
            TestCase.captureOnCommitCallbacks(execute=True), CaptureQueriesContext(connection) as ctx:
        scan(now)
    return len(ctx.captured_queries)


def test_the_scan_reads_every_visits_watch_in_the_same_number_of_queries(world):
    out(world, RiskLevel.MEDIUM, overrides={Gate.EVENING: "Agreed"})
    one = queries_for_scan(START + 45 * MINUTE)
    for i in range(6):  # due 1 to 6 seconds later; the first one's next look is minutes away
        out(world, RiskLevel.MEDIUM, start=START + (i + 1) * datetime.timedelta(seconds=1),
            overrides={Gate.EVENING: "Agreed"})
    assert queries_for_scan(START + 45 * MINUTE + datetime.timedelta(seconds=30)) == one
    assert Escalation.objects.filter(level=EscalationLevel.LATE).count() == 7


# --- What the pages say ---------------------------------------------------------------------------

def shown(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def watch_box(html: str) -> str:
    found = re.search(r'data-testid="watch">(.*?)</(?:dd|div)>', html)
    assert found, "no watch on the page"
    return re.sub(r"<[^>]+>", " ", found.group(1))


def test_the_visit_page_says_what_watch_applies_and_why(client, world):
    medium = out(world, RiskLevel.MEDIUM, overrides={Gate.EVENING: "Agreed"})
    low = out(world, RiskLevel.LOW)
    client.force_login(world.office)
    page = shown(client.get(medium.get_absolute_url()))
    box = watch_box(page)
    assert "Medium risk: check in every 30 minutes." in box
    assert "Approved with an override, so the head of school is alerted at the first alert" in box
    assert not RULE_ID.search(page)
    box = watch_box(shown(client.get(low.get_absolute_url())))
    assert "Low risk: no check-ins needed while out, only the return." in box and "override" not in box


def test_the_visit_page_follows_the_schools_table(client, world):
    world.school.medium_risk_checkin_minutes = 20
    world.school.save()
    visit = out(world, RiskLevel.MEDIUM)
    client.force_login(world.teacher)
    assert "Medium risk: check in every 20 minutes." in watch_box(shown(client.get(visit.get_absolute_url())))


def test_the_phone_page_says_the_watch_and_each_persons_next_check_in(client, world):
    visit = out(world, RiskLevel.MEDIUM)
    check_in(visit, EventKind.OK, world.teacher, now=START + 20 * MINUTE)
    url = reverse("safety:checkin", args=[visit.pk])
    client.force_login(world.teacher)
    page = shown(client.get(url))
    assert "Medium risk: check in every 30 minutes." in watch_box(page)
    assert "Your next check-in is due by 09:50" in page  # their own word at 09:20, + 30
    assert "Counts for you only" in page
    assert not RULE_ID.search(page)
    client.force_login(world.ta)
    assert "Your next check-in is due by 09:30" in shown(client.get(url))  # not heard from since leaving


def test_the_phone_page_of_a_low_risk_visit_asks_for_no_check_in(client, world):
    visit = out(world, RiskLevel.LOW)
    client.force_login(world.teacher)
    page = shown(client.get(reverse("safety:checkin", args=[visit.pk])))
    assert "Low risk: no check-ins needed while out, only the return." in watch_box(page)
    assert "next check-in" not in page and "Counts for you only" not in page


def test_a_watch_from_an_assessment_reads_the_visit(world):
    visit = world.visit()
    assert watch_of(visit).reason.startswith("No risk assessment yet")
    assess(visit, RiskLevel.MEDIUM)
    visit.refresh_from_db()
    assert watch_of(visit).checkin_minutes == 30
