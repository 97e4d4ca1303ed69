"""The readiness page's false alarms (R-REVIEW): alarms said to be a member of staff who forgot to
check in, or was late but safe, per member of staff over the last 90 days, so the head sees who
needs a word. An alarm counts for those still out when they were due, not a partner already back."""

import datetime
import re

import pytest
from django.urls import reverse

from homevisits.factories import FamilyFactory, VisitFactory
from safety.escalations import say_outcome
from safety.models import AlarmOutcome, Escalation, EscalationLevel
from safety.readiness import false_alarms
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitState

from .pages import at

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TEN = at(10)


def alarm(world, outcome, *, ta_back=None, on=TEN):
    """A visit by the teacher and the TA on the day of `on`, due back 75 minutes after it, flagged at
    +15 (R-LATE-15), both back 25 minutes late (the TA at `ta_back` if told), said to be `outcome`."""
    visit = world.visit(start=on)
    check_in(visit, EventKind.DEPARTED, world.teacher, now=on)
    due = visit.expected_return
    if ta_back is not None:
        check_in(visit, EventKind.RETURNED, world.ta, now=ta_back)
    scan(due + datetime.timedelta(minutes=15))
    check_in(visit, EventKind.RETURNED, world.teacher, now=due + datetime.timedelta(minutes=25))
    if ta_back is None:
        check_in(visit, EventKind.RETURNED, world.ta, now=due + datetime.timedelta(minutes=25))
    esc = Escalation.objects.get(visit=visit)
    if outcome:
        say_outcome(esc, outcome, world.office, now=due + datetime.timedelta(hours=1))
    return esc


def counts(rows):
    return {row.name: (row.forgot, row.late_safe, row.total) for row in rows}


def test_false_alarms_are_counted_per_member_of_staff(world, clock_june_bst):
    alarm(world, AlarmOutcome.FORGOT)
    alarm(world, AlarmOutcome.LATE_SAFE, on=at(13))
    alarm(world, AlarmOutcome.FORGOT, ta_back=at(11) - 2 * DAY, on=at(10) - 2 * DAY)  # the TA back by 11:15
    alarm(world, AlarmOutcome.INCIDENT, on=at(10) - 3 * DAY)  # not a false alarm
    alarm(world, AlarmOutcome.FALSE_OTHER, on=at(10) - 4 * DAY)  # nobody's doing
    alarm(world, "", on=at(10) - 5 * DAY)  # not yet said
    rows = false_alarms(world.school, now=at(16))
    teacher, ta = world.teacher.get_full_name(), world.ta.get_full_name()
    assert counts(rows) == {teacher: (2, 1, 3), ta: (1, 1, 2)}
    assert [row.name for row in rows] == [teacher, ta]  # most first


def test_only_the_last_90_days_count(world, clock_june_bst):
    old = alarm(world, AlarmOutcome.FORGOT)
    Escalation.objects.filter(pk=old.pk).update(resolved_at=at(11, 40) - 91 * DAY)
    edge = alarm(world, AlarmOutcome.LATE_SAFE, on=at(13))
    Escalation.objects.filter(pk=edge.pk).update(resolved_at=at(16) - 90 * DAY)
    assert counts(false_alarms(world.school, now=at(16))) == {
        world.teacher.get_full_name(): (0, 1, 1), world.ta.get_full_name(): (0, 1, 1)}


def test_another_schools_false_alarms_never_count(world, clock_june_bst, other_school, other_head):
    visit = VisitFactory(family=FamilyFactory(school=other_school), school=other_school, lead=other_head,
                         created_by=other_head, staff=[other_head], planned_start=at(10), expected_return=at(11),
                         state=VisitState.RETURNED)
    Escalation.objects.create(visit=visit, round=1, level=EscalationLevel.LATE, reason="late_return", anchor=at(11),
                              created_at=at(11, 15), resolved_at=at(11, 30), outcome=AlarmOutcome.FORGOT)
    assert false_alarms(world.school, now=at(16)) == []
    assert len(false_alarms(other_school, now=at(16))) == 1


def test_the_readiness_page_shows_them_to_the_head(client, world, clock_june_bst):
    alarm(world, AlarmOutcome.FORGOT)
    clock_june_bst.move_to(at(16))
    client.force_login(world.head)
    page = re.sub(r"\s+", " ", client.get(reverse("safety:readiness")).content.decode())
    assert "False alarms in the last 90 days" in page
    row = (f'<tr data-testid="false-alarm-row"><th scope="row" class="fw-normal">{world.teacher.get_full_name()}'
           '</th><td class="text-end">1</td><td class="text-end">0</td><td class="text-end fw-semibold">1</td></tr>')
    assert row in page
    assert "R-REVIEW" not in page


def test_with_none_the_page_says_so(client, world, clock_june_bst):
    client.force_login(world.head)
    page = client.get(reverse("safety:readiness")).content.decode()
    assert 'data-testid="no-false-alarms"' in page
