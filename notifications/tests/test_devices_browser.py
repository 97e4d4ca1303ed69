""""Alerts on this device" in real Chromium, under the site's strict CSP: the page registers our
service worker and says in its live status line whether alerts come to this device; a browser with no
web push, or with notifications blocked, is told so plainly; the Remove button removes a stored
device; on a 360 px phone every tap target is at least 44 px high.

Chromium makes a real push subscription only with a push service behind it, which a test has not:
the subscribing test stands in for PushManager alone (a subscription with real keys and an address
on our fake push service), so everything of ours after it runs for real: the save with the CSRF
token, the check on the server, the stored device, the list fetched again and this device marked."""

import json

import pytest

from homevisits.tests.browser import DESK, PHONE, chromium, page_for, shot, small_targets
from notifications.models import PushSubscription
from notifications.tests.fakes import Browser

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PAGE = "/notifications/push/devices/"
ENDPOINT = "http://localhost:9/wpush/this-browser"  # our fake push service's address (never called here)

# Stands in for the push service: PushManager hands out the subscription a browser would.
FAKE_PUSH_MANAGER = """(() => {
  const made = %s;
  let current = null;
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
  PushManager.prototype.subscribe = function () {
    current = {endpoint: made.endpoint, toJSON: () => made, unsubscribe: () => Promise.resolve(true)};
    return Promise.resolve(current);
  };
})();"""


@pytest.fixture
def push(settings, tmp_path):
    settings.PUSH_SERVICE_HOSTS = ["localhost"]
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = True
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_KEY_FILE = tmp_path / "vapid_private_key.pem"


def stored(person, endpoint, name):
    sub = Browser().subscription(endpoint)
    return PushSubscription.objects.create(user=person, endpoint=endpoint, p256dh=sub["keys"]["p256dh"],
                                           auth=sub["keys"]["auth"], user_agent=name)


def watch(page):
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def status(page):
    return page.get_by_test_id("push-status")


def test_the_page_registers_the_worker_says_where_alerts_go_and_removes_a_device(live_server, push, office):
    stored(office, "http://localhost:9/wpush/office-pc", "Edge on Windows")
    with chromium() as browser:
        page = page_for(browser, live_server, office, **DESK)
        page.context.grant_permissions(["notifications"], origin=live_server.url)
        problems = watch(page)
        page.goto(live_server.url + PAGE)
        page.wait_for_function("() => navigator.serviceWorker.ready.then((r) => r.scope)")
        assert page.evaluate("() => navigator.serviceWorker.ready.then((r) => r.scope)") == f"{live_server.url}/"
        # No push service in a test: the browser has no subscription, and the page says so.
        assert status(page).get_attribute("aria-live") == "polite"
        status(page).filter(has_text="Alerts do not come to this device yet.").wait_for()
        assert page.get_by_role("button", name="Turn on alerts on this device").is_visible()
        assert page.get_by_test_id("push-devices").inner_text().startswith("Edge on Windows")
        shot(page, "push-devices-1280")

        page.get_by_role("button", name="Remove Edge on Windows", exact=False).click()
        page.get_by_test_id("push-no-devices").wait_for()
        assert "Removed Edge on Windows: alerts no longer go to it." in page.inner_text("main")
        assert page.url == live_server.url + PAGE
        assert not PushSubscription.objects.exists()
        assert not problems, problems


def test_subscribing_saves_this_browser_and_the_list_shows_it_as_this_device(live_server, push, teacher):
    made = Browser().subscription(ENDPOINT)
    with chromium() as browser:
        page = page_for(browser, live_server, teacher, **DESK)
        page.context.grant_permissions(["notifications"], origin=live_server.url)
        page.context.add_init_script(FAKE_PUSH_MANAGER % json.dumps(made))
        problems = watch(page)
        page.goto(live_server.url + PAGE)
        status(page).filter(has_text="Alerts do not come to this device yet.").wait_for()
        page.get_by_role("button", name="Turn on alerts on this device").click()
        status(page).filter(has_text="Alerts will come to this device.").wait_for()
        device = PushSubscription.objects.get()
        assert (device.user, device.endpoint, device.p256dh) == (teacher, ENDPOINT, made["keys"]["p256dh"])
        assert device.user_agent.startswith("Chrome")
        # The list came again without a reload (the status line is still there), this device marked.
        devices = page.get_by_test_id("push-devices")
        assert devices.locator("[data-push-this-device]").is_visible()
        assert page.get_by_role("button", name="Send me a test").is_visible()
        assert not problems, problems


def test_a_browser_without_web_push_is_told_so(live_server, push, teacher):
    with chromium() as browser:
        page = page_for(browser, live_server, teacher, **DESK)
        page.context.add_init_script("delete window.PushManager;")
        page.goto(live_server.url + PAGE)
        status(page).filter(has_text="This browser cannot take alerts: it has no web push.").wait_for()
        assert not page.get_by_role("button", name="Turn on alerts on this device").is_visible()


def test_blocked_notifications_are_explained(live_server, push, teacher):
    with chromium() as browser:
        page = page_for(browser, live_server, teacher, **DESK)
        page.context.add_init_script("Object.defineProperty(Notification, 'permission', {get: () => 'denied'});")
        page.goto(live_server.url + PAGE)
        status(page).filter(has_text="Notifications are blocked for this site in this browser").wait_for()
        assert "settings" in status(page).inner_text()
        assert not page.get_by_role("button", name="Turn on alerts on this device").is_visible()


def test_on_a_phone_every_tap_target_is_44_px_high(live_server, push, head):
    stored(head, "http://localhost:9/wpush/heads-phone", "Chrome on Android")
    stored(head, "http://localhost:9/wpush/heads-pc", "Firefox on Windows")
    with chromium() as browser:
        page = page_for(browser, live_server, head, **PHONE)
        page.context.grant_permissions(["notifications"], origin=live_server.url)
        for path, name in ((PAGE, "push-devices-360"), ("/accounts/", "account-360")):
            page.goto(live_server.url + path)
            if path == PAGE:
                status(page).filter(has_text="Alerts").wait_for()
            assert not small_targets(page), (path, small_targets(page))
            shot(page, name)
        page.set_viewport_size({"width": 1280, "height": 900})
        shot(page, "account-1280-touch")
    with chromium() as browser:
        page = page_for(browser, live_server, head, **DESK)
        page.goto(live_server.url + "/accounts/")
        shot(page, "account-1280")


def test_the_board_shows_the_panel_beside_its_own_alerts(live_server, push, office):
    stored(office, "http://localhost:9/wpush/office-pc", "Edge on Windows")
    with chromium() as browser:
        for size, name in ((DESK, "board-push-1280"), (PHONE, "board-push-360")):
            page = page_for(browser, live_server, office, **size)
            page.context.grant_permissions(["notifications"], origin=live_server.url)
            problems = watch(page)
            page.goto(live_server.url + "/out/")
            status(page).filter(has_text="Alerts do not come to this device yet.").wait_for()
            # The board's in-tab sound and desktop alerts are still there and still work.
            page.locator("[data-notify-toggle]").click()
            page.locator("[data-notify-toggle]").filter(has_text="Desktop alerts: on").wait_for()
            assert page.locator("[data-sound-toggle]").is_visible()
            page.get_by_role("button", name="Remove Edge on Windows", exact=False).click()
            page.get_by_test_id("push-no-devices").wait_for()
            assert page.url == live_server.url + "/out/"  # back on the board
            shot(page, name)
            assert not problems, problems
            stored(office, f"http://localhost:9/wpush/again-{name}", "Edge on Windows")
