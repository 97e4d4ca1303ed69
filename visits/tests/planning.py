"""Helpers for the visit planning tests (the fixtures are the root conftest.py's test world)."""

import datetime

from homevisits.factories import VisitFactory
from visits.assessments import ensure_risk_assessment, mark_reviewed
from visits.localtime import combine_local
from visits.models import SafetyChecklist

NOW = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
TOMORROW = datetime.date(2026, 11, 25)


def local(day, hour, minute=0):
    return combine_local(day, datetime.time(hour, minute))


def plan(family, lead, other, *, day=TOMORROW, start=(10, 0), minutes_back=90, **kwargs):
    """A draft visit by lead + other, tomorrow at 10:00 local, with its risk assessment."""
    begins = local(day, *start)
    visit = VisitFactory(family=family, school=family.school, lead=lead, created_by=lead, staff=[lead, other],
                         planned_start=begins, expected_return=begins + datetime.timedelta(minutes=minutes_back),
                         **kwargs)
    ensure_risk_assessment(visit)
    return visit


def make_ready(visit, by=None):
    """Risk assessment reviewed and checklist answered by the lead: ready to submit."""
    by = by or visit.lead
    mark_reviewed(ensure_risk_assessment(visit), by)
    SafetyChecklist.objects.update_or_create(
        visit=visit, defaults={"completed_by": visit.lead, "completed_at": NOW,
                               **{name: True for name, _ in SafetyChecklist.QUESTIONS}})
    visit.refresh_from_db()
    return visit


def plan_data(family, lead, others, *, day="2026-11-25", start="10:00", back="11:30", **extra):
    """The visit form as a browser would post it."""
    data = {
        "family": family.pk, "purpose": "induction", "purpose_other": "", "announced": "True",
        "unannounced_reason": "", "letter_sent_on": "", "date": day, "start_time": start, "return_time": back,
        "duration_minutes": "45", "address": "", "contact_phone": "", "lead": lead.pk,
        "other_staff": [u.pk for u in others], "transport": "foot", "vehicle_owner": "", "office_contact": "",
        "code_word": "bluebell", "info_gathered": "on", "notes": "",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def login(client, user):
    client.force_login(user)
    return client
