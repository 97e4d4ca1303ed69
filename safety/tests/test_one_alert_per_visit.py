"""One visit in trouble is one alert, at its highest level, everywhere (R-RETURN-30, R-CODEWORD).

Raising a visit to level 2 closes its level 1 as "raised to level 2"; acknowledging the visit's
alert acknowledges it whole; the database refuses a second open escalation for a visit. Every page
that counts or lists alerts asks Escalation.objects.open_alerts(): the head's home page, the board
and its tab title, the escalation page, the visit page and the police pack.
"""

import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from homevisits.home import twelve_weeks
from notifications.models import Notification
from safety.board import live_board
from safety.models import ContactAttempt, ContactOutcome, Escalation, EscalationLevel
from safety.watchdog import acknowledge, check_in, record_contact, scan
from visits.models import EventKind, Visit

from .pages import at

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def three_at_level_2(world, clock_june_bst):
    """Three visits out from 10:00, due back 11:15, not back: level 1 at 11:30, level 2 at 11:45."""
    visits = []
    for _ in range(3):
        visit = world.visit()
        check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
        visits.append(visit)
    scan(at(11, 30))
    scan(at(11, 45))
    clock_june_bst.move_to(at(11, 50))
    assert Escalation.objects.filter(level=EscalationLevel.CHASE).count() == 3
    return visits


def test_raising_to_level_2_closes_level_1_as_raised(three_at_level_2):
    visit = three_at_level_2[0]
    late = Escalation.objects.get(visit=visit, level=EscalationLevel.LATE)
    chase = Escalation.objects.get(visit=visit, level=EscalationLevel.CHASE)
    assert late.resolved_at == at(11, 45) and late.resolution_note == "Raised to level 2"
    assert late.raised_to == chase and chase.is_open
    assert visit.events.filter(kind=EventKind.RESOLVED, note="Raised to level 2").count() == 1
    assert list(Escalation.objects.open_alerts().values_list("level", flat=True)) == [2, 2, 2]


def test_the_heads_home_page_counts_three_alerts(client, world, three_at_level_2):
    client.force_login(world.head)
    response = client.get("/")
    assert [e.level for e in response.context["open_escalations"]] == [2, 2, 2]
    assert "Alerts open now 3" in re.sub(r"<[^>]+>", "", text(response))


def test_the_board_and_its_tab_title_count_three_alerts(client, world, three_at_level_2):
    board = live_board(world.office)
    assert board.alert_count == 3
    assert [[e.level for e in row.open_escalations] for row in board.rows] == [[2], [2], [2]]
    client.force_login(world.office)
    assert "<title>(3) Who is out · " in client.get(reverse("safety:board")).content.decode()
    body = client.get(reverse("safety:board-body")).content.decode()
    assert 'data-alert-count="3"' in body and body.count("Level 2</strong>") == 3


def test_the_escalation_page_and_the_visit_page_show_one_alert(client, world, three_at_level_2):
    visit = three_at_level_2[0]
    client.force_login(world.office)
    for url in (reverse("safety:escalation", args=[visit.pk]), visit.get_absolute_url()):
        page = text(client.get(url))
        assert page.count('data-testid="open-escalation"') == 1, url
        assert "Level 2: Office must contact now" in page and "Level 1: Office flagged" not in page
        assert page.count('value="acknowledge"') == 1


def test_the_police_pack_lists_the_one_alert_at_its_level(client, world, three_at_level_2):
    client.force_login(world.office)
    page = text(client.get(reverse("safety:police-pack", args=[three_at_level_2[0].pk])))
    assert page.count("Open alert:") == 1
    assert "level 2, not back by the expected return" in page


def test_acknowledging_level_2_leaves_nothing_else_to_acknowledge(client, world, three_at_level_2):
    visit = three_at_level_2[0]
    client.force_login(world.office)
    chase = Escalation.objects.get(visit=visit, level=EscalationLevel.CHASE)
    response = client.post(reverse("safety:escalation", args=[visit.pk]),
                           {"action": "acknowledge", "escalation": chase.pk}, follow=True)
    assert "You have taken charge of the level 2 alert (11:50)" in text(response)
    assert 'value="acknowledge"' not in text(client.get(reverse("safety:escalation", args=[visit.pk])))
    row = next(r for r in live_board(world.office).rows if r.visit.pk == visit.pk)
    assert row.to_acknowledge is None
    assert not Escalation.objects.open_alerts().filter(visit=visit, acknowledged_at__isnull=True).exists()
    # Still one open alert on the board until it is resolved, and it no longer repeats.
    assert scan(at(12, 30)).repeated == [f"visit {v.pk}" for v in three_at_level_2[1:]]


def test_acknowledging_a_level_1_raised_since_the_page_was_drawn_is_refused(client, world, three_at_level_2):
    """The office still looking at level 1 must see that the head is now being alerted."""
    visit = three_at_level_2[0]
    late = Escalation.objects.get(visit=visit, level=EscalationLevel.LATE)
    client.force_login(world.office)
    response = client.post(reverse("safety:escalation", args=[visit.pk]),
                           {"action": "acknowledge", "escalation": late.pk}, follow=True)
    assert "This alert has been raised to level 2 since the page was drawn" in text(response)
    assert not Escalation.objects.filter(visit=visit, acknowledged_at__isnull=False).exists()


def test_the_database_refuses_a_second_open_escalation_for_a_visit(three_at_level_2):
    visit = three_at_level_2[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(visit=visit, round=visit.watch_round + 1, level=EscalationLevel.LATE,
                                  reason="late_return")


def test_contact_steps_go_on_across_the_raise(world, clock_june_bst):  # R-CONTACT-STEPS
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    scan(at(11, 30))
    late = Escalation.objects.get(visit=visit)
    record_contact(late, 1, ContactOutcome.NO_ANSWER, world.office, now=at(11, 35))
    scan(at(11, 45))
    chase = Escalation.objects.open_alerts().get(visit=visit)
    assert chase.level == 2
    record_contact(chase, 2, ContactOutcome.NO_ANSWER, world.office, now=at(11, 46))  # not step 1 again
    assert list(ContactAttempt.objects.values_list("step", flat=True)) == [1, 2]


def test_a_code_word_raises_the_alert_to_level_3_and_keeps_it_there(world, clock_june_bst):  # R-CODEWORD
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    scan(at(11, 30))
    scan(at(11, 45))
    check_in(visit, EventKind.DURESS, world.ta, now=at(11, 47))
    assert list(Escalation.objects.open_alerts().values_list("level", flat=True)) == [3]
    chase = Escalation.objects.get(visit=visit, level=2)
    assert chase.resolution_note == "Raised to level 3" and chase.raised_to.level == 3
    # A new return time does not start a level 1 under the open code word, which keeps repeating.
    check_in(visit, EventKind.LATE, world.ta, now=at(11, 48), new_expected_return=at(12, 0))
    scan(at(12, 20))
    assert list(Escalation.objects.open_alerts().values_list("level", "alert_count")) == [(3, 2)]
    visit.refresh_from_db()
    assert visit.escalation_level == 3


def test_the_weekly_figures_count_one_escalation_per_visit(world, three_at_level_2):
    bars = twelve_weeks(Visit.objects.filter(school=world.school), at(12))
    assert bars[-1].escalations == 3 and bars[-1].late == 3


def test_acknowledging_the_one_alert_stops_it_repeating_for_every_audience(world, three_at_level_2):
    visit = three_at_level_2[0]
    acknowledge(Escalation.objects.open_alerts().get(visit=visit), world.head, now=at(11, 51))
    visit.refresh_from_db()
    # No longer repeated; still watched: the person in charge is reminded if no step follows (R-CONTACT-STEPS).
    reminder = at(11, 51) + datetime.timedelta(minutes=world.school.charge_reminder_minutes)
    assert visit.next_check_at == reminder and visit.escalation_level == 2
    assert scan(at(11, 45) + datetime.timedelta(minutes=30)).repeated == [
        f"visit {v.pk}" for v in three_at_level_2[1:]]


def test_the_migration_links_earlier_levels_to_the_level_they_were_raised_to(world, clock_june_bst):
    """Escalations from before: level 1 and 2 of a round, both closed at the return, count once."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("safety.migrations.0004_one_alert_per_visit_and_delivery_records")
    visit = world.visit()
    late, chase = (Escalation.objects.create(visit=visit, round=1, level=level, reason="late_return",
                                             created_at=at(11, 30 + 15 * (level - 1)), resolved_at=at(12))
                   for level in (1, 2))
    migration.one_alert_per_visit(apps, None)
    late.refresh_from_db()
    chase.refresh_from_db()
    assert late.raised_to == chase and chase.raised_to is None
    assert late.resolved_at == at(12)  # its own closing time kept


def test_a_second_code_word_after_the_first_was_acknowledged_sounds_the_alert_again(world, clock_june_bst):
    # R-CODEWORD: each signal from someone in danger reaches people; an acknowledged alert does not
    # swallow the next one.
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10))
    check_in(visit, EventKind.DURESS, world.teacher, now=at(10, 20))
    first = Escalation.objects.get(visit=visit)
    acknowledge(first, world.office, now=at(10, 21))
    sent_before = Notification.objects.filter(escalation=first, dedupe_key__startswith="esc:").count()
    assert sent_before > 0

    check_in(visit, EventKind.DURESS, world.ta, now=at(10, 40))
    alert = Escalation.objects.get(visit=visit)  # still the one alert, at the top level
    assert (alert.pk, alert.level, alert.alert_count) == (first.pk, EscalationLevel.EMERGENCY, 2)
    assert alert.acknowledged_at is None and alert.last_alert_at == at(10, 40)
    earlier = Notification.objects.filter(escalation=first, created_at__lt=at(10, 40)).values("pk")
    again = Notification.objects.filter(escalation=alert, dedupe_key__startswith="esc:").exclude(pk__in=earlier)
    assert again.count() == sent_before  # everyone who heard the first hears this one
    assert all(n.subject.startswith("REPEAT 2:") for n in again)
    assert visit.events.filter(kind=EventKind.ALERT_REPEATED, at=at(10, 40)).exists()
    visit.refresh_from_db()
    # Unacknowledged again: it repeats until someone takes it (R-RETURN-30's repeat), and nobody taking
    # it in the roster's time moves it on: the new signal gives them the first tier's time afresh.
    assert alert.tier_at == at(10, 40)
    assert visit.next_check_at == at(10, 40) + datetime.timedelta(minutes=5)
