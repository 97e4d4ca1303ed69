"""The roster (accounts.roster, safety.ladder): an alert nobody takes charge of moves on tier by tier,
keeping the earlier tiers on it; after the last tier's timeout everyone on the roster is told, on
every channel, to call the police now (R-CONTACT-STEPS step 4). Outside office hours the out-of-hours
contacts take the office's place (R-LATE-15, R-RETURN-30); approving a visit whose alerts would come
then with nobody named is a gate. Time-travel tests: each scan is given its `now`."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse

from accounts import roles, roster
from accounts.admin import RosterTierForm
from accounts.models import RosterTier, TierKind
from homevisits import factories
from notifications.models import Channel, Notification
from safety.escalations import acknowledge
from safety.models import Escalation, EscalationLevel
from safety.watchdog import scan
from visits import services
from visits.models import EventKind, Gate, VisitState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_broker")]

MINUTE = datetime.timedelta(minutes=1)
UTC = datetime.UTC


@pytest.fixture
def _no_broker():
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


def alerted(visit, *, since=None) -> set:
    """Who the visit's alerts went to (since `since`)."""
    rows = Notification.objects.filter(visit=visit, dedupe_key__startswith="esc:")
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return set(rows.values_list("recipient__username", flat=True))


@pytest.fixture
def on_call(school):
    """The out-of-hours contact: the deputy head, holding the DSL role (who may take charge)."""
    return factories.make_staff(school, roles.DSL, username="deputy", mobile="07700 900555")


@pytest.fixture
def hours(world, on_call):
    """Office on duty 08:00 to 16:00 Monday to Friday; out of hours, the deputy covers."""
    factories.office_hours(world.school)
    factories.roster_of(world.school, TierKind.OFFICE, TierKind.HEAD, TierKind.DSL,
                        (TierKind.OUT_OF_HOURS, [on_call]))
    return world.school


def test_nobody_taking_charge_moves_the_alert_on_then_everyone_is_told_to_call_the_police(client, out_visit, world):
    visit = out_visit()  # out 09:00, back 10:30: the default roster (office, head, DSL; 5 minutes each)
    due = visit.expected_return + 15 * MINUTE
    scan(due)  # R-LATE-15: the office
    assert alerted(visit) == {"office"}
    scan(due + 5 * MINUTE - datetime.timedelta(seconds=1))
    assert alerted(visit) == {"office"}
    scan(due + 5 * MINUTE)  # nobody took charge: the head too, and the office again
    esc = Escalation.objects.get(visit=visit)
    assert (esc.level, esc.tiers_reached, esc.alert_count) == (EscalationLevel.LATE, 2, 2)
    assert alerted(visit, since=due + 5 * MINUTE) == {"office", "head"}
    assert visit.events.filter(kind=EventKind.MOVED_ON, at=due + 5 * MINUTE).exists()
    # A repeat to the office; to the head, who never had it, a first alert.
    second = {n.recipient.username: n.subject
              for n in Notification.objects.filter(dedupe_key__startswith=f"esc:{esc.pk}:2:")}
    assert second["office"].startswith("REPEAT 2: ") and not second["head"].startswith("REPEAT")
    scan(due + 10 * MINUTE)  # and the DSL
    assert alerted(visit, since=due + 10 * MINUTE) == {"office", "head", "dsl"}
    scan(due + 15 * MINUTE)  # R-RETURN-30: level 2 keeps the tiers the alert reached
    chase = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert (chase.level, chase.tiers_reached) == (EscalationLevel.CHASE, 3)
    assert alerted(visit, since=due + 15 * MINUTE) == {"office", "head", "dsl"}
    assert not chase.nobody_took_charge

    scan(due + 20 * MINUTE)  # the last tier's five minutes have passed: R-CONTACT-STEPS step 4
    chase.refresh_from_db()
    assert chase.nobody_took_charge and chase.exhausted_at == due + 20 * MINUTE
    told = Notification.objects.filter(dedupe_key__startswith=f"esc:{chase.pk}:{chase.alert_count}:")
    assert {n.recipient.username for n in told} == {"office", "head", "dsl"}
    assert {n.channel for n in told if n.recipient == world.head} >= {Channel.EMAIL, Channel.SMS, Channel.VOICE}
    assert all(n.subject.startswith("Nobody has taken charge: call the police now") for n in told)
    assert visit.events.filter(kind=EventKind.NOBODY_IN_CHARGE).count() == 1
    assert not Notification.objects.filter(visit=visit, recipient__in=[world.teacher, world.ta]).exists()

    scan(due + 21 * MINUTE)  # once: the next word is the repeat, still saying it
    assert visit.events.filter(kind=EventKind.NOBODY_IN_CHARGE).count() == 1
    client.force_login(world.office)
    for url in (reverse("safety:board"), reverse("safety:escalation", args=[visit.pk])):
        assert b"Nobody has taken charge: call the police now" in client.get(url).content
    acknowledge(chase, world.head, now=due + 22 * MINUTE)
    chase.refresh_from_db()
    assert not chase.nobody_took_charge
    assert b"Nobody has taken charge" not in client.get(reverse("safety:board")).content


def test_taking_charge_stops_the_alert_moving_on(out_visit, world):
    visit = out_visit()
    due = visit.expected_return + 15 * MINUTE
    scan(due)
    acknowledge(Escalation.objects.get(visit=visit), world.office, now=due + MINUTE)
    scan(due + 5 * MINUTE)
    scan(due + 10 * MINUTE)
    assert alerted(visit) == {"office"}
    assert not visit.events.filter(kind=EventKind.MOVED_ON).exists()


def test_each_tier_has_its_own_timeout(out_visit, world):
    factories.roster_of(world.school, (TierKind.OFFICE, [], 2), (TierKind.HEAD, [], 8), TierKind.DSL)
    visit = out_visit()
    due = visit.expected_return + 15 * MINUTE
    scan(due)
    scan(due + 2 * MINUTE)
    assert alerted(visit) == {"office", "head"}
    scan(due + 9 * MINUTE)
    assert "dsl" not in alerted(visit)
    scan(due + 10 * MINUTE)
    assert "dsl" in alerted(visit)


def test_out_of_hours_the_out_of_hours_contact_is_alerted_not_the_office(out_visit, hours, on_call):
    # Tuesday 24 November: out 15:00, due back 16:30 (GMT: local time is UTC), level 1 at 16:45.
    visit = out_visit(start=datetime.datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    due = visit.expected_return + 15 * MINUTE
    scan(due)
    assert alerted(visit) == {"deputy"}
    scan(due + 5 * MINUTE)  # then the head, never the empty office
    assert alerted(visit) == {"deputy", "head"}


def test_a_visit_crossing_the_end_of_office_hours(out_visit, hours, on_call):
    # Due back 15:40: level 1 at 15:55 goes to the office; at 16:00 the office has gone home and
    # nobody took charge: the out-of-hours contact and the head have it now.
    visit = out_visit(start=datetime.datetime(2026, 11, 24, 14, 40, tzinfo=UTC), back_after=60)
    due = visit.expected_return + 15 * MINUTE
    assert due == datetime.datetime(2026, 11, 24, 15, 55, tzinfo=UTC)
    scan(due)
    assert alerted(visit) == {"office"}
    scan(due + 5 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    assert set(Notification.objects.filter(dedupe_key__startswith=f"esc:{esc.pk}:2:")
               .values_list("recipient__username", flat=True)) == {"deputy", "head"}


def test_out_of_hours_with_nobody_named_the_alert_starts_with_the_head(out_visit, world):
    factories.office_hours(world.school)
    visit = out_visit(start=datetime.datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    scan(visit.expected_return + 15 * MINUTE)
    assert alerted(visit) == {"head"}


@pytest.mark.parametrize(("day", "office_open"), [
    # Sunday 29 March 2026, clocks forward at 01:00 UTC: 15:30 UTC is 16:30 BST, the office closed.
    (datetime.date(2026, 3, 29), False),
    # Sunday 25 October 2026, clocks back at 01:00 UTC: 15:30 UTC is 15:30 GMT, the office open.
    (datetime.date(2026, 10, 25), True),
])
def test_office_hours_are_local_time_on_both_clock_change_days(out_visit, hours, on_call, day, office_open):
    factories.office_hours(hours, days=range(7))
    start = datetime.datetime.combine(day, datetime.time(14, 0), tzinfo=UTC)
    visit = out_visit(start=start, back_after=75)  # due back 15:15 UTC, level 1 at 15:30 UTC
    first = visit.expected_return + 15 * MINUTE
    assert roster.office_open(hours, first) is office_open
    scan(first)
    assert alerted(visit) == ({"office"} if office_open else {"deputy"})


def test_a_roster_never_reaches_another_school_or_someone_who_may_not_take_charge(out_visit, world, other_head):
    """Named people are read within the school and the roles that keep watch, whatever was stored."""
    row = RosterTier.objects.create(school=world.school, position=1, kind=TierKind.OUT_OF_HOURS)
    RosterTier.objects.create(school=world.school, position=2, kind=TierKind.HEAD)
    row.people.set([other_head, world.teacher])  # stored behind the admin's back
    factories.office_hours(world.school)
    visit = out_visit(start=datetime.datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    scan(visit.expected_return + 15 * MINUTE)
    assert Escalation.objects.filter(visit=visit).exists()
    assert not Notification.objects.filter(recipient__in=[other_head, world.teacher]).exists()


def test_the_admin_refuses_to_name_another_schools_person_or_visiting_staff(world, other_head):
    tier = RosterTier(school=world.school)
    for wrong in (other_head, world.teacher):
        form = RosterTierForm(data={"position": 1, "kind": TierKind.OUT_OF_HOURS, "people": [wrong.pk],
                                    "ack_timeout_minutes": 5}, instance=tier)
        assert not form.is_valid()
        assert "people" in form.errors
    form = RosterTierForm(data={"position": 1, "kind": TierKind.OUT_OF_HOURS, "people": [world.dsl.pk],
                                "ack_timeout_minutes": 5}, instance=tier)
    assert form.is_valid(), form.errors


def test_approving_a_visit_whose_alerts_come_out_of_hours_with_nobody_named_is_a_gate(client, world, on_call):
    late = world.visit(state=VisitState.SUBMITTED, start=datetime.datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    staff = [world.teacher, world.ta]
    assert Gate.UNWATCHED not in services.gates_for(late, staff)  # office hours not set: always on duty
    factories.office_hours(world.school)
    late.school.__dict__.pop("_office_hours", None)
    assert Gate.UNWATCHED in services.gates_for(late, staff)  # R-LATE-15: nobody would watch at 17:00
    early = world.visit(state=VisitState.SUBMITTED, start=datetime.datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert Gate.UNWATCHED not in services.gates_for(early, staff)

    factories.roster_of(world.school, TierKind.OFFICE, TierKind.HEAD, (TierKind.OUT_OF_HOURS, [on_call]))
    late.refresh_from_db()
    assert Gate.UNWATCHED not in services.gates_for(late, staff)
    late.gates_required = services.gates_for(late, staff)
    late.save()
    client.force_login(world.head)
    page = client.get(reverse("visits:visit-approve", args=[late.pk])).content.decode()
    # Back by 16:15: the first alert would come at 16:30, after the office closes at 16:00.
    assert "the first alert comes at 16:30, when the office is closed" in page
    assert f"{on_call.get_full_name()} (out-of-hours contacts)" in page
