"""The office's board shows a day's round as one row (R-LUNCH, R-SCHEDULE): the visit its staff are on
now, due back at the round's next return point, with the visits already done that they are still out
from; today's schedule names each visit's place on the round."""

import datetime
import html
import re

import pytest
import time_machine
from django.urls import reverse

from homevisits.tests.rounds import local, round_of
from safety.watchdog import check_in, scan
from visits.models import EventKind

pytestmark = pytest.mark.django_db

JUNE = datetime.date(2026, 6, 10)


def text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


@pytest.fixture
def morning(world):
    _, visits = round_of(world, JUNE, now=local(JUNE, 7) - datetime.timedelta(days=1))
    first, second, _ = visits
    check_in(first, EventKind.DEPARTED, world.teacher, now=local(JUNE, 9, 20))
    check_in(first, EventKind.ARRIVED, world.teacher, now=local(JUNE, 9, 30))
    check_in(first, EventKind.LEFT, world.teacher, now=local(JUNE, 10, 15))
    check_in(second, EventKind.DEPARTED, world.teacher, now=local(JUNE, 10, 35))
    return visits


def board(client, world, moment):
    client.force_login(world.office)
    with time_machine.travel(moment, tick=False):
        return text(client.get(reverse("safety:board")))


def test_the_round_is_one_row_due_back_at_lunch_naming_the_visit_done(client, world, morning):
    first, second, afternoon = morning
    page = board(client, world, local(JUNE, 11))
    assert page.count('data-testid="board-row"') == 1
    row = page.split('data-testid="board-row"', 1)[1].split('data-testid="schedule"', 1)[0]
    assert f'data-visit="{second.pk}"' in page
    assert "back by <strong>12:30</strong>" in row
    assert "Day's round, visit 2 · back at school 12:30 (lunch), then 15:30 (end of the day)" in row
    assert f"not yet back at school from: {first.family} (09:30)" in row
    schedule = page.split('data-testid="schedule"', 1)[1]
    assert schedule.count('data-testid="schedule-round"') == 3
    assert "Day's round, visit 3" in schedule


def test_an_overdue_round_shows_one_alert(client, world, morning):
    scan(local(JUNE, 12, 45))
    page = board(client, world, local(JUNE, 12, 46))
    assert page.count('data-testid="board-row"') == 1
    assert 'data-testid="alert-count">1<' in page


def test_after_lunch_the_board_shows_the_end_of_the_day(client, world, morning):
    _, second, afternoon = morning
    for person in (world.teacher, world.ta):
        check_in(second, EventKind.RETURNED, person, now=local(JUNE, 12, 20))
    check_in(afternoon, EventKind.DEPARTED, world.teacher, now=local(JUNE, 13, 20))
    page = board(client, world, local(JUNE, 13, 30))
    assert page.count('data-testid="board-row"') == 1
    row = page.split('data-testid="board-row"', 1)[1].split('data-testid="schedule"', 1)[0]
    assert "back by <strong>15:30</strong>" in row
    assert "Day's round, visit 3 · back at school 15:30 (end of the day)" in row
    assert "not yet back at school from" not in row


def test_the_staff_home_page_offers_the_visit_they_are_on_not_the_one_they_went_on_from(client, world, morning):
    _, second, _ = morning
    client.force_login(world.teacher)
    with time_machine.travel(local(JUNE, 11), tick=False):
        response = client.get("/")
    assert response.context["next_visit"].pk == second.pk
