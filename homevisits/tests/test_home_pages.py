"""Each role lands on its home page and can start its day's work from there."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts import roles
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
from homevisits.home import twelve_weeks
from safety.watchdog import check_in, scan
from visits.models import EventKind, Visit, VisitState

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)  # a Tuesday


@pytest.fixture
def school():
    return SchoolFactory()


@pytest.fixture
def staff(school):
    return {role: make_staff(school, role) for role in roles.ALL_ROLES} | {
        "colleague": make_staff(school, roles.VISITING_STAFF)}


def visit(school, staff, state=VisitState.APPROVED, start=NOW + datetime.timedelta(hours=1), **kw):
    return VisitFactory(family=FamilyFactory(school=school), school=school, lead=staff[roles.VISITING_STAFF],
                        staff=[staff[roles.VISITING_STAFF], staff["colleague"]], planned_start=start,
                        expected_return=start + datetime.timedelta(minutes=90), state=state, **kw)


def test_the_office_lands_on_the_board(client, staff):
    client.force_login(staff[roles.OFFICE])
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/out/"


@time_machine.travel(NOW, tick=False)
def test_a_teacher_sees_the_next_visit_with_one_button_for_the_next_step(client, school, staff):
    approved = visit(school, staff)
    client.force_login(staff[roles.VISITING_STAFF])
    page = client.get("/").content.decode()
    # Leaving for the visit is the visit's departure_label, never "Sign out" (that is the menu's log out).
    assert f'href="/out/{approved.pk}/" data-testid="next-step">Leaving now</a>' in page
    check_in(approved, EventKind.DEPARTED, staff[roles.VISITING_STAFF], now=NOW)
    page = client.get("/").content.decode()
    assert "I&#x27;ve arrived" in page
    # Back themselves while a colleague is still out: that visit is no longer their next step (R-RETURN).
    check_in(approved, EventKind.RETURNED, staff[roles.VISITING_STAFF], now=NOW + datetime.timedelta(minutes=50))
    page = client.get("/").content.decode()
    assert f'href="/out/{approved.pk}/"' not in page and "No visits to go on today." in page


@time_machine.travel(NOW, tick=False)
def test_a_teacher_sees_what_is_still_to_do_on_a_draft(client, school, staff):
    visit(school, staff, state=VisitState.DRAFT, start=NOW + datetime.timedelta(days=2))
    client.force_login(staff[roles.VISITING_STAFF])
    page = client.get("/").content.decode()
    assert "Forms still to do" in page and "personal safety checklist" in page


@time_machine.travel(NOW, tick=False)
def test_the_head_sees_approvals_waiting_and_open_alerts(client, school, staff):
    visit(school, staff, state=VisitState.SUBMITTED, start=NOW + datetime.timedelta(days=1))
    out = visit(school, staff, start=NOW - datetime.timedelta(hours=3))
    check_in(out, EventKind.DEPARTED, staff[roles.VISITING_STAFF], now=NOW - datetime.timedelta(hours=3))
    out.refresh_from_db()
    scan(out.expected_return + datetime.timedelta(minutes=31))
    scan(out.expected_return + datetime.timedelta(minutes=32))
    client.force_login(staff[roles.HEAD])
    response = client.get("/")
    assert response.context["waiting_count"] == 1
    assert [e.level for e in response.context["open_escalations"]] == [2]  # one visit, one alert
    assert "Open the approvals queue" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_head_page_costs_the_same_for_1_or_20_visits(client, school, staff, django_assert_max_num_queries):
    visit(school, staff, state=VisitState.SUBMITTED)
    client.force_login(staff[roles.HEAD])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for i in range(20):
        visit(school, staff, state=VisitState.SUBMITTED, start=NOW + datetime.timedelta(days=1, minutes=100 * i))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/")


@time_machine.travel(NOW, tick=False)
def test_twelve_weeks_counts_by_school_week(school, staff):
    last_week = NOW - datetime.timedelta(days=7)
    visit(school, staff, state=VisitState.RETURNED, start=last_week)
    visit(school, staff, state=VisitState.CANCELLED, start=last_week + datetime.timedelta(hours=2))
    visit(school, staff, state=VisitState.RETURNED, start=NOW - datetime.timedelta(days=100))  # too old
    bars = twelve_weeks(Visit.objects.filter(school=school), NOW)
    assert len(bars) == 12
    assert bars[-2].monday == datetime.date(2026, 11, 16)
    assert (bars[-2].made, bars[-2].cancelled) == (1, 1)
    assert sum(b.made for b in bars) == 1
    assert timezone.localdate(NOW) - bars[-1].monday == datetime.timedelta(days=1)
