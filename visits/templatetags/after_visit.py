"""`{% after_visit_panel visit %}`: report, incident, parent copy and concern links on a visit's page."""

from django import template

from visits.lifecycle import STARTED_STATES, VisitState
from visits.models import VisitReport
from visits.reports import may_file_report

register = template.Library()


@register.inclusion_tag("reports/_after_visit_panel.html", takes_context=True)
def after_visit_panel(context, visit):
    user = context["request"].user
    report = VisitReport.objects.filter(visit=visit).first()
    return {
        "visit": visit,
        "report": report,
        "may_file": visit.state == VisitState.RETURNED and may_file_report(user, visit),
        "may_record_incident": visit.state in STARTED_STATES,
    }
