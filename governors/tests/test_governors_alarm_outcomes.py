"""R-REVIEW: the governors' year counts what the year's alarms were, one per alarm (a level raised to
the next is part of the higher one's alarm), "not yet said" included, on the page, in the CSV and in
the PDF's source."""

import csv
import datetime
import io

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from governors import figures, views
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory
from safety.models import AlarmOutcome, Escalation, EscalationLevel, EscalationReason
from visits.models import VisitState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_10am_gmt")]
UTC = datetime.UTC
MARCH = datetime.datetime(2026, 3, 2, 11, 30, tzinfo=UTC)


def _alarm(school, outcome="", *, when=MARCH, level=EscalationLevel.LATE, resolved=True, raised_to=None):
    visit = VisitFactory(family=FamilyFactory(school=school), planned_start=when - datetime.timedelta(hours=1),
                         state=VisitState.RETURNED)
    return Escalation.objects.create(
        visit=visit, round=1, level=level, reason=EscalationReason.LATE_RETURN, anchor=when, created_at=when,
        resolved_at=when + datetime.timedelta(minutes=20) if resolved else None, outcome=outcome,
        raised_to=raised_to)


@pytest.fixture
def alarms(school):
    _alarm(school, AlarmOutcome.FORGOT)
    _alarm(school, AlarmOutcome.FORGOT)
    _alarm(school, AlarmOutcome.LATE_SAFE)
    _alarm(school, AlarmOutcome.POLICE, level=EscalationLevel.EMERGENCY)
    top = _alarm(school, "", level=EscalationLevel.CHASE)  # not yet said
    lower = _alarm(school, "", level=EscalationLevel.LATE)  # raised to the level 2 above: not an alarm of its own
    Escalation.objects.filter(pk=lower.pk).update(visit=top.visit, raised_to=top)
    _alarm(school, AlarmOutcome.INCIDENT, when=datetime.datetime(2025, 3, 2, 11, tzinfo=UTC))  # 2024/25
    _alarm(school, "", resolved=False)  # still open: nothing to say yet
    _alarm(SchoolFactory(name="Heather Avenue Infants"), AlarmOutcome.FORGOT)  # another school's


def test_the_years_alarms_are_counted_by_what_they_were(school, alarms):
    this, last = figures.compared(school, 2025)
    assert this.alarms_by_outcome == {
        "Forgot to check in": 2, "Late but safe": 1, "False alarm: other": 0, "An incident": 0,
        "Police called": 1, "Not yet said": 1}
    assert last.alarms_by_outcome["An incident"] == 1 and last.alarms_by_outcome["Not yet said"] == 0


def test_the_page_the_csv_and_the_pdf_show_them(client, head, school, alarms):
    client.force_login(head)
    page = client.get(reverse("governors:year", args=[2025])).content.decode()
    assert "What the alarms were" in page and "Not yet said" in page and "Forgot to check in" in page
    table = list(csv.reader(io.StringIO(client.get(reverse("governors:csv", args=[2025]))
                                        .content.decode("utf-8-sig"))))
    assert ["What the alarms were", "Forgot to check in", "2", "0"] in table
    assert ["What the alarms were", "Not yet said", "1", "0"] in table
    # The PDF is made from this template (governors.pdf.render).
    pdf_source = render_to_string("governors/year_pdf.html", views._context(school, 2025, inline_charts=True))
    assert "What the alarms were" in pdf_source and "Police called" in pdf_source
    assert "R-REVIEW" not in page and "R-REVIEW" not in pdf_source
