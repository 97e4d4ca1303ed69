"""The installable app: a manifest and an offline page from our own origin, public (a browser fetches
them without the session); the one service worker keeps the shell and the member of staff's own pages;
only their own pages are marked to keep; signing out asks the browser to drop what it kept."""

import datetime
import re
import struct

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from homevisits.offline import KEEP_HEADER
from safety.watchdog import check_in
from visits.models import EventKind

from ..factories import june_bst_at as at

pytestmark = pytest.mark.django_db


def png_size(url):
    """The width and height of one of our static PNGs, from its header."""
    name = url.removeprefix("/static/")
    name = re.sub(r"\.[0-9a-f]{12}\.png$", ".png", name)
    data = open(finders.find(name), "rb").read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_is_public_and_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["name"], manifest["display"], manifest["scope"]) == ("Home Visits", "standalone", "/")
    assert manifest["short_name"] and len(manifest["short_name"]) <= 12
    assert manifest["start_url"] == reverse("safety:my-visits")
    assert manifest["theme_color"] == "#0b3b7e" and manifest["background_color"] == "#ffffff"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        width, height = (int(n) for n in icon["sizes"].split("x"))
        assert icon["src"].startswith("/static/") and png_size(icon["src"]) == (width, height)


def test_every_page_links_the_manifest_and_the_ios_icon(client, world):
    client.force_login(world.teacher)
    page = client.get(reverse("safety:my-visits")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'<link rel="apple-touch-icon" href="{static("img/app/apple-touch-icon.png")}">' in page
    assert '<meta name="apple-mobile-web-app-capable" content="yes">' in page
    assert static("js/pwa.js") in page
    assert png_size(static("img/app/apple-touch-icon.png")) == (180, 180)


def test_the_csp_lets_the_manifest_and_the_worker_come_from_our_origin_only(client):
    csp = client.get("/manifest.webmanifest")["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    # No directive of their own: default-src 'self' covers manifest-src and worker-src.
    assert "manifest-src" not in csp and "worker-src" not in csp


def test_the_offline_page_is_public_and_personal_to_nobody(client, world):
    anonymous = client.get("/offline/")
    assert anonymous.status_code == 200
    body = anonymous.content.decode()
    assert "No signal" in body and "data-not-sent" in body and static("js/offline-taps.js") in body
    # It never says "signed out" (that would empty the kept pages when it is shown without signal).
    assert 'data-session=""' in body


def test_the_service_worker_keeps_the_shell_and_own_pages_and_still_shows_alerts(client):
    source = client.get("/sw.js").content.decode()
    for part in ('addEventListener("fetch"', "/offline/", "X-Keep-Offline", 'credentials: "omit"',
                 'addEventListener("push"', "showNotification", "signed-out"):
        assert part in source, part


def test_only_the_staff_members_own_pages_are_marked_to_keep(client, world, clock_june_bst):
    visit = world.visit()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=at(10, 2))
    client.force_login(world.teacher)
    for url in (reverse("safety:my-visits"), reverse("safety:checkin", args=[visit.pk]), visit.get_absolute_url()):
        assert client.get(url)[KEEP_HEADER] == "1", url
    assert KEEP_HEADER not in client.get(reverse("home"))
    # The office's view of the same visit, and its board, are never kept on a device.
    client.force_login(world.office)
    for url in (visit.get_absolute_url(), reverse("safety:board"), reverse("safety:escalation", args=[visit.pk])):
        assert KEEP_HEADER not in client.get(url), url
    # A visit on another day is not "today's".
    later = world.visit(start=at(10) + datetime.timedelta(days=2))
    client.force_login(world.teacher)
    assert KEEP_HEADER not in client.get(later.get_absolute_url())


def test_my_visits_has_the_schools_number(client, world, clock_june_bst):
    client.force_login(world.teacher)
    page = client.get(reverse("safety:my-visits")).content.decode()
    assert f'href="tel:{world.school.office_phone}"' in page


def test_signing_out_asks_the_browser_to_drop_what_it_kept(client, world):
    client.force_login(world.teacher)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Clear-Site-Data"] == '"cache"'
    # The page after it is for someone signed out: static/js/pwa.js empties the kept pages there.
    assert 'data-session="out"' in client.get(response["Location"]).content.decode()
