"""Erasure and retention reach what was removed from a family before: a child, carer or hazard
deleted earlier, a deleted visit with its risk assessment, hazards, report, incident and escalation,
a deleted concern. Their history rows still carried names and free text linked to the family; after
anonymising, none is left in any history table or on /audit/, except the one row that says when
the family was anonymised."""

import datetime

import pytest
from django.apps import apps

from audit import retention
from homevisits.factories import TUESDAY_GMT as NOW
from homevisits.factories import as_user
from safety.models import Escalation, EscalationLevel, EscalationReason, SafeguardingConcern
from visits.assessments import ensure_risk_assessment
from visits.models import Carer, Child, Family, Hazard, HazardKind, Incident, Outcome, Visit, VisitReport, VisitState

from .retention_world import household

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

# Only ever written on records that are then removed: any trace left is a leak.
GONE = "Quokkaberry"


def remove_relatives(family, people):
    """Add a child, a carer, a hazard, a whole visit and a concern, each holding GONE, then remove them."""
    child = Child.objects.create(family=family, first_name=f"Ivy{GONE}", last_name=GONE,
                                 date_of_birth=datetime.date(2005, 5, 5), left_school_on=datetime.date(2019, 7, 1))
    child.first_name = f"Ivy-May{GONE}"
    child.save()
    carer = Carer.objects.create(family=family, name=f"Uncle {GONE}", relationship="Uncle", phone="07700 900333")
    assessment = Visit.objects.get(family=family).risk_assessment
    hazard = Hazard.objects.create(assessment=assessment, kind=HazardKind.OTHER, description=f"{GONE} the ferret",
                                   severity=1, likelihood=1, controls=f"Ask {GONE} to leave")
    # A whole visit (and what hangs off it), planned then deleted.
    start = datetime.datetime(2019, 4, 2, 10, 0, tzinfo=datetime.UTC)
    visit = Visit.objects.create(
        school=family.school, family=family, purpose="welfare", planned_start=start,
        expected_return=start + datetime.timedelta(hours=1), address=f"2 {GONE} Lane", notes=f"Plan {GONE}",
        lead=people["teacher"], created_by=people["teacher"], state=VisitState.RETURNED)
    gone_assessment = ensure_risk_assessment(visit)
    gone_assessment.vulnerable_persons = f"Nan {GONE}"
    gone_assessment.save()
    Hazard.objects.create(assessment=gone_assessment, kind=HazardKind.ANIMALS, description=f"{GONE}'s dog",
                          severity=2, likelihood=2)
    VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, summary=f"Met {GONE}",
                               filed_by=people["teacher"])
    Incident.objects.create(visit=visit, occurred_at=start, what_happened=f"{GONE} shouted",
                            people_involved=GONE, recorded_by=people["teacher"])
    Escalation.objects.create(visit=visit, round=1, level=EscalationLevel.LATE,
                              reason=EscalationReason.LATE_RETURN, created_at=start, resolution_note=f"Found {GONE}")
    concern = SafeguardingConcern.objects.create(school=family.school, family=family, details=f"{GONE} at the door",
                                                 raised_by=people["teacher"])

    for obj in (child, carer, hazard, concern):
        obj.delete()
    visit.delete()  # its risk assessment, hazards, report, incident and escalation go with it
    history_with_gone = {model for model, _pk in history_rows_mentioning(GONE)}
    # The history still held all of it: the premise of the test.
    assert history_with_gone >= {"HistoricalChild", "HistoricalCarer", "HistoricalHazard", "HistoricalVisit",
                                 "HistoricalRiskAssessment", "HistoricalVisitReport", "HistoricalIncident",
                                 "HistoricalEscalation", "HistoricalSafeguardingConcern"}, history_with_gone


def history_rows_mentioning(word):
    found = []
    for model in apps.get_models():
        if not model.__name__.startswith("Historical"):
            continue
        for row in model.objects.values():
            if any(word.lower() in str(value).lower() for value in row.values()):
                found.append((model.__name__, row["history_id"]))
    return found


def audit_pages(client):
    """Every page of /audit/ as one text."""
    text, page = "", 1
    while True:
        response = client.get("/audit/", {"page": page})
        assert response.status_code == 200
        text += response.content.decode()
        if not response.context["page_obj"].has_next():
            return text
        page += 1


def test_erasing_a_family_leaves_no_trace_of_what_was_removed_from_it(client, school, people):
    family = household(school, people, concern=True, left=(None,))
    remove_relatives(family, people)
    head = as_user(client, people["head"])
    assert GONE in audit_pages(head)

    report = retention.erase_family(family.pk, NOW)

    assert history_rows_mentioning(GONE) == []
    assert GONE not in audit_pages(head)
    # The one row that says when, for the family (and one for its live concern).
    rows = list(Family.history.filter(id=family.pk))
    assert len(rows) == 1 and rows[0].history_change_reason == retention.ANONYMISED_REASON
    live = SafeguardingConcern.objects.get(family=family)
    assert [r.history_change_reason for r in SafeguardingConcern.history.filter(id=live.pk)] == [
        retention.ANONYMISED_REASON]
    assert report.counts["history_rows"] > 0


def test_retention_leaves_no_trace_of_what_was_removed_either(client, school, people):
    family = household(school, people)  # the last child left in 2020: past due by NOW
    remove_relatives(family, people)
    before = sum(1 for _ in history_rows_mentioning(GONE))
    dry = retention.apply(NOW, dry_run=True)
    assert history_rows_mentioning(GONE) and sum(1 for _ in history_rows_mentioning(GONE)) == before

    done = retention.apply(NOW)

    assert done.family_ids == [family.pk]
    assert dry.counts["history_rows"] == done.counts["history_rows"]
    assert history_rows_mentioning(GONE) == []
    assert GONE not in audit_pages(as_user(client, people["head"]))
    assert [r.history_change_reason for r in Family.history.filter(id=family.pk)] == [retention.ANONYMISED_REASON]


def test_it_leaves_other_families_history_alone(client, school, people):
    family = household(school, people, left=(None,))
    other = household(school, people, name="Other", left=(None,))
    remove_relatives(other, people)
    theirs = history_rows_mentioning(GONE)
    their_family_rows = Family.history.filter(id=other.pk).count()
    retention.erase_family(family.pk, NOW)
    # The other family's removed records are still theirs to keep, every row of them.
    assert history_rows_mentioning(GONE) == theirs
    assert Family.history.filter(id=other.pk).count() == their_family_rows
    assert GONE in audit_pages(as_user(client, people["head"]))
