"""The accounts app's emails, sent by the Celery worker after the transaction commits (each task's
base is `homevisits.celery.AfterCommitTask`: call `task.send_on_commit(...)`; with the broker away
the email is lost, not the change that asked for it, and the person can ask again).

A password reset request only queues a task (accounts.views.ResetRequestView): looking the address
up and sending the email happen here, so the page answers in the same time whether or not the
address belongs to anyone."""

import datetime
import smtplib

from celery import shared_task
from django.contrib.auth import get_user_model

from homevisits.celery import AfterCommitTask

from . import mail

# How every task that sends an email is queued and retried (the invitations of the MIS import too).
MAIL_RETRY = {"base": AfterCommitTask, "autoretry_for": (smtplib.SMTPException, OSError), "retry_backoff": 5,
              "retry_backoff_max": 300, "max_retries": 4, "ignore_result": True}


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
