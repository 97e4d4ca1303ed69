"""A family with everything the school may hold on it, written with free text in every field, for
the retention and subject-access tests."""

import datetime

from homevisits.factories import TUESDAY_GMT as NOW
from homevisits.factories import ChildFactory, FamilyFactory, VisitFactory
from safety.concerns import raise_concern, update_concern
from safety.models import ContactAttempt, ContactOutcome, ContactStep, Escalation, EscalationLevel, EscalationReason
from visits.assessments import ensure_risk_assessment
from visits.events import record_event
from visits.models import (
    Carer,
    EventKind,
    FollowUpAction,
    Hazard,
    HazardKind,
    Incident,
    Outcome,
    VisitReport,
    VisitState,
)

SECRET = "Zanzibar"  # in every free-text field, so a leftover anywhere shows


def household(school, people, *, left=(datetime.date(2020, 7, 20),), born=(datetime.date(2004, 1, 1),),
              name="Khan family", concern=False):
    family = FamilyFactory(school=school, display_name=f"{name} {SECRET}", address_line1=f"1 {SECRET} Road",
                           phone="07700 900111", notes=f"Notes {SECRET}", previous_incidents=f"Dog {SECRET}")
    family.shared_with.add(people["teacher"])
    children = [ChildFactory(family=family, first_name=f"Aisha{SECRET}", last_name="Khan", date_of_birth=dob,
                             left_school_on=gone) for dob, gone in zip(born, left, strict=True)]
    Carer.objects.create(family=family, name=f"Sara {SECRET}", relationship="Mother", phone="07700 900222")
    start = datetime.datetime(2019, 3, 5, 10, 0, tzinfo=datetime.UTC)
    visit = VisitFactory(family=family, school=school, planned_start=start,
                         expected_return=start + datetime.timedelta(minutes=90), notes=f"Plan {SECRET}",
                         code_word=SECRET.lower(), gate_overrides={"evening": f"Because {SECRET}"},
                         state=VisitState.RETURNED)
    visit.children.set(children)
    record_event(visit, EventKind.APPROVED, people["head"], at=start, data={"overrides": {"evening": SECRET}})
    record_event(visit, EventKind.LATE, people["teacher"], at=start, note=f"Stuck {SECRET}")
    # The phone's location with a check-in (safety.location): it points at the family's door.
    record_event(visit, EventKind.OK, people["teacher"], at=start,
                 data={"location": {"lat": 52.2405, "lon": -0.9027, "accuracy_m": 12}})
    assessment = ensure_risk_assessment(visit)
    assessment.vulnerable_persons = f"Grandad {SECRET}"
    assessment.save()
    Hazard.objects.create(assessment=assessment, kind=HazardKind.ANIMALS, description=f"Dog {SECRET}",
                          severity=2, likelihood=1, controls=f"Shut {SECRET} away")
    escalation = Escalation.objects.create(visit=visit, round=1, level=EscalationLevel.CHASE,
                                           reason=EscalationReason.LATE_RETURN, created_at=start,
                                           resolution_note=f"Found {SECRET}", outcome="late_safe",
                                           outcome_note=f"Phone {SECRET}")
    ContactAttempt.objects.create(escalation=escalation, step=ContactStep.WORKER, outcome=ContactOutcome.REACHED,
                                  note=f"Said {SECRET}", by=people["office"], at=start)
    report = VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, summary=f"Talked {SECRET}",
                                        internal_notes=f"Internal {SECRET}", filed_by=people["teacher"])
    FollowUpAction.objects.create(report=report, action=f"Ring {SECRET}", owner=people["teacher"],
                                  due_on=datetime.date(2019, 4, 1))
    Incident.objects.create(visit=visit, occurred_at=start, what_happened=f"Shouted {SECRET}",
                            people_involved=f"Uncle {SECRET}", recorded_by=people["teacher"])
    if concern:
        c = raise_concern(family, f"Bruise {SECRET}", people["teacher"], visit=visit, now=NOW)
        update_concern(c, people["dsl"], status="referred", cpoms_reference="CP-1", dsl_notes=f"Rang {SECRET}")
    family.refresh_from_db()
    return family


def rows_mentioning_secret():
    """Every row (current or historical) of every model that still holds the secret text, as (model
    name, id of the record): for a historical row the id of the record it is a version of, never its
    history_id, which may equal another record's id by chance."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.app_label not in ("notifications", "visits", "safety", "audit"):
            continue
        text_fields = [f.name for f in model._meta.fields if f.get_internal_type() in ("CharField", "TextField")]
        json_fields = [f.name for f in model._meta.fields if f.get_internal_type() == "JSONField"]
        for row in model._base_manager.all():
            values = [str(getattr(row, f)) for f in text_fields + json_fields]
            if any(SECRET.lower() in v.lower() for v in values):
                found.append((model.__name__, getattr(row, "id", row.pk)))
    return found
