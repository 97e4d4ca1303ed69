"""Take charge from the alert itself: each alert carries a link signed for its person and alert,
used once, expiring; the first to take charge wins and everyone else alerted is told who has it;
pressing 1 on the call takes charge too; the staff's own phone page says school has seen it (not
after a code word)."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Notification
from notifications.signals import alert_heard
from notifications.tasks import message_for
from safety import links
from safety.models import Escalation
from safety.watchdog import check_in, scan
from visits.models import EventKind

from .alert_links import LINK, link_in_alert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_broker")]

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def _no_broker():
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


@pytest.fixture
def overdue(out_visit, clock_tuesday_gmt):
    """A visit 30 minutes overdue: the office and the head alerted at level 2 (R-RETURN-30)."""
    visit = out_visit()
    clock_tuesday_gmt.move_to(visit.expected_return + 30 * MINUTE)
    scan(visit.expected_return + 30 * MINUTE)
    return visit, Escalation.objects.get(visit=visit, resolved_at__isnull=True)




def test_each_person_s_alert_carries_their_own_link(overdue, world):  # R-RETURN-30
    visit, esc = overdue
    office, head = link_in_alert(world.office, esc), link_in_alert(world.head, esc)
    assert office != head
    assert visit.family.address_line1 not in office


def test_one_tap_from_the_link_takes_charge_and_the_others_are_told(client, overdue, world):
    visit, esc = overdue
    url = link_in_alert(world.head, esc)
    assert client.get(url).status_code == 302  # sign in first, as for every page
    client.force_login(world.head)
    page = client.get(url).content.decode()
    assert 'id="take-charge"' in page and "Level 2 alert" in page
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("safety:escalation", args=[visit.pk])
    esc.refresh_from_db()
    assert esc.acknowledged_by == world.head
    told = Notification.objects.filter(dedupe_key__startswith=f"taken:{esc.pk}:")
    assert set(told.values_list("recipient", flat=True)) == {world.office.pk}  # not the head herself
    note = told.get()
    assert note.subject.startswith(f"{world.head.get_full_name()} is dealing with the alert about")
    assert note.level is None and note.channel == Channel.SMS  # once, on their first channel
    # Used once: the same link again says so, and changes nothing.
    again = client.post(url)
    assert again.status_code == 410 and "used already" in again.content.decode()
    assert Notification.objects.filter(dedupe_key__startswith=f"taken:{esc.pk}:").count() == 1


def test_the_first_to_take_charge_wins_and_the_second_sees_who(client, overdue, world):
    visit, esc = overdue
    office_url, head_url = link_in_alert(world.office, esc), link_in_alert(world.head, esc)
    client.force_login(world.office)
    client.post(office_url)
    client.force_login(world.head)
    assert f"{world.office.get_full_name()} has taken charge" in client.get(head_url).content.decode()
    response = client.post(head_url, follow=True)
    assert f"{world.office.get_full_name()} took charge first" in response.content.decode()
    esc.refresh_from_db()
    assert esc.acknowledged_by == world.office


def test_another_person_s_link_is_not_found(client, overdue, world, other_head):
    visit, esc = overdue
    url = link_in_alert(world.head, esc)
    for person in (world.office, world.dsl, world.teacher, other_head):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    esc.refresh_from_db()
    assert esc.acknowledged_at is None


def test_a_link_for_another_school_s_alert_is_not_found(client, overdue, other_head):
    """Even a link rightly signed for the other school's head (a mistake in who was alerted) opens nothing."""
    visit, esc = overdue
    url = reverse("safety:take-charge", args=[links.token_for(esc, other_head)])
    client.force_login(other_head)
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404


def test_a_forged_link_is_not_found(client, overdue, world):
    visit, esc = overdue
    token = LINK.search(link_in_alert(world.head, esc)).group(1)
    client.force_login(world.head)
    assert client.post(reverse("safety:take-charge", args=[token[:-3] + "abc"])).status_code == 404


def test_an_expired_link_says_so(client, overdue, world, settings, clock_tuesday_gmt):
    visit, esc = overdue
    url = link_in_alert(world.head, esc)
    clock_tuesday_gmt.shift(datetime.timedelta(hours=settings.TAKE_CHARGE_LINK_HOURS, seconds=1))
    client.force_login(world.head)
    response = client.post(url)
    assert response.status_code == 410 and "expired" in response.content.decode()
    esc.refresh_from_db()
    assert esc.acknowledged_at is None


def test_pressing_1_on_the_call_takes_charge(overdue, world):
    visit, esc = overdue
    call = Notification.objects.create(dedupe_key=f"esc:{esc.pk}:1:{world.head.pk}:voice", recipient=world.head,
                                       channel=Channel.VOICE, subject="s", body="b", escalation=esc, visit=visit,
                                       level=2)
    alert_heard.send(sender=Notification, notification=call)
    esc.refresh_from_db()
    assert esc.acknowledged_by == world.head


def test_the_staff_phone_says_school_has_seen_it(client, overdue, world):
    visit, esc = overdue
    client.force_login(world.teacher)
    page = reverse("safety:checkin", args=[visit.pk])
    before = client.get(page).content.decode()
    # Late and nobody has it yet: calling school comes first, in large type.
    assert 'data-testid="school-has-seen"' not in before and 'data-testid="school-chasing"' in before
    assert before.index("School is trying to reach you") < before.index("Running late")
    assert f'href="tel:{world.school.office_phone}"' in before.split('data-testid="school-chasing"')[1][:400]
    client.force_login(world.office)
    client.post(link_in_alert(world.office, esc))
    client.force_login(world.teacher)
    text = client.get(page).content.decode()
    assert f"School has seen your alert: {world.office.get_full_name()} is dealing with it" in text
    assert 'data-testid="school-chasing"' not in text


def test_when_late_the_new_time_form_comes_next_then_the_rest(client, overdue, world):  # R-LATE-15, R-RETURN-30
    visit, _ = overdue
    client.force_login(world.teacher)
    page = client.get(reverse("safety:checkin", args=[visit.pk])).content.decode()
    chasing, form, ok = (page.index('data-testid="school-chasing"'), page.index('data-testid="late-form"'),
                         page.index(">All OK</button>"))
    assert chasing < form < ok
    assert page.count('data-testid="late-form"') == 1 and "Your new time" in page


def test_on_time_the_new_time_form_waits_below_the_check_ins(client, world, clock_tuesday_gmt):
    visit = world.visit(start=timezone.now())
    check_in(visit, EventKind.DEPARTED, world.teacher, now=timezone.now())
    client.force_login(world.teacher)
    page = client.get(reverse("safety:checkin", args=[visit.pk])).content.decode()
    assert page.index(">All OK</button>") < page.index('data-testid="late-form"')
    assert "Running late?" in page and "Your new time" not in page


def test_a_partner_already_back_is_not_told_school_is_chasing_them(client, overdue, world):
    visit, esc = overdue
    check_in(visit, EventKind.RETURNED, world.ta, now=esc.created_at + MINUTE)
    client.force_login(world.ta)
    assert 'data-testid="school-chasing"' not in client.get(reverse("safety:checkin", args=[visit.pk])).content.decode()


def test_after_a_code_word_the_phone_shows_nothing(client, out_visit, world, clock_tuesday_gmt):  # R-CODEWORD
    visit = out_visit()
    check_in(visit, EventKind.DURESS, world.teacher, now=visit.planned_start + 10 * MINUTE)
    esc = Escalation.objects.get(visit=visit)
    client.force_login(world.office)
    client.post(link_in_alert(world.office, esc))
    esc.refresh_from_db()
    assert esc.acknowledged_by == world.office
    client.force_login(world.teacher)
    page = client.get(reverse("safety:checkin", args=[visit.pk])).content.decode()
    assert 'data-testid="school-has-seen"' not in page and 'data-testid="school-chasing"' not in page


def test_the_all_clear_reaches_exactly_those_alerted(overdue, world):
    """Back at school: the office and the head (alerted at levels 1 and 2) are told, once; the DSL,
    never alerted, is not; nor the teacher who tapped back."""
    visit, esc = overdue
    check_in(visit, EventKind.RETURNED, world.teacher, now=visit.expected_return + 40 * MINUTE)
    check_in(visit, EventKind.RETURNED, world.ta, now=visit.expected_return + 41 * MINUTE)
    esc.refresh_from_db()
    assert esc.resolved_at is not None
    clear = Notification.objects.filter(dedupe_key__startswith=f"clear:{esc.pk}:")
    assert set(clear.values_list("recipient", flat=True)) == {world.office.pk, world.head.pk}
    assert all(n.subject.startswith("All clear (") and "everyone is back" in n.subject for n in clear)
    assert all(world.teacher.get_full_name() in n.subject for n in clear)  # who is safe, in the first words
    assert all(n.level is None for n in clear)
    # A text message says it once: the body already starts with the subject.
    text = message_for(Notification(**{**_fields(clear[0]), "channel": Channel.SMS}), "+447700900001").body
    assert text.count("All clear") == 1 and text.startswith("All clear (")
    assert visit.family.address_line1 not in " ".join(n.body for n in clear)


def test_a_push_opens_the_take_charge_link_and_a_call_reads_no_address(overdue, world):
    visit, esc = overdue
    note = Notification.objects.filter(recipient=world.head, escalation=esc, dedupe_key__startswith="esc:").first()
    push = message_for(Notification(**{**_fields(note), "channel": Channel.PUSH}), {"endpoint": "x"})
    assert LINK.search(push.url) and push.url.startswith("http")
    call = message_for(Notification(**{**_fields(note), "channel": Channel.VOICE}), "+447700900001")
    assert "http" not in call.body and "Take charge" not in call.body
    assert call.body.startswith("Overdue:") and "Contact them now." in call.body
    # A text message says who once (in the subject it leads with), and has room for its link.
    sms = message_for(Notification(**{**_fields(note), "channel": Channel.SMS}), "+447700900001").body
    assert sms.count(world.teacher.get_full_name()) == 1 and LINK.search(sms)


def _fields(note):
    return {f.attname: getattr(note, f.attname) for f in note._meta.concrete_fields if f.attname != "id"}
