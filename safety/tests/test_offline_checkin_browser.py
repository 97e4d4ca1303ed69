"""Without signal, in real Chromium on a 360 px touch phone: the app is installable (its manifest linked
and valid, the one service worker controlling the page), a check-in tapped offline is kept on the phone
and shown as NOT SENT with a call button, the page still opens offline from the phone, and once the
signal is back the tap is sent, recorded once, with the time it was tapped (R-CHECKIN)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from homevisits.tests.browser import DESK, PHONE, chromium, page_for, shot
from safety.watchdog import check_in
from visits.models import EventKind

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CONTROLLED = "navigator.serviceWorker.ready.then(() => Boolean(navigator.serviceWorker.controller))"


def tap_targets_too_small(page, selector):
    return page.evaluate("""(selector) => Array.from(document.querySelectorAll(selector))
        .filter((el) => el.offsetParent !== null)
        .map((el) => el.getBoundingClientRect())
        .filter((box) => box.height < 44 || box.width < 44).length""", selector)


def test_a_tap_without_signal_is_kept_shown_and_sent_once_with_its_time(live_server, clock_tomorrow_afternoon_ticking):
    world = World()
    visit = world.visit(start=timezone.now() - datetime.timedelta(minutes=5),
                        back=timezone.now() + datetime.timedelta(minutes=70))
    check_in(visit, EventKind.DEPARTED, world.teacher)
    check_in(visit, EventKind.ARRIVED, world.teacher)
    checkin_url = f"{live_server.url}/out/{visit.pk}/"

    with chromium() as browser:
        phone = page_for(browser, live_server, world.teacher, **PHONE)
        phone.clock.install(time=timezone.now())  # the server's afternoon, in the phone's clock too
        phone.goto(f"{live_server.url}/out/mine/")

        # Installable: the manifest is linked, from our origin, and valid; the worker controls the page.
        href = phone.locator("link[rel=manifest]").get_attribute("href")
        manifest = phone.evaluate("(url) => fetch(url, {credentials: 'omit'}).then((r) => r.json())", href)
        assert (manifest["name"], manifest["display"], manifest["start_url"]) == ("Home Visits", "standalone",
                                                                                  "/out/mine/")
        for icon in manifest["icons"]:
            assert phone.evaluate("(src) => fetch(src).then((r) => r.ok && r.headers.get('content-type'))",
                                  icon["src"]) == "image/png"
        phone.evaluate("navigator.serviceWorker.ready")
        phone.reload()
        assert phone.evaluate(CONTROLLED) is True
        assert phone.evaluate("navigator.serviceWorker.controller.scriptURL") == f"{live_server.url}/sw.js"

        # With signal, the check-in page is opened once (so the phone keeps it).
        phone.goto(checkin_url)
        phone.wait_for_function("caches.open('hv-pages').then((c) => c.match(location.href)).then(Boolean)")

        # No signal: "All OK" is kept on the phone and the page says so, plainly, with the call button.
        phone.context.set_offline(True)
        tapped_at = timezone.now()
        phone.get_by_role("button", name="All OK").tap()
        not_sent = phone.get_by_test_id("not-sent")
        not_sent.wait_for()
        hhmm = timezone.localtime(tapped_at).strftime("%H:%M")
        assert "NOT SENT: ring the office" in not_sent.inner_text()
        assert f"All OK, tapped {hhmm}" in not_sent.inner_text()
        call = not_sent.get_by_role("link", name="Call school")
        assert call.get_attribute("href") == f"tel:{world.school.office_phone}"
        assert call.bounding_box()["height"] >= 44 and call.bounding_box()["width"] >= 280  # the panel's whole width
        assert tap_targets_too_small(phone, ".hv-phone .btn") == 0
        shot(phone, "offline-not-sent-360")
        assert not visit.events.filter(kind=EventKind.OK).exists()

        # A page never kept on the phone: the page for no signal, with the kept tap and the school's number.
        phone.goto(f"{live_server.url}/out/readiness/")
        phone.get_by_role("heading", name="No signal").wait_for()
        assert f"All OK, tapped {hhmm}" in phone.get_by_test_id("not-sent").inner_text()
        assert phone.locator("[data-office-call]").get_attribute("href") == f"tel:{world.school.office_phone}"
        shot(phone, "offline-page-360")
        # The check-in page without signal: it comes from the phone, and still says what is not sent.
        phone.goto(checkin_url)
        phone.get_by_test_id("not-sent").wait_for()
        assert f"All OK, tapped {hhmm}" in phone.get_by_test_id("not-sent").inner_text()
        assert not visit.events.filter(kind=EventKind.OK).exists()

        # Signal again, 16 minutes later: sent by itself, once, with the time it was tapped.
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16), tick=True):
            phone.clock.fast_forward("16:00")
            phone.context.set_offline(False)
            sent = phone.get_by_test_id("sent")
            sent.wait_for()
            assert f"Sent (tapped {hhmm})" in sent.inner_text()
            phone.wait_for_function("document.querySelector('[data-not-sent]').hidden")
            # Another page load sends nothing more.
            phone.reload()
            phone.get_by_role("button", name="All OK").wait_for()
            phone.wait_for_timeout(300)
        events = list(visit.events.filter(kind=EventKind.OK))
        assert len(events) == 1
        event = events[0]
        assert abs(event.said_at - tapped_at) < datetime.timedelta(seconds=5)
        assert event.at - event.said_at >= datetime.timedelta(minutes=15)

        # The page with the NOT SENT panel on a desk's screen too (looked at: nothing overlaps).
        desk = page_for(browser, live_server, world.teacher, **DESK)
        desk.clock.install(time=timezone.now())
        desk.goto(checkin_url)
        desk.evaluate("navigator.serviceWorker.ready")
        desk.context.set_offline(True)
        desk.get_by_role("button", name="All OK").click()
        desk.get_by_test_id("not-sent").wait_for()
        shot(desk, "offline-not-sent-1280")
