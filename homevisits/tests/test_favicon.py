"""The site's icon, from our own origin: linked from every page, and /favicon.ico (which browsers
ask for by themselves, the Django admin included) answers with it instead of a 404 on every first
load, before any sign-in."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from .browser import DESK, chromium, page_for

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_to_anyone():
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an icon file


def test_every_page_links_the_svg_icon():
    page = Client().get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg" type="image/svg+xml"' in page
    svg = finders.find("img/favicon.svg")  # collected and served with the other static files
    assert svg and "<svg" in open(svg).read()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_a_first_load_meets_no_404(live_server, path):
    """In Chromium: the page loads with nothing missing, the icon it links (or, for the admin's own
    pages, /favicon.ico) is an image, and the console stays clean."""
    with chromium() as browser:
        page = page_for(browser, live_server, None, **DESK)
        failed, errors = [], []
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        icons = page.eval_on_selector_all("link[rel=icon]", "links => links.map(l => l.href)")
        answers = [page.request.get(url) for url in icons or [live_server.url + "/favicon.ico"]]
        answers.append(page.request.get(live_server.url + "/favicon.ico", max_redirects=0))
        kinds = [(a.status, a.headers.get("content-type", "")) for a in answers]
    assert not failed and not errors, (failed, errors)
    assert all(status == 200 and kind.startswith("image/") for status, kind in kinds), kinds
