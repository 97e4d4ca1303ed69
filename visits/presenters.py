"""What the visits pages and template tags show, worked out once from the models and services:
the letter's and slip's context, the approvals list's rows, the timetable's days, what is still to
do before a plan can be submitted, and the after-visit panel. Views and template tags both call
these; nothing here reads a request or changes anything."""

import datetime

from django.utils import timezone

from accounts import school_settings

from . import services
from .lifecycle import STARTED_STATES, VisitState
from .models import VisitReport
from .reports import may_file_report


def submission_todo(visit, staff, now: datetime.datetime) -> list[str]:
    """Everything that stops the plan being submitted, as sentences (the visit's page and the submit page)."""
    return services.submission_problems(visit) + [
        m for msgs in services.plan_errors(visit, staff, now).values() for m in msgs]


def approval_rows(visits, user) -> list[dict]:
    """One row per submitted visit on the approvals list: its colour, words, reasons and gates (R-AUTH)."""
    rows = []
    for visit in visits:
        colour, words, reasons = services.approval_status(visit, user)
        rows.append({"visit": visit, "colour": colour, "words": words, "reasons": reasons,
                     "gates": visit.gate_needs()})
    return rows


def letter_context(visit) -> dict:
    """The letter to the family (R-INFORM) and the door slip (R-NOTHOME): never the code word."""
    staff = list(visit.staff.select_related("profile").order_by("first_name", "last_name"))
    return {"visit": visit, "school": visit.school, "staff": staff, "logo": school_settings.logo_of(visit.school),
            "carers": list(visit.family.carers.filter(parental_responsibility=True)),
            "children": list(visit.children.all()), "today": timezone.localdate(),
            # On screen only, never printed: not approved yet, refused, cancelled or high risk.
            "warnings": visit.letter_warnings()}


def day_entries(visits) -> list[dict]:
    """A day's visits as the timetable lists them: each visit alone, or a day's round (R-LUNCH) with its
    visits grouped under it, at the place of its first visit (`{"round": r, "visits": [...]}`)."""
    entries, rounds = [], {}
    for visit in visits:
        if visit.day_round_id is None:
            entries.append({"round": None, "visits": [visit]})
        elif visit.day_round_id in rounds:
            rounds[visit.day_round_id]["visits"].append(visit)
        else:
            rounds[visit.day_round_id] = {"round": visit.day_round, "visits": [visit]}
            entries.append(rounds[visit.day_round_id])
    return entries


def week_days(monday: datetime.date, visits) -> list[dict]:
    """The timetable's days (R-SCHEDULE): Monday to Friday always, the weekend only when it has a visit."""
    days = []
    for offset in range(7):
        date = monday + datetime.timedelta(days=offset)
        todays = [v for v in visits if timezone.localdate(v.planned_start) == date]
        if offset < 5 or todays:
            days.append({"date": date, "visits": todays, "entries": day_entries(todays),
                         "is_today": date == timezone.localdate()})
    return days


def after_visit_panel(user, visit) -> dict:
    """The report, incident, parent copy and concern links on a visit's page (R-REPORT, R-INCIDENT)."""
    report = VisitReport.objects.filter(visit=visit).first()
    return {
        "visit": visit,
        "report": report,
        "may_file": visit.state == VisitState.RETURNED and may_file_report(user, visit),
        "may_record_incident": visit.state in STARTED_STATES,
    }
