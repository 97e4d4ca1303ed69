"""Audit (R-CONFIDENTIAL): every tracked record keeps who changed what and when."""

import pytest

from audit.history import TRACKED, school_id_of, tracked_models
from homevisits.factories import TUESDAY_GMT as NOW
from homevisits.factories import FamilyFactory, VisitFactory, as_user
from safety.concerns import raise_concern
from safety.models import Escalation, EscalationLevel, EscalationReason
from visits.assessments import ensure_risk_assessment
from visits.models import Carer, Hazard, HazardKind, Incident, Outcome, VisitReport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def test_it_tracks_families_children_carers_visits_reports_incidents_assessments_hazards_escalations_and_concerns():
    assert {key for key, *_ in TRACKED} == {
        "family", "child", "carer", "visit", "visitreport", "incident", "riskassessment", "hazard", "escalation",
        "concern"}
    for _key, model in tracked_models():
        assert hasattr(model, "history"), model


def test_it_stamps_every_history_row_with_the_school(school, people, family, child):
    visit = VisitFactory(family=family, school=school)
    assessment = ensure_risk_assessment(visit)
    objects = [
        family, family.children.get(), Carer.objects.create(family=family, name="Sara Khan", relationship="Mother"),
        visit, assessment,
        Hazard.objects.create(assessment=assessment, kind=HazardKind.DRIVING, severity=1, likelihood=1),
        Escalation.objects.create(visit=visit, round=1, level=EscalationLevel.LATE,
                                  reason=EscalationReason.LATE_RETURN),
        VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, filed_by=people["teacher"]),
        Incident.objects.create(visit=visit, occurred_at=NOW, what_happened="Dog got out", people_involved="-",
                                recorded_by=people["teacher"]),
        raise_concern(family, "Bruise on the arm", people["teacher"], visit=visit, now=NOW),
    ]
    for obj in objects:
        rows = type(obj).history.filter(id=obj.pk)
        assert rows.exists(), type(obj)
        assert set(rows.values_list("history_school_id", flat=True)) == {school.pk}, type(obj)
        assert school_id_of(obj) == school.pk


def test_it_records_who_changed_a_concern_through_the_page_and_the_old_and_new_values(client, people, family, child):
    concern = raise_concern(family, "Bruise on the arm", people["teacher"], now=NOW)
    as_user(client, people["dsl"]).post(f"/concerns/{concern.pk}/", {
        "status": "referred", "cpoms_reference": "CP-123", "dsl_notes": "Rang social care"})

    before, latest = concern.history.order_by("history_id")  # raised, then updated (the clock stands still)
    assert (before.history_type, latest.history_type) == ("+", "~")
    assert before.history_user is None  # raised in a service call, outside a request
    assert latest.history_user == people["dsl"]
    delta = latest.diff_against(before)
    changed = {c.field: (c.old, c.new) for c in delta.changes}
    assert changed["status"] == ("open", "referred")
    assert changed["cpoms_reference"] == ("", "CP-123")


def test_it_never_keeps_the_code_word_in_the_history(family, child):
    visit = VisitFactory(family=family, school=family.school, code_word="bluebell")
    row = visit.history.latest("history_id")
    assert not hasattr(row, "code_word")
    assert "code_word" not in {f.name for f in type(row)._meta.fields}


def test_it_keeps_the_history_of_a_deleted_record(school):
    family = FamilyFactory(school=school, display_name="Gone family")
    pk = family.pk
    family.delete()
    assert list(family.history.model.objects.filter(id=pk).values_list("history_type", flat=True)
                .order_by("history_id")) == ["+", "-"]
