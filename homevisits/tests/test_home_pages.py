"""Each role lands on its home page and can start its day's work from there."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts import roles
from homevisits.factories import make_staff
from homevisits.home import twelve_weeks
from safety.watchdog import check_in, scan
from visits.models import EventKind, Visit, VisitState

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)  # a Tuesday


def visit(world, state=VisitState.APPROVED, start=NOW + datetime.timedelta(hours=1), **kw):
    """A visit by the root world's teacher and TA, an hour from NOW and back 90 minutes after it starts."""
    return world.visit(state=state, start=start, back=start + datetime.timedelta(minutes=90), **kw)


def everyone(world):
    """The root world's school's staff, one in each role (and a second teacher and the TA)."""
    return {world.teacher, world.ta, world.other_teacher, world.office, world.head, world.dsl, world.admin}


def test_the_office_lands_on_the_board(client, world):
    client.force_login(world.office)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/out/"


@time_machine.travel(NOW, tick=False)
def test_a_teacher_sees_the_next_visit_with_one_button_for_the_next_step(client, school, world):
    approved = visit(world)
    client.force_login(world.teacher)
    page = client.get("/").content.decode()
    # Leaving for the visit is the visit's departure_label, never "Sign out" (that is the menu's log out).
    assert f'href="/out/{approved.pk}/" data-testid="next-step">Leaving now</a>' in page
    check_in(approved, EventKind.DEPARTED, world.teacher, now=NOW)
    page = client.get("/").content.decode()
    assert "I&#x27;ve arrived" in page
    # Back themselves while a colleague is still out: that visit is no longer their next step (R-RETURN).
    check_in(approved, EventKind.RETURNED, world.teacher, now=NOW + datetime.timedelta(minutes=50))
    page = client.get("/").content.decode()
    assert f'href="/out/{approved.pk}/"' not in page and "No visits to go on today." in page


@time_machine.travel(NOW, tick=False)
def test_a_teacher_sees_what_is_still_to_do_on_a_draft(client, school, world):
    visit(world, state=VisitState.DRAFT, start=NOW + datetime.timedelta(days=2))
    client.force_login(world.teacher)
    page = client.get("/").content.decode()
    assert "Forms still to do" in page and "personal safety checklist" in page


@time_machine.travel(NOW, tick=False)
def test_the_head_sees_approvals_waiting_and_open_alerts(client, school, world):
    visit(world, state=VisitState.SUBMITTED, start=NOW + datetime.timedelta(days=1))
    out = visit(world, start=NOW - datetime.timedelta(hours=3))
    check_in(out, EventKind.DEPARTED, world.teacher, now=NOW - datetime.timedelta(hours=3))
    out.refresh_from_db()
    scan(out.expected_return + datetime.timedelta(minutes=31))
    scan(out.expected_return + datetime.timedelta(minutes=32))
    client.force_login(world.head)
    response = client.get("/")
    assert response.context["waiting_count"] == 1
    assert [e.level for e in response.context["open_escalations"]] == [2]  # one visit, one alert
    assert "Open the approvals queue" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_head_page_costs_the_same_for_1_or_20_visits(client, school, world, django_assert_max_num_queries):
    visit(world, state=VisitState.SUBMITTED)
    client.force_login(world.head)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for i in range(20):
        visit(world, state=VisitState.SUBMITTED, start=NOW + datetime.timedelta(days=1, minutes=100 * i))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/")


@time_machine.travel(NOW, tick=False)
def test_twelve_weeks_counts_by_school_week(school, world):
    last_week = NOW - datetime.timedelta(days=7)
    visit(world, state=VisitState.RETURNED, start=last_week)
    visit(world, state=VisitState.CANCELLED, start=last_week + datetime.timedelta(hours=2))
    visit(world, state=VisitState.RETURNED, start=NOW - datetime.timedelta(days=100))  # too old
    bars = twelve_weeks(Visit.objects.filter(school=school), NOW)
    assert len(bars) == 12
    assert bars[-2].monday == datetime.date(2026, 11, 16)
    assert (bars[-2].made, bars[-2].cancelled) == (1, 1)
    assert sum(b.made for b in bars) == 1
    assert timezone.localdate(NOW) - bars[-1].monday == datetime.timedelta(days=1)


# --- The greeting is by the school's clock (it said "Good afternoon" at 20:00) ---------------------

@pytest.mark.parametrize("utc, expected", [
    # 20:00 in London on a GMT day (UTC+0) and on a BST day (UTC+1).
    (datetime.datetime(2026, 11, 24, 20, 0, tzinfo=datetime.UTC), "Good evening"),
    (datetime.datetime(2026, 6, 10, 19, 0, tzinfo=datetime.UTC), "Good evening"),
    # Where London and UTC disagree: 17:30 UTC is 18:30 BST (evening), 11:30 UTC is 12:30 BST.
    (datetime.datetime(2026, 6, 10, 17, 30, tzinfo=datetime.UTC), "Good evening"),
    (datetime.datetime(2026, 6, 10, 11, 30, tzinfo=datetime.UTC), "Good afternoon"),
    (datetime.datetime(2026, 11, 24, 11, 30, tzinfo=datetime.UTC), "Good morning"),
    (datetime.datetime(2026, 11, 24, 8, 0, tzinfo=datetime.UTC), "Good morning"),
    (datetime.datetime(2026, 11, 24, 14, 0, tzinfo=datetime.UTC), "Good afternoon"),
    (datetime.datetime(2026, 11, 24, 23, 30, tzinfo=datetime.UTC), "Good evening"),
    (datetime.datetime(2026, 11, 25, 2, 0, tzinfo=datetime.UTC), "Good evening"),
])
def test_the_greeting_follows_the_local_hour(client, world, utc, expected):
    for person in (world.head, world.teacher, world.admin):
        with time_machine.travel(utc, tick=False):
            client.force_login(person)
            page = client.get("/").content.decode()
        heading = page.split("<h1", 1)[1].split("</h1>", 1)[0]
        assert expected in heading, (person.username, heading)


# --- The school admin's home page (it was empty) ----------------------------------------------

def test_the_school_admin_sees_their_staff_and_what_is_missing(client, school, other_school, world, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = [roles.HEAD, roles.DSL, roles.OFFICE, roles.SCHOOL_ADMIN]
    from django_otp.plugins.otp_totp.models import TOTPDevice

    new = make_staff(school, roles.VISITING_STAFF, mobile="", training_date=None)
    new.first_name, new.last_name = "Sophie", "Clarke"
    new.save()
    trained = world.teacher
    trained.profile.training_date = datetime.date(2025, 9, 3)
    trained.profile.save()
    TOTPDevice.objects.create(user=world.head, name="phone", confirmed=True)
    elsewhere = make_staff(other_school, roles.VISITING_STAFF, mobile="")
    admin_user = world.admin
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client.force_login(admin_user)
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=admin_user).persistent_id
    session.save()

    response = client.get("/")
    assert response.status_code == 200
    ctx = response.context
    assert {r.user for r in ctx["staff"]} == everyone(world) | {new}  # their school only
    assert elsewhere not in {r.user for r in ctx["staff"]}
    assert [r.user for r in ctx["no_mobile"]] == [new]
    assert new in [r.user for r in ctx["no_training"]] and trained not in [r.user for r in ctx["no_training"]]
    assert {r.user for r in ctx["no_two_factor"]} == {world.dsl, world.office}
    page = response.content.decode()
    assert "Sophie Clarke" in page and elsewhere.get_full_name() not in page
    assert f'href="/admin/accounts/staffprofile/{new.profile.pk}/change/"' in page
    for url in ("/admin/auth/user/", "/admin/accounts/staffprofile/", f"/admin/accounts/school/{school.pk}/change/",
                "/families/", "/audit/"):
        assert f'href="{url}"' in page, url


def test_the_school_admin_page_costs_the_same_for_5_or_40_staff(client, school, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.admin)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(41 - len(everyone(world))):
        make_staff(school, roles.VISITING_STAFF)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/").context["staff"]) == 41
