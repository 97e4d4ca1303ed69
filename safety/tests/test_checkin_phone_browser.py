"""The check-in page in real Chromium on a 360 px wide phone: one tap each, no sideways scrolling,
and the R-WAIT countdown run by static JS (the page's clock is fast-forwarded, nothing sleeps)."""

import datetime

import pytest
from django.utils import timezone

from homevisits.testing import CHROMIUM, need_chromium
from homevisits.tests.browser import shot, signed_in, small_targets
from safety.watchdog import check_in, scan
from visits.models import EventKind, VisitState

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def phone(live_server, clock_tomorrow_afternoon_ticking):
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_teacher_checks_in_from_a_phone(live_server, phone):
    world = World()  # at 14:00 tomorrow (the phone fixture's clock): the visit starts and ends that day
    visit = world.visit(start=timezone.now() + datetime.timedelta(minutes=5),
                        back=timezone.now() + datetime.timedelta(minutes=80))
    assert visit.state == VisitState.APPROVED

    phone.clock.install(time=timezone.now())  # the server's afternoon, in the phone's clock too
    phone.goto(f"{live_server.url}/accounts/login/?next=/out/{visit.pk}/")
    phone.fill("input[name=username]", world.teacher.username)
    phone.fill("input[name=password]", "correct-horse-battery")
    phone.click("button[type=submit]")

    phone.get_by_role("button", name="Leaving now").tap()
    phone.get_by_role("alert").filter(has_text="On your way: left at").wait_for()
    assert no_sideways_scroll(phone)

    phone.get_by_role("button", name="Yes, I feel safe").tap()
    phone.get_by_role("alert").filter(has_text="Arrival recorded at").wait_for()
    countdown = phone.locator("[data-wait-display]")
    assert countdown.inner_text() in ("20 min 0 s left", "19 min 59 s left")  # never like a time of day
    assert phone.locator("[data-wait-over]").is_hidden()
    assert no_sideways_scroll(phone)

    phone.clock.fast_forward("20:01")  # R-WAIT: 20 minutes at the door at most
    phone.locator("[data-wait-over]").wait_for(state="visible")
    assert countdown.inner_text() == "0 s left"

    phone.get_by_role("button", name="No one home").tap()
    phone.get_by_role("alert").filter(has_text="No one home recorded at").wait_for()
    # SOS sits apart, held to send with the script (its no-script confirmation hidden; R-CODEWORD).
    assert phone.get_by_role("button", name="Yes, send SOS now").is_hidden()
    assert phone.locator("[data-sos-button]").is_visible()
    assert no_sideways_scroll(phone)

    kinds = list(visit.events.values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.DEPARTED, EventKind.ARRIVED, EventKind.NO_ONE_HOME]


def test_an_overdue_teacher_sees_call_school_then_the_new_time_first(live_server, browser,
                                                                   clock_tomorrow_afternoon_ticking):
    # R-RETURN-30: 31 minutes late, the office and the head alerted, nobody has taken charge yet.
    world = World()
    now = timezone.now()
    visit = world.visit(start=now - datetime.timedelta(hours=2), back=now - datetime.timedelta(minutes=31))
    check_in(visit, EventKind.DEPARTED, world.teacher, now=now - datetime.timedelta(hours=2))
    scan(now)
    page = signed_in(browser, live_server, world.teacher, 360)
    page.goto(f"{live_server.url}/out/{visit.pk}/")
    chasing = page.get_by_test_id("school-chasing")
    form = page.get_by_test_id("late-form")
    assert chasing.is_visible() and form.is_visible()
    # First on the screen: the call, then the new time; "All OK" and the rest come after.
    top = [chasing.bounding_box()["y"], form.bounding_box()["y"],
           page.get_by_role("button", name="All OK").bounding_box()["y"]]
    assert top == sorted(top)
    assert chasing.bounding_box()["y"] < 740  # without scrolling
    assert not small_targets(page)
    assert no_sideways_scroll(page)
    shot(page, "phone-overdue-360")
