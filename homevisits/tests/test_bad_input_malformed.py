"""Bad input: malformed ids, dates and times in URLs and forms give a 404 or a form error, never a 500.

Ids: every id-taking URL (the walk of test_object_scoping) with ids too big for any database
column, zero, and ids in query strings. Dates and times: the timetable's week, the calendar feed's
token, and every date and time field of the forms. Formsets posted without their management form.
And a select posted with another school's object (family, member of staff, child) is a form error.
"""

import datetime
import uuid

import pytest
from django.urls import reverse

from accounts import roles
from homevisits.factories import ChildFactory, FamilyFactory, VisitFactory, make_staff
from homevisits.tests.formposts import (
    NOW,
    checklist_data,
    family_data,
    incident_data,
    report_data,
    risk_data,
    visit_data,
)
from homevisits.tests.routes import OBJECT_ROUTES, fill
from safety.watchdog import check_in, scan
from visits.assessments import ensure_risk_assessment
from visits.models import EventKind, Family, Incident, Visit, VisitState

pytestmark = pytest.mark.django_db

TOO_BIG = [99999999999999999999, 2**63, 2**31, 0]


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


def no_500(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code}"
    return response


# --- Ids in URLs and query strings --------------------------------------------------------------

@pytest.mark.parametrize("route,name", OBJECT_ROUTES, ids=[name for _, name in OBJECT_ROUTES])
def test_ids_too_big_for_the_database_are_404_not_500(client, planned, route, name):
    _, people, _, _ = planned
    problems = []
    for who in ("head", "teacher"):
        client.force_login(people[who])
        for pk in TOO_BIG:
            for method in ("get", "post"):
                response = getattr(client, method)(fill(route, pk))
                if response.status_code not in (404, 405):
                    problems.append(f"{method.upper()} {fill(route, pk)} as {who}: {response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("url", ["/visits/abc/", "/visits/-1/", "/visits/1.5/", "/visits/%00/", "/families/abc/edit/",
                                 "/concerns/%F0%9F%91%A9/", "/out/1e3/", "/visits/99999999999999999999/"])
def test_malformed_ids_in_the_path_are_404(client, planned, url):
    _, people, _, _ = planned
    client.force_login(people["head"])
    assert client.get(url).status_code == 404


QUERY_IDS = ["99999999999999999999", "-1", "abc", "1.5", "", "0", "²", "١٢", "%00"]


@pytest.mark.parametrize("value", QUERY_IDS)
def test_malformed_ids_in_query_strings_are_ignored_or_404(client, planned, value):
    _, people, family, visit = planned
    client.force_login(people["teacher"])
    no_500(client.get(f"{reverse('visits:visit-create')}?family={value}"), "visit-create ?family")
    no_500(client.post(f"{reverse('visits:visit-gates')}?visit={value}", {}), "visit-gates ?visit")
    for part in ("family", "children", "other_staff"):
        no_500(client.post(f"{reverse('visits:visit-form-part', args=[part])}?visit={value}",
                           {"family": value, "lead": value, "other_staff": [value], "family_search": value}),
               f"visit-form-part {part}")
    no_500(client.get(f"{reverse('concerns:create', args=[family.pk])}?visit={value}"), "concern ?visit")
    no_500(client.post(f"{reverse('concerns:create', args=[family.pk])}?visit={value}", {"details": "x"}),
           "concern post ?visit")
    for name in ("visits:visit-list", "visits:family-list"):
        no_500(client.get(f"{reverse(name)}?page={value}"), f"{name} ?page")
    client.force_login(people["head"])
    for query in (f"person={value}", f"model={value}", f"kind={value}", f"date_from={value}"):
        for url in ("/audit/", "/audit/reads/"):
            no_500(client.get(f"{url}?{query}"), f"{url}?{query}")


@pytest.mark.parametrize("value", QUERY_IDS)
def test_malformed_escalation_ids_in_the_panel_are_404_not_500(client, planned, value):
    _, people, _, visit = planned
    visit.state = VisitState.APPROVED
    visit.save()
    check_in(visit, EventKind.DEPARTED, people["teacher"], now=NOW)
    client.force_login(people["office"])
    url = reverse("safety:escalation", args=[visit.pk])
    for action in ("acknowledge", "contact"):
        response = client.post(url, {"action": action, "escalation": value, "step": "1", "outcome": "no_answer"})
        assert response.status_code in (200, 404), f"{action} {value!r}: {response.status_code}"


# --- Dates and times in URLs ---------------------------------------------------------------------

@pytest.mark.parametrize("week", ["not-a-date", "2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "2026-W48",
                                  "20261124", "", "2026-11-24T10:00", "%00"])
def test_the_timetable_shows_a_week_whatever_week_is_asked_for(client, planned, week):
    _, people, _, _ = planned
    client.force_login(people["head"])
    response = client.get(reverse("visits:timetable"), {"week": week})
    assert response.status_code == 200
    for name in ("visits:timetable-csv", "visits:reports-csv"):
        assert client.get(reverse(name), {"week": week}).status_code == 200, name


@pytest.mark.parametrize("week,monday", [("2026-11-26", "2026-11-23"), ("0001-01-01", "2026-11-23"),
                                         ("9999-12-31", "2026-11-23"), ("nonsense", "2026-11-23"),
                                         ("2031-01-01", "2030-12-30")])
def test_a_week_out_of_reach_shows_this_week(week, monday, clock_tuesday_8am_gmt):
    from visits.forms import asked_week

    assert asked_week(week) == datetime.date.fromisoformat(monday)


@pytest.mark.parametrize("token", ["bogus", "x" * 500, "..%2F..%2Fetc%2Fpasswd", "%00", "é", "revoked"])
def test_the_calendar_feed_with_a_bogus_token_is_404(client, planned, token):
    _, people, _, _ = planned
    profile = people["teacher"].profile
    if token == "revoked":
        token = profile.calendar_token
        profile.revoke_calendar_token()
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


# --- Dates and times in forms: a message beside the field --------------------------------------

BAD_DATES = ["31/02/2026", "2026-02-30", "2026-13-01", "tomorrow", "0000-01-01", "99999-01-01"]
BAD_TIMES = ["25:61", "24:00", "10:60", "-1:00", "noon", "10:00:99"]


@pytest.mark.parametrize("day", BAD_DATES)
def test_a_bad_visit_date_is_a_form_error(client, planned, day):
    _, people, family, _ = planned
    client.force_login(people["teacher"])
    response = client.post(reverse("visits:visit-create"), visit_data(family, people["teacher"], [people["ta"]],
                                                                      day=day, start="14:00", back="15:30"))
    assert response.status_code == 200 and "date" in response.context["form"].errors
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("time", BAD_TIMES)
def test_a_bad_visit_time_is_a_form_error(client, planned, time):
    _, people, family, _ = planned
    client.force_login(people["teacher"])
    response = client.post(reverse("visits:visit-create"), visit_data(family, people["teacher"], [people["ta"]],
                                                                      start=time, back=time))
    assert response.status_code == 200
    assert {"start_time", "return_time"} <= set(response.context["form"].errors)


@pytest.mark.parametrize("value", BAD_DATES + BAD_TIMES)
def test_bad_dates_in_the_family_form_are_form_errors(client, planned, value):
    _, people, _, _ = planned
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-create"), family_data(
        offer_status="offered", offer_status_date=value, children=[{"date_of_birth": value}]))
    assert response.status_code == 200
    assert "offer_status_date" in response.context["form"].errors
    assert "date_of_birth" in response.context["children_formset"].forms[0].errors
    assert Family.objects.count() == 1


@pytest.mark.parametrize("day,time", [(d, "10:00") for d in BAD_DATES] + [("2026-11-24", t) for t in BAD_TIMES])
def test_bad_incident_dates_and_times_are_form_errors(client, planned, day, time):
    _, people, _, visit = planned
    client.force_login(people["teacher"])
    response = client.post(reverse("reports:incident", args=[visit.pk]), incident_data(day=day, time=time))
    assert response.status_code == 200 and response.context["form"].errors
    assert not Incident.objects.exists()


@pytest.mark.parametrize("value", BAD_DATES)
def test_bad_dates_in_the_visit_report_are_form_errors(client, planned, value):
    _, people, _, visit = planned
    visit.state = VisitState.RETURNED
    visit.save()
    client.force_login(people["teacher"])
    response = client.post(reverse("reports:report", args=[visit.pk]), report_data(
        next_visit_date=value, actions=[{"due_on": value}], owner=people["teacher"]))
    assert response.status_code == 200
    assert "next_visit_date" in response.context["form"].errors
    assert "due_on" in response.context["actions"].forms[0].errors


@pytest.mark.parametrize("time", BAD_TIMES)
def test_a_bad_new_return_time_on_the_phone_is_a_message(client, planned, time):
    _, people, _, visit = planned
    visit.state = VisitState.APPROVED
    visit.save()
    check_in(visit, EventKind.DEPARTED, people["teacher"], now=NOW)
    client.force_login(people["teacher"])
    response = client.post(reverse("safety:checkin", args=[visit.pk]), {
        "kind": "late", "idempotency_key": str(uuid.uuid4()), "new_expected_return": time})
    assert response.status_code == 200
    assert not visit.events.filter(kind="late").exists()
    client.force_login(people["office"])
    response = client.post(reverse("safety:record-call", args=[visit.pk]), {
        "kind": "late", "idempotency_key": str(uuid.uuid4()), "new_expected_return": time,
        "on_behalf_of": people["teacher"].pk})
    assert response.status_code == 200
    assert not visit.events.filter(kind="late").exists()


@pytest.mark.parametrize("time", BAD_TIMES)
def test_a_bad_new_return_time_on_a_contact_step_is_a_message(client, planned, clock_tuesday_8am_gmt, time):
    _, people, _, visit = planned
    visit.state = VisitState.APPROVED
    visit.save()
    check_in(visit, EventKind.DEPARTED, people["teacher"], now=NOW)
    scan(visit.expected_return + datetime.timedelta(minutes=20))
    clock_tuesday_8am_gmt.move_to(visit.expected_return + datetime.timedelta(minutes=20))
    esc = visit.escalations.get()
    client.force_login(people["office"])
    response = client.post(reverse("safety:escalation", args=[visit.pk]), {
        "action": "contact", "escalation": esc.pk, "step": "1", "outcome": "reached_safe",
        "alarm_outcome": "late_safe", "new_expected_return": time})
    assert response.status_code == 200
    assert not esc.contact_attempts.exists()


# --- Formsets without their management form ------------------------------------------------------

def without_management(data, prefix):
    return {k: v for k, v in data.items() if not k.startswith(f"{prefix}-")}


def test_a_family_posted_without_its_formsets_management_forms_is_refused_not_500(client, planned):
    _, people, _, _ = planned
    client.force_login(people["office"])
    data = without_management(without_management(family_data(), "children"), "carers")
    response = client.post(reverse("visits:family-create"), data)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert Family.objects.count() == 1


def test_a_risk_assessment_posted_without_its_management_form_is_refused_not_500(client, planned):
    _, people, _, visit = planned
    client.force_login(people["teacher"])
    response = client.post(reverse("visits:risk-assessment", args=[visit.pk]),
                           without_management(risk_data({"vulnerable_persons": "x"}), "hazards"))
    assert response.status_code == 200
    visit.risk_assessment.refresh_from_db()
    assert not visit.risk_assessment.is_reviewed


def test_a_report_posted_without_its_management_form_is_refused_not_500(client, planned):
    _, people, _, visit = planned
    visit.state = VisitState.RETURNED
    visit.save()
    client.force_login(people["teacher"])
    response = client.post(reverse("reports:report", args=[visit.pk]),
                           without_management(report_data({"summary": "x"}), "actions"))
    assert response.status_code == 200
    assert not hasattr(Visit.objects.get(pk=visit.pk), "report")


def test_a_checklist_or_approval_with_junk_is_not_500(client, planned):
    _, people, _, visit = planned
    client.force_login(people["teacher"])
    no_500(client.post(reverse("visits:checklist", args=[visit.pk]), {**checklist_data(), "info_gathered": "\x00"}),
           "checklist")
    client.force_login(people["head"])
    no_500(client.post(reverse("visits:visit-approve", args=[visit.pk]), {"override_x": "on", "reason_x": "\x00"}),
           "approve")


# --- Another school's objects in a select --------------------------------------------------------

@pytest.fixture
def elsewhere(planned, other_school):
    """The root world's other school, with a family, a child and two of its staff."""
    other = other_school
    family = FamilyFactory(school=other)
    return {
        "family": family,
        "child": ChildFactory(family=family),
        "staff": make_staff(other, roles.VISITING_STAFF, mobile="07700 900201"),
        "office": make_staff(other, roles.OFFICE, mobile="07700 900202"),
    }


@pytest.mark.parametrize("field", ["family", "lead", "other_staff", "vehicle_owner", "office_contact", "children"])
def test_choosing_another_schools_object_in_the_visit_form_is_a_form_error(client, planned, elsewhere, field):
    _, people, family, _ = planned
    teacher, ta = people["teacher"], people["ta"]
    data = visit_data(family, teacher, [ta], transport="car" if field == "vehicle_owner" else "foot")
    data[field] = {"family": elsewhere["family"].pk, "lead": elsewhere["staff"].pk,
                   "other_staff": [ta.pk, elsewhere["staff"].pk], "vehicle_owner": elsewhere["staff"].pk,
                   "office_contact": elsewhere["office"].pk, "children": [elsewhere["child"].pk]}[field]
    client.force_login(teacher)
    response = client.post(reverse("visits:visit-create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Visit.objects.count() == 1


def test_sharing_a_family_with_another_schools_teacher_is_a_form_error(client, planned, elsewhere):
    _, people, family, _ = planned
    client.force_login(people["head"])
    response = client.post(reverse("visits:family-edit", args=[family.pk]),
                           family_data(shared_with=[elsewhere["staff"].pk]))
    assert response.status_code == 200 and "shared_with" in response.context["form"].errors
    assert not family.shared_with.filter(pk=elsewhere["staff"].pk).exists()


def test_a_follow_up_owned_by_another_schools_staff_is_a_form_error(client, planned, elsewhere):
    _, people, _, visit = planned
    visit.state = VisitState.RETURNED
    visit.save()
    client.force_login(people["teacher"])
    response = client.post(reverse("reports:report", args=[visit.pk]),
                           report_data(actions=[{"action": "Call back"}], owner=elsewhere["staff"]))
    assert response.status_code == 200
    assert "owner" in response.context["actions"].forms[0].errors


def test_recording_a_call_for_someone_not_on_the_visit_is_a_form_error(client, planned, elsewhere):
    _, people, _, visit = planned
    visit.state = VisitState.APPROVED
    visit.save()
    check_in(visit, EventKind.DEPARTED, people["teacher"], now=NOW)
    client.force_login(people["office"])
    for stranger in (elsewhere["staff"], people["head"]):
        response = client.post(reverse("safety:record-call", args=[visit.pk]), {
            "kind": "ok", "idempotency_key": str(uuid.uuid4()), "on_behalf_of": stranger.pk})
        assert response.status_code == 200 and "on_behalf_of" in response.context["form"].errors
    assert not visit.events.filter(kind="ok").exists()


def test_an_escalation_of_another_visit_is_404_on_this_panel(client, planned, elsewhere):
    school, people, _, visit = planned
    visit.state = VisitState.APPROVED
    visit.save()
    check_in(visit, EventKind.DEPARTED, people["teacher"], now=NOW)
    theirs = VisitFactory(family=elsewhere["family"], school=elsewhere["family"].school, lead=elsewhere["staff"],
                          state=VisitState.APPROVED, planned_start=NOW, expected_return=NOW + datetime.timedelta(hours=1))
    check_in(theirs, EventKind.DEPARTED, elsewhere["staff"], now=NOW)
    scan(NOW + datetime.timedelta(hours=3))
    their_escalation = theirs.escalations.first()
    client.force_login(people["office"])
    for action in ("acknowledge", "contact"):
        response = client.post(reverse("safety:escalation", args=[visit.pk]), {
            "action": action, "escalation": their_escalation.pk, "step": "1", "outcome": "no_answer"})
        assert response.status_code == 404
    their_escalation.refresh_from_db()
    assert their_escalation.acknowledged_at is None and not their_escalation.contact_attempts.exists()


# --- NUL characters (PostgreSQL refuses them in any string it is given) -------------------------

@pytest.mark.parametrize("url", ["/families/?q=%00", "/families/?q=a%00b", "/visits/?show=%00", "/timetable/?week=%00",
                                 "/audit/?model=%00", "/audit/reads/?kind=%00", "/calendar/%00.ics",
                                 "/calendar/abc%00def.ics"])
def test_a_nul_character_in_a_url_is_not_500(client, planned, url):
    _, people, _, _ = planned
    client.force_login(people["head"])
    assert client.get(url).status_code in (200, 404)


@pytest.mark.parametrize("field", ["display_name", "notes", "address_line1"])
def test_a_nul_character_in_a_form_is_a_form_error(client, planned, field):
    _, people, _, _ = planned
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-create"), family_data({field: "Okafor\x00family"}))
    assert response.status_code == 200 and field in response.context["form"].errors


# --- Where to go next: a path on this site, or the page's own default -----------------------------

@pytest.mark.parametrize("target", ["abc", "999999", "javascript:alert(1)", "//evil.example/", "https://evil.example/",
                                    "\x00", "/out/"])
def test_a_bad_next_on_the_escalation_panel_goes_back_to_the_panel(client, planned, target):
    _, people, _, visit = planned
    visit.state = VisitState.APPROVED
    visit.save()
    check_in(visit, EventKind.DEPARTED, people["teacher"], now=NOW)
    scan(visit.expected_return + datetime.timedelta(minutes=20))
    client.force_login(people["office"])
    url = reverse("safety:escalation", args=[visit.pk])
    response = client.post(url, {"action": "acknowledge", "escalation": visit.escalations.get().pk, "next": target})
    assert response.status_code == 302
    assert response["Location"] == (target if target == "/out/" else url)


def test_a_bad_next_on_the_two_factor_pages_is_not_500(client, planned):
    _, people, _, _ = planned
    client.raise_request_exception = False
    client.force_login(people["teacher"])
    response = client.get(reverse("two-factor-verify"), {"next": "abc"})
    assert response.status_code == 302 and response["Location"] == "/"
