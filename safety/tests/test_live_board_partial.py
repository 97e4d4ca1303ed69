"""The live board's body, polled by htmx: open alerts in the tab title, the monitoring banner that
comes and goes with the polling, failed deliveries as alerts, and who may see it."""

import datetime

import pytest
from django.urls import reverse

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff
from notifications.models import Channel, DeliveryStatus, Notification
from safety.health import SCAN_HEARTBEAT, record_heartbeat
from safety.models import Escalation
from safety.watchdog import scan

from .live_board import BOARD, BODY, poll, row_of, signed_out, text
from .pages import at

pytestmark = pytest.mark.django_db

BANNER = "Overdue monitoring is not running"


@pytest.fixture
def office_client(client, world):
    client.force_login(world.office)
    return client


@pytest.fixture
def overdue(world, clock_june_bst):
    """Signed out at 10:00, due 11:15, at level 2 from 11:45 (R-RETURN-30): two open alerts."""
    visit = signed_out(world, at(10), at(11, 15))
    scan(at(11, 30))
    scan(at(11, 45))
    clock_june_bst.move_to(at(11, 46))
    return visit


def failed(world, recipient, channel=Channel.SMS, when=None, key="x"):
    return Notification.objects.create(
        dedupe_key=f"test:{key}:{recipient.pk}:{channel}", recipient=recipient, channel=channel,
        subject="Overdue: not back", body="...", status=DeliveryStatus.FAILED, attempts=3,
        created_at=when or at(11, 40))


def test_it_answers_the_poll_with_the_body_alone(office_client, world, overdue):
    response = poll(office_client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<nav" not in html
    assert html.count('data-testid="board-row"') == 1 and 'data-testid="schedule"' in html
    assert "no-cache" in response["Cache-Control"]  # never a stale board from a cache


def test_the_page_polls_its_body_every_board_poll_seconds(office_client, world, clock_june_bst, settings):
    settings.BOARD_POLL_SECONDS = 12
    html = office_client.get(BOARD).content.decode()
    assert f'hx-get="{BODY}"' in html and 'hx-trigger="every 12s"' in html and 'data-poll-seconds="12"' in html
    assert "js/board.js" in html and "<script>" not in html  # our own static JS, nothing inline (CSP)


def test_the_tab_title_shows_the_number_of_open_alerts(office_client, world, overdue):
    html = office_client.get(BOARD).content.decode()
    assert "<title>(1) Who is out · " in html  # one visit at level 2 is one alert
    body = poll(office_client).content.decode()
    assert 'data-alert-count="1"' in body
    top = Escalation.objects.get(visit=overdue, level=2)
    assert f'data-alert-keys="e{top.pk}"' in body  # what board.js compares to notice a new one


def test_no_count_in_the_title_when_nothing_is_open(office_client, world, clock_june_bst):
    signed_out(world, at(10), at(11, 15))
    assert "<title>Who is out · " in office_client.get(BOARD).content.decode()


def test_an_alert_can_be_acknowledged_from_the_board(office_client, world, overdue):
    level_2 = Escalation.objects.get(visit=overdue, level=2)
    row = row_of(text(poll(office_client)), overdue)
    assert f'value="{level_2.pk}"' in row and "Take charge (level 2)" in row
    response = office_client.post(reverse("safety:escalation", args=[overdue.pk]),
                           {"action": "acknowledge", "escalation": level_2.pk, "next": BOARD})
    assert response.status_code == 302 and response["Location"] == BOARD
    row = row_of(text(office_client.get(BOARD)), overdue)
    assert "Take charge (level 2)" not in row and f"{world.office.get_full_name()} took charge at 11:46" in row
    # Still open until resolved: still on the board with its actions (R-CONTACT-STEPS, R-POLICE).
    assert reverse("safety:escalation", args=[overdue.pk]) in row
    assert reverse("safety:record-call", args=[overdue.pk]) in row
    assert reverse("safety:police-pack", args=[overdue.pk]) in row


def test_the_dsl_sees_the_board_without_the_phone_call_button(client, world, overdue):
    client.force_login(world.dsl)
    row = row_of(text(poll(client)), overdue)
    assert reverse("safety:escalation", args=[overdue.pk]) in row
    assert reverse("safety:record-call", args=[overdue.pk]) not in row  # the office and head record calls


def test_the_banner_comes_and_goes_with_the_polling(office_client, world, clock_june_bst):
    signed_out(world, at(10), at(11, 15))
    # No scan has ever run: the banner is in the body the page polls.
    assert BANNER in poll(office_client).content.decode()
    page = office_client.get(BOARD).content.decode()
    assert page.count(BANNER) == 1  # inside the polled body, not twice
    record_heartbeat(SCAN_HEARTBEAT, at(10, 2))
    assert BANNER not in poll(office_client).content.decode()
    clock_june_bst.move_to(at(10, 2, ) + datetime.timedelta(seconds=31))  # three 10-second scans missed
    assert BANNER in poll(office_client).content.decode()


def test_a_failed_notification_is_an_alert_on_the_board(office_client, world, overdue):
    failed(world, world.head, Channel.SMS, key="a")
    failed(world, world.head, Channel.SMS, key="b", when=at(11, 41))
    failed(world, world.office, Channel.EMAIL, key="c")
    failed(world, world.dsl, Channel.SMS, key="old", when=at(11, 40) - datetime.timedelta(hours=25))
    elsewhere = make_staff(SchoolFactory(), roles.OFFICE)
    failed(world, elsewhere, Channel.SMS, key="other-school")
    body = text(poll(office_client))
    assert f"An alert to {world.head.get_full_name()} by SMS could not be sent</strong> (2 messages), last at 11:41" in body
    assert f"An alert to {world.office.get_full_name()} by email could not be sent" in body
    assert world.dsl.get_full_name() not in body.split('data-testid="board-summary"')[0]  # older than 24 h
    assert elsewhere.get_full_name() not in body
    assert 'href="tel:+447700900001"' in body  # ring the head instead
    assert 'data-alert-count="3"' in body  # one visit escalated and two people not reached
    assert "<title>(3) Who is out" in office_client.get(BOARD).content.decode()


def test_everyone_is_back_at_the_end_of_the_day(office_client, world, clock_june_bst):
    from safety.watchdog import check_in
    from visits.models import EventKind, VisitState

    first = signed_out(world, at(10), at(11, 15))
    second = signed_out(world, at(13), at(14))
    world.visit(state=VisitState.CANCELLED, start=at(15), back=at(16))
    clock_june_bst.move_to(at(11))
    check_in(first, EventKind.RETURNED, world.teacher, now=at(11, 5))
    check_in(first, EventKind.RETURNED, world.ta, now=at(11, 5))
    body = text(poll(office_client))
    assert 'data-testid="everyone-back"' not in body  # the second is still out (R-RETURN)
    assert "Back 11:05" in body and body.count('data-testid="schedule-row"') == 3  # R-SCHEDULE
    clock_june_bst.move_to(at(14, 10))
    check_in(second, EventKind.RETURNED, world.teacher, now=at(14, 10))
    check_in(second, EventKind.RETURNED, world.ta, now=at(14, 10))
    body = text(poll(office_client))
    assert "Everyone is back" in body and 'data-testid="board-empty"' in body
    assert "Back 11:05" in body and "Back 14:10" in body and "Cancelled" in body


def test_not_everyone_is_back_while_a_visit_has_not_gone_yet(office_client, world, clock_june_bst):
    from visits.models import VisitState

    world.visit(state=VisitState.APPROVED, start=at(9), back=at(9, 45))
    body = text(poll(office_client))
    assert "Everyone is back" not in body and "Not left yet" in body


@pytest.mark.parametrize("who", ["teacher", "other_teacher"])
def test_visiting_staff_get_404(client, world, overdue, who):
    client.force_login(getattr(world, who))
    assert client.get(BOARD).status_code == 404
    assert poll(client).status_code == 404


def test_a_poll_after_the_session_ended_sends_the_page_to_sign_in(client, world, clock_june_bst):
    response = poll(client)  # nobody signed in
    assert response.status_code in (200, 204)  # htmx follows HX-Redirect on either
    assert response["HX-Redirect"] == f"{reverse('login')}?next={BOARD}"
    assert client.get(BODY).status_code == 302  # a plain request is redirected as usual


def test_no_everyone_is_back_when_nobody_went_out(office_client, world, clock_june_bst):
    from visits.models import VisitState

    world.visit(state=VisitState.CANCELLED, start=at(9), back=at(9, 45))
    body = text(poll(office_client))
    assert "Everyone is back" not in body and "Cancelled" in body
