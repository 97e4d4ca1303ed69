import contextlib

import pytest
import time_machine

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff

# A December morning: the coming September's reception intake is in the file, not yet on roll.
NOW = "2026-12-01 09:00:00+00:00"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.MIS_IMPORT_DIR = tmp_path / "imports"
    return settings.MIS_IMPORT_DIR


@pytest.fixture
def school():
    return SchoolFactory(name="Hunsbury Park Primary")


@pytest.fixture
def other_school():
    return SchoolFactory(name="Heather Avenue Infants")


@pytest.fixture
def school_admin(school):
    return make_staff(school, roles.SCHOOL_ADMIN, username="schooladmin")


@pytest.fixture
def admin_client(client, school_admin):
    client.force_login(school_admin)
    return client


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """`with run_tasks():` runs the Celery tasks queued after commit in this process."""
    from homevisits.celery import app

    @contextlib.contextmanager
    def running():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield running
    app.conf.task_always_eager = eager
