"""SOS and the duress PIN in real Chromium (R-CODEWORD): on a 360 px phone with touch, SOS is held for
2 seconds (a real touch, through the DevTools protocol), then a 3-second countdown can still cancel it,
then it is sent and the page shows one plain line; released early or cancelled, nothing is sent. It
is held with a keyboard too, and with a mouse on a desktop. The duress PIN shows the normal screen
while the office's board shows the top level. Every tap target is 44 px high at least.
Screenshots go to var/test/screenshots/ (not committed). The page's clock is driven; nothing sleeps."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts import pins
from safety.models import Escalation, EscalationLevel, EscalationReason
from safety.watchdog import check_in
from visits.models import EventKind

from .duress import DURESS, SAFETY
from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def browser(browser, live_server, clock_tomorrow_afternoon_ticking):
    """Chromium, with the server up and the clock ticking from tomorrow afternoon."""
    return browser


def phone_of(browser, width=360, touch=True):
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=touch, has_touch=touch)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.clock.install(time=timezone.now())
    return page


def sign_in(page, live_server, user, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def out_visit(world):
    visit = world.visit(start=timezone.now() - datetime.timedelta(minutes=20),
                        back=timezone.now() + datetime.timedelta(minutes=60))
    check_in(visit, EventKind.DEPARTED, world.teacher)
    check_in(visit, EventKind.ARRIVED, world.teacher)
    return visit


class Finger:
    """A real touch on the page (Input.dispatchTouchEvent): Chromium makes the pointer events from it."""

    def __init__(self, page, locator):
        self.cdp = page.context.new_cdp_session(page)
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        self.point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}

    def down(self):
        self.cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [self.point]})

    def up(self):
        self.cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def screenshot(page, name):
    folder = django_settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"sos-{name}.png"), full_page=True)


def small_targets(page) -> list[str]:
    """Visible buttons, links and fields on the phone page under 44 px high."""
    return page.evaluate("""() => Array.from(document.querySelectorAll(
        '.hv-phone button, .hv-phone a, .hv-phone input:not([type=hidden]), .hv-phone summary'))
        .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
        .map(el => el.outerHTML.slice(0, 80))""")


def test_sos_is_held_cancelled_and_sent_with_a_finger(live_server, browser):  # R-CODEWORD
    world = World()
    world.school.pin_to_end_visit = True
    world.school.save()
    pins.set_pins(world.teacher, SAFETY, DURESS)
    visit = out_visit(world)
    phone = phone_of(browser)
    sign_in(phone, live_server, world.teacher, f"/out/{visit.pk}/")
    hold = phone.locator("[data-sos-button]")
    countdown = phone.locator("[data-sos-countdown]")
    assert hold.is_visible() and phone.get_by_role("button", name="Yes, send SOS now").is_hidden()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert small_targets(phone) == []
    assert hold.bounding_box()["height"] >= 64
    screenshot(phone, "phone-360")

    finger = Finger(phone, hold)
    # Let go after a second: nothing.
    finger.down()
    phone.clock.run_for(1000)
    assert "Keep holding" in hold.inner_text()
    finger.up()
    phone.clock.run_for(3000)
    assert countdown.is_hidden() and "hold 2 seconds" in hold.inner_text()
    # Held 2 seconds: the countdown, which Cancel stops.
    finger.down()
    phone.clock.run_for(2100)
    finger.up()
    assert countdown.is_visible() and phone.locator("[data-sos-status]").inner_text() == "Sending SOS in 3 s"
    screenshot(phone, "countdown-360")
    assert phone.get_by_role("button", name="Cancel").bounding_box()["height"] >= 44
    phone.get_by_role("button", name="Cancel").tap()
    phone.clock.run_for(5000)
    assert countdown.is_hidden()
    assert not visit.events.filter(kind=EventKind.DURESS).exists()
    # Held again and left to run: sent, and the page shows one plain line.
    finger = Finger(phone, hold)
    finger.down()
    phone.clock.run_for(2100)
    finger.up()
    with phone.expect_navigation():
        phone.clock.run_for(3100)
    phone.get_by_role("alert").filter(has_text="Sent to school at").wait_for()
    assert phone.locator(".alert-danger").count() == 0
    screenshot(phone, "sent-360")
    esc = Escalation.objects.get(visit=visit, resolved_at__isnull=True)
    assert (esc.level, esc.reason) == (EscalationLevel.EMERGENCY, EscalationReason.DURESS)
    assert visit.events.filter(kind=EventKind.DURESS).count() == 1


def test_sos_is_held_with_a_keyboard_and_with_a_mouse(live_server, browser):  # R-CODEWORD
    world = World()
    visit = out_visit(world)
    phone = phone_of(browser)
    sign_in(phone, live_server, world.teacher, f"/out/{visit.pk}/")
    hold = phone.locator("[data-sos-button]")
    hold.focus()
    phone.keyboard.down(" ")
    phone.clock.run_for(2100)
    phone.keyboard.up(" ")
    assert phone.locator("[data-sos-countdown]").is_visible()
    phone.keyboard.press("Enter")  # the focus is on Cancel
    phone.clock.run_for(4000)
    assert not visit.events.filter(kind=EventKind.DURESS).exists()

    desk = phone_of(browser, width=1280, touch=False)
    sign_in(desk, live_server, world.ta, f"/out/{visit.pk}/")
    screenshot(desk, "desk-1280")
    desk.locator("[data-sos-button]").scroll_into_view_if_needed()
    box = desk.locator("[data-sos-button]").bounding_box()
    desk.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    desk.mouse.down()
    desk.clock.run_for(2100)
    desk.mouse.up()
    with desk.expect_navigation():
        desk.clock.run_for(3100)
    desk.get_by_role("alert").filter(has_text="Sent to school at").wait_for()
    event = visit.events.get(kind=EventKind.DURESS)
    assert event.actor == world.ta


def test_the_duress_pin_shows_the_normal_screen_while_the_board_shows_level_3(live_server, browser):  # R-CODEWORD
    world = World()
    world.school.pin_to_end_visit = True
    world.school.save()
    pins.set_pins(world.teacher, SAFETY, DURESS)
    visit = out_visit(world)
    check_in(visit, EventKind.RETURNED, world.ta)
    phone = phone_of(browser)
    sign_in(phone, live_server, world.teacher, f"/out/{visit.pk}/")
    phone.fill("#id_returned_pin", "000000")
    phone.get_by_role("button", name="Back at school").tap()
    phone.get_by_text(pins.WRONG_PIN).wait_for()
    screenshot(phone, "wrong-pin-360")
    phone.fill("#id_returned_pin", DURESS)
    phone.get_by_role("button", name="Back at school").tap()
    phone.get_by_role("alert").filter(has_text="Everyone is back: the visit is closed.").wait_for()
    assert phone.locator(".alert-danger").count() == 0
    screenshot(phone, "duress-pin-360")

    office = phone_of(browser, width=1280, touch=False)
    sign_in(office, live_server, world.office, "/out/")
    row = office.locator("[data-testid=board-row]").filter(has_text=visit.family.display_name)
    assert row.get_attribute("data-level") == "3"
    assert "Duress PIN typed instead of the safety PIN" in row.inner_text()
    screenshot(office, "board-1280")


def test_staff_set_their_pins_on_their_account_page(live_server, browser):  # R-CODEWORD
    world = World()
    for width in (360, 1280):
        page = phone_of(browser, width=width, touch=width == 360)
        sign_in(page, live_server, world.teacher, "/accounts/pins/")
        if width == 360:
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            fields = page.locator("form[data-testid=pins-form] input:not([type=hidden]), form[data-testid=pins-form] .btn")
            assert all(fields.nth(i).bounding_box()["height"] >= 44 for i in range(fields.count()))
        screenshot(page, f"pins-{width}")
    page.fill("#id_password", PASSWORD)
    for name, pin in (("safety_pin", SAFETY), ("safety_pin_again", SAFETY), ("duress_pin", DURESS),
                      ("duress_pin_again", DURESS)):
        page.fill(f"#id_{name}", pin)
    page.get_by_role("button", name="Set my PINs").click()
    page.get_by_text("Your safety PIN and duress PIN are set.").wait_for()
    screenshot(page, "account-1280")
    assert pins.has_pins(world.teacher)
