from axes.handlers.proxy import AxesProxyHandler
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import retention


# A whole school's backlog can take longer than the default limit; a rerun after a kill is harmless
# (what is done is not due any more).
@shared_task(name="audit.tasks.apply_retention", ignore_result=True, time_limit=3600, soft_time_limit=3500)
def apply_retention():
    """Beat's weekly job: anonymise what is past its school's retention period (UK GDPR)."""
    return retention.apply(timezone.now()).summary()


@shared_task(name="audit.tasks.forget_old_sign_ins", ignore_result=True)
def forget_old_sign_ins():
    """Beat's daily job: the record of each sign-in (who, from which address and browser, when; kept
    by django-axes) is kept SIGN_IN_LOG_DAYS days, then deleted. Failed attempts go on their own a day
    after the last one (accounts/lockout.py)."""
    count = AxesProxyHandler.reset_logs(age_days=settings.SIGN_IN_LOG_DAYS)
    return f"Forgot {count} sign-in records older than {settings.SIGN_IN_LOG_DAYS} days"
