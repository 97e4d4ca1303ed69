"""Check in by text message (safety.texts, notifications.inbound): OK, LATE 20, BACK and HELP from a
member of staff's registered mobile, through GOV.UK Notify's received-text callback and a Twilio
number's incoming-message webhook, each request's token or signature checked; every text answered
with what was recorded; unknown senders ignored; a retried callback recorded once.
R-CHECKIN, R-LATE-15, R-RETURN, R-CODEWORD."""

import datetime

import pytest
from django.urls import reverse

from accounts import pins
from notifications.models import Channel, Notification
from safety.models import Escalation, EscalationLevel
from safety.watchdog import scan
from visits.models import EventKind, RecordedHow, VisitEvent, VisitState

from .texting import _providers, notify_text, replies, twilio_text  # noqa: F401 (_providers: a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_providers")]

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def out(out_visit, clock_tuesday_gmt):
    visit = out_visit()  # out 09:00 to 10:30, the teacher and the TA
    clock_tuesday_gmt.move_to(visit.planned_start + 40 * MINUTE)
    return visit


def last_event(visit):
    return visit.events.order_by("-at", "-pk").first()


@pytest.mark.parametrize("send", [twilio_text, notify_text])
def test_ok_is_recorded_as_the_staff_members_word_and_answered(client, out, world, send):
    response = send(client, "ok")
    assert response.status_code in (200, 204)
    event = last_event(out)
    assert (event.kind, event.actor, event.how) == (EventKind.OK, world.teacher, RecordedHow.TEXT)
    assert replies(world.teacher) == ["Home Visits: recorded, all OK on " f"{out.family.display_name} at 09:40."]
    reply = Notification.objects.get(recipient=world.teacher, dedupe_key__startswith="reply:")
    assert reply.channel == Channel.SMS and reply.visit is None


def test_late_20_moves_the_expected_return_and_says_the_new_time(client, out, world):
    twilio_text(client, "Late 20 mins, traffic")
    out.refresh_from_db()
    assert last_event(out).kind == EventKind.LATE
    assert out.expected_return == datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)  # 09:40 + 20
    assert replies(world.teacher)[-1].endswith("now back by 10:00.")


@pytest.mark.parametrize("body", ["LATE", "LATE 2", "LATE 500"])
def test_late_without_a_sensible_number_records_nothing_and_says_how(client, out, world, body):
    before = out.events.count()
    twilio_text(client, body)
    assert out.events.count() == before
    assert "for example LATE 20" in replies(world.teacher)[-1]


SAFETY, DURESS = "2468", "1357"


@pytest.fixture
def with_pins(world):
    for person in (world.teacher, world.ta):
        pins.set_pins(person, SAFETY, DURESS)


def test_back_with_the_safety_pin_is_this_person_back_and_the_visit_ends_when_both_are(client, out, world, with_pins):
    twilio_text(client, f"BACK {SAFETY}")
    out.refresh_from_db()
    assert out.state != VisitState.RETURNED  # the TA is still out (R-RETURN)
    assert "back at school" in replies(world.teacher)[-1]
    twilio_text(client, f"back {SAFETY}", sender="+447700900102", sid="SM" + "b" * 32)
    out.refresh_from_db()
    assert out.state == VisitState.RETURNED


def test_back_without_pins_set_records_nothing_a_forged_sender_cannot_end_a_visit(client, out, world):
    twilio_text(client, "BACK")
    out.refresh_from_db()
    assert out.is_out and not out.events.filter(kind=EventKind.RETURNED).exists()
    assert "you need a safety PIN" in replies(world.teacher)[-1]


@pytest.mark.parametrize("body", ["BACK", "BACK 0000"])
def test_back_with_no_or_a_wrong_pin_records_nothing(client, out, world, with_pins, body):
    twilio_text(client, body)
    out.refresh_from_db()
    assert out.is_out and not out.events.filter(kind__in=[EventKind.RETURNED, EventKind.DURESS]).exists()
    assert replies(world.teacher)[-1].startswith("Home Visits: nothing was recorded.")


def test_back_with_the_duress_pin_answers_as_the_safety_pin_and_raises_the_top_level(client, out, world, with_pins):
    """R-CODEWORD: the same reply as a real return; the visit stays out and watched; level 3 at once."""
    twilio_text(client, f"BACK {DURESS}")
    out.refresh_from_db()
    assert out.is_out and not out.events.filter(kind=EventKind.RETURNED).exists()
    assert Escalation.objects.get(visit=out, resolved_at__isnull=True).level == EscalationLevel.EMERGENCY
    said = replies(world.teacher)[-1]
    twilio_text(client, f"BACK {SAFETY}", sender="+447700900102", sid="SM" + "b" * 32)  # the TA, for real
    assert said == replies(world.ta)[-1]


def test_help_raises_the_top_level_at_once_and_the_reply_gives_nothing_away(client, out, world):  # R-CODEWORD
    twilio_text(client, "help")
    esc = Escalation.objects.get(visit=out, resolved_at__isnull=True)
    assert esc.level == EscalationLevel.EMERGENCY
    assert replies(world.teacher) == ["Home Visits: message received."]
    client.force_login(world.office)  # the office sees how it came
    assert "HELP texted from their mobile" in client.get(reverse("safety:board")).content.decode()


def test_anything_else_records_nothing_and_says_what_is_understood(client, out, world):
    before = out.events.count()
    twilio_text(client, "running a bit behind")
    assert out.events.count() == before
    assert replies(world.teacher) == ["Home Visits: nothing was recorded. Text OK, LATE 20 (back in 20 minutes), "
                                      "BACK, or HELP."]


def test_a_sender_with_no_visit_out_is_told_nothing_was_recorded(client, out, world):
    twilio_text(client, "OK", sender="+447700900103")  # the other teacher: a colleague, not on it
    assert "you are not out on a visit" in replies(world.other_teacher)[-1]
    assert not VisitEvent.objects.filter(actor=world.other_teacher).exists()


def test_an_unknown_sender_is_ignored_and_never_answered(client, out, caplog):
    before = VisitEvent.objects.count()
    assert twilio_text(client, "HELP", sender="+447700900999").status_code == 200
    assert VisitEvent.objects.count() == before and not Notification.objects.filter(
        dedupe_key__startswith="reply:").exists()
    assert "ending 999 ignored" in caplog.text and "+447700900999" not in caplog.text


def test_a_retried_callback_is_recorded_once_and_answered_once(client, out, world):
    twilio_text(client, "OK", sid="SM" + "a" * 32)
    twilio_text(client, "OK", sid="SM" + "a" * 32)  # Twilio retries with the same MessageSid
    assert out.events.filter(kind=EventKind.OK).count() == 1
    assert len(replies(world.teacher)) == 1


@pytest.mark.parametrize("forge", [
    lambda client: twilio_text(client, "BACK", signature="bm90IGEgc2lnbmF0dXJl"),
    lambda client: twilio_text(client, "BACK", signature=""),
    lambda client: notify_text(client, "BACK", token="guessed"),
    lambda client: notify_text(client, "BACK", token=""),
])
def test_a_forged_request_is_refused_and_changes_nothing(client, out, forge):
    before = VisitEvent.objects.count()
    assert forge(client).status_code == 403
    assert VisitEvent.objects.count() == before
    assert not Notification.objects.filter(dedupe_key__startswith="reply:").exists()


def test_no_token_configured_refuses_every_text(client, out, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.NOTIFY_CALLBACK_TOKEN = ""
    assert twilio_text(client, "OK").status_code == 403
    assert notify_text(client, "OK").status_code == 403


def test_a_mobile_shared_by_two_people_matches_nobody(client, out, world):
    world.ta.profile.mobile = world.teacher.profile.mobile
    world.ta.profile.save()
    twilio_text(client, "OK")
    assert not out.events.filter(kind=EventKind.OK).exists()
    assert not Notification.objects.filter(dedupe_key__startswith="reply:").exists()


def test_a_text_after_the_visit_ended_is_answered_not_recorded(client, out, world, with_pins):
    twilio_text(client, f"BACK {SAFETY}")
    twilio_text(client, "OK", sid="SM" + "c" * 32)
    assert "you are not out on a visit" in replies(world.teacher)[-1]


def test_once_school_is_alerted_ok_by_text_is_not_recorded_and_asks_them_to_call(client, out, world):
    """R-LATE-15: a forged sender must not answer an open alarm; the real one is told to call school."""
    scan(out.expected_return + 16 * MINUTE)
    esc = Escalation.objects.get(visit=out, resolved_at__isnull=True)
    before = out.events.count()
    twilio_text(client, "OK")
    assert out.events.count() == before and Escalation.objects.filter(pk=esc.pk, resolved_at__isnull=True).exists()
    assert "school has been alerted" in replies(world.teacher)[-1] and "Call school now:" in replies(world.teacher)[-1]


def test_a_text_ok_is_on_the_office_board_at_its_next_poll(client, out, world):  # R-CHECKIN
    client.force_login(world.office)
    body = reverse("safety:board-body")
    version = client.get(body)["ETag"]
    twilio_text(client, "OK")
    client.force_login(world.office)
    polled = client.get(body, HTTP_IF_NONE_MATCH=version)
    assert polled.status_code == 200  # the board changed: the poll that follows gets the new rows
    words = " ".join(polled.content.decode().split())
    assert f"last word: All OK 09:40 from {world.teacher.get_full_name()}" in words
