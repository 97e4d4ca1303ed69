"""Helpers for browser tests of the site's look: real Chromium, signed in by a session cookie (the
sign-in page itself has its own tests), screenshots and PDFs kept under var/test/ for a person to
look at (not committed)."""

import contextlib

from django.conf import settings
from django.test import Client

from homevisits.testing import CHROMIUM, need_chromium

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 900}}


def out_dir(kind: str):
    folder = settings.VAR_DIR / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def chromium():
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def page_for(browser, live_server, user=None, **context_args):
    """A new page, signed in as `user` (or not signed in at all)."""
    context = browser.new_context(**(context_args or DESK))
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                              "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def signed_in(browser, live_server, user, width, password="correct-horse-battery"):
    """A page `width` px wide (below 500: a phone, touch) signed in through the sign-in page, as a
    person does."""
    phone = width < 500
    context = browser.new_context(viewport={"width": width, "height": 740 if phone else 900}, is_mobile=phone,
                                  has_touch=phone, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def shot(page, name):
    page.screenshot(path=str(out_dir("screenshots") / f"{name}.png"), full_page=True)


MIN = 44


# Everything a finger can press, as seen on the page (hidden ones are left out below).
TARGETS = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], label.form-check-label"


MEASURE = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const shown = r.width > 1 && r.height > 1 && style.visibility !== "hidden" && el.getClientRects().length > 0;
  return {shown, height: r.height, width: r.width,
          what: el.tagName.toLowerCase() + (el.name ? `[name=${el.name}]` : "") + " " +
                (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40)};
})"""


def small_targets(page):
    return {f"{t['what']} ({t['height']:.0f} px)" for t in page.evaluate(MEASURE, TARGETS)
            if t["shown"] and t["height"] < MIN - 0.5}
