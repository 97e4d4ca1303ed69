"""After the visit: the Home Visit Form (R-REPORT), follow-ups (R-FOLLOWUP) and incidents (R-INCIDENT)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import permissions, roles
from accounts.models import has_role

from . import cover
from .alerts import notify_head_now
from .models import Incident, Visit, VisitReport, VisitState

# The head sees a report as overdue once this many school days have passed since the return.
REPORT_GRACE_SCHOOL_DAYS = 2


def may_file_report(user, visit: Visit) -> bool:
    """The staff who went write the report; the head may complete it for them."""
    return visit.staff.filter(pk=user.pk).exists() or has_role(user, roles.HEAD)


def file_report(visit: Visit, report: VisitReport, actions: list, by, now=None) -> VisitReport:
    """Save the report with its follow-up actions, in one transaction (R-REPORT, R-FOLLOWUP)."""
    now = now or timezone.now()
    if not may_file_report(by, visit):
        raise PermissionDenied("Only the staff who went on the visit file its report.")
    # R-CODEWORD: after a duress PIN the phone shows the visit over, and so the report may be written (visits.cover).
    if visit.state != VisitState.RETURNED and not cover.phone_shows_returned(visit):
        raise ValidationError("The report is written once the staff are back (sign in first).")
    with transaction.atomic():
        report.visit = visit
        if report.pk is None:
            report.filed_by, report.filed_at = by, now
        report.save()
        for action in actions:
            action.report = report
            action.save()
    return report


def school_days_between(start: datetime.date, end: datetime.date) -> int:
    """School days (Monday to Friday) after `start` up to and including `end`."""
    days, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


def reports_due(visits):
    """Visits back at school whose report has not been filed."""
    return visits.filter(state=VisitState.RETURNED, report__isnull=True)


def reports_overdue(visits, now):
    """Reports due for more than REPORT_GRACE_SCHOOL_DAYS school days (for the head)."""
    today = timezone.localdate(now)
    due = reports_due(visits).select_related("family").order_by("returned_at")
    return [v for v in due if v.returned_at
            and school_days_between(timezone.localdate(v.returned_at), today) > REPORT_GRACE_SCHOOL_DAYS]


def record_incident(visit: Visit, incident: Incident, by, now=None) -> Incident:
    """R-INCIDENT: anyone on the visit, the office or the head records it as soon as possible."""
    now = now or timezone.now()
    if not (visit.staff.filter(pk=by.pk).exists() or has_role(by, *permissions.KEEPERS)):
        raise PermissionDenied("Only staff on the visit, the office, the head or the DSL record incidents.")
    if incident.occurred_at and incident.occurred_at > now + datetime.timedelta(minutes=5):
        raise ValidationError("An incident can't have happened in the future: check the date and time.")
    incident.visit = visit
    incident.recorded_by = by
    incident.recorded_at = now
    incident.save()
    notify_head_now(visit, "Incident recorded", key=f"incident:{incident.pk}", now=now)
    return incident
