from celery import shared_task
from django.utils import timezone

from . import retention


# A whole school's backlog can take longer than the default limit; a rerun after a kill is harmless
# (what is done is not due any more).
@shared_task(name="audit.tasks.apply_retention", ignore_result=True, time_limit=3600, soft_time_limit=3500)
def apply_retention():
    """Beat's weekly job: anonymise what is past its school's retention period (UK GDPR)."""
    return retention.apply(timezone.now()).summary()
