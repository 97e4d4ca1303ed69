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


def shot(page, name):
    page.screenshot(path=str(out_dir("screenshots") / f"{name}.png"), full_page=True)
