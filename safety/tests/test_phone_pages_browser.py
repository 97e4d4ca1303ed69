"""The phone pages in real Chromium on a 360 px wide touch screen: every tap target (link, button,
field, the summary of a fold) at least 44 px high, in every state a visit goes through, with the
folds open too; nothing says "Sign out" for leaving on a visit. Screenshots at 360 px and 1280 px go
to var/test/screenshots/ (not committed).

The base template's menu and the sign-in page are checked with the rest of the site's chrome; here
only what the phone pages themselves draw (inside <main>) is measured."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from homevisits.tests.browser import shot, signed_in
from safety.links import token_for
from safety.models import Escalation
from safety.watchdog import check_in, scan
from visits.models import EventKind

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "correct-horse-battery"
MIN_TAP_PX = 44

# Everything in the page's own content a thumb may have to hit.
TARGETS = """() => Array.from(document.querySelectorAll(
    'main a[href], main button, main input:not([type=hidden]), main select, main textarea, main summary'))
  .filter(el => el.offsetParent !== null || el.getClientRects().length)
  .map(el => { const r = el.getBoundingClientRect();
               return {h: r.height, w: r.width, what: el.outerHTML.slice(0, 120)}; })
  .filter(t => t.w > 0)"""


# A radio button or tick box is hit through its whole row (the label is part of it): measure the row.
CHOICE_ROWS = TARGETS.replace("const r = el.getBoundingClientRect();",
                              "const r = (el.closest('.form-check') || el).getBoundingClientRect();")


def too_small(page, path) -> list[str]:
    """Every tap target on the page at `path` lower than MIN_TAP_PX, with the folds opened too."""
    page.goto(path)
    found = page.evaluate(CHOICE_ROWS)
    page.evaluate("() => document.querySelectorAll('main details').forEach(d => { d.open = true; })")
    found += page.evaluate(CHOICE_ROWS)
    assert found, f"nothing to tap on {path}?"
    return sorted({f"{t['h']:.0f} px: {t['what']}" for t in found if t["h"] < MIN_TAP_PX})


@pytest.fixture
def midday():
    """A visit starts and is left on one local day: the clock (server and test) stands at noon today
    and ticks on, whenever the suite runs."""
    noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    with time_machine.travel(noon, tick=True):
        yield


def test_every_tap_target_on_the_phone_pages_is_at_least_44_px(browser, live_server, midday):
    now = timezone.now()
    world = World()
    world.school.max_wait_minutes = 20
    world.school.save()
    visit = world.visit(start=now + datetime.timedelta(minutes=5), back=now + datetime.timedelta(minutes=80))
    phone = signed_in(browser, live_server, world.teacher, 360)
    desk = signed_in(browser, live_server, world.teacher, 1280)
    office = signed_in(browser, live_server, world.office, 360)
    checkin, mine, call = f"/out/{visit.pk}/", "/out/mine/", f"/out/{visit.pk}/phone/"

    problems = {}

    def measure(page, path, name):
        problems[name] = too_small(page, f"{live_server.url}{path}")
        if "sign out" in page.locator("main").inner_text().lower():
            problems[name].append('says "sign out" for leaving on a visit')
        shot(page, f"phone-{name}")

    measure(phone, checkin, "1-approved-360")
    departure_shown = phone.get_by_role("button", name=visit.departure_label).is_visible()
    measure(phone, mine, "2-my-visits-360")
    measure(office, call, "3-record-call-approved-360")

    check_in(visit, EventKind.DEPARTED, world.teacher, now=timezone.now())
    measure(phone, checkin, "4-on-the-way-360")  # arrived? feels safe, all OK, running late, back...
    measure(desk, checkin, "4-on-the-way-1280")
    measure(office, call, "5-record-call-out-360")  # who called, the time field, the note

    check_in(visit, EventKind.ARRIVED, world.teacher, now=timezone.now())
    measure(phone, checkin, "6-at-the-visit-360")  # the wait countdown, no one home, the slip
    check_in(visit, EventKind.LEFT, world.teacher, now=timezone.now())
    measure(phone, checkin, "7-left-360")

    check_in(visit, EventKind.RETURNED, world.teacher, now=timezone.now())
    measure(phone, checkin, "8-back-the-ta-still-out-360")  # call the one still out
    measure(phone, mine, "9-my-visits-back-360")
    check_in(visit, EventKind.RETURNED, world.ta, now=timezone.now())
    measure(phone, checkin, "10-everyone-back-report-360")  # write the report
    measure(desk, checkin, "10-everyone-back-report-1280")

    assert not any(problems.values()), {name: found for name, found in problems.items() if found}
    assert departure_shown, "the visit's departure button reads from visit.departure_label"


def test_the_alert_pages_opened_from_a_phone_are_as_easy_to_hit(browser, live_server, midday):
    """The head takes charge from the link in an alert on a phone, then rings from the contact steps:
    the take-charge page and the escalation page, open and taken charge of, at 360 px."""
    now = timezone.now()
    world = World()
    visit = world.visit(start=now - datetime.timedelta(minutes=120), back=now - datetime.timedelta(minutes=40))
    check_in(visit, EventKind.DEPARTED, world.teacher, now=now - datetime.timedelta(minutes=120))
    scan(timezone.now())  # R-RETURN-30: forty minutes late, the office and the head alerted
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    head = signed_in(browser, live_server, world.head, 360)
    problems = {}

    def measure(path, name):
        problems[name] = too_small(head, f"{live_server.url}{path}")
        shot(head, f"phone-{name}")

    link = f"/out/take-charge/{token_for(esc, world.head)}/"
    measure(link, "11-take-charge-360")
    measure(f"/out/{visit.pk}/escalation/", "12-escalation-open-360")  # the contact steps and their numbers
    head.goto(f"{live_server.url}{link}")
    head.click("#take-charge")
    head.wait_for_url(f"**/out/{visit.pk}/escalation/")  # one tap: taken charge, and the contact steps
    esc.refresh_from_db()
    assert esc.acknowledged_by == world.head
    measure(f"/out/{visit.pk}/escalation/", "13-escalation-taken-360")

    assert not any(problems.values()), {name: found for name, found in problems.items() if found}
