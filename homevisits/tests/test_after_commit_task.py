"""Sending after commit lives in one task base class (homevisits.celery.AfterCommitTask).

Every task that app code queues (emails, notification deliveries and their retries) is sent only
once the change that asked for it commits, and a broker that refuses never undoes that change."""

import logging
import re
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import transaction

from accounts import tasks as account_tasks
from homevisits.celery import AfterCommitTask, app
from notifications.tasks import deliver_notification

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("accounts", "notifications", "visits", "safety", "audit", "governors", "misimport", "trusts", "homevisits")
# Queuing a task by hand, or waiting for a commit by hand, anywhere in app code.
BY_HAND = re.compile(r"transaction\.on_commit\(|\.apply_async\(|\.delay\(")


def app_modules():
    for name in APPS:
        for path in sorted((ROOT / name).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield path


def test_no_app_code_queues_a_task_or_waits_for_a_commit_by_hand():
    found = []
    for path in app_modules():
        if path == ROOT / "homevisits" / "celery.py":
            continue  # the base class: the one place that does
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if BY_HAND.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "queue through AfterCommitTask (send_on_commit / apply_on_commit) instead:\n" + "\n".join(found)


def test_every_task_that_app_code_queues_has_the_after_commit_base():
    app.loader.import_default_modules()
    beat_only = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    ours = {name: task for name, task in app.tasks.items() if name.split(".")[0] in APPS}
    assert ours, "no project task registered"
    queued_by_code = {name: task for name, task in ours.items() if name not in beat_only}
    assert "safety.tasks.deliver_notification" in queued_by_code
    assert "accounts.tasks.send_password_reset" in queued_by_code
    wrong = sorted(name for name, task in queued_by_code.items() if not isinstance(task, AfterCommitTask))
    assert not wrong


@pytest.mark.django_db(transaction=False)
def test_a_task_is_queued_only_when_the_change_commits(django_capture_on_commit_callbacks):
    with mock.patch.object(account_tasks.send_password_reset, "apply_async") as sent:
        with django_capture_on_commit_callbacks(execute=True):
            account_tasks.send_password_reset.send_on_commit(41)
            assert not sent.called  # not before the commit
        sent.assert_called_once_with((41,), {}, retry=False)


@pytest.mark.django_db(transaction=False)
def test_a_rolled_back_change_queues_nothing(django_capture_on_commit_callbacks):
    with mock.patch.object(account_tasks.send_password_reset, "apply_async") as sent:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                account_tasks.send_password_reset.send_on_commit(41)
                raise RuntimeError("the change failed")
        assert not sent.called


@pytest.mark.django_db(transaction=False)
def test_a_refusing_broker_is_logged_and_reported_never_raised(django_capture_on_commit_callbacks, caplog):
    done = mock.Mock()
    calls = [((1,), {}, {"queue": "notifications.sms"}), ((2,), {}, {}), ((3,), {}, {})]
    refusals = [None, OSError("connection refused")]
    with mock.patch.object(deliver_notification, "apply_async", side_effect=refusals) as sent:
        with caplog.at_level(logging.ERROR, logger="homevisits.tasks"):
            with django_capture_on_commit_callbacks(execute=True):
                deliver_notification.apply_on_commit(calls, done=done)
    # It stops at the first refusal (the broker is away for the rest too) and says what was not queued.
    assert sent.call_count == 2
    assert sent.call_args_list[0] == mock.call((1,), {}, retry=False, queue="notifications.sms")
    done.assert_called_once_with([(1,)], [(2,), (3,)])
    assert "2 of 3 safety.tasks.deliver_notification task(s) not queued" in caplog.text
    assert "OSError" in caplog.text


@pytest.mark.django_db(transaction=False)
def test_the_calls_may_be_read_after_the_commit(django_capture_on_commit_callbacks):
    read = []

    def calls():
        read.append("now")
        return [((7,), {}, {})]

    with mock.patch.object(deliver_notification, "apply_async") as sent:
        with django_capture_on_commit_callbacks(execute=True):
            deliver_notification.apply_on_commit(calls)
            assert read == []
    assert read == ["now"] and sent.call_count == 1
