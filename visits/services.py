"""The visit workflow while planning: every state change goes through one function here, which
checks the rule (citing its R-ID) and writes an event row.

Rule failures raise django.core.exceptions.ValidationError, so a form can show them beside the
fields and nothing is half-saved (each transition is one transaction).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import roster
from accounts.permissions import may_approve, may_share_families, of_school, sees_all_visits

from . import round_rules
from .alerts import notify_cancelled, notify_decision, notify_submitted_soon
from .assessments import ensure_risk_assessment
from .events import record_event
from .lifecycle import FINISHED_STATES, NOT_BOOKING_STATES, OUT_STATES, SUBMITTABLE_STATES
from .models import EventKind, Gate, Purpose, Visit, VisitState

SCHOOL_DAYS_NOTICE = 2  # the head hears at once about a visit due within two school days


# --- Plan checks ------------------------------------------------------------------------------

def plan_errors(visit: Visit, staff: list, now: datetime.datetime) -> dict[str, list[str]]:
    """Everything wrong with a plan, by form field ('__all__' for the whole plan)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    school = visit.school
    if visit.expected_return and visit.planned_start:
        if visit.expected_return <= visit.planned_start:
            add("expected_return", "The expected return must be after the visit starts.")
        elif visit.expected_return < visit.planned_end:
            add("expected_return", "The expected return is before the planned visit would end.")
    if visit.planned_start and visit.planned_start < now and visit.state in SUBMITTABLE_STATES:
        add("planned_start", "A visit can't be planned in the past.")
    # R-PAIR: no visit by one person alone.
    if len(staff) < 2:
        if not school.lone_visits_allowed:
            add("staff", "At least two members of staff must go on every visit.")
        elif len(staff) == 0:
            add("staff", "Choose who is going.")
    if visit.lead_id and visit.lead_id not in {u.pk for u in staff}:
        add("staff", "The lead must be one of the staff going.")
    # R-PHONE: every visitor has a mobile number the office can ring.
    no_phone = [u.get_full_name() or u.username for u in staff if not _mobile(u)]
    if no_phone:
        add("staff", f"No mobile number on record for {', '.join(no_phone)}. Add it to their profile first.")
    # R-VEHICLE: the car's details must be held by the office.
    if visit.transport == "car":
        owner = visit.vehicle_owner
        if owner is None:
            add("vehicle_owner", "Say whose car is used, so the office holds its details.")
        elif not getattr(getattr(owner, "profile", None), "vehicle_registration", ""):
            add("vehicle_owner", f"{owner.get_full_name()} has no vehicle registration on record.")
    # R-INFORM: an unannounced visit must say why.
    if not visit.announced and not visit.unannounced_reason.strip():
        add("unannounced_reason", "An unannounced visit must say why.")
    # R-REASON: a purpose from the known reasons, or "other" with its text.
    if visit.purpose == Purpose.OTHER and not visit.purpose_other.strip():
        add("purpose_other", "Say what the visit is for.")
    # No double booking of a visitor into overlapping visits.
    if visit.planned_start and visit.expected_return and staff:
        clash = (
            Visit.objects.filter(staff__in=staff, planned_start__lt=visit.expected_return,
                                 expected_return__gt=visit.planned_start)
            .exclude(state__in=NOT_BOOKING_STATES)
            .exclude(pk=visit.pk)
            # R-LUNCH: a round's visits share their return point, one after another: no clash.
            .exclude(day_round__isnull=False, day_round=visit.day_round_id)
            .select_related("family")
            .first()
        )
        if clash:
            busy = clash.staff.filter(pk__in=[u.pk for u in staff])
            names = ", ".join(u.get_full_name() or u.username for u in busy)
            start = timezone.localtime(clash.planned_start)
            add("staff", f"{names} already booked on another visit at {start:%H:%M on %a %d %b}.")
    return errors


def _mobile(user):
    profile = getattr(user, "profile", None)
    return profile.mobile if profile else None


def gates_for(visit: Visit, staff: list) -> list[str]:
    """The parts of a plan that need the approver's explicit override with a reason."""
    school = visit.school
    gates = []
    # R-EVENING: ending after the school's evening cut-off (local time).
    end_local = timezone.localtime(max(visit.expected_return, visit.planned_end))
    start_local = timezone.localtime(visit.planned_start)
    if end_local.time() > school.evening_starts or end_local.date() > start_local.date():
        gates.append(Gate.EVENING)
    # R-COMMUTE: on the way to or from work (starting or ending at home, or both).
    if visit.is_commute:
        gates.append(Gate.COMMUTE)
    # R-FSW: a family support worker's visit is planned with the head as safeguarding lead.
    if visit.purpose == Purpose.FSW or any(
        "family support" in (getattr(getattr(u, "profile", None), "job_title", "") or "").lower() for u in staff
    ):
        gates.append(Gate.FSW)
    # R-TRAINING
    if school.training_required and any(
        not getattr(getattr(u, "profile", None), "training_date", None) for u in staff
    ):
        gates.append(Gate.TRAINING)
    # R-PAIR: where lone visits are allowed they still need the head's approval.
    if len(staff) == 1 and school.lone_visits_allowed:
        gates.append(Gate.LONE)
    # R-LATE-15: its first alert would come out of office hours with nobody named to cover the office.
    if roster.unwatched(school, visit.first_alert_at):
        gates.append(Gate.UNWATCHED)
    return [str(g) for g in gates]


def _raise(errors: dict[str, list[str]]):
    if errors:
        raise ValidationError(errors)


# --- Transitions ------------------------------------------------------------------------------

# The approver's decision on a visit (R-AUTH): who, when, and why.
DECISION_FIELDS = ("decided_by", "decided_at", "decision_reason")


def _lock(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().select_related("school", "family").get(pk=visit.pk)


def submission_problems(visit: Visit) -> list[str]:
    """What must be done before a visit can be submitted (R-RISK, R-CHECKLIST)."""
    problems = []
    ra = getattr(visit, "risk_assessment", None)
    if ra is None:
        problems.append("Fill in the risk assessment.")  # R-RISK
    elif not ra.is_reviewed:
        problems.append("Review the risk assessment and confirm it is up to date.")  # R-RISK
    checklist = getattr(visit, "checklist", None)
    if checklist is None or not checklist.is_complete:
        problems.append("The lead must answer the personal safety checklist.")  # R-CHECKLIST
    if visit.family.dangerous_animals and ra is not None and ra.animals_separate_room is None:
        # R-ANIMALS
        problems.append("Record whether the family will keep their animals in a separate room.")
    return problems


def submit(visit: Visit, by, now=None) -> Visit:
    now = now or timezone.now()
    with transaction.atomic():
        visit = _lock(visit)
        if visit.state not in SUBMITTABLE_STATES:
            raise ValidationError(f"This visit is {visit.get_state_display().lower()} and can't be submitted.")
        staff = list(visit.staff.select_related("profile"))
        _raise(plan_errors(visit, staff, now))
        problems = submission_problems(visit)
        if problems:
            raise ValidationError(problems)
        visit.gates_required = gates_for(visit, staff)
        visit.gate_overrides = {}
        visit.state = VisitState.SUBMITTED
        visit.decided_by, visit.decided_at, visit.decision_reason = None, None, ""
        visit.save(update_fields=["state", "gates_required", "gate_overrides", *DECISION_FIELDS, "updated_at"])
        record_event(visit, EventKind.SUBMITTED, by, at=now,
                     data={"gates": visit.gates_required} if visit.gates_required else None)
        if _within_school_days(visit.planned_start, now, SCHOOL_DAYS_NOTICE):
            notify_submitted_soon(visit, now)
    return visit


def _within_school_days(when, now, days) -> bool:
    """True when `when` is today or within the next `days` school days (Monday to Friday)."""
    day, target = timezone.localdate(now), timezone.localdate(when)
    school_days = 0
    while day < target:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            school_days += 1
    return school_days <= days


def approval_blockers(visit: Visit, approver, overrides: dict[str, str]) -> list[str]:
    """Why `approver` may not approve this visit now; empty when they may."""
    blockers = []
    # R-AUTH: the head of school or the DSL of this school, and not one of the visitors.
    if not may_approve(approver) or not of_school(approver, visit.school):
        blockers.append("Only the head of school or the DSL of this school can approve visits.")
    if visit.staff.filter(pk=approver.pk).exists():
        blockers.append("You are one of the visiting staff: another approver must authorise this visit.")
    ra = getattr(visit, "risk_assessment", None)
    if ra is None:
        blockers.append("There is no risk assessment.")  # R-RISK
    else:
        # R-RISK: an assessment changed (or copied forward) since its review is not yet fit to rely on.
        if not ra.is_reviewed:
            blockers.append("The risk assessment has changed since it was reviewed: the visitors must review it.")
        # R-NOVISIT: a high risk blocks approval.
        reasons = ra.high_risk_reasons()
        if reasons:
            blockers.append("High risk: " + "; ".join(reasons) + ". Revise the risk assessment first.")
        # R-ANIMALS: dangerous animals must be kept in a separate room, or there is no visit.
        if visit.family.dangerous_animals and ra.animals_separate_room is not True:
            blockers.append(
                "The family has dangerous animals and a separate room is not assured: cancel the visit "
                "for safety and tell the head in writing."
            )
    # R-COMMUTE, R-FSW: some gates are the head of school's alone (unless the school lets the DSL cover).
    for need in visit.gate_needs():
        if not need.may_be_cleared_by(approver):
            blockers.append(f"Only the head of school can approve this part of the plan: {need.label}.")
    missing = [g for g in visit.gates_required if not (overrides.get(g) or "").strip()]
    if missing:
        labels = ", ".join(Gate(g).label for g in missing)
        blockers.append(f"Tick each override and give a reason: {labels}.")
    return blockers


def approve(visit: Visit, by, overrides: dict[str, str] | None = None, now=None) -> Visit:
    now = now or timezone.now()
    overrides = {k: v.strip() for k, v in (overrides or {}).items() if v and v.strip()}
    with transaction.atomic():
        visit = _lock(visit)
        if visit.state != VisitState.SUBMITTED:
            raise ValidationError(f"This visit is {visit.get_state_display().lower()}, not waiting for approval.")
        blockers = approval_blockers(visit, by, overrides)
        if blockers:
            raise ValidationError(blockers)
        visit.gate_overrides = {g: overrides[g] for g in visit.gates_required}
        visit.state = VisitState.APPROVED
        visit.decided_by, visit.decided_at, visit.decision_reason = by, now, ""
        visit.save(update_fields=["state", "gate_overrides", *DECISION_FIELDS, "updated_at"])
        record_event(visit, EventKind.APPROVED, by, at=now,
                     data={"overrides": visit.gate_overrides} if visit.gate_overrides else None)
        notify_decision(visit, now)
    return visit


def refuse(visit: Visit, by, reason: str, now=None) -> Visit:
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give the reason for refusing, so the staff can revise the plan."]})
    with transaction.atomic():
        visit = _lock(visit)
        if visit.state != VisitState.SUBMITTED:
            raise ValidationError(f"This visit is {visit.get_state_display().lower()}, not waiting for approval.")
        if not may_approve(by) or not of_school(by, visit.school):
            raise PermissionDenied("Only the head of school or the DSL can refuse visits.")
        visit.state = VisitState.REFUSED
        visit.decided_by, visit.decided_at, visit.decision_reason = by, now, reason.strip()
        visit.save(update_fields=["state", *DECISION_FIELDS, "updated_at"])
        record_event(visit, EventKind.REFUSED, by, at=now, note=reason.strip())
        notify_decision(visit, now)
    return visit


def cancel(visit: Visit, by, reason: str, for_safety: bool = False, now=None) -> Visit:
    """R-CANCEL: the reason is recorded; a cancellation for safety reaches the head in writing."""
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give the reason for cancelling."]})
    with transaction.atomic():
        visit = _lock(visit)
        if visit.state in OUT_STATES:
            # Staff are out: the watchdog must keep watching until they are back.
            raise ValidationError(
                "Staff are already out on this visit: record 'abandoned' and sign them back in instead."
            )
        if visit.state in FINISHED_STATES:
            raise ValidationError(f"This visit is already {visit.get_state_display().lower()}.")
        visit.state = VisitState.CANCELLED
        visit.cancel_reason = reason.strip()
        visit.cancelled_for_safety = for_safety
        visit.next_check_at = None
        visit.save(update_fields=["state", "cancel_reason", "cancelled_for_safety", "next_check_at", "updated_at"])
        record_event(visit, EventKind.CANCELLED, by, at=now, note=reason.strip(), data={"for_safety": for_safety})
        notify_cancelled(visit, now)
    return visit


# Kept by the workflow and the watchdog, never by the plan form.
WORKFLOW_FIELDS = (
    "state", "gates_required", "gate_overrides", "decided_by_id", "decided_at", "decision_reason", "cancel_reason",
    "cancelled_for_safety", "departed_at", "last_contact_at", "returned_at", "watch_round", "escalation_level",
    "next_check_at", "staff_reminded_for", "staff_nudged_for",
)

# Changes to these send an approved visit back for approval.
REAPPROVAL_FIELDS = ("planned_start", "duration_minutes", "expected_return", "address", "starts_at_home",
                     "ends_at_home", "staff")


def save_plan(visit: Visit, staff: list, by, changed_fields=(), now=None, children=None) -> Visit:
    """Create or update a plan (not yet submitted), keeping the rules. Editing an approved or
    submitted visit's time, staff or address sends it back for approval. `children`, when given,
    replaces the children the visit is about."""
    now = now or timezone.now()
    creating = visit.pk is None
    if not creating and not visit.is_editable:
        raise ValidationError(f"This visit is {visit.get_state_display().lower()} and can no longer be changed.")
    # R-LUNCH: a visit on a round comes back at the round's return point, and must still fit it.
    round_errors = round_rules.keep_in_step(visit, staff) if visit.day_round_id is not None else {}
    errors = plan_errors(visit, staff, now)
    for field, messages in round_errors.items():
        errors.setdefault(field, []).extend(messages)
    _raise(errors)
    with transaction.atomic():
        reopened = False
        if not creating:
            # The form was filled in from a copy read earlier: take the workflow's own fields from the
            # locked row, so a decision, a cancellation or a sign-out made meanwhile is neither undone
            # nor overwritten by saving the plan.
            current = Visit.objects.select_for_update().get(pk=visit.pk)
            for field in WORKFLOW_FIELDS:
                setattr(visit, field, getattr(current, field))
            if not visit.is_editable:
                raise ValidationError(
                    f"This visit is {visit.get_state_display().lower()} and can no longer be changed.")
        if not creating and visit.state in (VisitState.APPROVED, VisitState.SUBMITTED):
            if set(changed_fields) & set(REAPPROVAL_FIELDS):
                reopened = visit.state == VisitState.APPROVED
                visit.state = VisitState.SUBMITTED
                visit.decided_by, visit.decided_at = None, None
                visit.gates_required = gates_for(visit, staff)
                visit.gate_overrides = {}
        if creating:
            visit.created_by = by
        visit.save()
        visit.staff.set(staff)
        if children is not None:
            visit.children.set(children)
        if creating:
            record_event(visit, EventKind.CREATED, by, at=now)
            ensure_risk_assessment(visit)
        elif changed_fields:
            record_event(visit, EventKind.REOPENED if reopened else EventKind.EDITED, by, at=now,
                         data={"changed": sorted(changed_fields)})
    return visit


def plan_again_initial(source: Visit) -> dict:
    """Initial form data for a new visit started from an earlier one (same family, purpose, staff, address)."""
    return {
        "family": source.family_id,
        "children": list(source.children.values_list("pk", flat=True)),
        "purpose": source.purpose,
        "purpose_other": source.purpose_other,
        "announced": source.announced,
        "unannounced_reason": source.unannounced_reason,
        "duration_minutes": source.duration_minutes,
        "address": source.address,
        "contact_phone": source.contact_phone,
        "lead": source.lead_id,
        "staff": list(source.staff.values_list("pk", flat=True)),
        "transport": source.transport,
        "vehicle_owner": source.vehicle_owner_id,
        "office_contact": source.office_contact_id,
        "starts_at_home": source.starts_at_home,
        "ends_at_home": source.ends_at_home,
    }


def approval_status(visit: Visit, approver) -> tuple[str, str, list[str]]:
    """Red / amber / green for the approvals queue, with the text shown beside the colour.

    red: blocked (high risk R-NOVISIT, animals R-ANIMALS, no or unreviewed assessment R-RISK);
    amber: needs a decision (gates to override, or the approver is one of the visitors: another
    must decide; a gate only the head may clear, R-COMMUTE / R-FSW, says so); green: ready to approve.
    With no approver (the trust's read-only view), the school's own approvers' colour and words.
    Uses the prefetched staff and hazards, so the queue costs no query per row.
    """
    red, amber = [], []
    ra = getattr(visit, "risk_assessment", None)
    high = ra.high_risk_reasons() if ra is not None else []  # R-NOVISIT
    if ra is None:
        red.append("No risk assessment")  # R-RISK
    else:
        red += high
        if visit.family.dangerous_animals and ra.animals_separate_room is not True:
            red.append("Dangerous animals: a separate room is not assured")  # R-ANIMALS
        if not ra.is_reviewed:
            red.append("Risk assessment changed since it was reviewed")  # R-RISK
    if red:
        return "red", "Blocked: high risk" if high else "Blocked", red
    needs = visit.gate_needs()
    amber += [str(need) for need in needs]
    if approver is not None and any(u.pk == approver.pk for u in visit.staff.all()):
        amber.append("You are one of the visitors: another approver must decide")  # R-AUTH
    if approver is not None and any(not need.may_be_cleared_by(approver) for need in needs):
        return "amber", "Needs the head of school", amber
    if amber:
        return "amber", "Needs a decision", amber
    return "green", "Ready to approve", []


def share_family(family, people, by) -> None:
    """R-CONFIDENTIAL: the visiting staff (of the family's school) who may see a family beyond
    those on its visits, as set by the head or DSL."""
    if not may_share_families(by) or not of_school(by, family.school):
        raise PermissionDenied("Only the head of school or the DSL decides who may see a family.")
    family.shared_with.set([p for p in people if getattr(getattr(p, "profile", None), "school_id", None)
                            == family.school_id])


def family_created(family, by) -> None:
    """Visiting staff who add a family for their own new visit may see it from then on (R-CONFIDENTIAL):
    it is shared with them, as the head could do."""
    if not sees_all_visits(by):
        family.shared_with.add(by)


def record_letter_sent(visit: Visit, by, day: datetime.date, now=None) -> Visit:
    """R-INFORM: the family was told in writing on `day` (recorded on the plan and in its history)."""
    now = now or timezone.now()
    with transaction.atomic():
        visit = _lock(visit)
        if not visit.is_editable:
            raise ValidationError(f"This visit is {visit.get_state_display().lower()} and can no longer be changed.")
        visit.letter_sent_on = day
        visit.save(update_fields=["letter_sent_on", "updated_at"])
        record_event(visit, EventKind.EDITED, by, at=now, note=f"Letter to the family sent on {day:%d %b %Y}",
                     data={"changed": ["letter_sent_on"]})
    return visit
