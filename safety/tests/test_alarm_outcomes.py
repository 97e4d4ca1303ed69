"""What an alarm was (R-REVIEW, R-CONTACT-STEPS): said by the office when it resolves the alarm from
the escalation page, left "not yet said" when staff tap "back" on their phone, said afterwards by the
office, the head or the DSL of that school from the alarms list, and corrected only by the head or
the DSL, each time a visit event and a history row."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from homevisits.factories import FamilyFactory, VisitFactory
from safety.escalations import say_outcome
from safety.models import AlarmOutcome, ContactAttempt, ContactOutcome, Escalation, EscalationLevel
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitState

from .pages import at

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def overdue(world):
    """Signed out at 10:00, due back 11:15, flagged at 11:30 (R-LATE-15): the visit's open alarm."""
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    scan(at(11, 30))
    return visit


def back_by_phone(world):
    """Both tap "back" on their own phones at 11:40: the alarm resolves, nobody asked what it was."""
    visit = overdue(world)
    check_in(visit, EventKind.RETURNED, world.teacher, now=at(11, 40))
    check_in(visit, EventKind.RETURNED, world.ta, now=at(11, 40))
    return Escalation.objects.get(visit=visit)


@pytest.fixture
def unsaid(world, clock_june_bst):
    clock_june_bst.move_to(at(11, 45))
    return back_by_phone(world)


def alarm_url(esc):
    return reverse("safety:alarm", args=[esc.pk])


# --- Left "not yet said" on the doorstep, said afterwards -----------------------------------------

def test_staff_tapping_back_leave_the_alarm_not_yet_said(unsaid):
    assert unsaid.is_alarm and unsaid.outcome == "" and not unsaid.outcome_said
    assert list(Escalation.objects.unsaid()) == [unsaid]


def test_the_office_says_what_it_was_afterwards_from_the_list(client, world, unsaid):
    client.force_login(world.office)
    page = text(client.get(reverse("safety:alarms")))
    assert "Say what these alarms were" in page and 'data-testid="unsaid-alarm"' in page
    assert "Resolved Wed 10 Jun 11:40: Everyone is back" in page
    response = client.post(alarm_url(unsaid), {"alarm_outcome": AlarmOutcome.FORGOT, "note": "Phone in her bag",
                                               "next": reverse("safety:alarms")}, follow=True)
    assert "Recorded: Forgot to check in." in text(response)
    assert 'data-testid="no-unsaid-alarms"' in text(response)
    unsaid.refresh_from_db()
    assert (unsaid.outcome, unsaid.outcome_note, unsaid.outcome_by) == (AlarmOutcome.FORGOT, "Phone in her bag",
                                                                         world.office)
    event = unsaid.visit.events.get(kind=EventKind.ALARM_SAID)
    assert event.actor == world.office and event.note == "Forgot to check in: Phone in her bag"
    assert event.data == {"level": 1, "outcome": "forgot"}


def test_the_board_lists_the_alarms_still_to_say(client, world, unsaid):
    client.force_login(world.dsl)
    page = text(client.get(reverse("safety:board")))
    assert 'data-testid="board-unsaid"' in page and "1 resolved alarm still to say" in page
    assert f'href="{alarm_url(unsaid)}?next=/out/"' in page
    say_outcome(unsaid, AlarmOutcome.LATE_SAFE, world.dsl)
    assert 'data-testid="board-unsaid"' not in text(client.get(reverse("safety:board")))


def test_a_missing_outcome_is_refused_beside_the_field_and_nothing_is_saved(client, world, unsaid):
    client.force_login(world.office)
    response = client.post(alarm_url(unsaid), {"alarm_outcome": "", "note": "Half a thought"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"alarm_outcome": ["Say what the alarm was."]}
    assert 'id="error_1_id_alarm' in response.content.decode()  # beside the field (crispy's error id)
    unsaid.refresh_from_db()
    assert unsaid.outcome == "" and unsaid.outcome_note == ""
    assert not unsaid.visit.events.filter(kind=EventKind.ALARM_SAID).exists()


def test_an_outcome_not_on_the_list_is_refused(client, world, unsaid):
    client.force_login(world.office)
    response = client.post(alarm_url(unsaid), {"alarm_outcome": "aliens"})
    assert "alarm_outcome" in response.context["form"].errors
    unsaid.refresh_from_db()
    assert unsaid.outcome == ""


# --- Correcting it: the head and the DSL only -----------------------------------------------------

def test_the_office_cannot_correct_what_was_said(client, world, unsaid):
    say_outcome(unsaid, AlarmOutcome.FORGOT, world.office)
    client.force_login(world.office)
    page = text(client.get(alarm_url(unsaid)))
    assert "Forgot to check in" in page and "Correct what it was" not in page
    assert client.post(alarm_url(unsaid), {"alarm_outcome": AlarmOutcome.INCIDENT}).status_code == 403
    assert client.post(alarm_url(unsaid), {"alarm_outcome": ""}).status_code == 403  # refused before the form is read
    with pytest.raises(PermissionDenied):
        say_outcome(unsaid, AlarmOutcome.INCIDENT, world.office)
    unsaid.refresh_from_db()
    assert unsaid.outcome == AlarmOutcome.FORGOT


@pytest.mark.parametrize("lead", ["head", "dsl"])
def test_the_head_or_dsl_corrects_it_and_the_correction_is_on_record(client, world, unsaid, lead):
    say_outcome(unsaid, AlarmOutcome.FORGOT, world.office)
    history_before = unsaid.history.count()
    client.force_login(getattr(world, lead))
    assert "Correct what it was" in text(client.get(alarm_url(unsaid)))
    client.post(alarm_url(unsaid), {"alarm_outcome": AlarmOutcome.LATE_SAFE, "note": "She had rung; nobody wrote it"})
    unsaid.refresh_from_db()
    assert unsaid.outcome == AlarmOutcome.LATE_SAFE and unsaid.outcome_by == getattr(world, lead)
    corrected = unsaid.visit.events.filter(kind=EventKind.ALARM_SAID).order_by("pk").last()
    assert corrected.note == "Corrected to Late but safe (was Forgot to check in): She had rung; nobody wrote it"
    assert corrected.data["previous"] == "forgot"
    assert unsaid.history.count() == history_before + 1
    assert unsaid.history.first().outcome == AlarmOutcome.LATE_SAFE


# --- Who may say it, and of which alarms ----------------------------------------------------------

@pytest.fixture
def elsewhere(other_school, other_head):
    """A resolved alarm, nobody has said what, at the other school."""
    visit = VisitFactory(family=FamilyFactory(school=other_school), school=other_school, lead=other_head,
                         created_by=other_head, staff=[other_head], planned_start=at(10), expected_return=at(11),
                         state=VisitState.RETURNED)
    return Escalation.objects.create(visit=visit, round=1, level=EscalationLevel.LATE, reason="late_return",
                                     anchor=at(11), created_at=at(11, 15), resolved_at=at(11, 30))


def test_another_schools_alarm_is_not_found(client, world, unsaid, elsewhere):
    for who in (world.office, world.head, world.dsl):
        client.force_login(who)
        assert client.get(alarm_url(elsewhere)).status_code == 404
        assert client.post(alarm_url(elsewhere), {"alarm_outcome": AlarmOutcome.FORGOT}).status_code == 404
        assert f"alarm-{elsewhere.pk}" not in text(client.get(reverse("safety:alarms")))
    with pytest.raises(PermissionDenied):
        say_outcome(elsewhere, AlarmOutcome.FORGOT, world.head)
    elsewhere.refresh_from_db()
    assert elsewhere.outcome == ""


@pytest.mark.parametrize("who", ["teacher", "ta", "admin"])
def test_visiting_staff_and_the_school_admin_cannot_say_it(client, world, unsaid, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("safety:alarms")).status_code == 404
    assert client.get(alarm_url(unsaid)).status_code == 404
    assert client.post(alarm_url(unsaid), {"alarm_outcome": AlarmOutcome.LATE_SAFE}).status_code == 404
    with pytest.raises(PermissionDenied):
        say_outcome(unsaid, AlarmOutcome.LATE_SAFE, getattr(world, who))
    unsaid.refresh_from_db()
    assert unsaid.outcome == ""


def test_an_open_alarm_has_nothing_to_say_yet(client, world, clock_june_bst):
    clock_june_bst.move_to(at(11, 35))
    esc = Escalation.objects.get(visit=overdue(world))
    client.force_login(world.office)
    assert client.get(alarm_url(esc)).status_code == 404
    with pytest.raises(ValidationError, match="not resolved yet"):
        say_outcome(esc, AlarmOutcome.LATE_SAFE, world.office)


def test_a_level_raised_to_the_next_is_part_of_the_higher_alarm(client, world, clock_june_bst):
    visit = overdue(world)
    scan(at(11, 45))  # raised to level 2 (R-RETURN-30): level 1 closes as raised, not an alarm of its own
    check_in(visit, EventKind.RETURNED, world.teacher, now=at(11, 50))
    check_in(visit, EventKind.RETURNED, world.ta, now=at(11, 50))
    lower, top = (Escalation.objects.get(visit=visit, level=level) for level in (1, 2))
    assert list(Escalation.objects.unsaid()) == [top]
    client.force_login(world.office)
    assert client.get(alarm_url(lower)).status_code == 404
    assert client.get(alarm_url(top)).status_code == 200


# --- Resolving from the escalation page asks what it was ------------------------------------------

def contact(client, visit, **extra):
    esc = Escalation.objects.open_alerts().get(visit=visit)
    data = {"action": "contact", "escalation": esc.pk, "step": 1, "outcome": ContactOutcome.REACHED_SAFE,
            "new_expected_return": "12:30", **extra}
    return client.post(reverse("safety:escalation", args=[visit.pk]), data, follow=True)


def test_reached_safe_without_saying_what_it_was_is_refused_and_nothing_is_half_saved(client, world,
                                                                                      clock_june_bst):
    clock_june_bst.move_to(at(11, 35))
    visit = overdue(world)
    client.force_login(world.office)
    response = contact(client, visit, note="Car broke down")
    page = response.content.decode()
    assert response.context["panel"]["contact_form"].errors == {"alarm_outcome": ["Say what the alarm was."]}
    assert 'id="error_1_id_contact_alarm_outcome"' in page  # beside the field
    assert not ContactAttempt.objects.exists()
    assert Escalation.objects.open_alerts().filter(visit=visit).count() == 1
    visit.refresh_from_db()
    assert visit.expected_return == at(11, 15)


def test_the_service_refuses_it_too_before_writing_anything(world, clock_june_bst):  # R-CONTACT-STEPS
    from safety.escalations import record_contact

    esc = Escalation.objects.get(visit=overdue(world))
    with pytest.raises(ValidationError) as refused:
        record_contact(esc, 1, ContactOutcome.REACHED_SAFE, world.office, new_expected_return=at(12, 30),
                       now=at(11, 35))
    assert refused.value.message_dict == {"alarm_outcome": ["Say what the alarm was."]}
    assert not ContactAttempt.objects.exists() and Escalation.objects.open_alerts().exists()


def test_reached_safe_with_what_it_was_resolves_and_records_it(client, world, clock_june_bst):
    clock_june_bst.move_to(at(11, 35))
    visit = overdue(world)
    client.force_login(world.office)
    response = contact(client, visit, note="Car broke down", alarm_outcome=AlarmOutcome.LATE_SAFE)
    assert "Escalation resolved. Expected back 12:30." in text(response)
    esc = Escalation.objects.get(visit=visit)
    assert (esc.outcome, esc.outcome_note, esc.outcome_by, esc.outcome_at) == (
        AlarmOutcome.LATE_SAFE, "Car broke down", world.office, at(11, 35))
    assert visit.events.get(kind=EventKind.ALARM_SAID).note == "Late but safe: Car broke down"
    assert not Escalation.objects.unsaid().exists()
    page = text(client.get(reverse("safety:escalation", args=[visit.pk])))
    assert "what it was: <strong>Late but safe</strong>" in page
    assert "Correct</a>" not in page  # the office does not correct it


def test_a_step_that_does_not_resolve_asks_nothing(client, world, clock_june_bst):
    clock_june_bst.move_to(at(11, 35))
    visit = overdue(world)
    client.force_login(world.office)
    contact(client, visit, outcome=ContactOutcome.NO_ANSWER, new_expected_return="",
            alarm_outcome=AlarmOutcome.POLICE)
    attempt = ContactAttempt.objects.get()
    assert attempt.outcome == ContactOutcome.NO_ANSWER
    esc = Escalation.objects.get(visit=visit)
    assert esc.is_open and esc.outcome == ""


def test_the_escalation_page_offers_to_say_an_unsaid_alarm(client, world, unsaid):
    client.force_login(world.office)
    page = text(client.get(reverse("safety:escalation", args=[unsaid.visit_id])))
    assert "<strong>not yet said</strong>" in page and "Say what it was</a>" in page
