"""After the visit: the report (R-REPORT), incidents (R-INCIDENT) and the parent/carer copy."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from homevisits.forms import add_service_errors

from .. import reports
from ..models import VisitReport
from ..report_forms import FollowUpFormSet, IncidentForm, VisitReportForm
from ..scoping import visible_visits


def report_form(request, pk):
    visit = get_object_or_404(visible_visits(request.user).select_related("family", "school"), pk=pk)
    if not reports.may_file_report(request.user, visit):
        raise PermissionDenied("Only the staff who went on the visit file its report.")
    report = VisitReport.objects.filter(visit=visit).first() or VisitReport(visit=visit)
    form = VisitReportForm(request.POST or None, instance=report, visit=visit)
    actions = FollowUpFormSet(request.POST or None, instance=report, prefix="actions",
                              form_kwargs={"school": visit.school})
    if request.method == "POST" and form.is_valid() and actions.is_valid():
        try:
            with transaction.atomic():
                saved = reports.file_report(visit, form.save(commit=False), [], request.user)
                actions.instance = saved
                actions.save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The visit report is filed.")
            return redirect(visit)
    return render(request, "reports/report_form.html", {"visit": visit, "form": form, "actions": actions})


def parent_copy(request, pk):
    """R-PARENTCOPY: printable, without internal notes, concerns or the code word."""
    visit = get_object_or_404(visible_visits(request.user).select_related("family", "school"), pk=pk)
    report = get_object_or_404(VisitReport.objects.prefetch_related("actions__owner"), visit=visit)
    return render(request, "reports/parent_copy.html", {"visit": visit, "report": report,
                                                         "staff": visit.staff.all()})


def incident_form(request, pk):
    visit = get_object_or_404(visible_visits(request.user).select_related("family"), pk=pk)
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reports.record_incident(visit, form.save(commit=False), request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The incident is recorded and the head of school has been told.")
            return redirect(visit)
    return render(request, "reports/incident_form.html", {"visit": visit, "form": form})
