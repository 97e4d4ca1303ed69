"""The accounts app's emails, sent by the Celery worker after the transaction commits.

A password reset request only queues a task (accounts.views.ResetRequestView): looking the address
up and sending the email happen here, so the page answers in the same time whether or not the
address belongs to anyone."""

import datetime
import logging
import smtplib

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from . import mail

log = logging.getLogger("homevisits.security")

# How every task that sends an email retries (the invitations of the MIS import use it too).
MAIL_RETRY = {"autoretry_for": (smtplib.SMTPException, OSError), "retry_backoff": 5, "retry_backoff_max": 300,
              "max_retries": 4, "ignore_result": True}


def later(task, *args, **kwargs) -> None:
    """Queue `task` once the current transaction commits. With the broker away the email is lost,
    not the change that asked for it (logged; the person can ask again)."""
    def send():
        try:
            task.apply_async(args, kwargs, retry=False)
        except Exception as exc:  # the broker being away must never undo the saved change
            log.error("Could not queue %s: broker unavailable (%s)", task.name, type(exc).__name__)

    transaction.on_commit(send)


def _user(pk):
    return get_user_model()._default_manager.filter(pk=pk).first()


@shared_task(name="accounts.tasks.password_reset_requested", **MAIL_RETRY)
def password_reset_requested(email: str) -> int:
    """Someone asked for a reset link for `email` (the forgotten-password page): send one to each
    active account with that address; nothing to anyone else."""
    return sum(mail.send_password_reset(user) for user in mail.users_for_address(email))


@shared_task(name="accounts.tasks.send_password_reset", **MAIL_RETRY)
def send_password_reset(user_id: int) -> bool:
    """A school admin's "Send a password reset email" (and a new account's first password)."""
    user = _user(user_id)
    return bool(user) and mail.send_password_reset(user)


@shared_task(name="accounts.tasks.send_enrolment_link", **MAIL_RETRY)
def send_enrolment_link(user_id: int) -> bool:
    user = _user(user_id)
    return bool(user) and mail.send_enrolment_link(user)


@shared_task(name="accounts.tasks.send_security_notice", **MAIL_RETRY)
def send_security_notice(user_id: int, kind: str, at: str, to: str = "", **details) -> bool:
    user = _user(user_id)
    return bool(user) and mail.send_security_notice(user, kind, datetime.datetime.fromisoformat(at), to=to, **details)
