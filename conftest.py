"""The one test world, for every app's tests: two schools, one person in each role, a family, a
`visit()` builder (`world.visit(...)`) and clocks named for the moment they stand at. Nothing here is
autouse but the password hasher: a test asks for the clock, school or people it uses. The builders
behind these fixtures are plain functions in homevisits/factories.py, for tests that build more."""

import contextlib
import datetime
import zoneinfo

import pytest
import time_machine

from homevisits import factories
from homevisits.celery import app
from homevisits.tests.browser import chromium
from safety.watchdog import check_in
from visits.models import EventKind

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a user; tests create many users and don't test the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Clocks: each stands still at its moment until the test moves it (`clock.move_to`, `.shift`) ----

def _frozen(moment):
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clock_tuesday_gmt():
    """Tuesday 24 November 2026, 09:00 in London (GMT, so London = UTC)."""
    yield from _frozen(factories.TUESDAY_GMT)


@pytest.fixture
def clock_tuesday_8am_gmt():
    """Tuesday 24 November 2026, 08:00 in London, before the school day (the bad-input forms' clock)."""
    yield from _frozen(factories.TUESDAY_GMT - datetime.timedelta(hours=1))


@pytest.fixture
def clock_tuesday_11am_gmt():
    """Tuesday 24 November 2026, 11:00 in London, late in a morning of visits."""
    yield from _frozen(factories.TUESDAY_GMT + datetime.timedelta(hours=2))


@pytest.fixture
def clock_june_bst():
    """Wednesday 10 June 2026, 10:02 in London (British Summer Time: UTC + 1), the safety pages' day."""
    yield from _frozen(factories.JUNE_BST)


@pytest.fixture
def clock_monday_gmt():
    """Monday 2 March 2026, 09:00 in London (GMT), the sign-in and two-factor tests' day."""
    yield from _frozen(factories.MONDAY_GMT)


@pytest.fixture
def clock_monday_8am_gmt():
    """Monday 2 March 2026, 08:00 in London (GMT), a session's first sign-in of the day."""
    yield from _frozen(factories.MONDAY_GMT - datetime.timedelta(hours=1))


@pytest.fixture
def clock_december_gmt():
    """Tuesday 1 December 2026, 09:00 in London (GMT): the MIS import's day, with September's
    reception intake in the file and not yet on roll."""
    yield from _frozen(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC))


@pytest.fixture
def clock_december_10am_gmt():
    """Tuesday 1 December 2026, 10:00 in London (GMT): the governors' report's day, a term into the
    academic year after the one it reports."""
    yield from _frozen(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC))


@pytest.fixture
def clock_december_10am_gmt_ticking():
    """The governors' report's day, running: a real browser loads the page."""
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture
def clock_tomorrow_afternoon_ticking():
    """Tomorrow at 14:00 in London, and running: for browser tests of a working day, whatever the hour
    of the run (at 00:30 "signed out two hours ago" would be yesterday). Tomorrow rather than today,
    because the browser keeps cookies by its own, real clock: a session that expires hours after a
    moment in the past would already be gone. Give the browser the same moment with
    `context.clock.install(time=...)` before its first page."""
    day = datetime.datetime.now(LONDON).date() + datetime.timedelta(days=1)
    moment = datetime.datetime.combine(day, datetime.time(14, 0), tzinfo=LONDON)
    with time_machine.travel(moment, tick=True):
        yield moment


# --- Schools and people --------------------------------------------------------------------------

@pytest.fixture
def school(db):
    return factories.SchoolFactory(name=factories.SCHOOL_NAME)


@pytest.fixture
def other_school(db):
    """A second school: its records are none of the first school's people's business (404)."""
    return factories.SchoolFactory(name=factories.OTHER_SCHOOL_NAME)


@pytest.fixture
def teacher(school):
    return factories.person(school, "teacher")


@pytest.fixture
def ta(school):
    return factories.person(school, "ta")


@pytest.fixture
def other_teacher(school):
    return factories.person(school, "other_teacher")


@pytest.fixture
def office(school):
    return factories.person(school, "office")


@pytest.fixture
def head(school):
    return factories.person(school, "head")


@pytest.fixture
def dsl(school):
    return factories.person(school, "dsl")


@pytest.fixture
def school_admin(school):
    return factories.person(school, "admin")


@pytest.fixture
def other_head(other_school):
    return factories.other_person(other_school, "head")


@pytest.fixture
def other_admin(other_school):
    return factories.other_person(other_school, "admin")


@pytest.fixture
def other_dsl(other_school):
    return factories.other_person(other_school, "dsl")


@pytest.fixture
def people(teacher, ta, office, head, dsl, school_admin, other_head, other_admin, other_dsl):
    """Everyone by name: the school's people, and the other school's head, admin and DSL."""
    return {"teacher": teacher, "ta": ta, "office": office, "head": head, "dsl": dsl, "admin": school_admin,
            "other_head": other_head, "other_admin": other_admin, "other_dsl": other_dsl}


@pytest.fixture
def world(school, teacher, ta, other_teacher, office, head, dsl, school_admin):
    """The school and its people as one object, with `world.visit(...)` (factories.World)."""
    return factories.World(school, teacher=teacher, ta=ta, other_teacher=other_teacher, office=office, head=head,
                           dsl=dsl, admin=school_admin)


# --- Families and visits -------------------------------------------------------------------------

@pytest.fixture
def family(school):
    """The Khan family (no children unless a test asks for `child`)."""
    return factories.family_of(school)


@pytest.fixture
def child(family):
    """The family's child, Aisha Khan."""
    return factories.ChildFactory(family=family, first_name="Aisha", last_name="Khan")


@pytest.fixture
def shared_family(family, teacher):
    """The family, shared by the head with the teacher (R-CONFIDENTIAL): visiting staff plan visits
    for the families shared with them."""
    family.shared_with.add(teacher)
    return family


@pytest.fixture
def out_visit(world):
    """`out_visit(start=..., back_after=...)`: a visit by the teacher and the TA, signed out at `start`
    (09:00 UTC on the Tuesday unless told) and expected back `back_after` minutes later."""
    def make(start=factories.TUESDAY_GMT, back_after=90):
        visit = world.visit(start=start, back=start + datetime.timedelta(minutes=back_after))
        check_in(visit, EventKind.DEPARTED, world.teacher, now=start)
        visit.refresh_from_db()
        return visit

    return make


# --- The worker ----------------------------------------------------------------------------------

@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """`with run_tasks():` runs what the block queued for the worker (after-commit callbacks, the
    Celery tasks themselves in this process), so a test reads the emails they send."""
    @contextlib.contextmanager
    def running():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield running
    app.conf.task_always_eager = eager


# --- The browser ---------------------------------------------------------------------------------

@pytest.fixture
def browser():
    """Debian's Chromium through Playwright (homevisits.tests.browser has the pages, sign-in and
    screenshots); a test is skipped where Chromium is missing, unless REQUIRE_SERVICES says otherwise."""
    with chromium() as launched:
        yield launched
