import datetime

import pytest
from django.utils import timezone

from accounts import roles
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
from safety.watchdog import check_in
from visits.models import EventKind, VisitState

from .pages import World, frozen_clock


@pytest.fixture
def world(db):
    """The safety pages' school: a person in each role, visits on a fixed summer day (pages.World)."""
    return World()


@pytest.fixture
def clock():
    """The clock standing at 10:02 on that day until a test moves it."""
    yield from frozen_clock()


@pytest.fixture
def school(db):
    return SchoolFactory()


@pytest.fixture
def people(school):
    return {
        "teacher": make_staff(school, roles.VISITING_STAFF),
        "ta": make_staff(school, roles.VISITING_STAFF),
        "office": make_staff(school, roles.OFFICE),
        "head": make_staff(school, roles.HEAD),
        "dsl": make_staff(school, roles.DSL),
    }


@pytest.fixture
def out_visit(school, people):
    """A visit signed out at 09:00 UTC on a Tuesday, expected back at 10:30."""

    def make(start=datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC), back_after=90):
        visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=people["teacher"],
                             staff=[people["teacher"], people["ta"]], planned_start=start,
                             expected_return=start + datetime.timedelta(minutes=back_after),
                             state=VisitState.APPROVED)
        check_in(visit, EventKind.DEPARTED, people["teacher"], now=start)
        visit.refresh_from_db()
        return visit

    return make


def minutes_after(moment, minutes, seconds=0):
    return moment + datetime.timedelta(minutes=minutes, seconds=seconds)


__all__ = ["minutes_after", "timezone"]
