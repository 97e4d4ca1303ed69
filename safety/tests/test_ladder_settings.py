"""The ladder follows the school's own minute counts everywhere: the scan, the board's progress bar
and the words on the board and the visit form (safety.ladder; R-LATE-15, R-RETURN-30).

The school here set 20 and 40 minutes instead of the policy's 15 and 30."""

import datetime
import re

import pytest
from django.urls import reverse

from safety import ladder
from safety.board import epoch_ms, live_board, progress
from safety.models import Escalation, EscalationLevel, EscalationReason
from safety.watchdog import check_in, scan
from visits.lifecycle import EventKind

from .pages import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_20_40(world):
    school = world.school
    school.late_call_minutes, school.office_chase_minutes, school.alert_repeat_minutes = 20, 40, 10
    school.save()
    return school


@pytest.fixture
def out(world, school_20_40, clock_june_bst):
    """Out from 10:00, expected back at 11:15."""
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    visit.refresh_from_db()
    return visit


def levels(visit):
    return sorted(Escalation.objects.filter(visit=visit).values_list("level", flat=True))


def test_the_deadlines_are_counted_from_the_expected_return_with_the_schools_minutes(out):
    due = ladder.deadlines(out)
    assert due.anchor == at(11, 15) and due.reason == EscalationReason.LATE_RETURN
    assert due.late_at == at(11, 35) and due.chase_at == at(11, 55)
    assert due.repeat_every == datetime.timedelta(minutes=10)
    assert out.next_check_at == at(11, 10)  # first the staff's own reminder, 5 minutes before (safety.staff_reminders)


def test_the_scan_flags_at_20_and_chases_at_40(out):
    scan(at(11, 34))
    assert levels(out) == []
    scan(at(11, 35))
    assert levels(out) == [EscalationLevel.LATE]
    scan(at(11, 54))
    assert levels(out) == [EscalationLevel.LATE]
    scan(at(11, 55))
    assert levels(out) == [EscalationLevel.LATE, EscalationLevel.CHASE]


def test_the_progress_bar_turns_at_20_and_40(out):
    assert progress(out, at(11, 34)).state == "over"
    assert progress(out, at(11, 35)).state == "late"
    assert progress(out, at(11, 54)).state == "late"
    bar = progress(out, at(11, 55))
    assert bar.state == "chase"
    # static/js/board.js turns the bar from the same instants.
    assert bar.late_ms == epoch_ms(at(11, 35)) and bar.chase_ms == epoch_ms(at(11, 55))
    assert f'data-late="{epoch_ms(at(11, 35))}"' in bar.data and f'data-chase="{epoch_ms(at(11, 55))}"' in bar.data


def test_the_board_names_the_schools_minutes(world, out):
    row, = live_board(world.office, at(11, 40)).rows
    assert row.status == "Late: 20-minute rule passed"
    row, = live_board(world.office, at(11, 56)).rows
    assert row.status == "Not back: 40-minute rule passed"


def test_the_board_page_never_says_15_or_30_for_this_school(client, world, out, clock_june_bst):
    clock_june_bst.move_to(at(11, 40))
    client.force_login(world.office)
    page = re.sub(r"\s+", " ", client.get(reverse("safety:board")).content.decode())
    assert "20-minute rule passed" in page
    assert "15-minute" not in page and "30-minute" not in page


def test_the_visit_form_says_20_minutes(client, world, school_20_40, clock_june_bst):
    client.force_login(world.teacher)
    page = re.sub(r"\s+", " ", client.get(reverse("visits:visit-create")).content.decode())
    assert "The office is alerted if you are not back 20 minutes after this." in page
    assert "15 minutes after this" not in page
