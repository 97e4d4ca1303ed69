"""Shared set-up for the tests of the safety pages: one school with a person in each role, and
visits on a fixed summer day (British Summer Time, so local time is UTC + 1)."""

import datetime

import time_machine

from accounts import roles
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
from visits.models import VisitState

UTC = datetime.UTC
# Wednesday 10 June 2026, 10:00 in London.
DAY_START = datetime.datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def at(hour, minute=0, day=DAY_START):
    """A London wall-clock time on the test day, as an aware UTC datetime (BST: UTC + 1)."""
    return day.replace(hour=hour - 1, minute=minute)


class World:
    def __init__(self):
        self.school = SchoolFactory(office_phone="01604 496000")
        self.teacher = make_staff(self.school, roles.VISITING_STAFF, mobile="07700 900101",
                                  job_title="Reception teacher", vehicle_make="Ford", vehicle_model="Fiesta",
                                  vehicle_registration="AB12 CDE", vehicle_colour="Blue")
        self.ta = make_staff(self.school, roles.VISITING_STAFF, mobile="07700 900102", job_title="Teaching assistant")
        self.other_teacher = make_staff(self.school, roles.VISITING_STAFF, mobile="07700 900103")
        self.office = make_staff(self.school, roles.OFFICE, mobile="07700 900003")
        self.head = make_staff(self.school, roles.HEAD, mobile="07700 900001", job_title="Head of school")
        self.dsl = make_staff(self.school, roles.DSL, mobile="07700 900002", job_title="DSL")

    def visit(self, state=VisitState.APPROVED, start=None, back=None, **extra):
        """A visit by the teacher and the TA: 10:00 to 11:15 on the test day unless told otherwise."""
        start = start or at(10)
        family = extra.pop("family", None) or FamilyFactory(school=self.school)
        return VisitFactory(family=family, school=self.school, lead=self.teacher, created_by=self.teacher,
                            staff=[self.teacher, self.ta], planned_start=start,
                            expected_return=back or start + datetime.timedelta(minutes=75), state=state, **extra)


def frozen_clock():
    """The clock stands still at 10:02 on the test day until a test moves it (a fixture body:
    each test module wraps it as its `clock` fixture, beside `world`)."""
    with time_machine.travel(at(10, 2), tick=False) as traveller:
        yield traveller
