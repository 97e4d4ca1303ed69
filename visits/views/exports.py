"""CSV downloads for the head and the office (others 404): the week's timetable and the reports of
the week's visits, every cell neutralised against formula injection (visits.csv_export)."""

import datetime

from django.http import Http404

from ..csv_export import REPORTS_HEADER, TIMETABLE_HEADER, csv_response, report_rows, timetable_rows
from ..forms import asked_week
from ..localtime import combine_local
from ..models import VisitReport
from ..scoping import may_export_csv, visible_visits


def _week(request):
    if not may_export_csv(request.user):
        raise Http404("No CSV export here.")
    monday = asked_week(request.GET.get("week"))
    start = combine_local(monday, datetime.time(0, 0))
    end = combine_local(monday + datetime.timedelta(days=7), datetime.time(0, 0))
    visits = visible_visits(request.user).filter(planned_start__gte=start, planned_start__lt=end)
    return monday, visits


def timetable_csv(request):
    monday, visits = _week(request)
    visits = visits.select_related("family", "lead").prefetch_related("staff").order_by("planned_start", "pk")
    return csv_response(f"timetable-{monday:%Y-%m-%d}.csv", TIMETABLE_HEADER, timetable_rows(visits))


def reports_csv(request):
    monday, visits = _week(request)
    reports = (VisitReport.objects.filter(visit__in=visits).select_related("visit__family", "filed_by")
               .order_by("visit__planned_start", "pk"))
    return csv_response(f"visit-reports-{monday:%Y-%m-%d}.csv", REPORTS_HEADER, report_rows(reports))
