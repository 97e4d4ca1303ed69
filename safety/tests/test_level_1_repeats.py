"""An unacknowledged alert repeats until someone takes it, level 1 too (R-LATE-15, R-RETURN-30):
one lost message must not be the only word before level 2."""

import datetime
from unittest import mock

import pytest

from homevisits.factories import slow_roster
from notifications.models import Notification
from safety.escalations import acknowledge
from safety.models import Escalation
from safety.watchdog import scan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_broker")]

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def _no_broker():
    with mock.patch("notifications.tasks.deliver_notification.apply_async"):
        yield


def late(out_visit):
    visit = out_visit()
    due = visit.expected_return + 15 * MINUTE
    scan(due)
    return visit, Escalation.objects.get(visit=visit), due


def to(person):
    return set(Notification.objects.filter(recipient=person).values_list("dedupe_key", "channel"))



def test_an_unacknowledged_level_1_is_repeated_too(out_visit, world):  # R-LATE-15, R-RETURN-30
    """One lost message must not be the only word: the office hears again before level 2 (with a
    roster slower than the repeat: the roster moving on is safety/tests/test_roster.py)."""
    slow_roster(world.school)
    visit, esc, due = late(out_visit)
    repeat = visit.school.alert_repeat_minutes * MINUTE
    assert visit.school.late_call_minutes + visit.school.alert_repeat_minutes < visit.school.office_chase_minutes
    scan(due + repeat - MINUTE)
    esc.refresh_from_db()
    assert esc.alert_count == 1
    scan(due + repeat)
    esc.refresh_from_db()
    assert (esc.level, esc.alert_count) == (1, 2)
    again = Notification.objects.get(dedupe_key=f"esc:{esc.pk}:2:{world.office.pk}:sms")
    assert again.subject.startswith("REPEAT 2: Late")
    assert not to(world.head)  # still the office's alone


def test_an_acknowledged_level_1_is_not_repeated(out_visit, world):
    visit, esc, due = late(out_visit)
    acknowledge(esc, world.office, now=due + MINUTE)
    scan(due + visit.school.alert_repeat_minutes * MINUTE)
    esc.refresh_from_db()
    assert esc.alert_count == 1
