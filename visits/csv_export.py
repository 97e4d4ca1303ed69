"""CSV downloads (the week's timetable, the visit reports) that are safe to open in a spreadsheet.

A cell starting with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice and
Sheets as a formula ("CSV injection"): a family name typed as =HYPERLINK(...) would become a live
link. Every cell goes through `safe_cell`, which puts an apostrophe in front of such text, so the
spreadsheet shows it as typed and runs nothing."""

import csv

from django.http import HttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """One cell as text, neutralised if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # a byte-order mark, so Excel reads UTF-8 names (diacritics, other scripts)
    writer = csv.writer(response)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response


def _local(moment, fmt="%Y-%m-%d %H:%M"):
    return timezone.localtime(moment).strftime(fmt) if moment else ""


TIMETABLE_HEADER = ["Date", "Start", "Expected return", "Family", "Address", "Purpose", "State", "Lead",
                    "Staff", "Transport"]


def timetable_rows(visits):
    """The week's visits (R-SCHEDULE): names, dates, times, locations. Never the code word."""
    for v in visits:
        yield [_local(v.planned_start, "%Y-%m-%d"), _local(v.planned_start, "%H:%M"),
               _local(v.expected_return, "%H:%M"), v.family.display_name, v.address, v.purpose_label,
               v.get_state_display(), v.lead.get_full_name() or v.lead.username,
               "; ".join(p.get_full_name() or p.username for p in v.staff.all()), v.get_transport_display()]


REPORTS_HEADER = ["Visit date", "Family", "Outcome", "Who was seen", "What we talked about", "Next visit",
                  "Filed by", "Filed at"]


def report_rows(reports):
    for r in reports:
        yield [_local(r.visit.planned_start), r.visit.family.display_name, r.get_outcome_display(), r.who_was_seen,
               r.summary, r.next_visit_date.isoformat() if r.next_visit_date else "",
               r.filed_by.get_full_name() or r.filed_by.username, _local(r.filed_at)]
