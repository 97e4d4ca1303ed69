from celery import shared_task
from django.utils import timezone

from . import retention


@shared_task(name="audit.tasks.apply_retention", ignore_result=True)
def apply_retention():
    """Beat's weekly job: anonymise what is past its school's retention period (UK GDPR)."""
    return retention.apply(timezone.now()).summary()
