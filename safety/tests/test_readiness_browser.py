"""The readiness page in real Chromium at 1280 px and on a 360 px touch screen: the rungs, the gaps
in red with words, every tap target at least 44 px high, and a test alert sent from the page.
Screenshots go to var/test/screenshots/ (not committed)."""

import pytest
from django.conf import settings as django_settings

from homevisits.testing import CHROMIUM, need_chromium
from safety.models import TestAlert

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

MIN_TAP_PX = 44
TARGETS = """() => Array.from(document.querySelectorAll('main a[href], main button'))
  .filter(el => el.offsetParent !== null || el.getClientRects().length)
  .map(el => { const r = el.getBoundingClientRect(); return {h: r.height, w: r.width, what: el.outerHTML.slice(0, 120)}; })
  .filter(t => t.w > 0)"""


@pytest.fixture
def browser(live_server):
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def signed_in(browser, live_server, user, width):
    phone = width < 500
    context = browser.new_context(viewport={"width": width, "height": 740 if phone else 900}, is_mobile=phone,
                                  has_touch=phone, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def shot(page, name):
    folder = django_settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"readiness-{name}.png"), full_page=True)


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
    shot(page, f"{width}")

    page.click("#test-me")
    page.wait_for_selector("[data-testid=recent-tests]")
    assert TestAlert.objects.count() == 1
    shot(page, f"{width}-after-test")

    page.goto(f"{live_server.url}/out/")
    warning = page.locator("[data-testid=readiness-warning]")
    assert "1 gap in the alert chain" in warning.inner_text()
    assert page.locator("#readiness-link").bounding_box()["height"] >= MIN_TAP_PX or width > 500
    shot(page, f"{width}-board")
