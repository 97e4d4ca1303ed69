"""Risk assessments and checklists (R-RISK, R-CHECKLIST): made with the visit, reviewed by the
visitors, and a change to an approved visit's assessment sends it back for approval (R-AUTH)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .events import record_event
from .models import EventKind, Hazard, HazardKind, RiskAssessment, SafetyChecklist, Visit, VisitState

# The lone-working matrix of policy 001 appendix 1: every new assessment starts with these rows.
MATRIX_DEFAULTS = (
    (HazardKind.AGGRESSION, 2, 1, "Visit in pairs; sit near the exit; leave at once if anyone becomes aggressive."),
    (HazardKind.DRIVING, 2, 1, "Roadworthy car with business insurance; route planned; no phone use while driving."),
    (HazardKind.PUBLIC_AREAS, 1, 1, "Park in a lit, public place; keep belongings out of sight."),
    (HazardKind.ILLNESS, 2, 1, "Office knows any medical needs; phone charged; first aid kit in the car."),
    (HazardKind.ANIMALS, 1, 1, "Ask for animals to be kept in a separate room before entering."),  # R-ANIMALS
)


def ensure_risk_assessment(visit) -> RiskAssessment:
    """Give a visit its risk assessment: copied forward from the family's last one, to be reviewed
    (never silently reused), or a fresh one from the matrix."""
    existing = RiskAssessment.objects.filter(visit=visit).first()
    if existing:
        return existing
    previous = (
        RiskAssessment.objects.filter(visit__family_id=visit.family_id)
        .exclude(visit=visit)
        .order_by("-visit__planned_start", "-pk")
        .prefetch_related("hazards")
        .first()
    )
    with transaction.atomic():
        if previous is None:
            ra = RiskAssessment.objects.create(visit=visit)
            hazards = [Hazard(assessment=ra, kind=k, severity=s, likelihood=lk, controls=c)
                       for k, s, lk, c in MATRIX_DEFAULTS]
            if visit.family.dangerous_animals:
                hazards[-1].severity, hazards[-1].likelihood = 2, 2
                hazards[-1].description = visit.family.animals_details
        else:
            ra = RiskAssessment.objects.create(
                visit=visit, copied_from=previous,
                vulnerable_persons=previous.vulnerable_persons,
                safeguarding_team_aware=previous.safeguarding_team_aware,
                risk_of_harm_high=previous.risk_of_harm_high,
                perpetrator_may_be_present=previous.perpetrator_may_be_present,
                aggression_or_intoxication=previous.aggression_or_intoxication,
                animals_separate_room=previous.animals_separate_room,
            )
            hazards = [Hazard(assessment=ra, kind=h.kind, description=h.description,
                              who_may_be_harmed=h.who_may_be_harmed, severity=h.severity,
                              likelihood=h.likelihood, controls=h.controls) for h in previous.hazards.all()]
        Hazard.objects.bulk_create(hazards)
    return ra


def mark_reviewed(assessment: RiskAssessment, by, now=None) -> RiskAssessment:
    assessment.reviewed_by = by
    assessment.reviewed_at = now or timezone.now()
    assessment.save(update_fields=["reviewed_by", "reviewed_at", "updated_at"])
    return assessment


def complete_checklist(checklist: SafetyChecklist, by, now=None) -> SafetyChecklist:
    """R-CHECKLIST: the lead answers the personal safety checklist for themselves, before the visit."""
    visit = checklist.visit
    if visit.lead_id != by.pk:
        raise PermissionDenied("Only the lead member of staff answers the checklist.")
    if not visit.is_editable:
        raise ValidationError("This visit can no longer be changed.")
    checklist.completed_by = by
    checklist.completed_at = now or timezone.now()
    checklist.save()
    return checklist


def assessment_saved(assessment: RiskAssessment, by, *, changed: bool, reviewed: bool, now=None) -> RiskAssessment:
    """After the risk assessment page is saved (in the caller's transaction): a change the
    visitor did not confirm as reviewed needs a new review, and a change to an approved visit sends
    it back for approval (R-RISK, R-AUTH). Never silently reused."""
    now = now or timezone.now()
    with transaction.atomic():
        if reviewed:
            mark_reviewed(assessment, by, now)
        elif changed and assessment.is_reviewed:
            assessment.reviewed_by, assessment.reviewed_at = None, None
            assessment.save(update_fields=["reviewed_by", "reviewed_at", "updated_at"])
        if changed:
            assessment_changed(assessment.visit, by, now)
    return assessment


def assessment_changed(visit: Visit, by, now=None) -> Visit:
    """The risk assessment of a planned visit was changed. An approved visit goes back for approval,
    like a change of time, staff or address: the approver decided on the old assessment (R-AUTH)."""
    now = now or timezone.now()
    with transaction.atomic():
        # The same lock as every transition (visits.services): the visit row first.
        visit = Visit.objects.select_for_update().select_related("school", "family").get(pk=visit.pk)
        if not visit.is_editable:
            raise ValidationError(f"This visit is {visit.get_state_display().lower()} and can no longer be changed.")
        reopened = visit.state == VisitState.APPROVED
        if reopened:
            visit.state = VisitState.SUBMITTED
            visit.decided_by, visit.decided_at = None, None
            visit.gate_overrides = {}
            visit.save(update_fields=["state", "decided_by", "decided_at", "gate_overrides", "updated_at"])
        record_event(visit, EventKind.REOPENED if reopened else EventKind.EDITED, by, at=now,
                     data={"changed": ["risk_assessment"]})
    return visit
