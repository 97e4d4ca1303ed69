"""Bad input: script and markup typed into every free-text field is kept as typed and shown as text.

One school works a visit through every form - family with a child and a carer, the plan, risk
assessment with a hazard, approval with an override reason, check-in note, contact step note, the
Home Visit Form with a follow-up, an incident, a concern with the DSL's notes, a refusal and a
cancellation - typing "<field> <payload>" into each free-text field. Then every page those records
can appear on (the URL walk of test_object_scoping, and every page without an id) is read by the
head, the office, the DSL and the teacher: no page may contain the raw tag, and each field must be
shown somewhere, escaped.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from homevisits.tests.formposts import (
    ACTION_TEXT,
    CARER_TEXT,
    CHILD_TEXT,
    CONCERN_TEXT,
    CONCERN_UPDATE_TEXT,
    FAMILY_TEXT,
    HAZARD_TEXT,
    INCIDENT_TEXT,
    NOW,
    REPORT_TEXT,
    RISK_TEXT,
    TODAY,
    TOMORROW,
    VISIT_TEXT,
    checklist_data,
    family_data,
    incident_data,
    report_data,
    risk_data,
    visit_data,
)
from homevisits.tests.routes import OBJECT_ROUTES, PLAIN_ROUTES, fill, kind_of
from safety.models import ContactAttempt, Escalation, SafeguardingConcern
from safety.watchdog import scan
from visits.models import Carer, Child, Family, FollowUpAction, Hazard, Incident, Visit, VisitEvent, VisitReport

pytestmark = pytest.mark.django_db

PAYLOADS = {"script": "<script>alert(1)</script>", "img": '"><img src=x onerror=alert(1)>'}
# The dangerous part of each payload: it must never reach a page unescaped.
RAW = {"script": "<script>alert(1)</script>", "img": "<img src=x onerror=alert(1)>"}
# Visit fields that only a visit planned for "other" reasons, refused and cancelled carries.
OTHER_VISIT_TEXT = ["purpose_other", "decision_reason", "cancel_reason"]


def typed(field, payload):
    return f"{field} {payload}"


def ok(response, what):
    context = getattr(response, "context", None) or {}
    errors = {k: v.errors for k, v in context.items() if hasattr(v, "errors") and v.errors} if context else {}
    assert response.status_code == 302, f"{what}: {response.status_code} {errors}"
    return response


def look(client, url, pages):
    """Read a page part-way through (what a state shows, e.g. the approval's reasons while approved)."""
    response = client.get(url)
    assert response.status_code == 200, url
    pages.append((url, "mid-flow", response.content.decode()))


def work_through_every_form(client, school, people, clock_tuesday_8am_gmt, payload, pages):
    teacher, ta, head, office, dsl = (people[k] for k in ("teacher", "ta", "head", "office", "dsl"))
    t = {f: typed(f, payload) for f in {*FAMILY_TEXT, *CHILD_TEXT, *CARER_TEXT, *VISIT_TEXT, *RISK_TEXT,
                                        *HAZARD_TEXT, *REPORT_TEXT, *ACTION_TEXT, *INCIDENT_TEXT, *CONCERN_TEXT,
                                        *CONCERN_UPDATE_TEXT, *OTHER_VISIT_TEXT, "override_reason",
                                        "checkin_note", "contact_note", "alarm_note"}}

    # The head adds the family and shares it with the teacher.
    client.force_login(head)
    ok(client.post(reverse("visits:family-create"), family_data(
        {f: t[f] for f in FAMILY_TEXT}, children=[{f: t[f] for f in CHILD_TEXT}],
        carers=[{f: t[f] for f in CARER_TEXT}], shared_with=[teacher.pk])), "family")
    family = Family.objects.get()

    # The teacher plans today's visit, unannounced, ending at home (a gate the head overrides).
    client.force_login(teacher)
    ok(client.post(reverse("visits:visit-create"), visit_data(
        family, teacher, [ta], day=TODAY, start="10:00", back="11:30", announced="False", ends_at_home="on",
        **{f: t[f] for f in VISIT_TEXT if f != "purpose_other"})), "visit")
    visit = Visit.objects.get()
    ok(client.post(reverse("visits:risk-assessment", args=[visit.pk]), risk_data(
        {f: t[f] for f in RISK_TEXT}, hazards=[{f: t[f] for f in HAZARD_TEXT}], animals=True)), "risk")
    ok(client.post(reverse("visits:checklist", args=[visit.pk]), checklist_data()), "checklist")
    ok(client.post(reverse("visits:visit-submit", args=[visit.pk])), "submit")
    client.force_login(head)
    ok(client.post(reverse("visits:visit-approve", args=[visit.pk]),
                   {"override_commute": "on", "reason_commute": t["override_reason"]}), "approve")
    look(client, visit.get_absolute_url(), pages)

    # Out: a check-in with a note; overdue, the office notes a contact step; back.
    client.force_login(teacher)
    checkin = reverse("safety:checkin", args=[visit.pk])
    for data in ({"kind": "departed"}, {"kind": "ok", "note": t["checkin_note"]}):
        ok(client.post(checkin, {"idempotency_key": f"00000000-0000-4000-8000-00000000000{len(data)}", **data}),
           data["kind"])
    clock_tuesday_8am_gmt.move_to(NOW + datetime.timedelta(hours=4, minutes=5))  # 12:05, due back 11:30
    scan(NOW + datetime.timedelta(hours=4, minutes=5))
    esc = visit.escalations.order_by("-level").first()
    client.force_login(office)
    ok(client.post(reverse("safety:escalation", args=[visit.pk]), {
        "action": "contact", "escalation": esc.pk, "step": "1", "outcome": "no_answer",
        "note": t["contact_note"]}), "contact")
    for person, key in ((ta, "00000000-0000-4000-8000-000000000008"), (teacher, "00000000-0000-4000-8000-000000000009")):
        client.force_login(person)  # each signs themselves back in (R-RETURN)
        ok(client.post(checkin, {"kind": "returned", "idempotency_key": key}), "returned")
    # After the visit: the Home Visit Form, an incident, a concern and the DSL's notes on it.
    ok(client.post(reverse("reports:report", args=[visit.pk]), report_data(
        {f: t[f] for f in REPORT_TEXT}, actions=[{f: t[f] for f in ACTION_TEXT}], owner=teacher)), "report")
    ok(client.post(reverse("reports:incident", args=[visit.pk]), incident_data(
        {f: t[f] for f in INCIDENT_TEXT}, time="10:30")), "incident")
    ok(client.post(reverse("concerns:create", args=[family.pk]) + f"?visit={visit.pk}",
                   {f: t[f] for f in CONCERN_TEXT}), "concern")
    concern = SafeguardingConcern.objects.get()
    client.force_login(dsl)
    ok(client.post(reverse("concerns:detail", args=[concern.pk]), {
        "status": "referred", **{f: t[f] for f in CONCERN_UPDATE_TEXT}}), "concern update")

    # The office says afterwards what the alarm was, with a note (R-REVIEW).
    alarm = Escalation.objects.unsaid().get(visit=visit)
    client.force_login(office)
    ok(client.post(reverse("safety:alarm", args=[alarm.pk]), {"alarm_outcome": "forgot", "note": t["alarm_note"]}),
       "alarm outcome")

    # Another visit, for "other" reasons: refused with a reason, then cancelled with one.
    client.force_login(teacher)
    ok(client.post(reverse("visits:visit-create"), visit_data(
        family, teacher, [ta], day=TOMORROW, purpose="other", purpose_other=t["purpose_other"])), "other visit")
    other = Visit.objects.exclude(pk=visit.pk).get()
    ok(client.post(reverse("visits:risk-assessment", args=[other.pk]), risk_data(animals=True)), "risk 2")
    ok(client.post(reverse("visits:checklist", args=[other.pk]), checklist_data()), "checklist 2")
    ok(client.post(reverse("visits:visit-submit", args=[other.pk])), "submit 2")
    client.force_login(head)
    ok(client.post(reverse("visits:visit-refuse", args=[other.pk]), {"reason": t["decision_reason"]}), "refuse")
    look(client, other.get_absolute_url(), pages)
    client.force_login(teacher)
    ok(client.post(reverse("visits:visit-cancel", args=[other.pk]), {"reason": t["cancel_reason"]}), "cancel")

    # The trust's pages about the school are walked too (its readers here, school roles, are refused them);
    # the walk builds no day's round (visits/tests/test_rounds.py has its pages).
    return people, t, {"family": [family], "visit": [visit, other], "concern": [concern], "alarm": [alarm],
                       "school": [school], "round": []}


def stored(t):
    """field -> (what the database holds, what was typed)."""
    family, child, carer = Family.objects.get(), Child.objects.get(), Carer.objects.get()
    visit = Visit.objects.get(purpose="induction")
    other = Visit.objects.get(purpose="other")
    hazard = Hazard.objects.get(assessment__visit=visit, description__startswith="description ")
    report, action = VisitReport.objects.get(), FollowUpAction.objects.get()
    incident, concern = Incident.objects.get(), SafeguardingConcern.objects.get()
    held = {}
    held.update({f"family.{f}": getattr(family, f) for f in FAMILY_TEXT})
    held.update({f"child.{f}": getattr(child, f) for f in CHILD_TEXT})
    held.update({f"carer.{f}": getattr(carer, f) for f in CARER_TEXT})
    held.update({f"visit.{f}": getattr(visit, f) for f in VISIT_TEXT if f != "purpose_other"})
    held.update({f"visit.{f}": getattr(other, f) for f in OTHER_VISIT_TEXT})
    held["risk.vulnerable_persons"] = visit.risk_assessment.vulnerable_persons
    held.update({f"hazard.{f}": getattr(hazard, f) for f in HAZARD_TEXT})
    held.update({f"report.{f}": getattr(report, f) for f in REPORT_TEXT})
    held["action.action"] = action.action
    held.update({f"incident.{f}": getattr(incident, f) for f in INCIDENT_TEXT})
    held.update({f"concern.{f}": getattr(concern, f) for f in CONCERN_TEXT + CONCERN_UPDATE_TEXT})
    held["approval.override_reason"] = visit.gate_overrides.get("commute")
    held["checkin.note"] = VisitEvent.objects.get(visit=visit, kind="ok").note
    held["contact.note"] = ContactAttempt.objects.get().note
    held["alarm.note"] = Escalation.objects.alarms().get().outcome_note
    names = {"checkin.note": "checkin_note", "contact.note": "contact_note", "alarm.note": "alarm_note"}
    return {key: (value, t[names.get(key, key.split(".", 1)[1])]) for key, value in held.items()}


def every_page(client, people, objects):
    """(url, who, html) of every HTML page these records can appear on, for each reader."""
    pages = []
    for who in ("head", "office", "dsl", "teacher"):
        client.force_login(people[who])
        urls = ["/" + route for route, _ in PLAIN_ROUTES]
        urls += [f"{reverse('visits:timetable')}?week={TODAY}"]
        urls += [fill(route, obj.pk) for route, _ in OBJECT_ROUTES for obj in objects[kind_of(route)]]
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code < 500, f"{url} as {who}: {response.status_code}"
            if response.get("Content-Type", "").startswith("text/html"):
                pages.append((url, who, response.content.decode()))
    return pages


@pytest.mark.parametrize("name", PAYLOADS)
def test_it_keeps_markup_as_typed_and_shows_it_as_text_everywhere(client, school, people, clock_tuesday_8am_gmt,
                                                                   name):
    payload = PAYLOADS[name]
    pages = []
    people, t, objects = work_through_every_form(client, school, people, clock_tuesday_8am_gmt, payload, pages)

    changed = {key: value for key, (value, typed_value) in stored(t).items() if value != typed_value}
    assert not changed, f"not stored as typed: {changed}"

    pages += every_page(client, people, objects)
    raw = [f"{url} as {who}" for url, who, html in pages if RAW[name] in html]
    assert not raw, f"the raw tag is on: {raw}"
    everything = "\n".join(html for _, _, html in pages)
    unseen = [key for key, (_, typed_value) in stored(t).items() if escape(typed_value) not in everything]
    assert not unseen, f"never shown (escaped) on any page: {unseen}"


@pytest.mark.parametrize("name", PAYLOADS)
def test_staff_and_school_details_typed_in_the_admin_are_shown_as_text(client, clock_tuesday_8am_gmt, name):
    from accounts import roles
    from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
    from safety.watchdog import check_in
    from visits.models import EventKind, VisitState

    payload = PAYLOADS[name]
    school = SchoolFactory(name=typed("school", payload)[:200])
    driver = make_staff(school, roles.VISITING_STAFF, mobile="07700 900101", job_title=typed("job", payload),
                        vehicle_make=typed("make", payload)[:50], vehicle_model=typed("model", payload)[:50],
                        vehicle_registration="AB12 CDE", vehicle_colour=payload[:30])
    driver.first_name, driver.last_name = typed("first", payload)[:150], typed("last", payload)[:150]
    driver.save()
    ta = make_staff(school, roles.VISITING_STAFF, mobile="07700 900102")
    office, head = make_staff(school, roles.OFFICE), make_staff(school, roles.HEAD)
    visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=driver, staff=[driver, ta],
                         transport="car", vehicle_owner=driver, state=VisitState.APPROVED,
                         planned_start=NOW, expected_return=NOW + datetime.timedelta(minutes=60))
    check_in(visit, EventKind.DEPARTED, driver, now=NOW)
    clock_tuesday_8am_gmt.move_to(NOW + datetime.timedelta(minutes=95))
    scan(NOW + datetime.timedelta(minutes=95))
    pages = []
    for reader in (office, head, driver):
        client.force_login(reader)
        for url in ["/", reverse("safety:board"), reverse("safety:board-body"), reverse("visits:timetable"),
                    visit.get_absolute_url(), reverse("safety:police-pack", args=[visit.pk]),
                    reverse("safety:escalation", args=[visit.pk]), reverse("safety:checkin", args=[visit.pk]),
                    reverse("visits:visit-letter", args=[visit.pk]), reverse("visits:visit-list")]:
            response = client.get(url, follow=True)
            assert response.status_code < 500, url
            pages.append((url, response.content.decode()))
    raw = sorted({url for url, html in pages if RAW[name] in html})
    assert not raw, f"the raw tag is on: {raw}"
    everything = "\n".join(html for _, html in pages)
    for shown in (school.name, driver.first_name, driver.profile.job_title, driver.profile.vehicle_make):
        assert escape(shown) in everything, shown
