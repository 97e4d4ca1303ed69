"""What makes a day's round of visits a round (R-LUNCH): return points in order on the round's day, its
visits in a row between them, all by the same staff. Plain checks, read by the round's planning
(visits.rounds) and by the plan of a single visit already on a round (visits.services.save_plan), so
a round is kept whole from either page. Errors are by form field, as the plan's are."""

import datetime

from django.utils import timezone

from .lifecycle import SUBMITTABLE_STATES, VisitState
from .localtime import as_utc

# A cancelled visit has left its round's plan (visits.rounds skips it too).
NOT_ON_ROUND_STATES = (VisitState.CANCELLED,)


def hhmm(moment) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def return_point_errors(day: datetime.date, lunch_return, end_return, now) -> dict[str, list[str]]:
    """The return points: both on the round's day (school time), lunch first, not already past."""
    errors: dict[str, list[str]] = {}
    for field, moment in (("lunch_return", lunch_return), ("end_return", end_return)):
        if moment is None:
            continue
        if timezone.localdate(moment) != day:
            errors.setdefault(field, []).append("The return point must be on the day of the round.")
        elif as_utc(moment) <= now:
            errors.setdefault(field, []).append("This time has already passed.")
    if lunch_return is not None and end_return is not None and as_utc(end_return) <= as_utc(lunch_return):
        errors.setdefault("end_return", []).append("The end of the day must be after the lunchtime return.")
    return errors


def visit_fit_errors(day: datetime.date, lunch_return, end_return, visit) -> list[str]:
    """Why one visit does not fit the round (empty: it fits): on its day, and before lunch or after it
    (staff come back to school in between), by the end of the day, back to school afterwards."""
    name = f"The visit to {visit.family} at {hhmm(visit.planned_start)}"
    start, end = as_utc(visit.planned_start), visit.planned_end
    lunch, last = as_utc(lunch_return), as_utc(end_return)
    if timezone.localdate(visit.planned_start) != day:
        return [f"{name} is not on the day of the round."]
    problems = []
    if start < lunch < end:
        problems.append(f"{name} runs over the lunchtime return ({hhmm(lunch_return)}): move it before or after.")
    elif end > last:
        problems.append(f"{name} ends after the end-of-day return ({hhmm(end_return)}).")
    if visit.ends_at_home:
        problems.append(f"{name} ends at home: a round comes back to school.")
    return problems


def round_errors(day, lunch_return, end_return, lead, visits, round_pk=None) -> dict[str, list[str]]:
    """Everything wrong with a round of `visits` led by `lead` (by form field: "visits" for the
    visits, the return points beside their own fields)."""
    errors: dict[str, list[str]] = {}

    def add(message):
        errors.setdefault("visits", []).append(message)

    if len(visits) < 2:
        add("Choose at least two visits: a round is several visits in a row.")
    if lunch_return is None or end_return is None:
        return errors
    visits = sorted(visits, key=lambda v: (v.planned_start, v.pk))
    staff_sets = set()
    for visit in visits:
        if visit.lead_id != lead.pk:
            add(f"The visit to {visit.family} is led by someone else: a round's visits share one lead.")
        if visit.state not in SUBMITTABLE_STATES:
            add(f"The visit to {visit.family} is {visit.get_state_display().lower()}: only plans not yet "
                "submitted can go on a round.")
        if visit.day_round_id is not None and visit.day_round_id != round_pk:
            add(f"The visit to {visit.family} is already on another round.")
        for problem in visit_fit_errors(day, lunch_return, end_return, visit):
            add(problem)
        staff_sets.add(frozenset(visit.staff.values_list("pk", flat=True)))
    if len(staff_sets) > 1:
        add("The same staff must go on every visit of a round, so each one knows where the others are.")
    for before, after in zip(visits, visits[1:], strict=False):
        if before.planned_end > as_utc(after.planned_start):
            add(f"The visit to {before.family} ends after the next one starts ({hhmm(after.planned_start)}).")
    return errors


def keep_in_step(visit, staff=None) -> dict[str, list[str]]:
    """A visit on a round, changed on its own plan page: its expected return is its return point again,
    and what no longer fits the round is said beside the plan's fields (R-LUNCH). `staff`: who the plan
    now sends, the same people as on the round's other visits (so each one knows where the others are,
    and nobody on one visit alone reads the round's others)."""
    day_round = visit.day_round
    visit.expected_return = day_round.return_point_of(visit)
    problems = visit_fit_errors(day_round.date, day_round.lunch_return, day_round.end_return, visit)
    errors = {"planned_start": problems} if problems else {}
    if visit.lead_id != day_round.lead_id:
        errors["lead"] = ["This visit is on a round: its lead is the round's lead."]
    if staff is not None:
        wanted = frozenset(person.pk for person in staff)
        others = day_round.visits.exclude(pk=visit.pk).exclude(state__in=NOT_ON_ROUND_STATES)
        if any(frozenset(other.staff.values_list("pk", flat=True)) != wanted for other in others):
            errors["other_staff"] = ["This visit is on a round: the same staff go on every visit of it. To "
                                     "change who goes, take the visits off the round first (Change the round)."]
    return errors
