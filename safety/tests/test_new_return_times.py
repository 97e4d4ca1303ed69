"""A new return time typed while out (R-LATE-15): on the phone's "Running late", on the office's
phone form and with the escalation's "reached, safe, new time". Each is the next such local time
after now (visits.localtime.next_local_time), so after midnight works; a time the clocks skip is
refused beside the field; inside the repeated autumn hour staff can give a time before 02:00; and
the watchdog counts its minutes from the UTC instant, so the night the clocks go back watches it
on time, not an hour late.
"""

import datetime
import re
import uuid

import pytest
from django.urls import reverse

from safety import ladder
from safety.models import Escalation, EscalationLevel
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitState

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)
# The last Sunday of October 2026: 01:00-01:59 happens twice, first BST (00:00-00:59 UTC), then GMT.
FIRST_0120 = datetime.datetime(2026, 10, 25, 0, 20, tzinfo=UTC)  # 01:20 BST, the first time round
SECOND_0120 = datetime.datetime(2026, 10, 25, 1, 20, tzinfo=UTC)  # 01:20 GMT, the second time round
# The last Sunday of March 2026: at 01:00 GMT the clocks go to 02:00 BST; 01:00-01:59 does not exist.
SPRING_0030 = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 GMT
# A summer evening: 23:50 BST.
SUMMER_2350 = datetime.datetime(2026, 6, 10, 22, 50, tzinfo=UTC)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def out_since(world, departed, back):
    """A visit signed out at `departed`, expected back at `back` (UTC instants)."""
    visit = world.visit(start=departed, back=back)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=departed)
    visit.refresh_from_db()
    return visit


def running_late(client, visit, typed, **extra):
    data = {"kind": EventKind.LATE, "idempotency_key": str(uuid.uuid4()), "new_expected_return": typed, **extra}
    return client.post(reverse("safety:checkin", args=[visit.pk]), data, follow=True)


def by_phone(client, visit, kind, who, typed, **extra):
    data = {"kind": kind, "idempotency_key": str(uuid.uuid4()), "on_behalf_of": who.pk,
            "new_expected_return": typed, **extra}
    return client.post(reverse("safety:record-call", args=[visit.pk]), data, follow=True)


def reached_safe(client, visit, typed):
    esc = Escalation.objects.open_alerts().get(visit=visit)
    data = {"action": "contact", "escalation": esc.pk, "step": 1, "outcome": "reached_safe",
            "alarm_outcome": "late_safe", "new_expected_return": typed}
    return client.post(reverse("safety:escalation", args=[visit.pk]), data, follow=True)


def levels_at(visit, *moments):
    """Scan at each moment (nothing sleeps) and give the visit's escalation levels after each."""
    out = []
    for moment in moments:
        scan(moment)
        out.append(sorted(Escalation.objects.filter(visit=visit).values_list("level", flat=True)))
    return out


# --- The phone page ------------------------------------------------------------------------------

def test_inside_the_first_repeated_hour_a_new_time_is_watched_15_real_minutes_after_it(client, world, clock_june_bst):
    """01:50 BST + 15 minutes is 01:05 GMT (15 minutes later), not 02:05 GMT (75 minutes later)."""
    visit = out_since(world, FIRST_0120 - datetime.timedelta(minutes=80), FIRST_0120 - datetime.timedelta(minutes=10))
    clock_june_bst.move_to(FIRST_0120)
    client.force_login(world.teacher)
    response = running_late(client, visit, "01:50")
    assert "Expected back 01:50" in text(response)
    visit.refresh_from_db()
    new_return = FIRST_0120 + 30 * MINUTE  # 00:50 UTC, 01:50 BST
    assert visit.expected_return == new_return
    assert ladder.deadlines(visit).late_at == new_return + 15 * MINUTE  # R-LATE-15
    assert visit.next_check_at == new_return - 5 * MINUTE  # the staff's own reminder first (safety.staff_reminders)
    assert levels_at(visit, new_return + 15 * MINUTE - datetime.timedelta(seconds=1),
                     new_return + 15 * MINUTE, new_return + 30 * MINUTE) == [[], [1], [1, 2]]


def test_inside_the_second_repeated_hour_staff_can_give_a_time_before_0200(client, world, clock_june_bst):
    visit = out_since(world, SECOND_0120 - datetime.timedelta(minutes=80), SECOND_0120 - datetime.timedelta(minutes=5))
    clock_june_bst.move_to(SECOND_0120)
    client.force_login(world.teacher)
    response = running_late(client, visit, "01:50")
    assert response.context.get("failed") is None, response.context["failed"].errors
    visit.refresh_from_db()
    assert visit.expected_return == SECOND_0120 + 30 * MINUTE  # 01:50 GMT
    assert ladder.deadlines(visit).late_at == SECOND_0120 + 45 * MINUTE
    assert visit.next_check_at == SECOND_0120 + 25 * MINUTE  # the staff's reminder, 5 minutes before


def test_in_the_first_hour_a_time_already_passed_means_the_second_time_round(client, world, clock_june_bst):
    """At 01:20 BST, 01:10 has passed once and comes again at 01:10 GMT, in 50 minutes."""
    visit = out_since(world, FIRST_0120 - datetime.timedelta(minutes=80), FIRST_0120 - datetime.timedelta(minutes=10))
    clock_june_bst.move_to(FIRST_0120)
    client.force_login(world.teacher)
    running_late(client, visit, "01:10")
    visit.refresh_from_db()
    assert visit.expected_return == FIRST_0120 + 50 * MINUTE


def test_a_time_the_clocks_skip_is_refused_beside_the_field(client, world, clock_june_bst):
    visit = out_since(world, SPRING_0030 - datetime.timedelta(minutes=60), SPRING_0030 + 10 * MINUTE)
    clock_june_bst.move_to(SPRING_0030)
    client.force_login(world.teacher)
    response = running_late(client, visit, "01:30")
    assert response.status_code == 200
    errors = response.context["failed"].errors["new_expected_return"]
    assert errors == ["01:30 does not exist tonight: the clocks go forward an hour. Enter the time as the clock "
                      "will show it (for example 02:30)."]
    assert "01:30 does not exist tonight" in text(response)
    visit.refresh_from_db()
    assert visit.expected_return == SPRING_0030 + 10 * MINUTE  # nothing half-saved
    assert not visit.events.filter(kind=EventKind.LATE).exists()


def test_after_the_spring_jump_the_time_as_the_clock_shows_it_is_taken(client, world, clock_june_bst):
    visit = out_since(world, SPRING_0030 - datetime.timedelta(minutes=60), SPRING_0030 + 10 * MINUTE)
    clock_june_bst.move_to(SPRING_0030)
    client.force_login(world.teacher)
    running_late(client, visit, "02:30")  # BST: 01:30 UTC, an hour from now
    visit.refresh_from_db()
    assert visit.expected_return == SPRING_0030 + 60 * MINUTE
    assert ladder.deadlines(visit).late_at == SPRING_0030 + 75 * MINUTE
    assert visit.next_check_at == SPRING_0030 + 55 * MINUTE  # the staff's reminder, 5 minutes before


def test_after_midnight_is_tomorrow_and_the_page_prefills_a_time_it_accepts(client, world, clock_june_bst):
    visit = out_since(world, SUMMER_2350 - datetime.timedelta(minutes=60), SUMMER_2350 - 5 * MINUTE)
    clock_june_bst.move_to(SUMMER_2350)
    client.force_login(world.teacher)
    page = client.get(reverse("safety:checkin", args=[visit.pk]))
    prefilled = page.context["forms"][EventKind.LATE]["new_expected_return"].value()
    assert prefilled == datetime.time(0, 20)  # half an hour from now, after midnight
    running_late(client, visit, prefilled.strftime("%H:%M"))
    visit.refresh_from_db()
    assert visit.expected_return == SUMMER_2350 + 30 * MINUTE  # 00:20 BST on 11 June
    assert visit.events.filter(kind=EventKind.LATE).count() == 1


def test_on_the_autumn_night_the_prefilled_time_is_accepted_too(client, world, clock_june_bst):
    visit = out_since(world, FIRST_0120 - datetime.timedelta(minutes=80), FIRST_0120 - datetime.timedelta(minutes=10))
    clock_june_bst.move_to(FIRST_0120 + 20 * MINUTE)  # 01:40 BST: half an hour on is 01:10 GMT
    client.force_login(world.teacher)
    page = client.get(reverse("safety:checkin", args=[visit.pk]))
    prefilled = page.context["forms"][EventKind.LATE]["new_expected_return"].value()
    assert prefilled == datetime.time(1, 10)
    running_late(client, visit, "01:10")
    visit.refresh_from_db()
    assert visit.expected_return == FIRST_0120 + 50 * MINUTE


# --- The office's phone form ---------------------------------------------------------------------

def test_the_office_records_a_new_time_in_the_second_repeated_hour(client, world, clock_june_bst):
    visit = out_since(world, SECOND_0120 - datetime.timedelta(minutes=80), SECOND_0120 - datetime.timedelta(minutes=5))
    clock_june_bst.move_to(SECOND_0120)
    client.force_login(world.office)
    response = by_phone(client, visit, EventKind.LATE, world.teacher, "01:50")
    assert "Expected back 01:50" in text(response)
    visit.refresh_from_db()
    assert visit.expected_return == SECOND_0120 + 30 * MINUTE
    assert ladder.deadlines(visit).late_at == SECOND_0120 + 45 * MINUTE
    assert visit.next_check_at == SECOND_0120 + 25 * MINUTE  # the staff's reminder, 5 minutes before


def test_the_office_phone_form_refuses_a_skipped_time_beside_the_field(client, world, clock_june_bst):
    visit = out_since(world, SPRING_0030 - datetime.timedelta(minutes=60), SPRING_0030 + 10 * MINUTE)
    clock_june_bst.move_to(SPRING_0030)
    client.force_login(world.office)
    response = by_phone(client, visit, EventKind.LATE, world.teacher, "01:15")
    assert "01:15 does not exist tonight" in " ".join(response.context["form"].errors["new_expected_return"])
    assert not visit.events.filter(kind=EventKind.LATE).exists()


def test_the_office_phone_form_takes_a_time_after_midnight(client, world, clock_june_bst):
    visit = out_since(world, SUMMER_2350 - datetime.timedelta(minutes=60), SUMMER_2350 - 5 * MINUTE)
    clock_june_bst.move_to(SUMMER_2350)
    client.force_login(world.office)
    by_phone(client, visit, EventKind.LATE, world.teacher, "00:40")
    visit.refresh_from_db()
    assert visit.expected_return == SUMMER_2350 + 50 * MINUTE


def test_a_stale_prefilled_time_does_not_stop_the_office_recording_an_all_ok(client, world, clock_june_bst):
    """The phone form carries the time field for every button; only "Running late" reads it."""
    visit = out_since(world, SUMMER_2350 - datetime.timedelta(minutes=60), SUMMER_2350 + 30 * MINUTE)
    clock_june_bst.move_to(SUMMER_2350)
    client.force_login(world.office)
    by_phone(client, visit, EventKind.OK, world.teacher, "23:00")  # drawn long ago; passed now
    assert visit.events.filter(kind=EventKind.OK).count() == 1


# --- The escalation's "reached, safe, new time" --------------------------------------------------

def escalated(world, back):
    visit = out_since(world, back - datetime.timedelta(minutes=60), back)
    scan(back + 15 * MINUTE)
    assert Escalation.objects.open_alerts().get(visit=visit).level == EscalationLevel.LATE
    return visit


def test_reached_safe_with_a_new_time_in_the_first_repeated_hour_is_watched_on_time(client, world, clock_june_bst):
    visit = escalated(world, FIRST_0120 - 20 * MINUTE)
    clock_june_bst.move_to(FIRST_0120)
    client.force_login(world.office)
    response = reached_safe(client, visit, "01:50")
    assert "Escalation resolved. Expected back 01:50." in text(response)
    visit.refresh_from_db()
    assert visit.expected_return == FIRST_0120 + 30 * MINUTE
    assert ladder.deadlines(visit).late_at == FIRST_0120 + 45 * MINUTE
    assert visit.next_check_at == FIRST_0120 + 25 * MINUTE  # the staff's reminder for the new time
    assert visit.state in (VisitState.DEPARTED, VisitState.ON_SITE)


def test_reached_safe_in_the_second_repeated_hour_takes_a_time_before_0200(client, world, clock_june_bst):
    visit = escalated(world, SECOND_0120 - 20 * MINUTE)
    clock_june_bst.move_to(SECOND_0120)
    client.force_login(world.office)
    reached_safe(client, visit, "01:45")
    visit.refresh_from_db()
    assert visit.expected_return == SECOND_0120 + 25 * MINUTE


def test_reached_safe_refuses_a_skipped_time_beside_the_field(client, world, clock_june_bst):
    visit = escalated(world, SPRING_0030 - 20 * MINUTE)
    clock_june_bst.move_to(SPRING_0030)
    client.force_login(world.office)
    response = reached_safe(client, visit, "01:30")
    form = response.context["panel"]["contact_form"]
    assert "01:30 does not exist tonight" in " ".join(form.errors["new_expected_return"])
    assert Escalation.objects.open_alerts().filter(visit=visit).exists()  # still open: nothing half-saved


def test_reached_safe_takes_a_time_after_midnight(client, world, clock_june_bst):
    visit = escalated(world, SUMMER_2350 - 20 * MINUTE)
    clock_june_bst.move_to(SUMMER_2350)
    client.force_login(world.office)
    reached_safe(client, visit, "00:30")
    visit.refresh_from_db()
    assert visit.expected_return == SUMMER_2350 + 40 * MINUTE
    assert not Escalation.objects.open_alerts().filter(visit=visit).exists()
