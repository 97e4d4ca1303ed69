"""The office records what staff said on the phone: the same events, how=phone, on their behalf."""

import re
import uuid

import pytest
from django.urls import reverse

from visits.models import EventKind, RecordedHow, VisitState

from .pages import at

pytestmark = pytest.mark.django_db


def url(visit):
    return reverse("safety:record-call", args=[visit.pk])


def record(client, visit, kind, who, **fields):
    data = {"kind": kind, "idempotency_key": str(uuid.uuid4()), "on_behalf_of": who.pk if who else "", **fields}
    return client.post(url(visit), data, follow=True)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_it_stores_how_phone_and_on_behalf_of(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.office)
    page = client.get(url(visit))
    assert page.status_code == 200 and "Who called" in text(page)
    response = record(client, visit, EventKind.DEPARTED, world.ta)
    assert (f"Recorded for {world.ta.get_full_name()}: left for the visit at 10:02. Expected back 11:15."
            in text(response))
    clock_june_bst.move_to(at(11, 0))
    record(client, visit, EventKind.LATE, world.teacher, new_expected_return="11:40", note="Rang from the car")
    visit.refresh_from_db()
    assert visit.state == VisitState.DEPARTED and visit.expected_return == at(11, 40)
    for kind, who in ((EventKind.DEPARTED, world.ta), (EventKind.LATE, world.teacher)):
        event = visit.events.get(kind=kind)
        assert event.how == RecordedHow.PHONE
        assert event.on_behalf_of == who
        assert event.actor == world.office


def test_the_head_may_record_a_call_too(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.head)
    record(client, visit, EventKind.DEPARTED, world.teacher)
    assert visit.events.get(kind=EventKind.DEPARTED).how == RecordedHow.PHONE


def test_it_needs_to_know_who_called(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.office)
    response = record(client, visit, EventKind.DEPARTED, None)
    assert "This field is required." in text(response)
    assert not visit.events.filter(kind=EventKind.DEPARTED).exists()


def test_only_staff_on_the_visit_can_be_chosen(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.office)
    response = record(client, visit, EventKind.DEPARTED, world.other_teacher)
    assert "Select a valid choice" in text(response)
    assert not visit.events.filter(kind=EventKind.DEPARTED).exists()


def test_a_code_word_said_on_the_phone_goes_to_the_top(client, world, clock_june_bst):  # R-CODEWORD
    visit = world.visit()
    client.force_login(world.office)
    record(client, visit, EventKind.DEPARTED, world.teacher)
    response = record(client, visit, EventKind.DURESS, world.teacher)
    assert "CODE WORD recorded for" in text(response)
    visit.refresh_from_db()
    assert visit.escalation_level == 3


@pytest.mark.parametrize("who", ["teacher", "dsl", "other_teacher"])
def test_people_who_do_not_keep_watch_get_404(client, world, clock_june_bst, who):
    visit = world.visit()
    client.force_login(getattr(world, who))
    assert client.get(url(visit)).status_code == 404
    assert record(client, visit, EventKind.DEPARTED, world.teacher).status_code == 404
