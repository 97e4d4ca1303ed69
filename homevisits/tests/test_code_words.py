"""R-SAFEWORD and R-CONFIDENTIAL: a visit's code word is for the office, the head and the staff on
the visit. Everyone else sees it masked, on every page; and it never travels: not in an email or
SMS body, a log line, a URL, the calendar feed, the letter, the slip, the parent copy, or /health/."""

import datetime
import logging
import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse

from homevisits.factories import ChildFactory, FamilyFactory, VisitFactory
from homevisits.tests.routes import KIND_BY_PREFIX, OBJECT_ROUTES, PLAIN_ROUTES, fill, kind_of
from notifications import sms
from notifications.models import Notification
from notifications.tasks import deliver_notification
from safety.models import Escalation
from safety.watchdog import scan
from visits.assessments import ensure_risk_assessment, mark_reviewed
from visits.models import Outcome, SafetyChecklist, Visit, VisitReport, VisitState

pytestmark = pytest.mark.django_db

WORD = "Zephyrquartz"
MASK = "•••••• (office and head only)"
# 09:00 in London on a Tuesday (GMT: London is UTC).
NOW = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def people(people, other_teacher):
    """The world's people, and a colleague who planned the visit for the others but does not go on it."""
    return {**people, "planner": other_teacher}


@pytest.fixture
def visit(school, people, clock_tuesday_gmt):
    start = NOW + datetime.timedelta(hours=2)
    v = VisitFactory(family=FamilyFactory(school=school), school=school, lead=people["teacher"],
                     created_by=people["planner"], staff=[people["teacher"], people["ta"]], code_word=WORD,
                     planned_start=start, expected_return=start + datetime.timedelta(minutes=90))
    ensure_risk_assessment(v)
    return v


SEE = ["teacher", "ta", "office", "head"]
MASKED = ["dsl", "admin", "planner"]


@pytest.mark.parametrize("who", SEE)
def test_it_shows_the_code_word_to_the_office_the_head_and_the_staff_on_the_visit(client, people, visit, who):
    client.force_login(people[who])
    page = client.get(visit.get_absolute_url()).content.decode()
    assert WORD in page and MASK not in page


@pytest.mark.parametrize("who", MASKED)
def test_it_masks_the_code_word_for_everyone_else(client, people, visit, who):
    client.force_login(people[who])
    page = client.get(visit.get_absolute_url())
    assert page.status_code == 200
    assert WORD not in page.content.decode() and MASK in page.content.decode()


VISIT_ROUTES = [(route, name) for route, name in OBJECT_ROUTES if kind_of(route) == "visit"]


@pytest.mark.parametrize("who", MASKED)
def test_no_page_shows_the_code_word_to_those_it_is_masked_for(client, people, visit, who):
    # Every visit page (the plan form, risk assessment, approval, letters, check-in, escalation...), every
    # family page (the subject-access export included) and every page without an id (the audit pages,
    # after the office changed the word, the board, the timetable and its CSVs).
    from visits.tests.planning import plan_data

    client.force_login(people["office"])
    assert client.post(reverse("visits:visit-edit", args=[visit.pk]), plan_data(
        visit.family, people["teacher"], [people["ta"]], day="2026-11-24", start="11:00", back="12:30",
        code_word=WORD + "2")).status_code == 302
    assert KIND_BY_PREFIX["visits"] == "visit" and VISIT_ROUTES
    urls = [fill(route, visit.pk) for route, _ in VISIT_ROUTES]
    urls += [fill(route, visit.family_id) for route, _ in OBJECT_ROUTES if kind_of(route) == "family"]
    urls += ["/" + route for route, _ in PLAIN_ROUTES] + ["/timetable/?week=2026-11-24"]
    client.force_login(people[who])
    shown = [url for url in urls if WORD in client.get(url).content.decode()]
    assert not shown, f"{who} sees the code word on {shown}"


def test_the_dsl_editing_a_plan_keeps_its_code_word(client, people, visit):
    from visits.tests.planning import plan_data

    client.force_login(people["dsl"])
    data = plan_data(visit.family, people["teacher"], [people["ta"]], day="2026-11-24", start="11:00",
                     back="12:30", notes="Checked by the DSL")
    data.pop("code_word")
    response = client.post(reverse("visits:visit-edit", args=[visit.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    visit.refresh_from_db()
    assert visit.notes == "Checked by the DSL" and visit.code_word == WORD


@pytest.mark.parametrize("who", ["office", "head", "teacher"])
def test_those_who_may_see_it_can_change_it_on_the_plan(client, people, visit, who):
    from visits.tests.planning import plan_data

    client.force_login(people[who])
    page = client.get(reverse("visits:visit-edit", args=[visit.pk])).content.decode()
    assert WORD in page
    data = plan_data(visit.family, people["teacher"], [people["ta"]], day="2026-11-24", start="11:00",
                     back="12:30", code_word="Bluebell")
    assert client.post(reverse("visits:visit-edit", args=[visit.pk]), data).status_code == 302
    visit.refresh_from_db()
    assert visit.code_word == "Bluebell"


@pytest.mark.parametrize("who", SEE)
def test_letters_slips_parent_copy_and_calendar_never_carry_it(client, people, visit, who):
    VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, summary="Fine", filed_by=people["teacher"])
    client.force_login(people[who])
    for name in ("visits:visit-letter", "visits:visit-slip", "reports:parent-copy"):
        response = client.get(reverse(name, args=[visit.pk]))
        assert response.status_code == 200 and WORD not in response.content.decode(), name
    feed = client.get(reverse("visits:calendar-feed", args=[people["teacher"].profile.calendar_token]))
    assert feed.status_code == 200 and WORD.encode() not in feed.content


# --- The full flow: nowhere outside the pages that may show it ----------------------------------

URL_ATTR = re.compile(r'(?:href|src|action|hx-get|hx-post|data-url)="([^"]*)"')


class Trail:
    """Every URL the flow met: requested, redirected to, or linked from a page."""

    def __init__(self, client):
        self.client, self.urls = client, []

    def _seen(self, url, response):
        self.urls.append(url)
        if "Location" in response:
            self.urls.append(response["Location"])
        if response.get("Content-Type", "").startswith("text/html"):
            self.urls += URL_ATTR.findall(response.content.decode())
        assert response.status_code < 500, url
        return response

    def get(self, url, **kw):
        return self._seen(url, self.client.get(url, **kw))

    def post(self, url, data=None, **kw):
        return self._seen(url, self.client.post(url, data or {}, **kw))


def test_a_full_flow_never_puts_the_code_word_in_a_message_log_url_or_health(
        client, people, school, clock_tuesday_gmt, caplog, settings, django_capture_on_commit_callbacks):
    from visits.tests.planning import plan_data

    settings.SMS_BACKEND = "notifications.sms.ConsoleSmsBackend"  # SMS bodies go to the log, as in production
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    caplog.set_level(logging.DEBUG)
    sms.outbox.clear()
    trail = Trail(client)
    teacher, ta, head, office = people["teacher"], people["ta"], people["head"], people["office"]
    family = FamilyFactory(school=school, display_name="Ashworth family", address_line1="12 Quince Row")
    family.shared_with.add(teacher)
    ChildFactory(family=family, first_name="Tabitha", last_name="Ashworth")

    with django_capture_on_commit_callbacks(execute=True):
        # Plan (the teacher), risk assessment and checklist, submit.
        client.force_login(teacher)
        trail.get(reverse("visits:visit-create") + f"?family={family.pk}")
        response = trail.post(reverse("visits:visit-create"), plan_data(
            family, teacher, [ta], day="2026-11-24", start="10:00", back="11:30", code_word=WORD))
        assert response.status_code == 302, response.context["form"].errors
        visit = Visit.objects.get(family=family)
        trail.get(response["Location"])
        mark_reviewed(ensure_risk_assessment(visit), teacher)
        trail.post(reverse("visits:checklist", args=[visit.pk]),
                   {name: "on" for name, _ in SafetyChecklist.QUESTIONS})
        trail.post(reverse("visits:visit-submit", args=[visit.pk]))
        visit.refresh_from_db()
        assert visit.state == VisitState.SUBMITTED

        # Approve (the head).
        client.force_login(head)
        trail.get(reverse("visits:approvals"))
        trail.get(reverse("visits:visit-approve", args=[visit.pk]))
        trail.post(reverse("visits:visit-approve", args=[visit.pk]))
        visit.refresh_from_db()
        assert visit.state == VisitState.APPROVED

        # Depart, then the code word (the teacher, from the phone).
        client.force_login(teacher)
        checkin = reverse("safety:checkin", args=[visit.pk])
        trail.get(checkin)
        trail.post(checkin, {"kind": "departed", "idempotency_key": str(uuid.uuid4())}, follow=True)
        trail.post(checkin, {"kind": "duress", "idempotency_key": str(uuid.uuid4())}, follow=True)
        visit.refresh_from_db()
        assert Escalation.objects.filter(visit=visit, reason="duress").exists()

        # Overdue too: the watchdog escalates; the office works the panel and the police pack.
        clock_tuesday_gmt.move_to(visit.expected_return + datetime.timedelta(minutes=31))
        scan(visit.expected_return + datetime.timedelta(minutes=31))
        client.force_login(office)
        trail.get(reverse("safety:board"))
        trail.get(reverse("safety:escalation", args=[visit.pk]))
        trail.get(reverse("safety:police-pack", args=[visit.pk]))
        esc = visit.escalations.order_by("-level").first()
        trail.post(reverse("safety:escalation", args=[visit.pk]), {"action": "acknowledge", "escalation": esc.pk})
        trail.post(reverse("safety:escalation", args=[visit.pk]),
                   {"action": "contact", "escalation": esc.pk, "step": "4", "outcome": "reached", "note": "999 called"})

        # Every notification goes out (email to the outbox, SMS to the log).
        for pk in Notification.objects.values_list("pk", flat=True):
            deliver_notification.apply(args=(pk,))

    notes = list(Notification.objects.all())
    assert notes and any(n.channel == "sms" for n in notes) and mail.outbox
    assert not [n.pk for n in notes if WORD in n.subject or WORD in n.body]
    # As little personal data as they can: who and a link - no family name, address or child's name.
    for private in ("Ashworth", "Quince Row", "Tabitha", family.postcode):
        assert not [n.pk for n in notes if private in n.subject or private in n.body], private
    assert not [m.subject for m in mail.outbox if WORD in m.subject or WORD in m.body]
    sms_lines = [r.getMessage() for r in caplog.records if r.name == "homevisits.sms"]
    assert sms_lines  # the SMS did go through the log
    log_text = "\n".join(r.getMessage() for r in caplog.records) + "\n" + caplog.text
    assert WORD not in log_text
    assert trail.urls and not [u for u in trail.urls if WORD.lower() in u.lower()]
    health = client.get("/health/")
    assert WORD not in health.content.decode()
    # And the pages that may show it did (the flow really carried the word).
    client.force_login(office)
    assert WORD in client.get(visit.get_absolute_url()).content.decode()
