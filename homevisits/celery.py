"""The Celery app: the worker runs notification deliveries and emails, beat runs the overdue scan.

Settings, the beat schedule included, come from Django settings with the CELERY_ prefix
(CELERY_BEAT_SCHEDULE in homevisits/settings.py). Beat may run on every node: the scan claims due
visits with SKIP LOCKED and the unique constraints keep each escalation and message single
(safety/tests/test_many_machines.py runs two beats and three workers).

`AfterCommitTask` is the base class of every task queued by code that has just changed the
database: it is the one place that waits for the commit and that keeps a refusing broker from
undoing the change.
"""

import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homevisits.settings")

app = Celery("homevisits")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger("homevisits.tasks")


class AfterCommitTask(DjangoTask):
    """A task sent only once the transaction that asked for it commits (at once outside one).

    A rolled-back change sends nothing, and the task never looks for a row not yet committed. The
    broker being away never raises into the code that saved the change: what it refused is logged
    and handed to `done`, so the caller can leave a mark for a later retry (the outbox does: the
    watchdog's next scan hands such notifications over again)."""

    abstract = True

    def send_on_commit(self, *args, **kwargs) -> None:
        """Like `delay`, after the commit."""
        self.apply_on_commit([(args, kwargs, {})])

    def apply_on_commit(self, calls, *, done=None) -> None:
        """Queue each call of `calls`, a list of (args, kwargs, options) or a function giving one
        (read after the commit), once the current transaction commits; see `apply_now`."""
        transaction.on_commit(lambda: self.apply_now(calls() if callable(calls) else calls, done=done))

    def apply_now(self, calls, *, done=None) -> int:
        """Queue the calls in order, stopping at the first one the broker refuses (the rest would
        be refused too). `done(queued, refused)` then gets the args of each; returns how many were
        queued."""
        calls = list(calls)
        queued = []
        for args, kwargs, options in calls:
            try:
                self.apply_async(args, kwargs, retry=False, **options)
            except Exception as exc:  # the broker being away must never undo the saved change
                logger.error("%s of %s %s task(s) not queued: broker unavailable (%s)",
                             len(calls) - len(queued), len(calls), self.name, type(exc).__name__)
                break
            queued.append(args)
        if done is not None:
            done(queued, [args for args, _, _ in calls[len(queued):]])
        return len(queued)
