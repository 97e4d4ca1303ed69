"""After the visit: the Home Visit Form (R-REPORT, R-FOLLOWUP), the parent copy (R-PARENTCOPY),
incidents (R-INCIDENT) and "report due"."""

import datetime

import pytest
import time_machine

from notifications.models import Notification
from visits.models import Incident, Purpose, VisitReport, VisitState
from visits.reports import reports_overdue, school_days_between

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

NOW = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.UTC)  # Tuesday


def returned_visit(world):
    """The root world's teacher and TA, back two hours ago from a morning induction visit."""
    return world.visit(VisitState.RETURNED, start=NOW - datetime.timedelta(hours=4),
                       back=NOW - datetime.timedelta(hours=2), purpose=Purpose.INDUCTION,
                       returned_at=NOW - datetime.timedelta(hours=2), code_word="bluebell")


REPORT = {
    "outcome": "completed", "who_was_seen": "Mum and Aisha", "summary": "Talked about the first week.",
    "child_interests": "Dinosaurs", "favourite_story": "The Gruffalo", "favourite_toy": "Red bus",
    "known_children": "Zara", "anxieties_and_strategies": "Shy with adults: give time.",
    "parent_questions": "Lunch times?", "internal_notes": "Dad works nights; call after 2pm.",
    "next_visit_date": "2026-12-01",
    "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "0",
    "actions-MAX_NUM_FORMS": "20",
}


@time_machine.travel(NOW, tick=False)
def test_a_visitor_files_the_report_with_a_follow_up(client, world):
    visit = returned_visit(world)
    client.force_login(world.ta)
    data = REPORT | {"actions-0-action": "Send the lunch menu", "actions-0-owner": world.office.pk,
                     "actions-0-due_on": "2026-11-27"}
    response = client.post(f"/visits/{visit.pk}/report/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    report = VisitReport.objects.get(visit=visit)
    assert report.favourite_story == "The Gruffalo" and report.filed_by == world.ta
    assert [a.action for a in report.actions.all()] == ["Send the lunch menu"]


@time_machine.travel(NOW, tick=False)
def test_only_staff_on_the_visit_or_the_head_file_it(client, world):
    visit = returned_visit(world)
    client.force_login(world.office)
    assert client.post(f"/visits/{visit.pk}/report/", REPORT).status_code == 403
    client.force_login(world.other_teacher)
    assert client.get(f"/visits/{visit.pk}/report/").status_code == 404  # not their visit at all
    assert not VisitReport.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_no_report_before_the_staff_are_back(client, world):
    visit = returned_visit(world)
    type(visit).objects.filter(pk=visit.pk).update(state=VisitState.ON_SITE)
    client.force_login(world.teacher)
    response = client.post(f"/visits/{visit.pk}/report/", REPORT)
    assert response.status_code == 200
    assert "once the staff are back" in response.content.decode()
    assert not VisitReport.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_parent_copy_leaves_out_internal_notes_and_the_code_word(client, world):
    visit = returned_visit(world)
    client.force_login(world.teacher)
    client.post(f"/visits/{visit.pk}/report/", REPORT)
    page = client.get(f"/visits/{visit.pk}/report/parent-copy/").content.decode()
    assert "The Gruffalo" in page and "Lunch times?" in page
    assert "Dad works nights" not in page
    assert "bluebell" not in page


@time_machine.travel(NOW, tick=False)
def test_report_due_until_filed_and_overdue_for_the_head_after_two_school_days(client, world):
    visit = returned_visit(world)
    client.force_login(world.teacher)
    assert "Report due" in client.get("/").content.decode()
    # Back on Tuesday; Wednesday and Thursday are the two school days of grace.
    assert reports_overdue(type(visit).objects.all(), NOW + datetime.timedelta(days=2)) == []
    assert reports_overdue(type(visit).objects.all(), NOW + datetime.timedelta(days=3)) == [visit]
    client.post(f"/visits/{visit.pk}/report/", REPORT)
    assert "Report due" not in client.get("/").content.decode()
    assert reports_overdue(type(visit).objects.all(), NOW + datetime.timedelta(days=3)) == []


def test_school_days_skip_the_weekend():
    friday = datetime.date(2026, 11, 27)
    assert school_days_between(friday, datetime.date(2026, 11, 30)) == 1  # Monday
    assert school_days_between(friday, datetime.date(2026, 12, 1)) == 2


@time_machine.travel(NOW, tick=False)
def test_an_incident_is_recorded_and_the_head_told(client, world):
    visit = returned_visit(world)
    client.force_login(world.teacher)
    response = client.post(f"/visits/{visit.pk}/incident/", {
        "occurred_on": "2026-11-24", "occurred_time": "12:10", "what_happened": "A dog got loose in the hall.",
        "people_involved": "Both visitors", "injuries": "None", "police_involved": ""})
    assert response.status_code == 302
    incident = Incident.objects.get(visit=visit)
    assert incident.occurred_at == datetime.datetime(2026, 11, 24, 12, 10, tzinfo=datetime.UTC)
    assert Notification.objects.filter(recipient=world.head, subject__startswith="Incident recorded").exists()


@time_machine.travel(NOW, tick=False)
def test_an_incident_in_the_future_is_refused(client, world):
    visit = returned_visit(world)
    client.force_login(world.teacher)
    response = client.post(f"/visits/{visit.pk}/incident/", {
        "occurred_on": "2026-11-25", "occurred_time": "12:10", "what_happened": "x", "people_involved": "y"})
    assert response.status_code == 200 and "in the future" in response.content.decode()
    assert not Incident.objects.exists()
