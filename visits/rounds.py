"""A day's round of visits (R-LUNCH): planning it, submitting it and deciding it as one plan.

A round changes no visit's state by itself: submitting, approving and refusing a round call the one
function of each change (visits.services.submit, approve, refuse) for each of its visits, inside one
transaction, so the round goes through whole or not at all and each visit keeps its own history and
rules (R-AUTH, R-RISK, R-NOVISIT: a high risk on any visit blocks the round). What the round adds is
its return points: each visit's expected return is the round's lunchtime return if it ends by then,
else its end-of-day return, which is what the watchdog counts from (safety.ladder).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import round_rules, services
from .events import record_event
from .lifecycle import EventKind, VisitState
from .models import Round, Visit


def _raise(errors: dict[str, list[str]]):
    if errors:
        raise ValidationError(errors)


def plan_errors(day, lunch_return, end_return, lead, visits, now, round_pk=None) -> dict[str, list[str]]:
    errors = round_rules.return_point_errors(day, lunch_return, end_return, now)
    for field, messages in round_rules.round_errors(day, lunch_return, end_return, lead, visits,
                                                    round_pk).items():
        errors.setdefault(field, []).extend(messages)
    return errors


def save_round(day_round: Round | None, *, school, lead, day: datetime.date, lunch_return, end_return,
               visits: list[Visit], by, now=None) -> Round:
    """Create or change a round: its return points and its visits in time order. Each visit's expected
    return becomes its return point (R-LUNCH); a visit taken off keeps its times and leaves the round."""
    now = now or timezone.now()
    if day_round is not None and not day_round.is_editable:
        raise ValidationError("This round has been submitted: it can no longer be changed.")
    with transaction.atomic():
        locked = list(Visit.objects.select_for_update().select_related("family", "school")
                      .filter(pk__in=[v.pk for v in visits], school=school).order_by("planned_start", "pk"))
        if len(locked) != len(visits):
            raise ValidationError({"visits": ["Choose visits of your own school."]})
        _raise(plan_errors(day, lunch_return, end_return, lead, locked, now,
                           day_round.pk if day_round is not None else None))
        if day_round is None:
            day_round = Round(school=school, lead=lead, created_by=by)
        # The round's lead is its visits' lead (round_rules.round_errors), re-planned or not.
        day_round.lead = lead
        day_round.date, day_round.lunch_return, day_round.end_return = day, lunch_return, end_return
        day_round.save()
        chosen = {v.pk for v in locked}
        for gone in day_round.visits.exclude(pk__in=chosen):
            gone.day_round, gone.round_order = None, None
            gone.save(update_fields=["day_round", "round_order", "updated_at"])
            record_event(gone, EventKind.EDITED, by, at=now, note="Taken off the day's round.",
                         data={"changed": ["day_round"]})
        for order, visit in enumerate(locked, start=1):
            point = day_round.return_point_of(visit)
            changed = visit.day_round_id != day_round.pk or visit.expected_return != point
            visit.day_round, visit.round_order, visit.expected_return = day_round, order, point
            visit.save(update_fields=["day_round", "round_order", "expected_return", "updated_at"])
            if changed:
                record_event(visit, EventKind.EDITED, by, at=now,
                             note=f"On the day's round: back at school at {round_rules.hhmm(point)}.",
                             data={"changed": ["day_round", "expected_return"]})
    return day_round


def _each(visits, change) -> None:
    """Apply `change` to each visit inside the caller's transaction; every visit's refusal is
    collected, beside its visit, and any one of them undoes the lot."""
    problems = []
    for visit in visits:
        try:
            with transaction.atomic():
                change(visit)
        except ValidationError as exc:
            problems.extend(f"{visit.family}: {message}" for message in exc.messages)
    if problems:
        raise ValidationError(problems)


def submit_round(day_round: Round, by, now=None) -> Round:
    """Submit every visit of the round for approval, or none (R-AUTH)."""
    now = now or timezone.now()
    with transaction.atomic():
        visits = [v for v in _locked_visits(day_round) if v.state != VisitState.CANCELLED]
        if not day_round.is_editable:
            raise ValidationError("This round has already been submitted.")
        _raise(plan_errors(day_round.date, day_round.lunch_return, day_round.end_return, day_round.lead, visits,
                           now, day_round.pk))
        _each(visits, lambda visit: services.submit(visit, by, now=now))
    return day_round


def approval_blockers(day_round: Round, approver, overrides: dict[int, dict[str, str]]) -> dict[int, list[str]]:
    """Why `approver` may not approve each visit of the round now (by visit pk; empty lists when they may)."""
    return {visit.pk: services.approval_blockers(visit, approver, overrides.get(visit.pk, {}))
            for visit in day_round.in_order() if visit.state == VisitState.SUBMITTED}


def approve_round(day_round: Round, by, overrides: dict[int, dict[str, str]] | None = None, now=None) -> Round:
    """R-AUTH: the round approved as one plan, each visit through the one approve function, with its own
    gates' overrides (`overrides` by visit pk). Any visit that can't be approved (R-NOVISIT: a high
    risk) leaves the whole round waiting. The visits waiting are approved: all of them once the round
    is submitted, or one changed after its approval (sent back for approval alone)."""
    now = now or timezone.now()
    overrides = overrides or {}
    with transaction.atomic():
        visits = [v for v in _locked_visits(day_round) if v.state == VisitState.SUBMITTED]
        if not visits:
            raise ValidationError("No visit of this round is waiting for approval.")
        _each(visits, lambda visit: services.approve(visit, by, overrides.get(visit.pk, {}), now=now))
    return day_round


def refuse_round(day_round: Round, by, reason: str, now=None) -> Round:
    """The round refused as one plan: each visit waiting for approval refused with the same reason."""
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give the reason for refusing, so the staff can revise the plan."]})
    with transaction.atomic():
        visits = [v for v in _locked_visits(day_round) if v.state == VisitState.SUBMITTED]
        if not visits:
            raise ValidationError("No visit of this round is waiting for approval.")
        _each(visits, lambda visit: services.refuse(visit, by, reason, now=now))
    return day_round


def _locked_visits(day_round: Round) -> list[Visit]:
    return list(Visit.objects.select_for_update().select_related("family", "school")
                .filter(day_round=day_round).order_by("round_order", "planned_start", "pk"))

