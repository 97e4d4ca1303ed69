"""Taps a phone kept without signal and sent later (static/js/offline-taps.js): the server records
when each was tapped beside when it arrived, believes the phone's time only within limits, records a
replayed tap once (its idempotency key), and never lets a late tap close an alert that was raised
while it waited on the phone: the office decides (R-CHECKIN, R-LATE-15, R-RETURN-30, R-RETURN)."""

import datetime
import json
import re
import uuid

import pytest
from django.urls import reverse

from safety import checkins
from safety.board import live_board
from safety.escalations import record_contact
from safety.models import ContactOutcome, Escalation, EscalationLevel
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitEvent, VisitState

from .pages import at

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)


def url(visit):
    return reverse("safety:checkin", args=[visit.pk])


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def out(world, clock_june_bst):
    """The teacher and the TA left at 10:02, expected back 11:15."""
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 2))
    return visit


# --- Which tap times are believed (said_at_of) ---------------------------------------------------

@pytest.mark.parametrize(("tapped", "kept"), [
    (at(10, 40), at(10, 40)),          # kept on the phone for twenty minutes
    (at(11, 1) + 30 * SECOND, at(11, 0)),        # the phone's clock a little ahead: counts as now
    (at(11, 2) + 30 * SECOND, None),             # more than 2 minutes ahead: not believed
    (at(10, 1), None),                 # before the visit left
])
def test_a_tap_time_is_believed_only_within_limits(world, out, tapped, kept):
    out.refresh_from_db()
    assert checkins.said_at_of(out, tapped, at(11, 0)) == kept


def test_a_tap_older_than_a_day_is_not_believed(world, out):
    out.refresh_from_db()
    out.departed_at = at(10, 2) - datetime.timedelta(days=3)
    assert checkins.said_at_of(out, at(10, 2) - datetime.timedelta(days=2), at(10, 30)) is None
    assert checkins.said_at_of(out, at(10, 3), at(10, 30)) == at(10, 3)


def test_an_unbelievable_tap_time_still_records_the_tap_at_the_time_received(client, world, out):
    client.force_login(world.teacher)
    for tapped in ("2026-06-10T12:30:00Z", "not a time", "2026-06-10T08:00:00Z"):
        response = client.post(url(out), {"kind": EventKind.OK, "idempotency_key": str(uuid.uuid4()),
                                           "tapped_at": tapped}, headers={"X-Kept-Tap": "1"})
        assert response.status_code == 200 and response.json()["recorded"] is True, tapped
    events = list(out.events.filter(kind=EventKind.OK))
    assert len(events) == 3
    assert all(event.said_at is None and event.at == at(10, 2) for event in events)


# --- Both times recorded and shown -------------------------------------------------------------

def test_a_kept_tap_records_both_times_and_every_page_shows_them(client, world, out, clock_june_bst):
    clock_june_bst.move_to(at(10, 58))
    client.force_login(world.teacher)
    key = str(uuid.uuid4())
    response = client.post(url(out), {"kind": EventKind.OK, "idempotency_key": key,
                                      "tapped_at": "2026-06-10T09:42:10Z"}, headers={"X-Kept-Tap": "1"})
    assert response.status_code == 200
    assert response.json() == {"recorded": True, "message": "Check-in recorded at 10:58. Expected back 11:15."}
    event = VisitEvent.objects.get(idempotency_key=key)
    assert (event.said_at, event.at) == (at(10, 42) + 10 * SECOND, at(10, 58))
    said = "said All OK at 10:42, received 10:58"
    # The visit's timeline, the office board's row, and the escalation page (Europe/London times).
    client.force_login(world.office)
    assert said in text(client.get(out.get_absolute_url()))
    row = live_board(world.office, at(10, 59)).rows[0]
    assert (row.last_event_said, row.last_event_at) == ("10:42", "10:58")
    assert "last word: said All OK at 10:42, received 10:58" in text(client.get(reverse("safety:board")))
    assert said in text(client.get(reverse("safety:escalation", args=[out.pk])))


def test_a_tap_sent_at_once_shows_one_time(client, world, out, clock_june_bst):
    clock_june_bst.move_to(at(10, 58))
    client.force_login(world.teacher)
    client.post(url(out), {"kind": EventKind.OK, "idempotency_key": str(uuid.uuid4()),
                           "tapped_at": "2026-06-10T09:57:50Z"}, headers={"X-Kept-Tap": "1"})
    assert out.events.get(kind=EventKind.OK).said_at == at(10, 57) + 50 * SECOND
    client.force_login(world.office)
    assert "said All OK" not in text(client.get(out.get_absolute_url()))
    assert "last word: All OK 10:58" in text(client.get(reverse("safety:board")))


def test_a_refused_kept_tap_says_why_in_json_and_records_nothing(client, world, clock_june_bst):
    visit = world.visit()  # not left yet: "All OK" can't be recorded
    client.force_login(world.teacher)
    response = client.post(url(visit), {"kind": EventKind.OK, "idempotency_key": str(uuid.uuid4()),
                                        "tapped_at": "2026-06-10T09:00:00Z"}, headers={"X-Kept-Tap": "1"})
    assert response.status_code == 409
    answer = json.loads(response.content)
    assert answer["recorded"] is False and answer["errors"]
    assert not visit.events.filter(kind=EventKind.OK).exists()


# --- A replayed tap is recorded once ------------------------------------------------------------

def test_a_tap_replayed_from_the_phone_and_also_posted_is_recorded_once(client, world, out, clock_june_bst):
    clock_june_bst.move_to(at(10, 50))
    client.force_login(world.teacher)
    fields = {"kind": EventKind.OK, "idempotency_key": str(uuid.uuid4())}
    assert client.post(url(out), fields).status_code == 302
    clock_june_bst.move_to(at(10, 55))
    again = client.post(url(out), {**fields, "tapped_at": "2026-06-10T09:49:00Z"}, headers={"X-Kept-Tap": "1"})
    assert again.json()["message"].startswith("Already recorded: ")
    event = out.events.get(kind=EventKind.OK)
    assert (event.at, event.said_at) == (at(10, 50), None)


# --- A late tap never closes an alert raised while it waited -----------------------------------

def test_a_late_tap_made_before_the_alert_does_not_close_it(client, world, out, clock_june_bst):
    # Both "back" at 11:20 on phones without signal; the watchdog flags the office at 11:30 (R-LATE-15);
    # the taps arrive at 11:40.
    scan(at(11, 30))
    alert = Escalation.objects.get(visit=out, resolved_at__isnull=True)
    assert alert.level == EscalationLevel.LATE
    for person in (world.teacher, world.ta):
        checkins.check_in(out, EventKind.RETURNED, person, now=at(11, 40), idempotency_key=str(uuid.uuid4()),
                          tapped_at=at(11, 20))
    out.refresh_from_db()
    alert.refresh_from_db()
    assert alert.resolved_at is None
    # They are recorded back, each at both times, but the visit stays open, and watched, with its alert.
    assert out.state in (VisitState.DEPARTED, VisitState.ON_SITE, VisitState.LEFT) and out.next_check_at
    back = list(out.events.filter(kind=EventKind.RETURNED))
    assert [(e.said_at, e.at, e.tapped_before_alert) for e in back] == [(at(11, 20), at(11, 40), True)] * 2
    # The office sees it on the escalation page and decides.
    clock_june_bst.move_to(at(11, 41))
    client.force_login(world.office)
    page = text(client.get(reverse("safety:escalation", args=[out.pk])))
    assert "Back at school tapped 11:20 before this alert, received 11:40 after it: decide" in page
    # Reaching them closes it; everyone is back, so the visit is over.
    record_contact(alert, 1, ContactOutcome.REACHED_SAFE, world.office, alarm_outcome="late_safe",
                   now=at(11, 45))
    out.refresh_from_db()
    assert out.state == VisitState.RETURNED and out.returned_at == at(11, 45)
    assert not Escalation.objects.filter(visit=out, resolved_at__isnull=True).exists()


def test_a_late_new_time_made_before_the_alert_does_not_close_it(world, out):
    scan(at(11, 30))
    checkins.check_in(out, EventKind.LATE, world.teacher, now=at(11, 40), new_expected_return=at(12, 30),
                      tapped_at=at(11, 25))
    assert Escalation.objects.filter(visit=out, resolved_at__isnull=True).exists()


def test_a_tap_made_after_the_alert_was_raised_answers_it_as_before(world, out):
    scan(at(11, 30))
    checkins.check_in(out, EventKind.LATE, world.teacher, now=at(11, 40), new_expected_return=at(12, 30),
                      tapped_at=at(11, 33))
    assert not Escalation.objects.filter(visit=out, resolved_at__isnull=True).exists()
    assert out.events.get(kind=EventKind.LATE).said_at == at(11, 33)


def test_a_tap_sent_straight_away_answers_the_alert_as_before(world, out):
    scan(at(11, 30))
    checkins.check_in(out, EventKind.LATE, world.teacher, now=at(11, 40), new_expected_return=at(12, 30))
    assert not Escalation.objects.filter(visit=out, resolved_at__isnull=True).exists()
