"""The phone check-in page: one tap per event, each recorded by safety.watchdog.check_in.

R-DEPART, R-ARRIVE, R-WAIT, R-NOTHOME, R-LATE-15, R-RETURN, R-CODEWORD.
"""

import re
import uuid

import pytest
from django.urls import NoReverseMatch, reverse

from notifications.models import Notification
from safety.models import Escalation, EscalationLevel
from visits.models import EventKind, RecordedHow, VisitEvent, VisitState

from .pages import at

pytestmark = pytest.mark.django_db


def url(visit):
    return reverse("safety:checkin", args=[visit.pk])


def tap(client, visit, kind, key=None, **fields):
    data = {"kind": kind, "idempotency_key": key or str(uuid.uuid4()), **fields}
    return client.post(url(visit), data, follow=True)


def page_text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def kinds(visit):
    return list(visit.events.filter(kind__in=[k for k in EventKind if k not in (
        EventKind.ESCALATED, EventKind.RESOLVED)]).values_list("kind", flat=True))


def test_it_offers_leaving_now_and_records_it_with_the_expected_return(client, world, clock_june_bst):  # R-DEPART
    visit = world.visit()
    client.force_login(world.teacher)
    page = client.get(url(visit))
    assert page.status_code == 200
    # Leaving for the visit is never called "Sign out" (that is leaving the app).
    assert '<button class="btn btn-primary btn-tap w-100" type="submit">Leaving now</button>' in page_text(page)
    assert "Sign out:" not in page_text(page) and "sign out on the day" not in page_text(page)
    # Each form carries its own idempotency key, made when the page was drawn.
    keys = re.findall(r'name="idempotency_key" value="([0-9a-f-]{36})"', page.content.decode())
    assert keys and len(set(keys)) == len(keys)

    response = tap(client, visit, EventKind.DEPARTED, key=keys[0])
    assert "On your way: left at 10:02. Expected back 11:15." in page_text(response)
    visit.refresh_from_db()
    assert visit.state == VisitState.DEPARTED
    event = visit.events.get(kind=EventKind.DEPARTED)
    assert event.actor == world.teacher and event.how == RecordedHow.SELF and event.at == at(10, 2)


def test_it_records_each_check_in_through_the_page(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.teacher)
    tap(client, visit, EventKind.DEPARTED)
    clock_june_bst.move_to(at(10, 15))
    page = tap(client, visit, EventKind.ARRIVED)
    assert "Arrival recorded at 10:15." in page_text(page)
    assert "Nobody answering?" in page_text(page)  # R-WAIT: the countdown box
    clock_june_bst.move_to(at(10, 40))
    assert "Check-in recorded at 10:40." in page_text(tap(client, visit, EventKind.OK))
    clock_june_bst.move_to(at(11, 0))
    page = tap(client, visit, EventKind.LATE, new_expected_return="11:45", note="Parent wants to talk")
    assert "Running late recorded at 11:00. Expected back 11:45." in page_text(page)
    clock_june_bst.move_to(at(11, 30))
    assert "Left the property at 11:30. Expected back 11:45." in page_text(tap(client, visit, EventKind.LEFT))
    clock_june_bst.move_to(at(11, 40))
    page = tap(client, visit, EventKind.RETURNED)
    assert "Back at school at 11:40. Still out: " in page_text(page)  # the TA signs themselves back in
    client.force_login(world.ta)
    clock_june_bst.move_to(at(11, 42))
    page = tap(client, visit, EventKind.RETURNED)
    assert "Back at school at 11:42. Everyone is back: the visit is closed." in page_text(page)

    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED
    assert visit.expected_return == at(11, 45)
    assert kinds(visit) == ["departed", "arrived", "ok", "late", "left", "returned", "returned"]
    assert set(visit.events.filter(kind__in=kinds(visit)).values_list("how", flat=True)) == {RecordedHow.SELF}
    assert visit.events.get(kind=EventKind.LATE).note == "Parent wants to talk"


def test_it_refuses_a_late_notice_with_a_time_in_the_past(client, world, clock_june_bst):  # R-LATE-15
    visit = world.visit()
    client.force_login(world.teacher)
    tap(client, visit, EventKind.DEPARTED)
    clock_june_bst.move_to(at(11, 0))
    response = tap(client, visit, EventKind.LATE, new_expected_return="10:30")
    assert response.status_code == 200
    # Beside the field: a time that has passed is not quietly taken as tomorrow's.
    assert response.context["failed"].errors["new_expected_return"] == [
        "10:30 has already passed (it is 11:00 now). Enter a time later than now."]
    assert "10:30 has already passed" in page_text(response)
    visit.refresh_from_db()
    assert visit.expected_return == at(11, 15)
    assert not visit.events.filter(kind=EventKind.LATE).exists()


def test_a_late_notice_needs_a_time(client, world, clock_june_bst):  # R-LATE-15
    visit = world.visit()
    client.force_login(world.teacher)
    tap(client, visit, EventKind.DEPARTED)
    response = tap(client, visit, EventKind.LATE, new_expected_return="")
    assert "Say when you now expect to be back." in page_text(response)
    assert not visit.events.filter(kind=EventKind.LATE).exists()


def test_a_check_in_on_someone_elses_visit_is_404(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.other_teacher)
    assert client.get(url(visit)).status_code == 404
    response = client.post(url(visit), {"kind": EventKind.DEPARTED, "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 404
    assert not visit.events.filter(kind=EventKind.DEPARTED).exists()


def test_the_dsl_not_on_the_visit_gets_404(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.dsl)
    assert client.get(url(visit)).status_code == 404


@pytest.mark.parametrize("state", [VisitState.SUBMITTED, VisitState.CANCELLED, VisitState.DRAFT])
def test_a_departure_for_a_visit_that_is_not_approved_is_refused(client, world, clock_june_bst, state):  # R-DEPART
    visit = world.visit(state=state)
    client.force_login(world.teacher)
    assert ">Leaving now<" not in page_text(client.get(url(visit)))
    response = tap(client, visit, EventKind.DEPARTED)
    assert response.status_code == 200
    assert "Only an approved visit can start" in page_text(response)
    visit.refresh_from_db()
    assert visit.state == state
    assert not visit.events.filter(kind=EventKind.DEPARTED).exists()


def test_a_departure_on_another_day_is_refused(client, world, clock_june_bst):  # R-DEPART
    visit = world.visit(start=at(10, day=at(10).replace(day=11)))
    client.force_login(world.teacher)
    page = page_text(client.get(url(visit)))
    assert ">Leaving now<" not in page and "You can start it on the day" in page
    response = tap(client, visit, EventKind.DEPARTED)
    assert "A visit can only start on the day it is planned for." in page_text(response)
    visit.refresh_from_db()
    assert visit.state == VisitState.APPROVED


def test_a_double_tap_with_the_same_key_records_once(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.teacher)
    key = str(uuid.uuid4())
    first = tap(client, visit, EventKind.DEPARTED, key=key)
    clock_june_bst.move_to(at(10, 3))
    second = tap(client, visit, EventKind.DEPARTED, key=key)
    assert "On your way: left at 10:02." in page_text(first)
    assert "Already recorded: On your way: left at 10:02." in page_text(second)
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.DEPARTED).count() == 1


def test_a_post_without_a_valid_key_is_refused_clearly(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.teacher)
    response = client.post(url(visit), {"kind": EventKind.DEPARTED, "idempotency_key": "not-a-uuid"})
    assert response.status_code == 200
    assert "This page is out of date: reload it and tap again." in page_text(response)
    assert not visit.events.filter(kind=EventKind.DEPARTED).exists()


def test_a_key_used_on_another_visit_records_nothing(client, world, clock_june_bst):
    visit, other = world.visit(), world.visit(start=at(12), back=at(13))
    client.force_login(world.teacher)
    key = str(uuid.uuid4())
    tap(client, visit, EventKind.DEPARTED, key=key)
    response = tap(client, other, EventKind.DEPARTED, key=key)
    assert "This form was already used for another visit." in page_text(response)
    assert not other.events.filter(kind=EventKind.DEPARTED).exists()


def test_feeling_unsafe_alerts_the_head_and_tells_them_to_leave(client, world, clock_june_bst):  # R-ARRIVE
    visit = world.visit()
    client.force_login(world.teacher)
    tap(client, visit, EventKind.DEPARTED)
    clock_june_bst.move_to(at(10, 15))
    response = tap(client, visit, EventKind.UNSAFE)
    text = page_text(response)
    assert "Leave now." in text
    assert 'href="tel:+441604496000"' in text and "Call school: 01604 496000" in text
    visit.refresh_from_db()
    assert visit.state == VisitState.LEFT
    assert Escalation.objects.get(visit=visit).level == EscalationLevel.EMERGENCY
    assert Notification.objects.filter(visit=visit, recipient=world.head).exists()


def test_the_arrived_page_counts_down_the_wait_then_no_one_home_is_recorded(client, world, clock_june_bst):  # R-WAIT
    world.school.max_wait_minutes = 20
    world.school.save()
    visit = world.visit()
    client.force_login(world.teacher)
    tap(client, visit, EventKind.DEPARTED)
    clock_june_bst.move_to(at(10, 15))
    tap(client, visit, EventKind.ARRIVED)
    clock_june_bst.move_to(at(10, 15).replace(second=2))
    assert ">19 min 58 s left<" in page_text(client.get(url(visit)))  # not "19:58", a time of day
    clock_june_bst.move_to(at(10, 20))
    page = page_text(client.get(url(visit)))
    assert "Wait at most 20 minutes from arrival, until 10:35" in page
    # Time left in words, never like a clock time ("15:00" reads as three in the afternoon).
    assert 'data-left-seconds="900"' in page and ">15 min 0 s left<" in page and ">15:00<" not in page
    assert "js/checkin.js" in page and "<script>" not in page  # the countdown is static JS, no inline script
    try:
        slip = reverse("visits:visit-slip", args=[visit.pk])
    except NoReverseMatch:  # the slip page belongs to the planning pages
        slip = None
    if slip:
        assert f'href="{slip}"' in page  # R-NOTHOME

    clock_june_bst.move_to(at(10, 36))
    page = page_text(client.get(url(visit)))
    assert 'data-left-seconds="0"' in page and "Time is up" in page
    response = tap(client, visit, EventKind.NO_ONE_HOME)
    assert "No one home recorded at 10:36." in page_text(response)
    visit.refresh_from_db()
    assert visit.state == VisitState.LEFT


def test_abandoning_needs_a_reason_and_tells_the_head(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.teacher)
    tap(client, visit, EventKind.DEPARTED)
    refused = tap(client, visit, EventKind.ABANDONED, note="  ")
    assert "Say why the visit was abandoned." in page_text(refused)
    assert not visit.events.filter(kind=EventKind.ABANDONED).exists()
    done = tap(client, visit, EventKind.ABANDONED, note="Road closed")
    assert "Visit abandoned at 10:02. The head of school has been told." in page_text(done)
    assert Notification.objects.filter(visit=visit, recipient=world.head, subject__startswith="Visit abandoned").exists()


def test_sos_is_apart_confirmed_and_goes_to_the_top(client, world, clock_june_bst):  # R-CODEWORD
    visit = world.visit()
    client.force_login(world.teacher)
    tap(client, visit, EventKind.DEPARTED)
    page = client.get(url(visit)).content.decode()
    # Without JavaScript: behind a <details> confirmation, not one tap away among the everyday buttons
    # (static/js/checkin.js turns it into hold-to-send).
    duress_at = page.index('value="duress"')
    assert page.rfind("<details", 0, duress_at) > page.rfind("All OK", 0, duress_at)
    assert "Yes, send SOS now" in page and "CODE WORD" not in page
    response = tap(client, visit, EventKind.DURESS)
    # Nothing on the screen alarms a bystander: the office, head and DSL see it all.
    assert "Sent to school at 10:02." in page_text(response)
    assert "Help is being sent" not in page_text(response) and "alert-danger" not in page_text(response)
    esc = Escalation.objects.get(visit=visit)
    assert esc.level == EscalationLevel.EMERGENCY
    recipients = set(Notification.objects.filter(escalation=esc).values_list("recipient", flat=True))
    assert {world.head.pk, world.dsl.pk, world.office.pk} <= recipients


def test_the_office_opening_the_staff_page_is_sent_to_record_a_phone_call(client, world, clock_june_bst):
    visit = world.visit()
    client.force_login(world.office)
    response = client.get(url(visit))
    assert response.status_code == 302
    assert response["Location"] == reverse("safety:record-call", args=[visit.pk])


def test_my_visits_lists_todays_visits_with_their_check_in_page(client, world, clock_june_bst):
    today, tomorrow = world.visit(), world.visit(start=at(10, day=at(10).replace(day=11)))
    client.force_login(world.teacher)
    page = client.get(reverse("safety:my-visits")).content.decode()
    assert reverse("safety:checkin", args=[today.pk]) in page
    assert reverse("safety:checkin", args=[tomorrow.pk]) not in page


def test_back_at_school_prompts_for_the_visit_report(client, world, clock_june_bst):  # R-REPORT
    from visits.models import Outcome, VisitReport

    visit = world.visit()
    client.force_login(world.ta)
    tap(client, visit, EventKind.DEPARTED)
    tap(client, visit, EventKind.RETURNED)
    client.force_login(world.teacher)
    clock_june_bst.move_to(at(11, 0))
    page = page_text(tap(client, visit, EventKind.RETURNED))
    report = reverse("reports:report", args=[visit.pk])
    assert "Everyone is back: the visit is closed." in page
    assert f'<a class="btn btn-primary btn-tap w-100" href="{report}">Write the visit report</a>' in page
    assert client.get(report).status_code == 200  # the link leads to the form itself
    # The colleague who came back first sees it too, once everyone is back.
    client.force_login(world.ta)
    assert "Write the visit report" in page_text(client.get(url(visit)))

    VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, filed_by=world.teacher)
    assert "Write the visit report" not in page_text(client.get(url(visit)))
