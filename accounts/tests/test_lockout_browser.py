"""The lockout page in real Chromium, on a 360 px phone and a 1280 px desk: which pause it is (this
device, or everywhere after guesses from many places), for how long, and the way out, readable with
no sideways scrolling and a button big enough to tap. Screenshots to var/test/screenshots/."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

WIDTHS = {"phone": {"width": 360, "height": 740}, "desk": {"width": 1280, "height": 800}}


def sign_in(page, base, password="wrong-password-123"):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "tom")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.mark.parametrize("size", WIDTHS)
def test_the_lockout_pages_read_well_on_a_phone_and_a_desk(live_server, browser, size):
    make_staff(SchoolFactory(), roles.VISITING_STAFF, username="tom")
    out_dir = settings.VAR_DIR / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=WIDTHS[size], is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    page.set_default_timeout(10_000)

    for _ in range(5):  # from this browser (the live server sees 127.0.0.1)
        sign_in(page, live_server.url)
    message = page.get_by_test_id("lockout-message")
    assert "from this device is paused" in message.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Signing in is paused for 15 minutes"
    page.screenshot(path=str(out_dir / f"lockout-this-device-{size}.png"), full_page=True)

    # Then, with this address's pause lifted by the admin, 30 guesses from many other addresses: the
    # username is paused everywhere, for 30 minutes.
    AccessAttempt.objects.filter(ip_address="127.0.0.1").delete()
    for n in range(30):
        Client().post("/accounts/login/", {"username": "tom", "password": "wrong-password-123"},
                      REMOTE_ADDR=f"198.51.100.{n + 1}")
    context.clear_cookies()
    sign_in(page, live_server.url, password="correct-horse-battery")
    text = page.get_by_test_id("lockout-message").inner_text()
    assert "paused everywhere" in text and "more tries make the pause longer" in text
    assert "Signing in is paused for 30 minutes" == page.get_by_role("heading", level=1).inner_text()
    page.screenshot(path=str(out_dir / f"lockout-everywhere-{size}.png"), full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
    for name in ("Reset my password by email", "Back to sign in"):
        assert page.get_by_role("link", name=name).bounding_box()["height"] >= 44, name
    context.close()
