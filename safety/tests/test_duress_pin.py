"""The duress PIN (R-CODEWORD): where the school asks for the PIN to end a visit, the safety PIN records
"Left the property" / "Back at school"; the duress PIN shows the phone exactly the same while the top
level goes up through the one duress path, and the visit stays out and watched. Nothing on the
phones of the staff on the visit gives it away afterwards; the office, the head and the DSL see it all.
"""

import datetime
import logging
import re
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts import pins
from accounts.models import RateLimitHit
from notifications.models import Notification
from safety.escalations import acknowledge
from safety.models import Escalation, EscalationLevel, EscalationReason
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitEvent, VisitState

from .duress import DURESS, SAFETY, end, on_site, same_apart_from_tokens, url
from .pages import at

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def asking(world):
    """The school asks for the PIN to end a visit; the teacher has set both PINs (the TA none)."""
    world.school.pin_to_end_visit = True
    world.school.save()
    pins.set_pins(world.teacher, SAFETY, DURESS)
    return world




def keys_of(page: str) -> dict:
    """The idempotency key of each form on the page, by its kind."""
    return dict(re.findall(r'name="kind" value="(\w+)"[^>]*>\s*<input[^>]*name="idempotency_key" value="([0-9a-f-]{36})"',
                           page))




def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())






PHONE_PAGES = ("checkin", "my-visits", "visit", "home")


def phone_pages(client, visit) -> dict:
    return {
        "checkin": client.get(url(visit)),
        "my-visits": client.get(reverse("safety:my-visits")),
        "visit": client.get(visit.get_absolute_url()),
        "home": client.get("/"),
    }


def run_and_roll_back(client, world, visit, pin):
    """End the visit with `pin` as the teacher; what the phone got: the post, the page it was sent
    to, and then each page the phone shows. Everything is rolled back afterwards."""
    with transaction.atomic():
        client.force_login(world.teacher)
        page = client.get(url(visit)).content.decode()
        posted = end(client, visit, EventKind.RETURNED, pin, key=keys_of(page)[EventKind.RETURNED])
        landed = client.get(posted["Location"])
        pages = phone_pages(client, visit)
        seen = {"status": posted.status_code, "location": posted["Location"], "landed": landed}
        seen.update(pages)
        escalations = list(Escalation.objects.filter(visit=visit).values_list("level", "reason", "resolved_at"))
        transaction.set_rollback(True)
    return seen, escalations


# --- The same screen ----------------------------------------------------------------------------


def test_the_duress_pin_shows_the_phone_exactly_what_the_safety_pin_does(client, asking, clock_june_bst):
    # R-CODEWORD: the post, where it goes, the page after it and every page on the phone afterwards
    # are the same, byte for byte apart from security tokens and form keys.
    visit = on_site(asking, clock_june_bst)
    safe, safe_escalations = run_and_roll_back(client, asking, visit, SAFETY)
    duress, duress_escalations = run_and_roll_back(client, asking, visit, DURESS)

    assert safe["status"] == duress["status"] == 302
    assert safe["location"] == duress["location"] == url(visit)
    assert "Back at school at 11:05. Everyone is back: the visit is closed." in text(safe["landed"])
    assert "Now write the visit report" in text(safe["landed"])
    for name in ("landed", *PHONE_PAGES):
        assert safe[name].status_code == duress[name].status_code == 200, name
        assert same_apart_from_tokens(duress[name].content.decode()) == \
            same_apart_from_tokens(safe[name].content.decode()), name

    # ...while the safety PIN recorded the return and the duress PIN raised the top level instead.
    assert safe_escalations == []
    assert duress_escalations == [(EscalationLevel.EMERGENCY, EscalationReason.DURESS, None)]


def test_left_the_property_with_the_duress_pin_looks_the_same_too(client, asking, clock_june_bst):  # R-CODEWORD
    visit = asking.visit()
    check_in(visit, EventKind.DEPARTED, asking.teacher, now=at(10, 2))
    check_in(visit, EventKind.ARRIVED, asking.teacher, now=at(10, 15))
    clock_june_bst.move_to(at(10, 50))
    seen = {}
    for pin in (SAFETY, DURESS):
        with transaction.atomic():
            client.force_login(asking.teacher)
            response = client.post(url(visit), {"kind": EventKind.LEFT, "idempotency_key": str(uuid.uuid4()),
                                                "pin": pin}, follow=True)
            seen[pin] = (response.status_code, same_apart_from_tokens(response.content.decode()),
                         Visit_state(visit))
            transaction.set_rollback(True)
    assert "Left the property at 10:50. Expected back 11:15." in seen[SAFETY][1]
    assert seen[DURESS][:2] == seen[SAFETY][:2]
    # The duress PIN recorded no "left": the police pack still says they are at the address.
    assert seen[SAFETY][2] == VisitState.LEFT and seen[DURESS][2] == VisitState.ON_SITE


def Visit_state(visit):  # noqa: N802 - read inside the rolled-back block
    visit.refresh_from_db()
    return visit.state


# --- What the duress PIN does -------------------------------------------------------------------


def duress_end(client, world, clock):
    visit = on_site(world, clock)
    client.force_login(world.teacher)
    response = end(client, visit, EventKind.RETURNED, DURESS)
    assert response.status_code == 302
    client.get(response["Location"])  # the page it lands on, with its message
    return visit


def test_the_duress_pin_raises_the_top_level_through_the_duress_path(client, asking, clock_june_bst):  # R-CODEWORD
    visit = duress_end(client, asking, clock_june_bst)
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert (esc.level, esc.reason) == (EscalationLevel.EMERGENCY, EscalationReason.DURESS)
    event = visit.events.get(kind=EventKind.DURESS)
    assert event.actor == asking.teacher and event.data == {"signal": "duress_pin", "cover": "returned"}
    # The office, the head and the DSL are alerted at once; nobody still out is sent anything.
    told = set(Notification.objects.filter(escalation=esc).values_list("recipient", flat=True))
    assert {asking.office.pk, asking.head.pk, asking.dsl.pk} <= told
    assert asking.teacher.pk not in told


def test_the_visit_stays_out_and_watched_after_the_duress_pin(client, asking, clock_june_bst):  # R-CODEWORD
    visit = duress_end(client, asking, clock_june_bst)
    visit.refresh_from_db()
    assert visit.state == VisitState.ON_SITE and visit.returned_at is None
    assert visit.next_check_at is not None and visit.escalation_level == EscalationLevel.EMERGENCY
    assert visit.staff_links.get(user=asking.teacher).returned_at is None
    assert not visit.events.filter(kind=EventKind.RETURNED, actor=asking.teacher).exists()
    assert not Notification.objects.filter(subject__startswith="All clear").exists()
    # Nobody takes charge: the watchdog goes on sounding it.
    scan(at(11, 5) + 15 * MINUTE)
    assert Escalation.objects.get(visit=visit, resolved_at__isnull=True).alert_count > 1


def test_the_board_and_the_escalation_page_say_it_was_a_duress_pin(client, asking, clock_june_bst):  # R-CODEWORD
    visit = duress_end(client, asking, clock_june_bst)
    for who in (asking.office, asking.head, asking.dsl):
        client.force_login(who)
        board = text(client.get(reverse("safety:board")))
        assert "Level 3" in board
        assert "Duress PIN typed instead of the safety PIN (their phone shows a normal screen)" in board
        page = text(client.get(reverse("safety:escalation", args=[visit.pk])))
        assert 'data-testid="duress-signals"' in page and "Duress PIN typed instead of the safety PIN" in page
        assert "Their phone shows the normal screen" in page
        assert "CODE WORD used: call the police now" in page


def test_nothing_on_the_phone_gives_it_away_afterwards(client, asking, clock_june_bst):  # R-CODEWORD
    visit = duress_end(client, asking, clock_june_bst)
    client.force_login(asking.teacher)
    before = {name: same_apart_from_tokens(page.content.decode()) for name, page in phone_pages(client, visit).items()}
    # School acts: the office takes charge, the watchdog repeats the alert, contact is tried.
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    acknowledge(esc, asking.office, now=at(11, 7))
    scan(at(11, 40))
    client.force_login(asking.teacher)
    after = {name: same_apart_from_tokens(page.content.decode()) for name, page in phone_pages(client, visit).items()}
    assert after == before
    for name, page in after.items():
        for giveaway in ("School has seen", "duress", "Duress", "CODE WORD", "Escalated", "is dealing with it",
                         "Level 3", "alert-danger"):
            assert giveaway not in page, (name, giveaway)
    assert "Back at school" in after["visit"] and 'data-testid="visit-state">Returned<' in after["visit"]
    assert "Everyone is back: this visit is closed." in after["checkin"]
    assert reverse("safety:checkin", args=[visit.pk]) not in after["my-visits"]
    # Nothing is sent to the phone of anyone on the visit: no alert, no "taken", no reminder, no all clear.
    assert not Notification.objects.filter(recipient__in=[asking.teacher, asking.ta]).exists()


def test_the_colleague_on_the_visit_sees_the_same_as_after_a_real_return(client, asking, clock_june_bst):
    # R-CODEWORD: the teacher's duress PIN while the TA is still out; the TA's phone shows the teacher back.
    visit = asking.visit()
    check_in(visit, EventKind.DEPARTED, asking.teacher, now=at(10, 2))
    check_in(visit, EventKind.ARRIVED, asking.teacher, now=at(10, 15))
    clock_june_bst.move_to(at(11, 0))
    seen = {}
    for pin in (SAFETY, DURESS):
        with transaction.atomic():
            client.force_login(asking.teacher)
            end(client, visit, EventKind.RETURNED, pin)
            client.force_login(asking.ta)
            seen[pin] = same_apart_from_tokens(client.get(url(visit)).content.decode())
            transaction.set_rollback(True)
    assert "Already back: " in seen[SAFETY]
    assert seen[DURESS] == seen[SAFETY]


def test_a_replayed_duress_pin_form_answers_as_a_replayed_return_and_records_once(client, asking, clock_june_bst):
    visit = on_site(asking, clock_june_bst)
    client.force_login(asking.teacher)
    key = str(uuid.uuid4())
    end(client, visit, EventKind.RETURNED, DURESS, key=key)
    again = client.post(url(visit), {"kind": EventKind.RETURNED, "idempotency_key": key, "pin": DURESS}, follow=True)
    assert "Already recorded: Back at school at 11:05. Everyone is back" in text(again)
    assert visit.events.filter(kind=EventKind.DURESS).count() == 1


def test_the_safety_pin_records_the_return_as_ever(client, asking, clock_june_bst):  # R-RETURN
    visit = on_site(asking, clock_june_bst)
    client.force_login(asking.teacher)
    end(client, visit, EventKind.RETURNED, SAFETY)
    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED
    assert not Escalation.objects.filter(visit=visit).exists()
    assert not visit.events.filter(kind=EventKind.DURESS).exists()


def test_after_a_duress_pin_left_the_safety_pin_still_brings_them_back(client, asking, clock_june_bst):
    visit = asking.visit()
    check_in(visit, EventKind.DEPARTED, asking.teacher, now=at(10, 2))
    check_in(visit, EventKind.ARRIVED, asking.teacher, now=at(10, 15))
    client.force_login(asking.teacher)
    end(client, visit, EventKind.LEFT, DURESS)
    page = text(client.get(url(visit)))
    assert 'data-testid="visit-state">Left the property<' in page and "Back at school" in page
    end(client, visit, EventKind.RETURNED, SAFETY)
    check_in(visit, EventKind.RETURNED, asking.ta)
    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED


# --- A wrong PIN, and the throttle --------------------------------------------------------------


def test_a_wrong_pin_is_told_beside_the_field_and_records_nothing(client, asking, clock_june_bst):
    visit = on_site(asking, clock_june_bst)
    client.force_login(asking.teacher)
    events = visit.events.count()
    response = client.post(url(visit), {"kind": EventKind.RETURNED, "idempotency_key": str(uuid.uuid4()),
                                        "pin": "000000"})
    assert response.status_code == 200
    page = response.content.decode()
    field = page.index('id="id_returned_pin"')
    assert "is-invalid" in page[page.rfind("<input", 0, field):field + 200]
    assert page.index(pins.WRONG_PIN) > field  # beside it, not at the top of the page
    empty = client.post(url(visit), {"kind": EventKind.RETURNED, "idempotency_key": str(uuid.uuid4()), "pin": ""})
    assert pins.WRONG_PIN in empty.content.decode()
    assert visit.events.count() == events
    visit.refresh_from_db()
    assert visit.state == VisitState.ON_SITE
    assert not Escalation.objects.filter(visit=visit).exists()


def test_wrong_pins_are_throttled_but_the_duress_pin_still_raises_the_alarm(client, asking, clock_june_bst):
    visit = on_site(asking, clock_june_bst)
    client.force_login(asking.teacher)
    for _ in range(pins.WRONG_PINS_ALLOWED):
        assert pins.WRONG_PIN in end(client, visit, EventKind.RETURNED, "111111").content.decode()
    # Now even the right safety PIN is refused for a while (a guessed PIN must not end a visit)...
    refused = end(client, visit, EventKind.RETURNED, SAFETY)
    assert pins.NO_MORE_TRIES in refused.content.decode()
    visit.refresh_from_db()
    assert visit.state == VisitState.ON_SITE
    # ...and the duress PIN gets the very same refusal, while the alarm goes (R-CODEWORD).
    duress = end(client, visit, EventKind.RETURNED, DURESS)
    assert same_apart_from_tokens(duress.content.decode()) == same_apart_from_tokens(refused.content.decode())
    esc = Escalation.objects.get(visit=visit)
    assert (esc.level, esc.reason) == (EscalationLevel.EMERGENCY, EscalationReason.DURESS)
    assert visit.events.get(kind=EventKind.DURESS).data["cover"] == ""
    # The window passes: the safety PIN works again.
    clock_june_bst.move_to(at(11, 5) + pins.WRONG_PIN_WINDOW + MINUTE)
    end(client, visit, EventKind.RETURNED, SAFETY)
    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED
    assert RateLimitHit.objects.filter(scope=pins.WRONG_PIN_SCOPE).count() <= pins.WRONG_PINS_ALLOWED


# --- The PIN is never kept, nor logged ----------------------------------------------------------


def test_no_pin_is_kept_anywhere_in_the_database_or_the_logs(client, asking, clock_june_bst, caplog):
    caplog.set_level(logging.DEBUG)
    visit = on_site(asking, clock_june_bst)
    client.force_login(asking.teacher)
    end(client, visit, EventKind.RETURNED, "123987")  # wrong
    end(client, visit, EventKind.RETURNED, DURESS)
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    for pin in (SAFETY, DURESS, "123987"):
        assert pin not in dump.getvalue()
        assert pin not in caplog.text
    assert VisitEvent.objects.filter(kind=EventKind.DURESS).count() == 1


# --- Where the PIN is not asked -----------------------------------------------------------------


def test_without_the_school_setting_no_pin_is_asked(client, world, clock_june_bst):
    pins.set_pins(world.teacher, SAFETY, DURESS)
    visit = on_site(world, clock_june_bst)
    client.force_login(world.teacher)
    assert 'name="pin"' not in client.get(url(visit)).content.decode()
    end(client, visit, EventKind.RETURNED, "")
    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED


def test_staff_without_pins_end_a_visit_as_before_and_are_asked_to_set_them(client, asking, clock_june_bst):
    visit = asking.visit()
    check_in(visit, EventKind.DEPARTED, asking.teacher, now=at(10, 2))
    client.force_login(asking.ta)
    page = client.get(url(visit)).content.decode()
    assert 'name="pin"' not in page and 'data-testid="pin-not-set"' in page
    client.post(url(visit), {"kind": EventKind.RETURNED, "idempotency_key": str(uuid.uuid4())})
    assert visit.staff_links.get(user=asking.ta).returned_at is not None


def test_the_pin_field_is_on_the_ending_buttons_only(client, asking, clock_june_bst):
    visit = asking.visit()
    check_in(visit, EventKind.DEPARTED, asking.teacher, now=at(10, 2))
    check_in(visit, EventKind.ARRIVED, asking.teacher, now=at(10, 15))
    client.force_login(asking.teacher)
    page = client.get(url(visit)).content.decode()
    assert re.findall(r'id="id_(\w+)_pin"', page) == ["left", "returned"]
    # "All OK" needs no PIN.
    client.post(url(visit), {"kind": EventKind.OK, "idempotency_key": str(uuid.uuid4())})
    assert visit.events.filter(kind=EventKind.OK).exists()


def test_the_office_records_a_call_without_a_pin(client, asking, clock_june_bst):  # R-CODEWORD: by phone as ever
    visit = on_site(asking, clock_june_bst)
    client.force_login(asking.office)
    call_url = reverse("safety:record-call", args=[visit.pk])
    assert 'name="pin"' not in client.get(call_url).content.decode()
    client.post(call_url, {"kind": EventKind.RETURNED, "idempotency_key": str(uuid.uuid4()),
                           "on_behalf_of": asking.teacher.pk})
    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED


def test_another_schools_or_another_persons_visit_is_not_found(client, asking, other_head, clock_june_bst):
    visit = on_site(asking, clock_june_bst)
    for who in (other_head, asking.other_teacher):
        client.force_login(who)
        assert end(client, visit, EventKind.RETURNED, DURESS).status_code == 404
        assert client.get(url(visit)).status_code == 404
    assert not Escalation.objects.filter(visit=visit).exists()
