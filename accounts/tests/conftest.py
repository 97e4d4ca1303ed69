import contextlib

import pytest


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """`with run_tasks():` runs what the block queued for the worker (after-commit callbacks, the
    Celery tasks themselves in this process), so a test reads the emails they send."""
    from homevisits.celery import app

    @contextlib.contextmanager
    def running():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield running
    app.conf.task_always_eager = eager
