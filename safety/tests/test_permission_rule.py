"""The one rule for 404 vs 403 (accounts.permissions), on the safety pages: the watch over staff who
are out (check-in, call recording, escalation panel, police pack, board) shows what only the roles
keeping watch see, so anyone else gets 404, the same page as for a missing visit, even when they
may see the visit itself (R-CONFIDENTIAL, R-POLICE)."""

import pytest
from django.urls import reverse

from accounts import permissions, roles
from homevisits.factories import SchoolFactory, make_staff
from safety.watchdog import check_in, scan
from visits.lifecycle import EventKind

from .pages import at

pytestmark = pytest.mark.django_db

MISSING = 987654321
WATCH_PAGES = ["safety:escalation", "safety:police-pack", "safety:record-call"]


@pytest.fixture
def overdue(world, clock_june_bst):
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    scan(at(11, 46))
    return visit


@pytest.mark.parametrize("page", WATCH_PAGES)
def test_staff_on_the_visit_see_it_but_get_404_for_its_watch_pages(client, world, overdue, page):
    client.force_login(world.teacher)
    assert client.get(overdue.get_absolute_url()).status_code == 200
    refused = client.get(reverse(page, args=[overdue.pk]))
    missing = client.get(reverse(page, args=[MISSING]))
    assert refused.status_code == missing.status_code == 404
    assert str(overdue.family) not in refused.content.decode()


def test_the_dsl_keeps_watch_but_does_not_take_calls(client, world, overdue):
    assert permissions.may_keep_watch(world.dsl) and not permissions.may_record_calls(world.dsl)
    client.force_login(world.dsl)
    assert client.get(reverse("safety:escalation", args=[overdue.pk])).status_code == 200
    assert client.get(reverse("safety:record-call", args=[overdue.pk])).status_code == 404


@pytest.mark.parametrize("page", [*WATCH_PAGES, "safety:checkin"])
def test_another_schools_office_gets_404(client, overdue, page):
    client.force_login(make_staff(SchoolFactory(), roles.OFFICE))
    assert client.get(reverse(page, args=[overdue.pk])).status_code == 404


def test_the_office_of_the_school_keeps_watch(client, world, overdue):
    client.force_login(world.office)
    for page in WATCH_PAGES:
        assert client.get(reverse(page, args=[overdue.pk])).status_code == 200, page
