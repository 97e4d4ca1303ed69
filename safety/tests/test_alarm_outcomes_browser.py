"""Saying what an alarm was, in real Chromium at 1280 px and on a 360 px touch screen (R-REVIEW): the
board's "Say what these alarms were", the alarms list, and the escalation page's contact form asking
what it was when the office has them safe. Every tap target of these parts at least 44 px high on
the phone (a choice's whole row, its label, is its target). Screenshots go to var/test/screenshots/
(not committed)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from homevisits.tests.browser import shot, signed_in
from safety.models import AlarmOutcome, ContactAttempt, Escalation
from safety.watchdog import check_in, scan
from visits.models import EventKind

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

MIN_TAP_PX = 44
# What a thumb may hit inside `scope`: links, buttons, fields, and each radio's row.
TARGETS = """(scope) => Array.from(document.querySelectorAll(scope)).flatMap(root => Array.from(root.querySelectorAll(
    'a[href], button, input:not([type=hidden]):not([type=radio]), select, textarea, .form-check')))
  .filter(el => el.offsetParent !== null || el.getClientRects().length)
  .map(el => { const r = el.getBoundingClientRect(); return {h: r.height, w: r.width, what: el.outerHTML.slice(0, 100)}; })
  .filter(t => t.w > 0)"""


@pytest.fixture
def midday():
    noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    with time_machine.travel(noon, tick=True):
        yield noon


def small(page, scope):
    found = page.evaluate(TARGETS, scope)
    assert found, f"nothing to tap in {scope}?"
    return [t for t in found if t["h"] < MIN_TAP_PX]


def late_visit(world, noon):
    """Left at 10:30, due back 11:15, not back by 12:00: level 2 (R-RETURN-30)."""
    visit = world.visit(start=noon - datetime.timedelta(minutes=90), back=noon - datetime.timedelta(minutes=45))
    check_in(visit, EventKind.DEPARTED, world.teacher, now=noon - datetime.timedelta(minutes=90))
    scan(noon - datetime.timedelta(minutes=20))
    scan(noon - datetime.timedelta(minutes=5))
    return visit


@pytest.mark.parametrize("width", [360, 1280])
def test_saying_what_alarms_were_reads_and_taps_well(browser, live_server, midday, width):
    world = World()
    back = late_visit(world, midday)
    for person in (world.teacher, world.ta):
        check_in(back, EventKind.RETURNED, person, now=midday - datetime.timedelta(minutes=2))
    unsaid = Escalation.objects.get(visit=back, raised_to__isnull=True)
    out = late_visit(world, midday)
    page = signed_in(browser, live_server, world.office, width)
    phone = width < 500

    page.goto(f"{live_server.url}/out/")
    panel = page.get_by_test_id("board-unsaid")
    assert "1 resolved alarm still to say" in panel.inner_text()
    if phone:
        assert not small(page, "[data-testid=board-unsaid]")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"alarms-{width}-board")

    page.click("#say-alarms")
    page.get_by_test_id("unsaid-alarm").wait_for()
    if phone:
        assert not small(page, "main")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"alarms-{width}-list")
    page.get_by_label("Forgot to check in").check()
    page.get_by_role("button", name="Save what it was").click()
    page.get_by_test_id("no-unsaid-alarms").wait_for()
    unsaid.refresh_from_db()
    assert unsaid.outcome == AlarmOutcome.FORGOT

    # The office reaches the other one by phone: safe, and the form asks what it was.
    page.goto(f"{live_server.url}/out/{out.pk}/escalation/")
    form = "form:has(input[name=action][value=contact])"
    page.locator(form).get_by_label("Reached: they are safe").check()
    page.locator(form).get_by_label("Their new expected return").fill(
        timezone.localtime(midday + datetime.timedelta(minutes=30)).strftime("%H:%M"))
    page.get_by_role("button", name="Record this contact").click()
    error = page.locator("#error_1_id_contact_alarm_outcome")
    error.wait_for()
    assert "Say what the alarm was." in error.inner_text()
    assert not ContactAttempt.objects.exists()
    if phone:
        assert not small(page, form)
    shot(page, f"alarms-{width}-escalation-refused")
    page.locator(form).get_by_label("Reached: they are safe").check()
    page.locator(form).get_by_label("Late but safe").check()
    page.get_by_role("button", name="Record this contact").click()
    page.get_by_text("Escalation resolved.").wait_for()
    assert Escalation.objects.get(visit=out, raised_to__isnull=True).outcome == AlarmOutcome.LATE_SAFE
    shot(page, f"alarms-{width}-escalation-resolved")
