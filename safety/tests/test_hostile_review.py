"""A hostile review of check in by text, the duress PIN and the settings pages: each test tries an
attack (someone holding a member of staff's phone, a stranger who knows their mobile number, a
hostile or careless school admin) and says what must hold. R-CODEWORD, R-LATE-15, R-RETURN-30."""

import datetime
import difflib
import uuid

import pytest
from django.db import transaction
from django.urls import reverse

from accounts import pins
from accounts.models import SchoolSettingChange
from notifications.models import Notification
from safety.models import Escalation, EscalationLevel, EscalationReason
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitState

from .duress import DURESS, SAFETY, end, on_site, same_apart_from_tokens, url
from .pages import at
from .texting import _providers, notify_text, replies, twilio_text  # noqa: F401 (_providers: a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_providers")]

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def asking(world):
    world.school.pin_to_end_visit = True
    world.school.save()
    pins.set_pins(world.teacher, SAFETY, DURESS)
    return world


# --- Duress: a later text must answer as the phone shows the visit --------------------------------

def test_after_back_with_the_duress_pin_by_text_a_later_ok_is_answered_as_if_they_were_back(
        client, asking, clock_june_bst):
    """R-CODEWORD: whoever holds the phone texts OK after the duress PIN's "recorded, back at school":
    the reply must not say the visit is still going on ("recorded, all OK on ...")."""
    visit = on_site(asking, clock_june_bst)  # the TA is back already
    twilio_text(client, f"BACK {DURESS}")
    assert "back at school" in replies(asking.teacher)[-1]
    for body in ("OK", "LATE 30"):
        twilio_text(client, body)
        said = replies(asking.teacher)[-1]
        assert "you are not out on a visit" in said, (body, said)
    visit.refresh_from_db()
    assert not visit.events.filter(kind__in=[EventKind.OK, EventKind.LATE], actor=asking.teacher).exists()


def test_the_safety_pin_texted_after_the_duress_pin_does_not_close_the_duress_alarm(client, asking, clock_june_bst):
    """R-CODEWORD: after BACK with the duress PIN the phone shows them back; BACK with the safety PIN
    afterwards (as the web page would never offer) must not end the visit, close the code word's
    alarm and send everyone the all clear."""
    visit = on_site(asking, clock_june_bst)
    twilio_text(client, f"BACK {DURESS}")
    twilio_text(client, f"BACK {SAFETY}")
    visit.refresh_from_db()
    assert visit.is_out
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert (esc.level, esc.reason) == (EscalationLevel.EMERGENCY, EscalationReason.DURESS)
    assert not Notification.objects.filter(subject__startswith="All clear").exists()
    assert "you are not out on a visit" in replies(asking.teacher)[-1]


def test_help_texted_after_the_duress_pin_still_sounds_the_alarm_again(client, asking, clock_june_bst):
    """R-CODEWORD: the phone shows them back, but HELP is a new signal from someone in danger."""
    visit = on_site(asking, clock_june_bst)
    twilio_text(client, f"BACK {DURESS}")
    count = Escalation.objects.get(visit=visit, resolved_at__isnull=True).alert_count
    twilio_text(client, "HELP")
    assert Escalation.objects.get(visit=visit, resolved_at__isnull=True).alert_count == count + 1
    assert replies(asking.teacher)[-1] == "Home Visits: message received."


# --- Duress: every page visiting staff can open shows what a real return would -------------------

def _staff_pages(client, visit, user):
    client.force_login(user)
    return {
        "visit-list": client.get(reverse("visits:visit-list") + "?show=all"),
        "timetable": client.get(reverse("visits:timetable")),
        "family": client.get(reverse("visits:family-detail", args=[visit.family_id])),
    }


def _after_ending_with(client, world, visit, pin, user):
    with transaction.atomic():
        client.force_login(user)
        end(client, visit, EventKind.RETURNED, pin)
        pages = {name: (page.status_code, same_apart_from_tokens(page.content.decode()))
                 for name, page in _staff_pages(client, visit, user).items()}
        transaction.set_rollback(True)
    return pages


def test_the_visit_list_timetable_and_family_page_look_the_same_after_the_duress_pin(client, asking, clock_june_bst):
    """R-CODEWORD: the visit list, the timetable and the family's page are pages of the phone too:
    after the duress PIN they must show the visit returned, as after the safety PIN, not "On site"."""
    visit = on_site(asking, clock_june_bst)
    visit.family.shared_with.add(asking.teacher)  # so the teacher may open the family's page
    safe = _after_ending_with(client, asking, visit, SAFETY, asking.teacher)
    duress = _after_ending_with(client, asking, visit, DURESS, asking.teacher)
    for name in safe:
        assert safe[name][0] == 200, name
        assert duress[name] == safe[name], (name, [line for line in difflib.unified_diff(
            safe[name][1].splitlines(), duress[name][1].splitlines(), lineterm="", n=0)][2:])


def test_a_dsl_out_on_a_visit_sees_their_visit_page_as_the_phone_shows_it_after_the_duress_pin(
        client, asking, clock_june_bst):
    """R-CODEWORD: the DSL (or head) who goes on a visit holds a phone that keeps watch too: after
    their own duress PIN, their visit page must not carry the escalation panel ("CODE WORD used",
    "Duress PIN typed instead of the safety PIN")."""
    visit = asking.visit()
    visit.staff.add(asking.dsl)
    pins.set_pins(asking.dsl, SAFETY, DURESS)
    check_in(visit, EventKind.DEPARTED, asking.teacher, now=at(10, 2))
    check_in(visit, EventKind.ARRIVED, asking.teacher, now=at(10, 15))
    check_in(visit, EventKind.RETURNED, asking.teacher, now=at(11, 0), pin=SAFETY)
    check_in(visit, EventKind.RETURNED, asking.ta, now=at(11, 0))
    clock_june_bst.move_to(at(11, 5))
    seen = {}
    for pin in (SAFETY, DURESS):
        with transaction.atomic():
            client.force_login(asking.dsl)
            assert end(client, visit, EventKind.RETURNED, pin).status_code == 302
            page = client.get(visit.get_absolute_url()).content.decode()
            seen[pin] = same_apart_from_tokens(page)
            transaction.set_rollback(True)
    for giveaway in ("CODE WORD", "Duress PIN", "duress-signals", "Level 3"):
        assert giveaway not in seen[DURESS], giveaway
    assert seen[DURESS] == seen[SAFETY]


# --- A stranger who knows the mobile number ------------------------------------------------------

def test_a_forged_late_text_does_not_silence_an_open_alarm(client, world, clock_june_bst):
    """R-LATE-15, R-RETURN-30: a text's sender can be forged (which is why BACK needs the PIN). A
    stranger who knows the teacher's mobile number texts "LATE 240" while the head is being alerted:
    the open alarm must not close, and nobody must be sent the all clear."""
    visit = world.visit()  # 10:00 to 11:15, the teacher and the TA
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 0))
    scan(at(11, 46))  # R-RETURN-30: 31 minutes late, the head alerted
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert esc.level == EscalationLevel.CHASE
    clock_june_bst.move_to(at(11, 47))
    for person in (world.teacher, world.ta):
        twilio_text(client, "LATE 240", sender=str(person.profile.mobile.as_e164))
    assert Escalation.objects.filter(pk=esc.pk, resolved_at__isnull=True).exists()
    assert not Notification.objects.filter(subject__startswith="All clear").exists()


def test_back_without_a_pin_texted_from_their_number_uses_up_none_of_their_pin_tries(client, asking, clock_june_bst):
    """R-CODEWORD: "BACK" with no PIN is not a guess at one. Five of them (a stranger who knows the
    number, or the member of staff forgetting the PIN) must not lock them out of ending their visit
    with their safety PIN for 15 minutes."""
    visit = on_site(asking, clock_june_bst)
    for _ in range(pins.WRONG_PINS_ALLOWED):
        notify_text(client, "Back")
    assert "PIN" in replies(asking.teacher)[-1]
    client.force_login(asking.teacher)
    end(client, visit, EventKind.RETURNED, SAFETY)
    visit.refresh_from_db()
    assert visit.state == VisitState.RETURNED


def test_wrong_pins_by_text_count_with_those_on_the_phone(client, asking, clock_june_bst):
    """R-CODEWORD: the text path is throttled as the phone is: guesses by text use up the same tries."""
    visit = on_site(asking, clock_june_bst)
    for guess in range(pins.WRONG_PINS_ALLOWED):
        twilio_text(client, f"BACK {1000 + guess}")
    client.force_login(asking.teacher)
    page = client.post(url(visit), {"kind": EventKind.RETURNED, "idempotency_key": str(uuid.uuid4()),
                                    "pin": SAFETY}).content.decode()
    assert "Too many wrong PINs" in page
    visit.refresh_from_db()
    assert visit.is_out


# --- The school admin -----------------------------------------------------------------------------

def test_turning_off_the_pin_to_end_a_visit_is_on_the_audit_page(client, asking):
    """A school admin who switches off the PIN (and with it the duress PIN) leaves a record, old -> new."""
    client.force_login(asking.admin)
    school = asking.school
    data = {name: getattr(school, name) or "" for name in (
        "low_risk_checkin_minutes", "medium_risk_checkin_minutes", "high_risk_checkin_minutes",
        "checkin_interval_minutes")}
    if school.override_alerts_head_at_late_call:
        data["override_alerts_head_at_late_call"] = "on"
    response = client.post(reverse("school-settings", args=[school.pk, "watch"]), data)  # pin_to_end_visit unticked
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.pin_to_end_visit is False
    change = SchoolSettingChange.objects.get(school=school)
    assert {"setting": "ask for the PIN to end a visit", "old": "Yes", "new": "No"} in change.changes
