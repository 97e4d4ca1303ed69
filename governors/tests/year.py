"""The governors' tests' year: visits and alerts made at chosen moments of it."""

import datetime

from homevisits.factories import FamilyFactory, VisitFactory
from safety.models import Escalation, EscalationReason
from visits.models import Purpose, VisitState

UTC = datetime.UTC


def visit_at(school, when, state=VisitState.RETURNED, purpose=Purpose.INDUCTION, **extra):
    family = extra.pop("family", None) or FamilyFactory(school=school)
    return VisitFactory(family=family, planned_start=when, state=state, purpose=purpose, **extra)


def alert_at(visit, level, deadline, ack_after=None, resolve_after=None, reason=EscalationReason.LATE_RETURN,
           raised_to=None):
    return Escalation.objects.create(
        visit=visit, round=1, level=level, reason=reason, anchor=deadline, created_at=deadline,
        acknowledged_at=deadline + datetime.timedelta(minutes=ack_after) if ack_after is not None else None,
        resolved_at=deadline + datetime.timedelta(minutes=resolve_after or 60), raised_to=raised_to)
