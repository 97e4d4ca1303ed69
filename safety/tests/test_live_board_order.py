"""The office's live board puts the most urgent first and moves each row's progress bar along the
school's rules: amber at the expected return + late_call_minutes (R-LATE-15), red at
+ office_chase_minutes (R-RETURN-30)."""

import pytest

from safety.board import progress
from safety.watchdog import check_in, scan
from visits.models import EventKind

from .live_board import BOARD, poll, row_of, row_order, signed_out, text
from .pages import at

pytestmark = pytest.mark.django_db


def test_it_orders_level_3_then_2_then_1_then_overdue_then_due_soon_then_on_time(client, world, clock_june_bst):
    on_time = signed_out(world, at(9), at(12))
    due_soon = signed_out(world, at(9), at(11))       # 10 minutes to go at 10:50
    overdue = signed_out(world, at(9), at(10, 45))    # 5 minutes over, not yet at the 15-minute rule
    level_1 = signed_out(world, at(9), at(10, 30))    # R-LATE-15 at 10:45
    level_2 = signed_out(world, at(9), at(10, 15))    # R-RETURN-30 at 10:45
    level_3 = signed_out(world, at(9), at(12, 30))    # the code word (R-CODEWORD)
    check_in(level_3, EventKind.DURESS, world.teacher, now=at(10, 40))
    scan(at(10, 50))
    scan(at(10, 50))  # one step per scan: level 2 needs a second one
    clock_june_bst.move_to(at(10, 50))
    client.force_login(world.office)

    html = client.get(BOARD).content.decode()

    assert row_order(html) == [level_3.pk, level_2.pk, level_1.pk, overdue.pk, due_soon.pk, on_time.pk]
    assert "EMERGENCY (level 3)" in row_of(html, level_3) and "hv-tone-danger" in row_of(html, level_3)
    assert "Level 2: contact them now" in row_of(html, level_2) and "hv-tone-danger" in row_of(html, level_2)
    assert "Level 1: should have called in" in row_of(html, level_1) and "hv-tone-warning" in row_of(html, level_1)
    assert "Past expected return" in row_of(html, overdue)
    assert "Due back soon" in row_of(html, due_soon)
    assert "Out, on time" in row_of(html, on_time)


def test_it_turns_the_progress_bar_amber_after_15_and_red_after_30_minutes(client, world, clock_june_bst):
    visit = signed_out(world, at(10), at(11, 15))
    client.force_login(world.office)
    expected = [
        (at(10, 2), "ok", "due back in 1 h 13 min"),
        (at(11, 3), "soon", "due back in 12 min"),
        (at(11, 22), "over", "overdue by 7 min"),
        (at(11, 30), "late", "overdue by 15 min"),   # R-LATE-15: amber
        (at(11, 44), "late", "overdue by 29 min"),
        (at(11, 45), "chase", "overdue by 30 min"),  # R-RETURN-30: red
    ]
    for moment, state, label in expected:
        clock_june_bst.move_to(moment)
        row = row_of(text(poll(client)), visit)
        assert f'data-state="{state}"' in row and f"hv-bar-{state}" in row, moment
        assert label in row, moment


def test_it_follows_the_schools_own_minutes(world):
    world.school.late_call_minutes, world.school.office_chase_minutes = 10, 20
    world.school.save()
    visit = signed_out(world, at(10), at(11))
    visit.refresh_from_db()
    assert progress(visit, at(11, 9)).state == "over"
    assert progress(visit, at(11, 10)).state == "late"
    assert progress(visit, at(11, 20)).state == "chase"


def test_the_bar_measures_from_departure_to_the_expected_return(world):
    visit = signed_out(world, at(10), at(11))
    bar = progress(visit, at(10, 30))
    assert bar.percent == 50 and bar.step == "50"
    assert bar.start_ms == int(at(10).timestamp() * 1000) and bar.due_ms == int(at(11).timestamp() * 1000)
    assert bar.late_ms - bar.due_ms == 15 * 60_000 and bar.chase_ms - bar.due_ms == 30 * 60_000
    assert progress(visit, at(12)).percent == 100


def test_each_row_has_staff_to_call_family_address_times_and_last_event(client, world, clock_june_bst):
    visit = signed_out(world, at(10), at(11, 15))
    check_in(visit, EventKind.ARRIVED, world.teacher, now=at(10, 20))
    clock_june_bst.move_to(at(10, 32))
    client.force_login(world.office)
    row = row_of(text(client.get(BOARD)), visit)
    assert 'href="tel:+447700900101"' in row and 'href="tel:+447700900102"' in row  # R-PHONE, tap to call
    assert world.teacher.get_full_name() in row and world.ta.get_full_name() in row
    assert str(visit.family) in row and visit.address in row
    assert "Left 10:00" in row and "back by <strong>11:15</strong>" in row
    assert f"last word: Arrived, feels safe 10:20 from {world.teacher.get_full_name()} (" in row
    assert "12 min ago" in row
    assert "At the visit" in row


def test_a_late_notice_moves_the_bar_to_the_new_time(client, world, clock_june_bst):
    visit = signed_out(world, at(10), at(11))
    check_in(visit, EventKind.LATE, world.teacher, now=at(10, 50), new_expected_return=at(11, 40))
    clock_june_bst.move_to(at(11, 20))
    client.force_login(world.office)
    row = row_of(text(poll(client)), visit)
    assert "due back in 20 min" in row and 'data-state="ok"' in row and "back by <strong>11:40</strong>" in row
    assert "Running late" in row
