"""The readiness page in real Chromium at 1280 px and on a 360 px touch screen: the rungs, the gaps
in red with words, every tap target at least 44 px high, and a test alert sent from the page.
Screenshots go to var/test/screenshots/ (not committed)."""

import pytest

from homevisits.tests.browser import shot, signed_in
from safety.models import TestAlert

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

MIN_TAP_PX = 44
TARGETS = """() => Array.from(document.querySelectorAll('main a[href], main button'))
  .filter(el => el.offsetParent !== null || el.getClientRects().length)
  .map(el => { const r = el.getBoundingClientRect(); return {h: r.height, w: r.width, what: el.outerHTML.slice(0, 120)}; })
  .filter(t => t.w > 0)"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_readiness_page_reads_and_taps_well(browser, live_server, width):
    world = World()
    world.office.profile.mobile = ""
    world.office.profile.save()
    page = signed_in(browser, live_server, world.head, width)
    page.goto(f"{live_server.url}/out/readiness/")
    assert page.locator("[data-testid=rung]").count() == 3
    gaps = page.locator("[data-testid=readiness-gaps]")
    assert "no mobile number on record" in gaps.inner_text()
    red = page.locator("[data-testid=route-gap]").first.evaluate("el => getComputedStyle(el).color")
    assert red == "rgb(220, 53, 69)"  # Bootstrap's danger red, with the words beside it
    small = [t for t in page.evaluate(TARGETS) if t["h"] < MIN_TAP_PX]
    assert not small, small
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"readiness-{width}")

    page.click("#test-me")
    page.wait_for_selector("[data-testid=recent-tests]")
    assert TestAlert.objects.count() == 1
    shot(page, f"readiness-{width}-after-test")

    page.goto(f"{live_server.url}/out/")
    warning = page.locator("[data-testid=readiness-warning]")
    assert "1 gap in the alert chain" in warning.inner_text()
    assert page.locator("#readiness-link").bounding_box()["height"] >= MIN_TAP_PX or width > 500
    shot(page, f"readiness-{width}-board")
