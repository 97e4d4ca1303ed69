"""The escalation panel: open escalations, acknowledge, and the contact steps in order.

R-RETURN-30, R-CONTACT-STEPS.
"""

import datetime
import re

import pytest
from django.urls import reverse

from safety.models import ContactAttempt, ContactOutcome, Escalation, EscalationLevel
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitState

from .pages import at

pytestmark = pytest.mark.django_db


def url(visit):
    return reverse("safety:escalation", args=[visit.pk])


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def overdue(world, clock_june_bst):
    """Signed out at 10:00, due back 11:15, and at 11:45 escalated to level 2 (R-RETURN-30)."""
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    scan(at(11, 30))
    scan(at(11, 45))
    clock_june_bst.move_to(at(11, 50))
    visit.refresh_from_db()
    assert visit.escalation_level == EscalationLevel.CHASE
    return visit


def contact(client, visit, step, outcome, **extra):
    esc = Escalation.objects.filter(visit=visit, resolved_at__isnull=True).order_by("-level").first()
    data = {"action": "contact", "escalation": esc.pk, "step": step, "outcome": outcome, **extra}
    return client.post(url(visit), data, follow=True)


def test_it_shows_the_open_escalations_with_how_long_overdue(client, world, overdue):
    client.force_login(world.office)
    page = text(client.get(url(overdue)))
    assert "Level 2: Office must contact now" in page
    assert "Level 1: Office flagged" not in page  # one visit, one alert: level 1 was raised to level 2
    assert "Overdue by 35 min" in page  # due 11:15, now 11:50
    # Step 1 shows the staff's mobiles as tap-to-call links; step 4 the police.
    assert 'href="tel:+447700900101"' in page and 'href="tel:+447700900102"' in page
    assert 'href="tel:999"' in page
    assert "Head of school" in page and 'href="tel:+447700900001"' in page  # step 3: leadership


def test_acknowledging_stops_the_repeats(client, world, overdue):  # R-RETURN-30
    client.force_login(world.head)
    chase = Escalation.objects.get(visit=overdue, level=EscalationLevel.CHASE)
    response = client.post(url(overdue), {"action": "acknowledge", "escalation": chase.pk}, follow=True)
    assert "You have taken charge of the level 2 alert (11:50)" in text(response)
    chase.refresh_from_db()
    assert chase.acknowledged_by == world.head and chase.is_open
    assert "took charge at" in text(client.get(url(overdue)))
    result = scan(at(11, 45) + datetime.timedelta(minutes=20))
    assert result.repeated == []
    chase.refresh_from_db()
    assert chase.alert_count == 1


def test_the_second_to_take_charge_from_the_page_is_told_who_has_it(client, world, overdue):
    """First wins (R-CONTACT-STEPS): the head pressing the button after the office has it is told so,
    not thanked for taking charge, and the office keeps it."""
    chase = Escalation.objects.get(visit=overdue, level=EscalationLevel.CHASE)
    client.force_login(world.office)
    client.post(url(overdue), {"action": "acknowledge", "escalation": chase.pk}, follow=True)  # its message read
    client.force_login(world.head)
    page = text(client.post(url(overdue), {"action": "acknowledge", "escalation": chase.pk}, follow=True))
    assert f"{world.office.get_full_name()} took charge of the level 2 alert first, at 11:50" in page
    assert "You have taken charge" not in page
    chase.refresh_from_db()
    assert chase.acknowledged_by == world.office


def test_without_acknowledgement_the_alert_repeats(world, overdue):  # the control for the test above
    result = scan(at(11, 45) + datetime.timedelta(minutes=20))
    assert result.repeated == [f"visit {overdue.pk}"]


def test_contact_steps_are_taken_in_order(client, world, overdue):  # R-CONTACT-STEPS
    client.force_login(world.office)
    refused = contact(client, overdue, 3, ContactOutcome.NO_ANSWER)
    assert "Take the steps in order: next is step 1." in text(refused)  # R-CONTACT-STEPS
    assert not ContactAttempt.objects.exists()

    contact(client, overdue, 1, ContactOutcome.NO_ANSWER, note="Straight to voicemail")
    contact(client, overdue, 2, ContactOutcome.MESSAGE_LEFT)
    page = text(client.get(url(overdue)))
    assert "Record step 3" in page
    assert "No answer" in page and "Straight to voicemail" in page and "Message left" in page
    assert list(ContactAttempt.objects.values_list("step", "by")) == [(1, world.office.pk), (2, world.office.pk)]


def test_reaching_the_worker_safe_needs_a_new_time_then_resolves(client, world, overdue):  # R-CONTACT-STEPS
    client.force_login(world.office)
    refused = contact(client, overdue, 1, ContactOutcome.REACHED_SAFE, alarm_outcome="late_safe")
    assert "They are still out: ask when they will be back" in text(refused)
    assert not ContactAttempt.objects.exists()  # nothing half-saved
    assert Escalation.objects.filter(visit=overdue, resolved_at__isnull=True).count() == 1

    done = contact(client, overdue, 1, ContactOutcome.REACHED_SAFE, new_expected_return="12:30", note="Car trouble",
                   alarm_outcome="late_safe")
    assert "Escalation resolved. Expected back 12:30." in text(done)
    overdue.refresh_from_db()
    assert overdue.escalation_level == 0 and overdue.expected_return == at(12, 30)
    assert overdue.state == VisitState.DEPARTED
    assert not Escalation.objects.filter(visit=overdue, resolved_at__isnull=True).exists()
    assert "No open escalation." in text(client.get(url(overdue)))


def test_reached_safe_is_refused_for_the_police_step(client, world, overdue):
    client.force_login(world.office)
    for step in (1, 2, 3):
        contact(client, overdue, step, ContactOutcome.NO_ANSWER)
    refused = contact(client, overdue, 4, ContactOutcome.REACHED_SAFE, alarm_outcome="police")
    assert "Only reaching the member of staff (or the location) confirms they are safe." in text(refused)


def test_the_dsl_keeps_watch_too(client, world, overdue):
    client.force_login(world.dsl)
    assert client.get(url(overdue)).status_code == 200


@pytest.mark.parametrize("who", ["teacher", "other_teacher"])
def test_visiting_staff_get_404(client, world, overdue, who):
    client.force_login(getattr(world, who))
    assert client.get(url(overdue)).status_code == 404
    chase = Escalation.objects.get(visit=overdue, level=EscalationLevel.CHASE)
    assert client.post(url(overdue), {"action": "acknowledge", "escalation": chase.pk}).status_code == 404
    chase.refresh_from_db()
    assert chase.acknowledged_at is None


def test_the_visit_page_shows_the_panel_and_comes_back_to_it(client, world, overdue):
    client.force_login(world.office)
    detail = reverse("visits:visit-detail", args=[overdue.pk])
    page = client.get(detail)
    assert 'data-testid="escalation-panel"' in page.content.decode()
    chase = Escalation.objects.get(visit=overdue, level=EscalationLevel.CHASE)
    response = client.post(url(overdue), {"action": "acknowledge", "escalation": chase.pk, "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    evil = client.post(url(overdue), {"action": "acknowledge", "escalation": chase.pk, "next": "https://evil.example/"})
    assert evil["Location"] == url(overdue)


def test_the_visit_page_offers_visiting_staff_their_check_in_page_and_no_panel(client, world, overdue):
    client.force_login(world.teacher)
    page = client.get(reverse("visits:visit-detail", args=[overdue.pk])).content.decode()
    assert reverse("safety:checkin", args=[overdue.pk]) in page
    assert 'data-testid="escalation-panel"' not in page


def test_after_a_code_word_the_police_may_be_called_first(client, world, clock_june_bst):  # R-CODEWORD
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    check_in(visit, EventKind.DURESS, world.teacher, now=at(10, 2))
    client.force_login(world.office)
    page = text(client.get(url(visit)))
    assert "CODE WORD used: call the police now" in page and 'href="tel:999"' in page
    done = contact(client, visit, 4, ContactOutcome.REACHED, note="Police on their way, ref 123")
    assert "Step 4 recorded at 10:02: Reached." in text(done)
    assert list(ContactAttempt.objects.values_list("step", flat=True)) == [4]


def test_step_2_lists_each_number_once(client, world, clock_june_bst):  # R-CONTACT-STEPS
    """The contact number at the visit is often the family's own: one number, one line, one call."""
    visit = world.visit(contact_phone="07700 900999")  # the factory family's phone too
    visit.family.phone_alt = "01604 496111"
    visit.family.save()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    scan(at(11, 30))
    client.force_login(world.office)
    step2 = text(client.get(url(visit))).split('data-testid="contact-step-2"', 1)[1].split("</li>", 1)[0]
    assert step2.count('href="tel:+447700900999"') == 1
    assert "Contact at the visit / family: " in step2
    assert step2.count('href="tel:+441604496111"') == 1 and "Family (other): " in step2
