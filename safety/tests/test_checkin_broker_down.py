"""Redis down while staff check in: the check-in is saved, and the page says the alert is waiting."""

import uuid
from unittest import mock

import pytest

from notifications.models import DeliveryStatus, Notification
from safety.tests.pages import at
from safety.watchdog import check_in
from visits.models import EventKind, VisitState

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: alerts are handed over on commit

def test_a_code_word_is_saved_and_the_page_says_the_alert_is_waiting(client, world, clock_june_bst):
    visit = world.visit(state=VisitState.APPROVED)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 2))
    client.force_login(world.teacher)
    with mock.patch("notifications.tasks.deliver_notification.apply_async", side_effect=ConnectionError("redis down")):
        response = client.post(f"/out/{visit.pk}/", {"kind": EventKind.DURESS, "idempotency_key": str(uuid.uuid4())},
                               follow=True)
    page = response.content.decode()
    assert visit.events.filter(kind=EventKind.DURESS).exists()
    assert "The alert service is not reachable right now" in page
    assert Notification.objects.filter(visit=visit, status=DeliveryStatus.PENDING).exists()


def test_no_warning_when_the_broker_takes_the_alert(client, world, clock_june_bst):
    visit = world.visit(state=VisitState.APPROVED)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 2))
    client.force_login(world.teacher)
    with mock.patch("notifications.tasks.deliver_notification.apply_async") as send:
        response = client.post(f"/out/{visit.pk}/", {"kind": EventKind.DURESS, "idempotency_key": str(uuid.uuid4())},
                               follow=True)
    assert send.called
    assert "not reachable" not in response.content.decode()
