"""Audit and data-protection tests: a school with a person in every role, a second school, and the
clock fixed on a Tuesday morning (2026-11-24 09:00 UTC = 09:00 in London)."""

import datetime

import pytest
import time_machine

from accounts import roles
from homevisits.factories import ChildFactory, FamilyFactory, SchoolFactory, make_staff

NOW = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def school(db):
    return SchoolFactory(name="Hunsbury Park")


@pytest.fixture
def other_school(db):
    return SchoolFactory(name="Heather Avenue")


@pytest.fixture
def people(school, other_school):
    return {
        "teacher": make_staff(school, roles.VISITING_STAFF, username="teacher"),
        "office": make_staff(school, roles.OFFICE, username="office"),
        "head": make_staff(school, roles.HEAD, username="head"),
        "dsl": make_staff(school, roles.DSL, username="dsl"),
        "admin": make_staff(school, roles.SCHOOL_ADMIN, username="schooladmin"),
        "other_head": make_staff(other_school, roles.HEAD, username="otherhead"),
        "other_admin": make_staff(other_school, roles.SCHOOL_ADMIN, username="otheradmin"),
        "other_dsl": make_staff(other_school, roles.DSL, username="otherdsl"),
    }


@pytest.fixture
def family(school):
    family = FamilyFactory(school=school, display_name="Khan family")
    ChildFactory(family=family, first_name="Aisha", last_name="Khan")
    return family


def as_user(client, user):
    client.force_login(user)
    return client
