"""Retention (UK GDPR, storage limitation): anonymise what is past its school's retention period.

What "past due" means (per school, accounts.School):

* A family's record (the household, its children and carers, and every visit with its events, risk
  assessment, hazards, escalations, contact steps, report, follow-ups and incidents) is past due when
  ALL its children have left the school (Child.left_school_on set for every child) and the last of
  them left at least `visit_retention_years` (default 6) years ago, AND no safeguarding concern about
  the family is still inside its own retention period (a concern is meaningless without who it was
  about, so the family is held until its concerns are due too). A family with no children on record
  is never past due automatically: nothing starts its clock.
* A safeguarding concern is past due when the youngest child of its family reaches date of birth +
  `concern_retention_years` (default 25).

Anonymising keeps the numbers governors review (R-REVIEW): visit dates and times, states, purposes,
outcomes, who of the staff went, escalation levels and times, contact-step times and outcomes,
concern dates and statuses. It removes names, addresses, phone numbers and every free-text field;
carers are deleted; a child keeps only the year of birth and the leaving date. The change history
(django-simple-history) of every anonymised object is deleted, and so is every history row reachable
through the family of a record removed from it earlier (a child, carer, hazard or whole visit deleted
before: found through the history tables themselves, `family_history`). One new "anonymised" row is
written for the family and for each concern, so the audit page shows when it happened.

`apply(now, dry_run=True)` counts exactly what `apply(now)` would change, and changes nothing.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from safety.models import ContactAttempt, Escalation, SafeguardingConcern
from visits.models import (
    Carer,
    Child,
    Family,
    FollowUpAction,
    Hazard,
    Incident,
    RiskAssessment,
    Visit,
    VisitEvent,
    VisitReport,
)

ANONYMISED_REASON = "Anonymised: past the school's retention period"

# The kinds reported, in this order.
KINDS = (
    ("families", "families anonymised"),
    ("children", "children anonymised"),
    ("carers", "carers deleted"),
    ("visits", "visits anonymised"),
    ("visit_events", "visit events anonymised"),
    ("risk_assessments", "risk assessments anonymised"),
    ("hazards", "hazards anonymised"),
    ("escalations", "escalations anonymised"),
    ("contact_attempts", "contact attempts anonymised"),
    ("reports", "visit reports anonymised"),
    ("follow_ups", "follow-up actions anonymised"),
    ("incidents", "incidents anonymised"),
    ("concerns", "safeguarding concerns anonymised"),
    ("history_rows", "history rows deleted"),
)


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same date `years` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def family_due_on(family, children) -> datetime.date | None:
    """When the family's visit records fall due, or None while any child is still at school."""
    if not children or any(c.left_school_on is None for c in children):
        return None
    return years_after(max(c.left_school_on for c in children), family.school.visit_retention_years)


def concerns_due_on(family, children) -> datetime.date | None:
    """When the family's safeguarding concerns fall due: the youngest child's birth + N years."""
    if not children:
        return None
    return years_after(max(c.date_of_birth for c in children), family.school.concern_retention_years)


@dataclass
class RetentionReport:
    dry_run: bool
    counts: Counter = field(default_factory=Counter)
    family_ids: list = field(default_factory=list)
    concern_ids: list = field(default_factory=list)

    def lines(self) -> list[str]:
        prefix = "Would have: " if self.dry_run else ""
        return [f"{prefix}{self.counts[key]} {label}" for key, label in KINDS]

    def summary(self) -> str:
        head = "Retention (dry run, nothing changed)" if self.dry_run else "Retention"
        return f"{head}: " + ", ".join(f"{self.counts[key]} {label}" for key, label in KINDS)


def due(now) -> tuple[list[int], list[int]]:
    """(families, concerns) past due at `now` (ids), by the rules in the module docstring."""
    today = timezone.localdate(now)
    family_ids, concern_ids = [], []
    families = (Family.objects.filter(anonymised_at__isnull=True).select_related("school")
                .prefetch_related("children", Prefetch(
                    "concerns", queryset=SafeguardingConcern.objects.filter(anonymised_at__isnull=True),
                    to_attr="live_concerns")))
    for family in families.iterator(chunk_size=500):
        children = list(family.children.all())
        concerns_date = concerns_due_on(family, children)
        concerns_due = concerns_date is not None and concerns_date <= today
        if family.live_concerns and concerns_due:
            concern_ids += [c.pk for c in family.live_concerns]
        held_by_concerns = bool(family.live_concerns) and not concerns_due
        family_date = family_due_on(family, children)
        if family_date is not None and family_date <= today and not held_by_concerns:
            family_ids.append(family.pk)
    return family_ids, concern_ids


def apply(now, *, dry_run: bool = False) -> RetentionReport:
    """Anonymise everything past due at `now`; with dry_run, count it and change nothing."""
    report = RetentionReport(dry_run=dry_run)
    family_ids, concern_ids = due(now)
    report.family_ids, report.concern_ids = family_ids, concern_ids
    for pk in concern_ids:
        with transaction.atomic():
            _anonymise_concern(SafeguardingConcern.objects.select_for_update().get(pk=pk), now, report, dry_run)
    for pk in family_ids:
        with transaction.atomic():
            _anonymise_family(Family.objects.select_for_update().get(pk=pk), now, report, dry_run)
    return report


def _count_history(history_rows, report):
    for rows in history_rows:
        report.counts["history_rows"] += rows.count()


def _delete_history(history_rows):
    """Historical rows keep every old value: those of an anonymised object go (including the rows
    the anonymising itself wrote, e.g. a deleted carer's last state)."""
    for rows in history_rows:
        rows.delete()


def _ever_linked(model, link: str, parent_ids, live_ids) -> set:
    """Ids of `model` objects linked through `link` to one of `parent_ids`: those linked now, and
    those a history row shows linked that no longer exist (deleted since; their history remains)."""
    seen = set(model.history.filter(**{f"{link}__in": parent_ids}).values_list("id", flat=True).distinct())
    existing = set(model._base_manager.filter(pk__in=seen).values_list("pk", flat=True))
    return set(live_ids) | (seen - existing)


def family_history(family, *, keep_concern_ids=()) -> list:
    """Every history row reachable through the family, as querysets: the rows of its records (now or
    ever linked to it: children, carers, visits, risk assessments, hazards, escalations, reports,
    incidents, concerns), including records deleted earlier, found through the history tables. A row
    of a record now elsewhere goes if it shows the record linked to this family. The live concerns in
    `keep_concern_ids` are left alone (anonymised on their own, each keeping its one row)."""
    visits = _ever_linked(Visit, "family_id", [family.pk],
                          Visit.objects.filter(family=family).values_list("pk", flat=True))
    assessments = _ever_linked(RiskAssessment, "visit_id", visits,
                               RiskAssessment.objects.filter(visit_id__in=visits).values_list("pk", flat=True))
    by_family = (
        (Family, Q(id=family.pk)),
        (Child, Q(family_id=family.pk) | Q(id__in=Child.objects.filter(family=family).values("pk"))),
        (Carer, Q(family_id=family.pk) | Q(id__in=Carer.objects.filter(family=family).values("pk"))),
        (Visit, Q(id__in=visits) | Q(family_id=family.pk)),
        (RiskAssessment, Q(id__in=assessments) | Q(visit_id__in=visits)),
        (Hazard, Q(assessment_id__in=assessments)
         | Q(id__in=Hazard.objects.filter(assessment_id__in=assessments).values("pk"))),
        (Escalation, Q(visit_id__in=visits) | Q(id__in=Escalation.objects.filter(visit_id__in=visits).values("pk"))),
        (VisitReport, Q(visit_id__in=visits) | Q(id__in=VisitReport.objects.filter(visit_id__in=visits).values("pk"))),
        (Incident, Q(visit_id__in=visits) | Q(id__in=Incident.objects.filter(visit_id__in=visits).values("pk"))),
    )
    rows = [model.history.filter(q) for model, q in by_family]
    rows.append(SafeguardingConcern.history.filter(family_id=family.pk).exclude(id__in=list(keep_concern_ids)))
    return rows


def _anonymise_concern(concern, now, report, dry_run):
    report.counts["concerns"] += 1
    history_rows = [SafeguardingConcern.history.filter(id=concern.pk)]
    _count_history(history_rows, report)
    if dry_run:
        return
    _delete_history(history_rows)
    concern.details = concern.dsl_notes = concern.cpoms_reference = ""
    concern.anonymised_at = now
    concern._change_reason = ANONYMISED_REASON
    concern.save()


def _anonymise_family(family, now, report, dry_run):
    visits = Visit.objects.filter(family=family)
    children = Child.objects.filter(family=family)
    carers = family.carers.all()
    # Append-only records (their managers refuse updates): retention is their one exception, through
    # the base manager, and only ever blanks free text.
    events = VisitEvent._base_manager.filter(visit__family=family)
    attempts = ContactAttempt._base_manager.filter(escalation__visit__family=family)
    assessments = RiskAssessment.objects.filter(visit__family=family)
    hazards = Hazard.objects.filter(assessment__visit__family=family)
    escalations = Escalation.objects.filter(visit__family=family)
    reports = VisitReport.objects.filter(visit__family=family)
    follow_ups = FollowUpAction.objects.filter(report__visit__family=family)
    incidents = Incident.objects.filter(visit__family=family)

    ids = {model: list(qs.values_list("pk", flat=True)) for model, qs in (
        (Child, children), (Carer, carers), (Visit, visits), (RiskAssessment, assessments), (Hazard, hazards),
        (Escalation, escalations), (VisitReport, reports), (Incident, incidents))}
    report.counts.update({
        "families": 1, "children": len(ids[Child]), "carers": len(ids[Carer]),
        "visits": len(ids[Visit]), "visit_events": events.count(), "risk_assessments": len(ids[RiskAssessment]),
        "hazards": len(ids[Hazard]), "escalations": len(ids[Escalation]), "contact_attempts": attempts.count(),
        "reports": len(ids[VisitReport]), "follow_ups": follow_ups.count(), "incidents": len(ids[Incident]),
    })
    # Evaluated now, before anything changes: the same rows are counted in a dry run and deleted below.
    # The family's concerns that still exist are anonymised on their own (_anonymise_concern, first).
    history_rows = family_history(
        family, keep_concern_ids=SafeguardingConcern.objects.filter(family=family).values_list("pk", flat=True))
    history_ids = [(rows.model, list(rows.values_list("history_id", flat=True))) for rows in history_rows]
    report.counts["history_rows"] += sum(len(pks) for _model, pks in history_ids)
    if dry_run:
        return
    carers.delete()
    for child in children:
        Child.objects.filter(pk=child.pk).update(
            first_name="Anonymised", last_name="child", class_name="",
            date_of_birth=child.date_of_birth.replace(month=1, day=1))
    visits.update(address="", contact_phone="", purpose_other="", unannounced_reason="", code_word="",
                  notes="", decision_reason="", cancel_reason="")
    for visit in visits.exclude(gate_overrides={}):
        # Which gates were overridden is a figure; the reasons given are free text.
        Visit.objects.filter(pk=visit.pk).update(gate_overrides={g: "" for g in visit.gate_overrides})
    events.update(note="")
    for event in events.filter(data__has_key="overrides"):
        VisitEvent._base_manager.filter(pk=event.pk).update(
            data={**event.data, "overrides": {g: "" for g in event.data["overrides"]}})
    for event in events.filter(data__has_key="location"):
        # A phone's location at a check-in points at the family's door (safety.location): it goes.
        VisitEvent._base_manager.filter(pk=event.pk).update(
            data={key: value for key, value in event.data.items() if key != "location"})
    attempts.update(note="")
    assessments.update(vulnerable_persons="")
    hazards.update(description="", who_may_be_harmed="", controls="")
    escalations.update(resolution_note="", outcome_note="")
    reports.update(who_was_seen="", summary="", internal_notes="", child_interests="", favourite_story="",
                   favourite_toy="", known_children="", anxieties_and_strategies="", parent_questions="")
    follow_ups.update(action="(anonymised)")
    incidents.update(what_happened="", people_involved="", injuries="", police_reference="")
    # The rows found above, and those written since by deleting the carers.
    _delete_history([model.objects.filter(history_id__in=pks) for model, pks in history_ids]
                    + [Carer.history.filter(id__in=ids[Carer])])
    family.shared_with.clear()
    for name in ("address_line1", "address_line2", "town", "postcode", "phone", "phone_alt", "preferred_language",
                 "notes", "animals_details", "previous_incidents", "people_not_to_be_present"):
        setattr(family, name, "")
    family.display_name = f"Anonymised family #{family.pk}"
    family.anonymised_at = now
    family._change_reason = ANONYMISED_REASON
    family.save()


def erase_family(family_id: int, now, *, dry_run: bool = False) -> RetentionReport:
    """Erasure on request (UK GDPR art. 17), when the DPO has decided the school need not keep the
    record: the same anonymising as retention, for one family and its concerns, whatever the dates."""
    report = RetentionReport(dry_run=dry_run, family_ids=[family_id])
    with transaction.atomic():
        family = Family.objects.select_for_update().get(pk=family_id, anonymised_at__isnull=True)
        for concern in SafeguardingConcern.objects.select_for_update().filter(family=family,
                                                                             anonymised_at__isnull=True):
            report.concern_ids.append(concern.pk)
            _anonymise_concern(concern, now, report, dry_run)
        _anonymise_family(family, now, report, dry_run)
    return report
