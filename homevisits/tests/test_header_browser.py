"""The site's header in real Chromium, for every role, at 1280 px and on a 360 px phone: every piece
of its text passes WCAG AA contrast (4.5:1) against the colour actually behind it (the menu links
were 2.36:1, the school's name 2.18:1); the school's name is never cut, however long; the head's
eight menu links, name, Account and Sign out never overlap or touch; nothing scrolls sideways."""

import pytest

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff

from .browser import DESK, PHONE, chromium, page_for, shot
from .contrast import ratio

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

LONG_NAME = "St Mary and St John's Church of England Voluntary Aided Primary School and Nursery"

# For each element: its text colour and the colours behind it, nearest first, up to the first opaque one.
COLOURS = """(selector) => [...document.querySelectorAll(selector)].filter((el) => el.getClientRects().length)
  .map((el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      layers.push(bg);
      if (/^rgb\\(/.test(bg)) break;
    }
    return {what: (el.innerText || "").trim().slice(0, 30), color: getComputedStyle(el).color, layers};
  })"""

# Where each element's text is drawn (not its padded box: menu links' boxes touch by design).
RECTS = """(selector) => [...document.querySelectorAll(selector)].filter((el) => el.getClientRects().length)
  .map((el) => { const range = document.createRange(); range.selectNodeContents(el);
    const r = range.getBoundingClientRect();
    return {what: (el.innerText || "").trim().slice(0, 30), left: r.left, right: r.right, top: r.top,
            bottom: r.bottom, scroll: el.scrollWidth, client: el.clientWidth}; })"""


def contrast(item) -> float:
    return ratio(item["color"], *item["layers"])


def test_the_contrast_maths_matches_the_published_figures():
    """Bootstrap's old menu link (white at 55 % on #0d6efd) is the 2.36:1 the new users measured."""
    item = {"color": "rgba(255, 255, 255, 0.55)", "layers": ["rgb(13, 110, 253)"]}
    assert round(contrast(item), 2) == 2.36
    assert round(contrast({"color": "rgb(0, 0, 0)", "layers": ["rgba(0, 0, 0, 0)"]}), 1) == 21.0


HEADER_TEXT = ("header .navbar-brand, header [data-testid=school-name], header .nav-link, "
               "header [data-testid=signed-in-as], header .btn")
PIECES = "header .navbar-brand, header .nav-link, header [data-testid=signed-in-as], header .btn"


def open_menu_if_collapsed(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.tap()
        page.locator("#mainnav.show").wait_for()


def overlaps(a, b, gap):
    """True if the two boxes overlap or come closer than `gap` px side by side."""
    same_row = a["top"] < b["bottom"] and b["top"] < a["bottom"]
    return same_row and a["left"] < b["right"] + gap and b["left"] < a["right"] + gap


@pytest.mark.parametrize("size", ["1280", "360"])
@pytest.mark.parametrize("role", [roles.HEAD, roles.DSL, roles.OFFICE, roles.SCHOOL_ADMIN, roles.VISITING_STAFF])
def test_the_header_is_legible_and_uncrowded(live_server, role, size):
    school = SchoolFactory(name=LONG_NAME)
    user = make_staff(school, role)
    with chromium() as browser:
        page = page_for(browser, live_server, user, **(DESK if size == "1280" else PHONE))
        page.goto(live_server.url + "/accounts/")
        open_menu_if_collapsed(page)
        shot(page, f"header-{role.replace(' ', '-').lower()}-{size}")
        colours = page.evaluate(COLOURS, HEADER_TEXT)
        rects = page.evaluate(RECTS, PIECES)
        school_name = page.evaluate(RECTS, "[data-testid=school-name]")
        width = page.evaluate("document.documentElement.clientWidth")
        sideways = page.evaluate("document.documentElement.scrollWidth") > width

    low = [f"{c['what']!r} {contrast(c):.2f}:1" for c in colours if contrast(c) < 4.5]
    assert not low, f"below WCAG AA 4.5:1: {low}"
    assert len(colours) >= 6

    # The school's name: all of it on the screen, nothing clipped or cut with an ellipsis.
    assert len(school_name) == 1
    name = school_name[0]
    assert name["scroll"] <= name["client"] + 1 and 0 <= name["left"] and name["right"] <= width

    clashes = [(a["what"], b["what"]) for i, a in enumerate(rects) for b in rects[i + 1:] if overlaps(a, b, 12)]
    assert not clashes, f"touching or overlapping in the header: {clashes}"
    assert not sideways
    assert all(r["right"] <= width + 0.5 for r in rects)
