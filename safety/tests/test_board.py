"""Who is out now: the seed of the office's live board."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitState

from .pages import at

pytestmark = pytest.mark.django_db


def sign_out(world, n, start_hour=10):
    visits = []
    for i in range(n):
        visit = world.visit(start=at(start_hour, i), back=at(start_hour + 1, i))
        check_in(visit, EventKind.DEPARTED, world.teacher, now=at(start_hour, i))
        visits.append(visit)
    return visits


def test_it_lists_the_visits_out_with_state_staff_return_level_and_last_event(client, world, clock_june_bst):
    out, = sign_out(world, 1)
    planned = world.visit(state=VisitState.APPROVED, start=at(14), back=at(15))
    scan(at(11, 15))  # due 11:00: level 1 at 11:15 (R-LATE-15)
    client.force_login(world.office)
    page = client.get(reverse("safety:board")).content.decode()
    assert page.count('data-testid="board-row"') == 1
    out_now = page.split('data-testid="schedule"', 1)[0]  # the planned visit is on today's schedule below
    assert str(out.family) in out_now and str(planned.family) not in out_now
    assert "On the way" in page and world.teacher.get_full_name() in page and world.ta.get_full_name() in page
    assert "11:00" in page and "Level 1" in page
    # "last word" is the staff's (their sign-out at 10:00), never the watchdog's own events.
    assert "last word: Left for the visit 10:00" in page and "Escalated by the watchdog" not in page


def test_it_takes_the_same_number_of_queries_for_one_visit_or_many(client, world, clock_june_bst):
    sign_out(world, 1)
    client.force_login(world.office)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("safety:board"))
    sign_out(world, 6, start_hour=12)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("safety:board"))
    assert response.content.decode().count('data-testid="board-row"') == 7
    assert len(many) == len(one)


@pytest.mark.parametrize("who", ["teacher", "other_teacher"])
def test_visiting_staff_get_404(client, world, clock_june_bst, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("safety:board")).status_code == 404


def test_the_nav_shows_each_role_its_pages(client, world, clock_june_bst):
    # A planning page: home redirects the office to the board itself.
    client.force_login(world.teacher)
    page = client.get(reverse("visits:timetable")).content.decode()
    assert f'href="{reverse("safety:my-visits")}"' in page and f'href="{reverse("safety:board")}"' not in page
    client.force_login(world.office)
    page = client.get(reverse("visits:timetable")).content.decode()
    assert f'href="{reverse("safety:board")}"' in page


@pytest.mark.parametrize(("channel", "words"), [("sms", "mobile number"), ("voice", "mobile number"),
                                                ("email", "email address"), ("push", "devices that take alerts")])
def test_a_failed_alert_says_what_of_theirs_to_check(channel, words):
    from safety.board import FailedAlert

    assert FailedAlert(recipient=None, channel=channel, count=1, latest=None).what_to_check == words
