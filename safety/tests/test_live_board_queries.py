"""The live board is polled all day: the same number of queries for 1 visit out or 300, whether the
board has changed or not (an unchanged one answered 304)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Channel, DeliveryStatus, Notification
from safety.health import SCAN_HEARTBEAT, record_heartbeat
from safety.watchdog import scan
from visits.models import VisitState

from .live_board import BOARD, poll, poll_with, signed_out
from .pages import at

pytestmark = pytest.mark.django_db


def out(world, n, overdue_every=0):
    """n visits signed out at 09:00; every `overdue_every`-th one due back at 10:00 (escalated by the
    scan at 10:50), the others at 12:00. Each also on today's schedule, with one returned visit."""
    for i in range(n):
        late = overdue_every and i % overdue_every == 0
        signed_out(world, at(9, i % 60), at(10) if late else at(12))
    world.visit(state=VisitState.CANCELLED, start=at(15), back=at(16))


def fail(world, key):
    Notification.objects.create(dedupe_key=f"q:{key}", recipient=world.head, channel=Channel.SMS, subject="s",
                                body="b", status=DeliveryStatus.FAILED, created_at=at(10, 40))


def queries(client, url_getter):
    with CaptureQueriesContext(connection) as captured:
        response = url_getter(client)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_it_takes_the_same_number_of_queries_for_1_or_300_visits(client, world, clock_june_bst,
                                                                 django_assert_max_num_queries):
    out(world, 1, overdue_every=1)
    fail(world, 1)
    scan(at(10, 50))
    scan(at(10, 50))
    clock_june_bst.move_to(at(10, 50))
    record_heartbeat(SCAN_HEARTBEAT, at(10, 50))
    client.force_login(world.office)
    one_poll, html = queries(client, poll)
    one_page, _ = queries(client, lambda c: c.get(BOARD))
    assert html.count('data-testid="board-row"') == 1

    out(world, 299, overdue_every=6)
    for key in range(2, 10):
        fail(world, key)
    scan(at(10, 50))
    scan(at(10, 50))

    with django_assert_max_num_queries(one_poll):
        response = poll(client)
    html = response.content.decode()
    assert html.count('data-testid="board-row"') == 300
    assert html.count('data-level="2"') == 51
    assert html.count('data-testid="schedule-row"') == 302
    with django_assert_max_num_queries(one_page):
        client.get(BOARD)


def test_an_unchanged_board_takes_as_few_queries_for_300_visits_as_for_1(client, world, clock_june_bst,
                                                                         django_assert_max_num_queries):
    out(world, 1, overdue_every=1)
    fail(world, 1)
    scan(at(10, 50))
    clock_june_bst.move_to(at(10, 50))
    record_heartbeat(SCAN_HEARTBEAT, at(10, 50))
    client.force_login(world.office)
    changed, _ = queries(client, poll)
    etag = poll(client)["ETag"]
    with CaptureQueriesContext(connection) as captured:
        assert poll_with(client, etag).status_code == 304
    unchanged = len(captured)
    assert unchanged <= changed

    out(world, 299, overdue_every=6)
    for key in range(2, 10):
        fail(world, key)
    scan(at(10, 50))
    etag = poll(client)["ETag"]
    with django_assert_max_num_queries(unchanged):
        assert poll_with(client, etag).status_code == 304
