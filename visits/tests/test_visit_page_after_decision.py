"""After the decision the visit page shows it, in every later state (issue 11, items 6 and 12): approved
or refused, by whom, when, the reason, and each gate overridden with its reason. "Needs the approver's
explicit decision" (the amber box) shows only while a decision is still to come (R-AUTH)."""

import datetime
import re

import pytest
import time_machine

from safety.watchdog import check_in
from visits import assessments, services
from visits.models import EventKind, VisitState

from .planning import NOW, TOMORROW, local, login, make_ready, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

AMBER = "Needs the approver's explicit decision"


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def approved(family, teacher, ta, head):
    """An evening visit tomorrow that ends at home: two gates, both overridden by the head."""
    visit = make_ready(plan(family, teacher, ta, start=(16, 45), minutes_back=75, ends_at_home=True))
    services.submit(visit, teacher)
    return services.approve(visit, head, {"evening": "Only time dad is home", "commute": "Lives next door"},
                            now=NOW + datetime.timedelta(minutes=5))


def page_of(client, user, visit):
    return login(client, user).get(visit.get_absolute_url()).content.decode()


def assert_shows_the_approval(html, head):
    box = re.search(r'data-testid="decision".*?</div>', html, re.S)
    assert box, "the decision is shown"
    words = text(box.group(0))
    assert f"Approved by {head.get_full_name()}" in words and "Tue 24 Nov, 09:05" in words
    assert "Ends after the school's evening cut-off: Only time dad is home" in words.replace("&#x27;", "'")
    assert "Starts or ends at home instead of at school: Lives next door" in words
    assert AMBER not in html


def test_while_waiting_the_page_shows_the_gates_and_who_decides(client, family, teacher, ta, head):
    visit = services.submit(make_ready(plan(family, teacher, ta, ends_at_home=True)), teacher)
    html = page_of(client, teacher, visit)
    assert AMBER in html
    assert "Starts or ends at home instead of at school" in html
    assert "decided by the head of school only" in html
    assert "Waiting for the head of school or DSL" in html
    assert "Approved by" not in html


def test_an_approved_visit_shows_the_decision_and_its_overrides_not_the_amber_box(client, approved, teacher, head):
    assert_shows_the_approval(page_of(client, teacher, approved), head)


@pytest.mark.parametrize("steps", [
    [EventKind.DEPARTED],
    [EventKind.DEPARTED, EventKind.ARRIVED],
    [EventKind.DEPARTED, EventKind.ARRIVED, EventKind.LEFT],
    [EventKind.DEPARTED, EventKind.ARRIVED, EventKind.LEFT, EventKind.RETURNED],
], ids=["out", "on_site", "left", "returned"])
def test_the_decision_stays_when_out_and_after_return(client, approved, teacher, head, office, steps):
    day = local(TOMORROW, 16, 50)
    with time_machine.travel(day, tick=False):
        for n, kind in enumerate(steps):
            check_in(approved, kind, teacher, now=day + datetime.timedelta(minutes=n))
        approved.refresh_from_db()
        for who in (teacher, office, head):
            assert_shows_the_approval(page_of(client, who, approved), head)


def test_a_cancelled_visit_shows_the_approval_it_had_and_why_it_was_cancelled(client, approved, teacher, head):
    services.cancel(approved, teacher, "Family moved away")
    approved.refresh_from_db()
    assert approved.state == VisitState.CANCELLED
    html = page_of(client, teacher, approved)
    assert_shows_the_approval(html, head)
    assert "Cancelled" in html and "Family moved away" in html


def test_a_refused_visit_shows_who_refused_it_and_why(client, family, teacher, ta, dsl):
    visit = services.submit(make_ready(plan(family, teacher, ta)), teacher)
    services.refuse(visit, dsl, "Take the family support worker", now=NOW + datetime.timedelta(minutes=7))
    html = page_of(client, teacher, visit)
    box = text(re.search(r'data-testid="decision".*?</div>', html, re.S).group(0))
    assert f"Refused by {dsl.get_full_name()}" in box and "09:07" in box and "Take the family support worker" in box
    # Refused and later cancelled: still the refusal, never shown as an approval.
    services.cancel(visit, teacher, "Not needed now")
    html = page_of(client, teacher, visit)
    assert "Refused by" in html and "Approved by" not in html


def test_a_change_that_needs_approval_again_drops_the_old_decision(client, approved, teacher, head):
    assessments.assessment_changed(approved, teacher)
    approved.refresh_from_db()
    assert approved.state == VisitState.SUBMITTED
    html = page_of(client, teacher, approved)
    assert "Approved by" not in html and AMBER in html


def test_visit_templates_ask_the_model_instead_of_comparing_state_strings():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "templates"
    offenders = [str(p.relative_to(folder)) for p in folder.rglob("*.html")
                 if re.search(r"\.state\s*(==|!=)", p.read_text())]
    assert not offenders, offenders
