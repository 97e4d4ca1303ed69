"""Retention (UK GDPR): exactly what is past due is anonymised, the figures for R-REVIEW stay, and
everything else is left alone. The clock stands at 2026-11-24 (clock_tuesday_gmt)."""

import datetime

import pytest

from audit import retention
from homevisits.factories import TUESDAY_GMT as NOW
from safety.models import ContactAttempt, Escalation, SafeguardingConcern
from visits.models import (
    Carer,
    Child,
    EventKind,
    Family,
    Hazard,
    Incident,
    Visit,
    VisitEvent,
    VisitReport,
    VisitState,
)

from .retention_world import SECRET, household, rows_mentioning_secret

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def test_it_anonymises_a_family_whose_children_all_left_six_years_ago(school, people):
    family = household(school, people, left=(datetime.date(2020, 7, 20),))
    report = retention.apply(NOW)

    assert report.family_ids == [family.pk]
    family.refresh_from_db()
    assert family.display_name == f"Anonymised family #{family.pk}"
    assert (family.address_line1, family.postcode, str(family.phone), family.notes) == ("", "", "", "")
    assert family.anonymised_at == NOW
    assert not family.shared_with.exists()
    assert not Carer.objects.filter(family=family).exists()
    child = Child.objects.get(family=family)
    assert (child.first_name, child.last_name, child.date_of_birth) == ("Anonymised", "child", datetime.date(2004, 1, 1))
    visit = Visit.objects.get(family=family)
    assert (visit.address, visit.code_word, visit.notes, str(visit.contact_phone)) == ("", "", "", "")
    assert visit.gate_overrides == {"evening": ""}
    assert not visit.events.filter(data__has_key="location").exists()
    assert visit.events.filter(kind=EventKind.OK).exists()  # the check-in stays, a figure; where it was goes
    assert rows_mentioning_secret() == []


def test_it_keeps_the_figures_governors_review(school, people):
    family = household(school, people)
    visit = Visit.objects.get(family=family)
    before = (visit.planned_start, visit.expected_return, visit.state, visit.purpose, set(visit.staff.all()),
              list(visit.events.values_list("kind", "at")),
              list(Escalation.objects.filter(visit=visit).values_list("level", "created_at")),
              list(ContactAttempt.objects.filter(escalation__visit=visit).values_list("step", "outcome", "at")),
              VisitReport.objects.get(visit=visit).outcome, Incident.objects.get(visit=visit).occurred_at)
    retention.apply(NOW)
    visit.refresh_from_db()
    after = (visit.planned_start, visit.expected_return, visit.state, visit.purpose, set(visit.staff.all()),
             list(visit.events.values_list("kind", "at")),
             list(Escalation.objects.filter(visit=visit).values_list("level", "created_at")),
             list(ContactAttempt.objects.filter(escalation__visit=visit).values_list("step", "outcome", "at")),
             VisitReport.objects.get(visit=visit).outcome, Incident.objects.get(visit=visit).occurred_at)
    assert after == before
    assert visit.state == VisitState.RETURNED


def test_it_keeps_a_family_while_any_child_is_still_at_school(school, people):
    family = household(school, people, left=(datetime.date(2012, 7, 20), None),
                       born=(datetime.date(2001, 1, 1), datetime.date(2015, 1, 1)))
    assert retention.apply(NOW).family_ids == []
    family.refresh_from_db()
    assert SECRET in family.display_name and family.anonymised_at is None


def test_it_waits_for_the_last_child_to_have_left_six_full_years(school, people):
    # The younger child left on 25 November 2020: due on 25 November 2026, the day after "now".
    family = household(school, people, left=(datetime.date(2012, 7, 20), datetime.date(2020, 11, 25)),
                       born=(datetime.date(2001, 1, 1), datetime.date(2004, 1, 1)))
    assert retention.apply(NOW).family_ids == []
    assert retention.apply(NOW + datetime.timedelta(days=1)).family_ids == [family.pk]


def test_it_never_starts_the_clock_for_a_family_without_children(school, people):
    family = household(school, people)
    Child.objects.filter(family=family).delete()
    assert retention.apply(NOW).family_ids == []


def test_it_follows_the_schools_own_setting(school, people):
    family = household(school, people, left=(datetime.date(2022, 7, 20),))
    assert retention.apply(NOW).family_ids == []
    school.visit_retention_years = 3
    school.save()
    assert retention.apply(NOW).family_ids == [family.pk]


def test_it_holds_a_family_while_a_safeguarding_concern_about_it_is_kept(school, people):
    # Left 2020 (visit records due 2026) but born 2004: concerns kept until 1 January 2029.
    family = household(school, people, concern=True)
    report = retention.apply(NOW)
    assert (report.family_ids, report.concern_ids) == ([], [])
    concern = SafeguardingConcern.objects.get(family=family)
    assert SECRET in concern.details

    later = datetime.datetime(2029, 1, 1, 9, 0, tzinfo=datetime.UTC)
    report = retention.apply(later)
    assert (report.family_ids, report.concern_ids) == ([family.pk], [concern.pk])
    concern.refresh_from_db()
    assert (concern.details, concern.dsl_notes, concern.cpoms_reference) == ("", "", "")
    assert concern.status == "referred" and concern.anonymised_at == later
    assert rows_mentioning_secret() == []


def test_it_anonymises_concerns_at_the_youngest_childs_birth_plus_25(school, people):
    family = household(school, people, concern=True, left=(None, None),
                       born=(datetime.date(1999, 5, 1), datetime.date(2001, 11, 24)))
    report = retention.apply(NOW)  # the youngest turned 25 today; the children are still on roll
    assert report.concern_ids == list(SafeguardingConcern.objects.filter(family=family).values_list("pk", flat=True))
    assert report.family_ids == []
    family.refresh_from_db()
    assert SECRET in family.display_name


def test_it_leaves_everything_else_alone(school, people, other_school):
    due = household(school, people, name="Due")
    kept = household(school, people, name="Kept", left=(None,))
    elsewhere = household(other_school, {**people, "teacher": people["other_admin"]}, name="Elsewhere",
                          left=(datetime.date(2024, 7, 1),))
    kept_history = Family.history.filter(id=kept.pk).count()
    report = retention.apply(NOW)
    assert report.family_ids == [due.pk]
    for family in (kept, elsewhere):
        family.refresh_from_db()
        assert SECRET in family.display_name and family.anonymised_at is None
        assert Carer.objects.filter(family=family).exists()
        assert VisitEvent.objects.filter(visit__family=family, note__contains=SECRET).exists()
    assert Family.history.filter(id=kept.pk).count() == kept_history


def test_it_does_nothing_the_second_time(school, people):
    household(school, people)
    first = retention.apply(NOW)
    assert first.counts["families"] == 1
    second = retention.apply(NOW)
    assert sum(second.counts.values()) == 0


def test_it_counts_what_it_did_per_kind(school, people):
    household(school, people)
    hazards = Hazard.objects.count()  # the matrix's own five, plus the dog
    counts = retention.apply(NOW).counts
    assert {k: counts[k] for k in ("families", "children", "carers", "visits", "visit_events", "risk_assessments",
                                   "hazards", "escalations", "contact_attempts", "reports", "follow_ups",
                                   "incidents", "concerns")} == {
        "families": 1, "children": 1, "carers": 1, "visits": 1, "visit_events": 3, "risk_assessments": 1,
        "hazards": hazards, "escalations": 1, "contact_attempts": 1, "reports": 1, "follow_ups": 1, "incidents": 1,
        "concerns": 0}
    assert counts["history_rows"] > 0


def test_a_leap_day_falls_due_on_28_february():
    assert retention.years_after(datetime.date(2004, 2, 29), 25) == datetime.date(2029, 2, 28)
    assert retention.years_after(datetime.date(2004, 2, 29), 4) == datetime.date(2008, 2, 29)
