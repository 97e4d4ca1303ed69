"""Shared fixtures for the visit planning tests: one school with a person in every role, a family,
and the clock fixed on a Tuesday morning (2026-11-24 09:00 UTC = 09:00 in London)."""

import pytest
import time_machine

from accounts import roles
from homevisits.factories import FamilyFactory, SchoolFactory, make_staff

from .planning import NOW


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def school():
    return SchoolFactory()


@pytest.fixture
def teacher(school):
    return make_staff(school, username="teacher", job_title="Reception teacher")


@pytest.fixture
def ta(school):
    return make_staff(school, username="ta", job_title="Teaching assistant")


@pytest.fixture
def head(school):
    return make_staff(school, roles.HEAD, username="head")


@pytest.fixture
def dsl(school):
    return make_staff(school, roles.DSL, username="dsl")


@pytest.fixture
def office(school):
    return make_staff(school, roles.OFFICE, username="office")


@pytest.fixture
def school_admin(school):
    return make_staff(school, roles.SCHOOL_ADMIN, username="schooladmin")


@pytest.fixture
def family(school):
    return FamilyFactory(school=school, display_name="Khan family")
