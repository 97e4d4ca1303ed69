"""SOS on the check-in page without JavaScript (R-CODEWORD): a form behind a second tap (the browser
test holds it with JavaScript), raising the top level at once through the one duress path; the screen
after it shows nothing that alarms a bystander, while the office, head and DSL see everything."""

import re
import uuid

import pytest
from django.urls import reverse

from safety.models import Escalation, EscalationLevel, EscalationReason
from safety.watchdog import check_in
from visits.models import EventKind, RecordedHow

from .pages import at

pytestmark = pytest.mark.django_db


def url(visit):
    return reverse("safety:checkin", args=[visit.pk])


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def sos(client, visit):
    return client.post(url(visit), {"kind": EventKind.DURESS, "idempotency_key": str(uuid.uuid4())})


@pytest.fixture
def out(world, clock_june_bst):
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 2))
    check_in(visit, EventKind.ARRIVED, world.teacher, now=at(10, 15))
    clock_june_bst.move_to(at(10, 31))
    return visit


@pytest.mark.parametrize("state", ["departed", "arrived", "left"])
def test_sos_is_on_every_check_in_page_while_out(client, world, clock_june_bst, state):
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 2))
    if state in ("arrived", "left"):
        check_in(visit, EventKind.ARRIVED, world.teacher, now=at(10, 5))
    if state == "left":
        check_in(visit, EventKind.LEFT, world.teacher, now=at(10, 9))
    client.force_login(world.ta)
    page = client.get(url(visit)).content.decode()
    assert 'data-sos' in page and "Yes, send SOS now" in page and 'value="duress"' in page
    # Without JavaScript the hold button stays hidden and the confirmation form is what works.
    assert re.search(r"<div data-sos-hold hidden>", page)


def test_sos_by_post_raises_the_top_level_at_once(client, world, out):  # R-CODEWORD
    client.force_login(world.teacher)
    response = sos(client, out)
    assert response.status_code == 302
    esc = Escalation.objects.get(visit=out, resolved_at__isnull=True)
    assert (esc.level, esc.reason) == (EscalationLevel.EMERGENCY, EscalationReason.DURESS)
    assert out.events.get(kind=EventKind.DURESS).data == {"signal": "sos"}


def same_apart_from_tokens(response) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "-", html)


def test_the_screen_after_sos_shows_nothing_alarming(client, world, out):  # R-CODEWORD
    client.force_login(world.teacher)
    before = [same_apart_from_tokens(client.get(page)) for page in (url(out), out.get_absolute_url())]
    landed = client.get(sos(client, out)["Location"])
    # One plain line, in the everyday style: no red, no "help", no "code word", no police.
    message = re.search(r'<div class="alert alert-success d-print-none" role="alert">([^<]*)</div>', text(landed))
    assert message and message.group(1) == "Sent to school at 10:31."
    for alarming in ("Help is being sent", "CODE WORD", "Call 999", "alert-danger", "Escalated", "School has seen"):
        assert alarming not in text(landed), alarming
    # Reloaded, the check-in page and the visit page are as they were before it.
    after = [same_apart_from_tokens(client.get(page)) for page in (url(out), out.get_absolute_url())]
    assert after == before


def test_the_office_head_and_dsl_see_the_sos(client, world, out):  # R-CODEWORD
    client.force_login(world.teacher)
    sos(client, out)
    for who in (world.office, world.head, world.dsl):
        client.force_login(who)
        board = text(client.get(reverse("safety:board")))
        assert "SOS from their phone · raised 10:31" in board
        page = text(client.get(reverse("safety:escalation", args=[out.pk])))
        assert "CODE WORD used: call the police now" in page and "SOS from their phone" in page


def test_the_spoken_code_word_is_recorded_by_the_office_as_before(client, world, out):  # R-CODEWORD
    client.force_login(world.office)
    response = client.post(reverse("safety:record-call", args=[out.pk]), {
        "kind": EventKind.DURESS, "idempotency_key": str(uuid.uuid4()), "on_behalf_of": world.teacher.pk}, follow=True)
    assert "CODE WORD recorded for" in text(response)
    assert out.events.get(kind=EventKind.DURESS).data == {"signal": "code_word"}
    assert "Code word · raised 10:31" in text(client.get(reverse("safety:board")))


def test_sos_on_another_schools_or_another_persons_visit_is_not_found(client, world, out, other_head):
    for who in (other_head, world.other_teacher):
        client.force_login(who)
        assert sos(client, out).status_code == 404
    assert not Escalation.objects.filter(visit=out).exists()


def back(client, visit):
    return client.post(url(visit), {"kind": EventKind.RETURNED, "idempotency_key": str(uuid.uuid4())})


def test_after_an_sos_a_tap_on_back_without_the_pin_never_closes_the_alarm(client, world, out):  # R-CODEWORD
    """Whoever holds the phone after an SOS could tap "Back at school": they are recorded back, and the
    alarm stays open, the visit out, until someone at school has reached them."""
    client.force_login(world.teacher)
    sos(client, out)
    client.post(url(out), {"kind": EventKind.LEFT, "idempotency_key": str(uuid.uuid4())})
    back(client, out)
    client.force_login(world.ta)
    back(client, out)
    out.refresh_from_db()
    alarm = Escalation.objects.get(visit=out, resolved_at__isnull=True)
    assert alarm.reason == EscalationReason.DURESS and alarm.level == EscalationLevel.EMERGENCY
    assert out.is_out and not any(link.is_out for link in out.staff_links.all())
    assert "the alarm stays open" in out.events.filter(kind=EventKind.RETURNED).first().note
    # The office sees why the alarm is still open: on the alarm's page, and on the visit's timeline.
    client.force_login(world.office)
    panel = text(client.get(reverse("safety:escalation", args=[out.pk])))
    assert panel.count('"Back at school" tapped at 10:31 on their phone, without their safety PIN') == 2
    assert "without their safety PIN while the duress alarm is open" in text(
        client.get(reverse("visits:visit-detail", args=[out.pk])))


def test_after_an_sos_the_office_recording_them_back_after_a_call_closes_it(world, out):  # R-CODEWORD
    check_in(out, EventKind.DURESS, world.teacher, now=at(10, 31))
    for person in (world.teacher, world.ta):
        check_in(out, EventKind.RETURNED, world.office, now=at(10, 50), how=RecordedHow.PHONE, on_behalf_of=person)
    out.refresh_from_db()
    assert not out.is_out
    assert not Escalation.objects.filter(visit=out, resolved_at__isnull=True).exists()
