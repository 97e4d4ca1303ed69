"""A change on the school's settings pages takes effect at the next scan for visits already out: a
shorter late call flags the office at once, a longer one waits for its new time, and a shorter time
to take charge on the roster moves an alert on at once (R-LATE-15, R-RETURN-30, R-CONTACT-STEPS;
safety.watchdog.look_again after accounts.school_settings.settings_changed).

The visit is out from 10:00, expected back at 11:15; the school starts on the policy's 15 and 30."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import RosterTier, TierKind
from accounts.tests.settings_helpers import form_of, url
from homevisits.factories import as_user
from safety.models import Escalation, EscalationLevel
from safety.watchdog import check_in, scan
from visits.lifecycle import EventKind

from .pages import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_broker")]


@pytest.fixture
def _no_broker():
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


@pytest.fixture
def out(world, clock_june_bst):
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    visit.refresh_from_db()
    return visit


def save(world, page, **changes):
    client = as_user(Client(), world.admin)
    data = form_of(client, world.school, page)
    data.update(changes)
    response = client.post(url(world.school, page), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def levels(visit):
    return sorted(Escalation.objects.filter(visit=visit).values_list("level", flat=True))


def test_a_shorter_late_call_flags_the_office_at_the_next_scan(world, out, clock_june_bst):
    scan(at(11, 20))
    assert levels(out) == []
    clock_june_bst.move_to(at(11, 21))
    save(world, "alerts", late_call_minutes="5")
    scan(at(11, 21))  # 11:15 + 5 has passed: the next scan flags it, not the old 11:30
    assert levels(out) == [EscalationLevel.LATE]


def test_a_longer_late_call_waits_for_its_new_time(world, out, clock_june_bst):
    clock_june_bst.move_to(at(11, 0))
    save(world, "alerts", late_call_minutes="40", office_chase_minutes="60", police_prompt_minutes="90")
    scan(at(11, 0))
    scan(at(11, 31))
    assert levels(out) == []
    scan(at(11, 55))
    assert levels(out) == [EscalationLevel.LATE]
    scan(at(12, 15))
    assert levels(out) == [EscalationLevel.LATE, EscalationLevel.CHASE]


def test_a_shorter_time_to_take_charge_moves_the_alert_on_at_the_next_scan(world, out, clock_june_bst):
    for position, kind in enumerate((TierKind.OFFICE, TierKind.HEAD, TierKind.DSL), start=1):
        RosterTier.objects.create(school=world.school, position=position, kind=kind, ack_timeout_minutes=10)
    scan(at(11, 30))
    (alert,) = Escalation.objects.filter(visit=out)
    assert alert.tiers_reached == 1
    scan(at(11, 33))
    alert.refresh_from_db()
    assert alert.tiers_reached == 1  # ten minutes for the office to take charge
    clock_june_bst.move_to(at(11, 33))
    save(world, "roster", **{"tiers-0-ack_timeout_minutes": "2"})
    scan(at(11, 33))
    alert.refresh_from_db()
    assert alert.tiers_reached == 2  # two minutes passed at 11:32: the head has it too


def test_a_save_that_changes_nothing_leaves_the_watch_alone(world, out, clock_june_bst):
    due = out.next_check_at
    clock_june_bst.move_to(at(10, 30))
    save(world, "alerts")
    out.refresh_from_db()
    assert out.next_check_at == due


def test_visits_of_another_school_are_not_touched(world, out, other_school, clock_june_bst):
    due = out.next_check_at
    clock_june_bst.move_to(at(10, 30))
    # A superuser changes the other school's ladder: this school's visit keeps its next check.
    root = get_user_model().objects.create_superuser("root", "root@school.example", "x-long-password-1")
    client = as_user(Client(), root)
    data = form_of(client, other_school, "alerts")
    data["late_call_minutes"] = "5"
    assert client.post(url(other_school, "alerts"), data).status_code == 302
    out.refresh_from_db()
    assert out.next_check_at == due
