"""Every date field of every form at both ends of the calendar (issue 10, item 9).

A visit dated 9999-12-31 answered 500 (OverflowError in Visit.planned_end). Now each date field keeps
its date near today (accounts.validators.DateWithin; the visit within two years of today) and says so
beside the field, and the local-time helpers (visits.localtime) refuse a time whose reckoning would
overflow, so no typed time can answer 500 either. The check-in forms only take times: they are tried
with the clock itself at the ends of the calendar.

`test_every_date_field_of_every_form_is_tried_here` fails when a form gains a date or time field that
is not tried below.
"""

import datetime
import importlib
import uuid

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse

from homevisits.factories import FamilyFactory
from homevisits.tests.formposts import (
    NOW,
    family_data,
    incident_data,
    report_data,
    visit_data,
)
from safety.watchdog import check_in, scan
from visits.assessments import ensure_risk_assessment
from visits.localtime import combine_local, local_day_bounds
from visits.models import EventKind, Family, Incident, Round, Visit, VisitReport, VisitState

pytestmark = pytest.mark.django_db

ENDS = ["0001-01-01", "9999-12-31"]

# (form class path, field) -> the test below that tries it.
TRIED = {
    ("visits.forms.FamilyForm", "offer_status_date"): "family",
    ("visits.forms.ChildForm", "date_of_birth"): "family",
    ("visits.forms.VisitForm", "date"): "visit",
    ("visits.forms.VisitForm", "letter_sent_on"): "visit",
    ("visits.forms.VisitForm", "start_time"): "visit",
    ("visits.forms.VisitForm", "return_time"): "visit",
    ("visits.report_forms.VisitReportForm", "next_visit_date"): "report",
    ("visits.report_forms.FollowUpForm", "due_on"): "report",
    ("visits.report_forms.IncidentForm", "occurred_on"): "incident",
    ("visits.report_forms.IncidentForm", "occurred_time"): "incident",
    ("audit.forms.ChangeFilterForm", "date_from"): "audit",
    ("audit.forms.ChangeFilterForm", "date_to"): "audit",
    ("audit.forms.ReadFilterForm", "date_from"): "audit",
    ("audit.forms.ReadFilterForm", "date_to"): "audit",
    ("safety.forms.CheckInForm", "new_expected_return"): "checkin",
    ("safety.forms.PhoneCheckInForm", "new_expected_return"): "checkin",
    ("safety.forms.ContactAttemptForm", "new_expected_return"): "checkin",
    # The time a phone says it kept a tap without signal: anything unbelievable is ignored, never refused.
    ("safety.forms.CheckInForm", "tapped_at"): "tapped",
    ("safety.forms.PhoneCheckInForm", "tapped_at"): "tapped",
    ("visits.forms.RoundForm", "date"): "round",
    ("visits.forms.RoundForm", "lunch_time"): "round",
    ("visits.forms.RoundForm", "end_time"): "round",
    ("admin:accounts.StaffProfile", "training_date"): "admin",
    # Times of day alone (no date to overflow): tried at both ends of the day.
    ("accounts.settings_forms.PlanningForm", "evening_starts"): "settings",
    ("accounts.settings_forms.DayHoursForm", "opens"): "settings",
    ("accounts.settings_forms.DayHoursForm", "closes"): "settings",
}
DATE_FIELDS = (forms.DateField, forms.TimeField, forms.DateTimeField)


def _forms_of_the_project():
    for app in ("accounts", "audit", "notifications", "safety", "visits", "trusts"):
        for module in ("forms", "report_forms", "concern_forms"):
            try:
                importlib.import_module(f"{app}.{module}")
            except ModuleNotFoundError:
                continue
    seen, todo = set(), [forms.Form, forms.ModelForm]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.split(".")[0] in ("accounts", "audit", "notifications", "safety", "visits", "trusts") and not \
                    cls.__name__.startswith("_"):  # a base class is tried through its subclasses
                seen.add(cls)
    return seen


def test_every_date_field_of_every_form_is_tried_here():
    found = set()
    for cls in _forms_of_the_project():
        for name, field in cls.base_fields.items():
            if isinstance(field, DATE_FIELDS):
                found.add((f"{cls.__module__}.{cls.__qualname__}", name))
    from accounts.admin import AppendOnlyAdmin

    for model, model_admin in admin.site._registry.items():
        # The admin pages of the apps that can change a record (append-only ones are read-only). A time
        # of day alone (School.evening_starts) can't reach the ends of the calendar.
        if model._meta.app_label in ("accounts", "audit", "notifications", "safety", "visits") and not isinstance(
                model_admin, AppendOnlyAdmin):
            readonly = set(model_admin.readonly_fields)
            for field in model._meta.get_fields():
                if (getattr(field, "editable", False) and field.name not in readonly
                        and field.get_internal_type() in ("DateField", "DateTimeField")
                        and not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False)):
                    found.add((f"admin:{model._meta.app_label}.{model.__name__}", field.name))
    # Fields only set in __init__ (VisitForm.date is declared, so it is in base_fields too).
    missing = found - set(TRIED)
    assert not missing, f"date or time fields nobody tries at the ends of the calendar: {sorted(missing)}"


@pytest.fixture
def planned(school, people, world, clock_tuesday_8am_gmt):
    """On the root world: a family shared with the teacher, and a draft visit by the teacher and the TA
    two hours from NOW, with its risk assessment."""
    family = FamilyFactory(school=school)
    family.shared_with.add(people["teacher"])
    visit = world.visit(VisitState.DRAFT, start=NOW + datetime.timedelta(hours=2),
                        back=NOW + datetime.timedelta(hours=3), family=family)
    ensure_risk_assessment(visit)
    return school, people, family, visit


def errors_beside(response, form="form"):
    assert response.status_code == 200, response.status_code
    return response.context[form].errors


@pytest.mark.parametrize("day", ENDS)
def test_the_family_form(client, planned, day):
    _, people, _, _ = planned
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-create"), family_data(
        offer_status="offered", offer_status_date=day, children=[{"date_of_birth": day}]))
    assert "offer_status_date" in errors_beside(response)
    assert "date_of_birth" in response.context["children_formset"].forms[0].errors
    assert Family.objects.count() == 1


@pytest.mark.parametrize("day", ENDS)
@pytest.mark.parametrize("start,back", [("00:00", "00:30"), ("23:00", "23:59")])
def test_the_visit_form(client, planned, day, start, back):
    """The reported 500: a visit dated 9999-12-31."""
    _, people, family, _ = planned
    client.force_login(people["teacher"])
    data = visit_data(family, people["teacher"], [people["ta"]], day=day, start=start, back=back, letter_sent_on=day)
    response = client.post(reverse("visits:visit-create"), data)
    errors = errors_beside(response)
    assert "date" in errors and "letter_sent_on" in errors
    assert Visit.objects.count() == 1
    # The gates preview as the form is filled in, and an existing visit edited to that date.
    assert client.post(reverse("visits:visit-gates"), data).status_code == 200
    _, _, _, visit = planned
    response = client.post(reverse("visits:visit-edit", args=[visit.pk]), data)
    assert "date" in errors_beside(response)


def test_the_visit_date_is_within_two_years_of_today(client, planned):
    _, people, family, _ = planned
    client.force_login(people["teacher"])
    far = client.post(reverse("visits:visit-create"), visit_data(family, people["teacher"], [people["ta"]],
                                                                 day="2028-11-25"))
    assert errors_beside(far)["date"] == ["That date is more than 2 years ahead: check the year."]
    near = client.post(reverse("visits:visit-create"), visit_data(family, people["teacher"], [people["ta"]],
                                                                  day="2028-11-23"))
    assert near.status_code == 302


@pytest.mark.parametrize("day", ENDS)
def test_the_report_form(client, planned, day):
    _, people, _, visit = planned
    visit.state = VisitState.RETURNED
    visit.save()
    client.force_login(people["teacher"])
    response = client.post(reverse("reports:report", args=[visit.pk]), report_data(
        next_visit_date=day, actions=[{"due_on": day}], owner=people["teacher"]))
    assert "next_visit_date" in errors_beside(response)
    assert "due_on" in response.context["actions"].forms[0].errors
    assert not VisitReport.objects.exists()


@pytest.mark.parametrize("day", ENDS)
@pytest.mark.parametrize("time", ["00:00", "23:59"])
def test_the_incident_form(client, planned, day, time):
    _, people, _, visit = planned
    client.force_login(people["teacher"])
    response = client.post(reverse("reports:incident", args=[visit.pk]), incident_data(day=day, time=time))
    assert "occurred_on" in errors_beside(response)
    assert not Incident.objects.exists()


def test_an_incident_is_not_in_the_future(client, planned):
    _, people, _, visit = planned
    client.force_login(people["teacher"])
    response = client.post(reverse("reports:incident", args=[visit.pk]), incident_data(day="2026-11-25"))
    assert errors_beside(response)["occurred_on"] == ["That date is in the future."]


@pytest.mark.parametrize("day", ENDS)
@pytest.mark.parametrize("url", ["/audit/", "/audit/reads/"])
def test_the_audit_filters(client, planned, day, url):
    _, people, _, _ = planned
    client.force_login(people["head"])
    response = client.get(url, {"date_from": day, "date_to": day})
    assert response.status_code == 200
    assert "date_from" in response.context["form"].errors and "date_to" in response.context["form"].errors


@pytest.mark.parametrize("day", ENDS)
def test_the_staff_profile_in_the_admin(client, planned, day):
    from django.contrib.auth import get_user_model

    _, people, _, _ = planned
    root = get_user_model().objects.create_superuser("root", "root@school.example", "correct-horse-battery")
    client.force_login(root)
    profile = people["teacher"].profile
    url = reverse("admin:accounts_staffprofile_change", args=[profile.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(school=profile.school_id, user=profile.user_id, training_date=day, mobile="07700 900101")
    response = client.post(url, data)
    assert response.status_code == 200, response.status_code
    assert "training_date" in response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.training_date is None


@pytest.mark.parametrize(("opens", "closes", "saved"), [("00:00", "23:59", True), ("23:59", "00:00", False),
                                                      ("00:00", "00:00", False)])
def test_the_school_settings_times_at_both_ends_of_the_day(client, planned, opens, closes, saved):
    from accounts.models import OfficeHours
    from accounts.tests.settings_helpers import form_of, url

    school, people, _, _ = planned
    client.force_login(people["admin"])
    data = form_of(client, school, "planning")
    data["evening_starts"] = closes
    assert client.post(url(school, "planning"), data).status_code == 302
    data = form_of(client, school, "roster")
    data.update({"hours-0-on_duty": "on", "hours-0-opens": opens, "hours-0-closes": closes})
    response = client.post(url(school, "roster"), data)
    assert response.status_code == (302 if saved else 200)
    assert OfficeHours.objects.filter(school=school).exists() == saved


# --- The check-in forms take times only -------------------------------------------------------
# A typed time is reckoned from the clock. The server's clock can't stand at the ends of the calendar
# (Django's own cookies would overflow a year later), so the pages are tried at a real clock with the
# times at both ends of the day, and the forms themselves with their clock at the ends of the calendar.

LAST_DAY = datetime.datetime(9999, 12, 31, 23, 0, tzinfo=datetime.UTC)
FIRST_DAY = datetime.datetime(1, 1, 1, 0, 30, tzinfo=datetime.UTC)
TYPED = ["00:00", "00:05", "23:59"]


@pytest.mark.parametrize("typed", TYPED)
def test_the_check_in_pages_with_times_at_both_ends_of_the_day(client, planned, clock_tuesday_8am_gmt, typed):
    _, people, _, visit = planned
    visit.state = VisitState.APPROVED
    visit.save()
    check_in(visit, EventKind.DEPARTED, people["teacher"], now=NOW)
    client.force_login(people["teacher"])
    late = {"kind": "late", "idempotency_key": str(uuid.uuid4()), "new_expected_return": typed}
    assert client.post(reverse("safety:checkin", args=[visit.pk]), late).status_code < 500
    client.force_login(people["office"])
    response = client.post(reverse("safety:record-call", args=[visit.pk]),
                           {**late, "idempotency_key": str(uuid.uuid4()), "on_behalf_of": people["teacher"].pk})
    assert response.status_code < 500
    visit.refresh_from_db()
    due = visit.expected_return + datetime.timedelta(minutes=20)
    scan(due)
    clock_tuesday_8am_gmt.move_to(due)
    escalation = visit.escalations.first()
    assert escalation is not None
    response = client.post(reverse("safety:escalation", args=[visit.pk]), {
        "action": "contact", "escalation": escalation.pk, "step": "1", "outcome": "reached_safe",
        "alarm_outcome": "late_safe", "new_expected_return": typed})
    assert response.status_code < 500


@pytest.mark.parametrize("now", [FIRST_DAY, LAST_DAY], ids=["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("typed", TYPED)
def test_the_check_in_forms_with_their_clock_at_the_ends_of_the_calendar(planned, now, typed):
    from safety.forms import CheckInForm, ContactAttemptForm, PhoneCheckInForm

    _, people, _, visit = planned
    posted = {"kind": "late", "idempotency_key": str(uuid.uuid4()), "new_expected_return": typed,
              "on_behalf_of": people["teacher"].pk, "escalation": "1", "step": "1", "outcome": "reached_safe",
              "alarm_outcome": "late_safe"}
    for form in (CheckInForm(posted, now=now), PhoneCheckInForm(posted, now=now, visit=visit),
                 ContactAttemptForm(posted, now=now)):
        if form.is_valid():  # a message beside the field, or a time: never an exception
            assert form.cleaned_data["new_expected_return_at"].tzinfo is not None
        else:
            assert "new_expected_return" in form.errors, form.errors


@pytest.mark.parametrize("tapped", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01", "not a time"])
def test_a_kept_tap_with_its_time_at_the_ends_of_the_calendar_is_recorded_at_the_time_received(
        client, planned, clock_tuesday_8am_gmt, tapped):
    _, people, _, visit = planned
    visit.state = VisitState.APPROVED
    visit.save()
    check_in(visit, EventKind.DEPARTED, people["teacher"], now=NOW)
    client.force_login(people["teacher"])
    response = client.post(reverse("safety:checkin", args=[visit.pk]),
                           {"kind": "ok", "idempotency_key": str(uuid.uuid4()), "tapped_at": tapped})
    assert response.status_code < 500
    ok = visit.events.get(kind=EventKind.OK)
    assert ok.said_at is None  # not believed: the tap stands, at the time it came


@pytest.mark.parametrize("day", ENDS)
@pytest.mark.parametrize("lunch,end", [("00:00", "00:01"), ("23:58", "23:59")])
def test_the_round_form(client, planned, day, lunch, end):  # R-LUNCH
    _, people, _, visit = planned
    client.force_login(people["teacher"])
    response = client.post(reverse("visits:round-create"),
                           {"date": day, "lunch_time": lunch, "end_time": end, "visits": [visit.pk]})
    assert "date" in errors_beside(response)
    assert not Round.objects.exists()


# --- The local-time helpers themselves ---------------------------------------------------------

@pytest.mark.parametrize("day,clock", [(datetime.date(9999, 12, 31), datetime.time(23, 59)),
                                       (datetime.date(9999, 12, 31), datetime.time(0, 0)),
                                       (datetime.date(9999, 12, 28), datetime.time(12, 0)),
                                       (datetime.date(1, 1, 1), datetime.time(0, 0)),
                                       (datetime.date(1, 1, 2), datetime.time(23, 59))])
def test_combine_local_refuses_a_time_whose_reckoning_would_overflow(day, clock):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="out of range"):
        combine_local(day, clock)


def test_local_day_bounds_refuses_the_last_day_of_the_calendar():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="out of range"):
        local_day_bounds(datetime.date(9999, 12, 31))
    assert local_day_bounds(datetime.date(1, 1, 1))[0].year == 1


def test_combine_local_still_takes_any_ordinary_time():
    assert combine_local(datetime.date(2026, 11, 24), datetime.time(10, 0)).isoformat() == "2026-11-24T10:00:00+00:00"
    assert combine_local(datetime.date(9999, 12, 20), datetime.time(10, 0)).year == 9999

