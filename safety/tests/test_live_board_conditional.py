"""The board's poll is conditional (safety.board_version): it sends the version of the board it shows,
and a board that has not changed is answered 304 with nothing, while every kind of change, and the
clock reaching a deadline, sends the new board at the next poll; per school and per viewer."""

import datetime
import gzip
import re

import pytest
from django.test import Client
from django.utils.cache import quote_etag

from homevisits.factories import PEOPLE, SchoolFactory, World, person
from notifications.models import Channel, DeliveryStatus, Notification
from safety.escalations import acknowledge, record_contact
from safety.health import SCAN_HEARTBEAT, record_heartbeat
from safety.models import AlarmOutcome, ContactOutcome, ContactStep, Escalation
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitStaff

from .live_board import BOARD, BODY, poll, poll_with, row_of, signed_out
from .pages import at

pytestmark = pytest.mark.django_db


def version_in(html: str) -> str:
    return re.search(r'data-board-body data-version="([0-9a-f]+)"', html).group(1)


def sent(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert response["ETag"] == quote_etag(version_in(html))
    return html


def now_at(clock, moment):
    clock.move_to(moment)
    record_heartbeat(SCAN_HEARTBEAT, moment)  # the watchdog is running (no banner coming and going)


@pytest.fixture
def desk(client, world, clock_june_bst):
    """The office's board at 10:40: the teacher and the TA out since 10:00, due back 11:15; another
    visit an hour overdue and escalated; an alert that could not be sent. `desk.etag`: what the page
    shows, `desk.poll()`: the next poll."""
    class Desk:
        calm = signed_out(world, at(10), at(11, 15))
        late = signed_out(world, at(9), at(9, 40))
        clock = clock_june_bst

        def poll(self):
            return poll_with(client, self.etag)

        def looks(self):
            self.etag = poll(client)["ETag"]

    scan(at(10, 40))
    scan(at(10, 40))
    Notification.objects.create(dedupe_key="t:failed", recipient=world.head, channel=Channel.SMS,
                                subject="Overdue: not back", body="...", status=DeliveryStatus.FAILED,
                                created_at=at(10, 20))
    now_at(clock_june_bst, at(10, 40))
    client.force_login(world.office)
    desk = Desk()
    desk.looks()
    return desk


def test_an_unchanged_board_is_answered_304_with_nothing(client, world, desk):
    html = sent(poll(client))
    assert 'data-testid="failed-notification"' in html and html.count('data-testid="row-escalation"') == 1

    response = desk.poll()
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == desk.etag
    assert "no-store" in response["Cache-Control"]
    # A minute later the countdowns have moved, but board.js redraws those itself.
    now_at(desk.clock, at(10, 41))
    assert desk.poll().status_code == 304


def test_the_page_shows_the_version_its_first_poll_sends(client, world, desk):
    page = client.get(BOARD).content.decode()
    assert quote_etag(version_in(page)) == desk.etag
    assert desk.poll().status_code == 304


def test_a_check_in_sends_the_board(world, desk):
    check_in(desk.calm, EventKind.OK, world.ta, now=at(10, 40))
    assert "last word: All OK 10:40" in row_of(sent(desk.poll()), desk.calm)


def test_an_escalation_raised_sends_the_board(world, desk):
    now_at(desk.clock, at(11, 31))
    desk.looks()  # the clock alone has turned the row amber already
    scan(at(11, 31))  # R-LATE-15
    row = row_of(sent(desk.poll()), desk.calm)
    assert 'data-level="1"' in row and "Level 1: should have called in" in row


def test_an_acknowledgement_sends_the_board(world, desk):
    alert = Escalation.objects.open_alerts().get(visit=desk.late)
    acknowledge(alert, world.office, now=at(10, 40))
    row = row_of(sent(desk.poll()), desk.late)
    assert f"{world.office.get_full_name()} took charge at 10:40" in row


def test_an_alert_resolved_sends_the_board(world, desk):
    alert = Escalation.objects.open_alerts().get(visit=desk.late)
    record_contact(alert, ContactStep.WORKER, ContactOutcome.REACHED_SAFE, world.office,
                   new_expected_return=at(11, 30), alarm_outcome=AlarmOutcome.LATE_SAFE, now=at(10, 40))
    html = sent(desk.poll())
    assert 'data-testid="row-escalation"' not in html and 'data-alert-count="1"' in html


def test_a_notification_failing_sends_the_board(world, desk):
    # Written by a bulk update, as a worker might: no save(), no signal, no timestamp moved.
    note = Notification.objects.create(dedupe_key="t:later", recipient=world.dsl, channel=Channel.SMS,
                                       subject="Overdue", body="...", status=DeliveryStatus.SENT,
                                       created_at=at(10, 35))
    assert desk.poll().status_code == 304  # sent, not failed: not on the board
    Notification.objects.filter(pk=note.pk).update(status=DeliveryStatus.PERMANENT_FAILURE)
    html = sent(desk.poll())
    assert f"An alert to {world.dsl.get_full_name()} by SMS could not be sent" in html


def test_a_new_visit_leaving_sends_the_board(world, desk):
    visit = world.visit(start=at(10, 30), back=at(12))
    assert sent(desk.poll()).count('data-testid="schedule-row"') == 3  # on today's schedule, not out
    desk.looks()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 40))
    assert sent(desk.poll()).count('data-testid="board-row"') == 3


def test_a_change_to_who_is_on_a_visit_sends_the_board(world, desk):
    VisitStaff.objects.create(visit=desk.calm, user=world.other_teacher)
    assert world.other_teacher.get_full_name() in row_of(sent(desk.poll()), desk.calm)


def test_a_mobile_number_corrected_sends_the_board(world, desk):
    world.ta.profile.mobile = "07700 900999"
    world.ta.profile.save()
    assert "07700 900999" in row_of(sent(desk.poll()), desk.calm)


@pytest.mark.parametrize(("moment", "words"), [
    (at(11), "Due back soon"),  # due back at 11:15
    (at(11, 15), "Past expected return"),
    (at(11, 30), "Late: 15-minute rule passed"),  # R-LATE-15, from the clock alone (no scan)
    (at(11, 45), "Not back: 30-minute rule passed"),  # R-RETURN-30
])
def test_the_clock_reaching_a_deadline_sends_the_board(world, desk, moment, words):
    now_at(desk.clock, moment - datetime.timedelta(minutes=1))
    desk.looks()
    assert desk.poll().status_code == 304
    now_at(desk.clock, moment)
    row = row_of(sent(desk.poll()), desk.calm)
    assert words in row.split('data-testid="row-status">')[1].split("<")[0]


def test_a_planned_start_passing_with_nobody_gone_sends_the_board(world, desk):
    waiting = world.visit(start=at(10, 45), back=at(12))
    now_at(desk.clock, at(10, 45))
    desk.looks()
    now_at(desk.clock, at(10, 46))
    html = sent(desk.poll())
    assert "Not left yet" in html.split(f'href="/visits/{waiting.pk}/"')[1].split("</li>")[0]


def test_the_watchdog_stopping_sends_the_board(world, desk):
    desk.clock.move_to(at(10, 50))  # no scan for ten minutes: monitoring is down
    assert 'data-testid="monitoring-banner"' in sent(desk.poll())


def test_another_schools_changes_leave_our_board_unchanged(world, desk):
    school = SchoolFactory(name="Other Primary School")
    other = World(school, **{name: person(school, name, username=f"b-{name}") for name in PEOPLE})
    theirs = other.visit(start=at(10), back=at(10, 30))
    check_in(theirs, EventKind.DEPARTED, other.teacher, now=at(10))
    check_in(theirs, EventKind.OK, other.ta, now=at(10, 20))
    scan(at(10, 40))  # theirs escalated; ours as they were
    Notification.objects.create(dedupe_key="t:theirs", recipient=other.head, channel=Channel.SMS, subject="s",
                                body="b", status=DeliveryStatus.FAILED, created_at=at(10, 39))
    assert desk.poll().status_code == 304


def test_each_role_has_its_own_version(client, world, desk):
    # The DSL keeps watch but does not record phone calls: a different board from the office's.
    client.force_login(world.dsl)
    html = sent(poll_with(client, desk.etag))
    assert "Record a phone call" not in html
    assert poll_with(client, quote_etag(version_in(html))).status_code == 304


def test_a_poll_after_signing_out_is_still_sent_to_sign_in(client, world, desk):
    client.logout()
    response = desk.poll()
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/accounts/login/")


def test_a_changed_board_is_sent_compressed(client, world, desk):
    check_in(desk.calm, EventKind.OK, world.ta, now=at(10, 40))
    response = client.get(BODY, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=desk.etag, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert "script-src 'self'" in response["Content-Security-Policy"]  # a body keeps its policies
    html = gzip.decompress(response.content).decode()
    assert len(response.content) * 3 < len(html)
    # Compression weakens the validator (W/"..."); the page sends the version in the body back.
    assert response["ETag"] == "W/" + quote_etag(version_in(html))
    assert poll_with(client, response["ETag"]).status_code == 304


def comparable(html: str) -> str:
    """The body without what board.js redraws from the clock by itself (and the per-response CSRF
    masks): what the office would see, whatever the second of the poll."""
    for pattern, keep in ((r' data-version="\w*"', ""), (r' data-server-now="\d+"', ""),
                          (r'name="csrfmiddlewaretoken" value="\w*"', ""),
                          (r"(<span data-board-checked>)[^<]*", r"\1"), (r'(data-testid="countdown">)[^<]*', r"\1"),
                          (r'(<span data-ago="\d+">)[^<]*', r"\1"), (r" hv-pct-\d+", ""), (r' aria-valuenow="\d+"', "")):
        html = re.sub(pattern, keep, html)
    return html


def test_the_version_moves_exactly_when_the_board_does_as_the_clock_runs(client, world, clock_june_bst):
    """Every minute from 10:06 to 12:20 with nothing happening but the clock: the version changes at
    each moment the board's words change, and never without them (the same version, the same board)."""
    signed_out(world, at(9), at(9, 50))
    scan(at(10, 5))  # level 1 (R-LATE-15); no scan after it: its bar alone goes red at 10:20 (R-RETURN-30)
    signed_out(world, at(10), at(11, 15))  # due back soon at 11:00, past at 11:15, R-LATE-15 11:30, R-RETURN-30 11:45
    signed_out(world, at(10, 30), at(12, 5))  # 11:50, 12:05, 12:20
    world.visit(start=at(10, 45), back=at(12, 30))  # approved, nobody left: "Not left yet" from 10:46
    Notification.objects.create(dedupe_key="t:yesterday", recipient=world.head, channel=Channel.SMS, subject="s",
                                body="b", status=DeliveryStatus.FAILED,
                                created_at=at(10, 10) - datetime.timedelta(hours=24))  # off the board from 10:10
    client.force_login(world.office)
    boards = {}
    moment = at(10, 6)
    while moment <= at(12, 20):
        now_at(clock_june_bst, moment)
        html = sent(poll(client))
        boards.setdefault(version_in(html), set()).add(comparable(html))
        moment += datetime.timedelta(minutes=1)
    assert all(len(seen) == 1 for seen in boards.values())  # one version, one board
    assert len(boards) == 1 + 10  # and a new version only at the ten moments the board changed


def test_an_unchanged_board_costs_under_1_kib_over_https(world, desk, settings):
    settings.SECURE_HSTS_SECONDS = 31536000  # as in production (HTTPS on)
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = settings.SESSION_COOKIE_SECURE = True
    client = Client()  # its middleware made with these settings
    client.force_login(world.office)
    response = client.get(BODY, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=desk.etag, secure=True)
    assert response.status_code == 304 and "Strict-Transport-Security" in response
    head = ["HTTP/1.1 304 Not Modified", *(f"{name}: {value}" for name, value in response.items()),
            *(f"Set-Cookie: {morsel.OutputString()}" for morsel in response.cookies.values()),
            "Date: Wed, 10 Jun 2026 09:40:00 GMT", "Server: gunicorn", "Connection: close"]  # added by gunicorn
    assert len("\r\n".join(head)) + 4 <= 1024, "\n".join(head)
    assert len(response.content) == 0
