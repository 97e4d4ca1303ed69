"""The access log listens to the apps below it (R-CONFIDENTIAL): a page that shows a confidential
record sends visits.scoping.record_read, and the row is written here, in the same request and
transaction as before, so a failure to log is a failure of the page."""

from django.dispatch import receiver

from visits.scoping import record_read

from .models import log_access


@receiver(record_read, dispatch_uid="audit.log_read")
def log_read(sender, request, kind, obj, family_id=None, **kwargs):
    log_access(request, kind, obj, family_id=family_id)
