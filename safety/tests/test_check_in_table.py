"""One check-in table (visits.lifecycle.CHECK_INS): the pages offer exactly what the watchdog accepts,
and each transition once accepted without being offered is decided, with its reason in the
lifecycle's docstring (R-ARRIVE, R-WAIT, R-NOTHOME, R-RETURN)."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safety.models import Escalation, EscalationLevel, EscalationReason
from safety.presenters import offered_kinds
from safety.watchdog import check_in
from visits import lifecycle
from visits.lifecycle import OUT_STATES, EventKind, VisitState

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
BEFORE = {  # the check-ins that bring a visit just out into each out state
    VisitState.DEPARTED: [],
    VisitState.ON_SITE: [EventKind.ARRIVED],
    VisitState.LEFT: [EventKind.ARRIVED, EventKind.LEFT],
}


def visit_in(out_visit, people, state):
    visit = out_visit(start=START)
    for minute, kind in enumerate(BEFORE[state], start=1):
        check_in(visit, kind, people["teacher"], now=START + datetime.timedelta(minutes=minute))
    visit.refresh_from_db()
    assert visit.state == state
    return visit


def attempt(visit, kind, person, minute=10):
    extra = {}
    if kind == EventKind.LATE:
        extra["new_expected_return"] = START + datetime.timedelta(hours=3)
    if kind == EventKind.ABANDONED:
        extra["note"] = "Dog loose in the garden"
    return check_in(visit, kind, person, now=START + datetime.timedelta(minutes=minute), **extra)


@pytest.mark.parametrize("state", OUT_STATES)
def test_the_page_offers_exactly_what_the_service_accepts(out_visit, people, state):
    for kind in sorted(lifecycle.CHECKIN_KINDS - {EventKind.DEPARTED}):
        visit = visit_in(out_visit, people, state)
        offered = kind in offered_kinds(visit, START + datetime.timedelta(minutes=10))
        try:
            attempt(visit, kind, people["teacher"])
        except ValidationError:
            accepted = False
        else:
            accepted = True
        assert accepted == offered, f"{kind} from {state}: accepted={accepted}, offered={offered}"


def test_it_offers_the_start_only_of_an_approved_visit_on_its_day(out_visit, people):
    visit = visit_in(out_visit, people, VisitState.DEPARTED)
    visit.state = VisitState.APPROVED
    assert offered_kinds(visit, START) == [EventKind.DEPARTED]
    assert offered_kinds(visit, START + datetime.timedelta(days=1)) == []
    for state in (VisitState.DRAFT, VisitState.SUBMITTED, VisitState.REFUSED, VisitState.RETURNED,
                  VisitState.CANCELLED):
        visit.state = state
        assert offered_kinds(visit, START) == []


def test_on_site_staff_may_go_straight_back_to_school(out_visit, people):  # R-RETURN
    visit = visit_in(out_visit, people, VisitState.ON_SITE)
    assert EventKind.RETURNED in offered_kinds(visit, START)
    attempt(visit, EventKind.RETURNED, people["teacher"])
    attempt(visit, EventKind.RETURNED, people["ta"], minute=11)
    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED and visit.next_check_at is None


def test_feeling_unsafe_during_the_visit_is_an_emergency(out_visit, people):  # R-ARRIVE, R-NOVISIT
    visit = visit_in(out_visit, people, VisitState.ON_SITE)
    assert EventKind.UNSAFE in offered_kinds(visit, START)
    attempt(visit, EventKind.UNSAFE, people["teacher"])
    visit.refresh_from_db()
    assert visit.state == VisitState.LEFT
    alert = Escalation.objects.get(visit=visit)
    assert alert.level == EscalationLevel.EMERGENCY and alert.reason == EscalationReason.UNSAFE


def test_no_one_home_needs_the_arrival_first(out_visit, people):  # R-WAIT, R-NOTHOME
    visit = visit_in(out_visit, people, VisitState.DEPARTED)
    assert EventKind.NO_ONE_HOME not in offered_kinds(visit, START)
    with pytest.raises(ValidationError, match="Record the arrival first"):
        attempt(visit, EventKind.NO_ONE_HOME, people["teacher"])
    visit.refresh_from_db()
    assert visit.state == VisitState.DEPARTED
    assert not visit.events.filter(kind=EventKind.NO_ONE_HOME).exists()


def test_leaving_the_property_needs_the_arrival_first(out_visit, people):  # R-ARRIVE
    visit = visit_in(out_visit, people, VisitState.DEPARTED)
    assert EventKind.LEFT not in offered_kinds(visit, START)
    with pytest.raises(ValidationError, match="abandon the visit and say why"):
        attempt(visit, EventKind.LEFT, people["teacher"])
    visit.refresh_from_db()
    assert visit.state == VisitState.DEPARTED and not visit.events.filter(kind=EventKind.LEFT).exists()


def test_a_visit_already_left_is_not_abandoned_its_report_says_how_it_ended(out_visit, people):  # R-REPORT
    visit = visit_in(out_visit, people, VisitState.LEFT)
    assert EventKind.ABANDONED not in offered_kinds(visit, START)
    with pytest.raises(ValidationError, match="say how it ended in the visit report"):
        attempt(visit, EventKind.ABANDONED, people["teacher"])
    assert not visit.events.filter(kind=EventKind.ABANDONED).exists()


def test_leaving_twice_is_refused(out_visit, people):
    visit = visit_in(out_visit, people, VisitState.LEFT)
    assert EventKind.LEFT not in offered_kinds(visit, START)
    with pytest.raises(ValidationError, match="Leaving the property is already recorded"):
        attempt(visit, EventKind.LEFT, people["teacher"])
    assert visit.events.filter(kind=EventKind.LEFT).count() == 1


def test_the_phone_page_shows_the_on_site_unsafe_and_back_buttons(client, out_visit, people):
    visit = visit_in(out_visit, people, VisitState.ON_SITE)
    client.force_login(people["teacher"])
    page = client.get(reverse("safety:checkin", args=[visit.pk])).content.decode()
    assert 'data-testid="unsafe-on-site"' in page and "I don't feel safe: leaving now" in page
    assert 'value="returned"' in page and 'value="unsafe"' in page
    response = client.post(reverse("safety:checkin", args=[visit.pk]),
                           {"kind": "unsafe", "idempotency_key": str(uuid.uuid4())}, follow=True)
    assert "does not feel safe. The head of school has been alerted." in response.content.decode()


def test_the_call_page_offers_what_the_phone_page_offers(client, out_visit, people):
    visit = visit_in(out_visit, people, VisitState.ON_SITE)
    client.force_login(people["office"])
    page = client.get(reverse("safety:record-call", args=[visit.pk]))
    assert [button.kind for button in page.context["buttons"]] == [
        k for k in offered_kinds(visit, START) if k != EventKind.DURESS]
    assert {b.kind: b.label for b in page.context["buttons"]}[EventKind.UNSAFE] == "Does NOT feel safe: leaving"
