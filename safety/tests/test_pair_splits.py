"""A pair that splits: each member of staff signs themselves back in (or the office records it for
them after a call), the visit stays out, and watched, until everyone on it is back, and alerts, the
board and the escalation page name who is still out. Each person's word counts for them only.

R-RETURN, R-LATE-15, R-RETURN-30, R-CHECKIN, R-CONTACT-STEPS.
"""

import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from notifications.models import Notification
from safety.models import AlarmOutcome, ContactOutcome, Escalation, EscalationLevel, EscalationReason
from safety.watchdog import check_in, record_contact, scan
from visits.models import EventKind, RecordedHow, VisitStaff, VisitState

from .pages import at

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def tap(client, visit, kind, **fields):
    return client.post(reverse("safety:checkin", args=[visit.pk]),
                       {"kind": kind, "idempotency_key": str(uuid.uuid4()), **fields}, follow=True)


def link(visit, person):
    return VisitStaff.objects.get(visit=visit, user=person)


@pytest.fixture
def out(world, clock_june_bst):
    """The teacher and the TA left at 10:00, due back 11:15."""
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    visit.refresh_from_db()
    return visit


def test_one_back_keeps_the_visit_out_and_the_ladder_fires_naming_who_is_still_out(client, world, out):
    check_in(out, EventKind.RETURNED, world.teacher, now=at(11, 10))
    out.refresh_from_db()
    assert out.state == VisitState.DEPARTED and out.returned_at is None  # still out, still watched
    assert link(out, world.teacher).returned_at == at(11, 10) and link(out, world.ta).returned_at is None

    scan(at(11, 30))  # R-LATE-15: the TA is not back
    scan(at(11, 45))  # R-RETURN-30
    chase = Escalation.objects.get(visit=out, level=EscalationLevel.CHASE)
    notes = Notification.objects.filter(escalation=chase)
    assert {n.recipient_id for n in notes} == {world.office.pk, world.head.pk}
    for note in notes:
        assert world.ta.get_full_name() in note.subject  # the body says what to do
        assert world.teacher.get_full_name() not in note.subject + note.body

    # The board and the escalation page say who is still out, and who is back.
    client.force_login(world.office)
    board = text(client.get(reverse("safety:board")))
    assert f"{world.teacher.get_full_name()}: back 11:10" in board
    assert 'href="tel:+447700900102"' in board  # the TA, to call
    assert 'href="tel:+447700900101"' not in board
    page = text(client.get(reverse("safety:escalation", args=[out.pk])))
    assert f"Still out: <strong>{world.ta.get_full_name()}</strong>" in page
    assert f"already back: {world.teacher.get_full_name()} (11:10)" in page
    step1 = page.split('data-testid="contact-step-1"', 1)[1].split("</li>", 1)[0]
    assert world.ta.get_full_name() in step1 and world.teacher.get_full_name() not in step1


def test_the_last_one_back_closes_the_visit_and_its_escalations(world, out):
    check_in(out, EventKind.RETURNED, world.teacher, now=at(11, 10))
    scan(at(11, 30))
    scan(at(11, 45))
    # One visit in trouble is one open alert, at its highest level (level 1 was raised to 2).
    assert list(Escalation.objects.filter(visit=out, resolved_at__isnull=True).values_list("level", flat=True)) == [2]
    check_in(out, EventKind.RETURNED, world.ta, now=at(11, 50))
    out.refresh_from_db()
    assert out.state == VisitState.RETURNED and out.returned_at == at(11, 50)
    assert out.next_check_at is None and out.escalation_level == 0
    assert not Escalation.objects.filter(visit=out, resolved_at__isnull=True).exists()
    scan(at(12, 30))
    assert Escalation.objects.filter(visit=out).count() == 2  # nothing more


def test_the_office_records_one_of_them_back_after_a_call(client, world, out):
    client.force_login(world.office)
    url = reverse("safety:record-call", args=[out.pk])
    response = client.post(url, {"kind": EventKind.RETURNED, "idempotency_key": str(uuid.uuid4()),
                                 "on_behalf_of": world.ta.pk, "note": "Went straight home"}, follow=True)
    assert f"Back at school for {world.ta.get_full_name()} at 10:02. Still out: {world.teacher.get_full_name()}." \
        in text(response)
    event = out.events.get(kind=EventKind.RETURNED)
    assert event.how == RecordedHow.PHONE and event.on_behalf_of == world.ta and event.actor == world.office
    out.refresh_from_db()
    assert out.is_out and link(out, world.ta).returned_at is not None
    # Only those still out can be chosen for the next call.
    page = text(client.get(url))
    assert f'value="{world.teacher.pk}"' in page and f'value="{world.ta.pk}"' not in page
    assert f"{world.ta.get_full_name()}: back 10:02" in page

    client.force_login(world.teacher)
    done = tap(client, out, EventKind.RETURNED)
    assert "Everyone is back: the visit is closed." in text(done)
    out.refresh_from_db()
    assert out.state == VisitState.RETURNED


def test_the_page_of_someone_back_says_who_is_still_out_and_offers_no_more_check_ins(client, world, out, clock_june_bst):
    client.force_login(world.teacher)
    response = tap(client, out, EventKind.RETURNED)
    page = text(response)
    assert f"Back at school at 10:02. Still out: {world.ta.get_full_name()}. The visit stays open" in page
    assert 'data-testid="you-are-back"' in page and world.ta.get_full_name() in page
    clock_june_bst.move_to(at(11, 30))  # past the expected return: nothing for them to tell school any more
    assert 'data-testid="overdue"' not in text(client.get(reverse("safety:checkin", args=[out.pk])))
    clock_june_bst.move_to(at(10, 2))
    assert 'href="tel:+447700900102"' in page  # call the one still out
    assert 'name="kind" value="ok"' not in page and 'name="kind" value="returned"' not in page
    # ...and a check-in posted anyway is refused: their word no longer stands for the one still out.
    refused = text(tap(client, out, EventKind.OK))
    assert "You are already back from this visit; still out: " in refused
    assert not out.events.filter(kind=EventKind.OK).exists()
    assert "You are back · colleagues still out" in text(client.get(reverse("safety:my-visits")))

    client.force_login(world.ta)
    page = text(client.get(reverse("safety:checkin", args=[out.pk])))
    assert 'name="kind" value="returned"' in page and f"Already back: {world.teacher.get_full_name()} (10:02)" in page


def test_a_colleague_cannot_sign_someone_else_back_in(world, out):
    with pytest.raises(PermissionDenied):
        check_in(out, EventKind.RETURNED, world.teacher, on_behalf_of=world.ta, now=at(11))
    with pytest.raises(ValidationError):  # the office must say who called
        check_in(out, EventKind.RETURNED, world.office, how=RecordedHow.PHONE, now=at(11))
    assert not out.events.filter(kind=EventKind.RETURNED).exists()


def test_all_ok_from_one_does_not_answer_for_the_other(world, out):  # R-CHECKIN
    world.school.checkin_interval_minutes = 30
    world.school.save()
    out.expected_return = at(12, 30)
    out.save()
    check_in(out, EventKind.OK, world.teacher, now=at(10, 25))  # the TA says nothing
    scan(at(10, 45))  # due 10:30 (the TA's last word was 10:00), + 15
    esc = Escalation.objects.get(visit=out)
    assert esc.reason == EscalationReason.MISSED_CHECKIN
    names = " ".join(Notification.objects.filter(escalation=esc).values_list("subject", flat=True))
    assert world.ta.get_full_name() in names and world.teacher.get_full_name() not in names
    # More word from the teacher does not answer it; the TA's does.
    check_in(out, EventKind.OK, world.teacher, now=at(10, 46))
    esc.refresh_from_db()
    assert esc.resolved_at is None
    check_in(out, EventKind.OK, world.ta, now=at(10, 48))
    esc.refresh_from_db()
    assert esc.resolved_at is not None


def test_word_from_someone_already_back_cannot_keep_the_clock_quiet(world, out):  # R-CHECKIN
    world.school.checkin_interval_minutes = 30
    world.school.save()
    out.expected_return = at(12, 30)
    out.save()
    check_in(out, EventKind.OK, world.ta, now=at(10, 20))
    check_in(out, EventKind.RETURNED, world.teacher, now=at(10, 25))  # back; the TA is still out
    with pytest.raises(ValidationError):
        check_in(out, EventKind.OK, world.teacher, now=at(10, 40))
    scan(at(11, 5))  # the TA's check-in was due 10:50
    esc = Escalation.objects.get(visit=out)
    assert esc.reason == EscalationReason.MISSED_CHECKIN and esc.anchor == at(10, 50)


def test_the_office_reaching_them_safe_counts_for_everyone_still_out(world, out):  # R-CONTACT-STEPS
    scan(at(11, 30))
    esc = Escalation.objects.get(visit=out)
    record_contact(esc, 1, ContactOutcome.REACHED_SAFE, world.office, new_expected_return=at(12),
                   alarm_outcome=AlarmOutcome.LATE_SAFE, now=at(11, 32))
    for person in (world.teacher, world.ta):
        assert link(out, person).last_word_at == at(11, 32)
    out.refresh_from_db()
    assert out.heard_from_all_at == at(11, 32) and out.expected_return == at(12)


def test_who_went_is_still_everyone_on_the_visit(world, out):
    """The link model keeps the plain many-to-many behaviour the planning pages rely on."""
    assert set(out.staff.all()) == {world.teacher, world.ta}
    assert set(world.ta.visits.all()) == {out}
    check_in(out, EventKind.RETURNED, world.teacher, now=at(11))
    assert set(out.staff.all()) == {world.teacher, world.ta}
    assert out.staff_out() == [world.ta]
