"""On a 360 px touch phone every tap target in the site's header (the menu open) and on the sign-in,
password, account and two-factor pages is at least 44 px high, measured in real Chromium: the menu
button was 40 px, the sign-in fields and buttons 38 px, the header's buttons 31 px."""

import pytest

from accounts import roles
from accounts.tests.twofactor_helpers import with_two_factor
from homevisits.factories import SchoolFactory, make_staff

from .browser import MEASURE, MIN, PHONE, TARGETS, chromium, page_for, shot, small_targets

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]







@pytest.fixture
def people(people):
    with_two_factor(people["head"])  # signed in with the password only: asked for a code
    return people


PAGES = [
    (None, "/accounts/login/"),
    (None, "/accounts/password/reset/"),
    ("teacher", "/accounts/"),
    ("teacher", "/accounts/password/change/"),
    ("teacher", "/accounts/two-factor/setup/"),
    ("teacher", "/accounts/two-factor/backup-codes/"),
    ("head", "/accounts/two-factor/verify/"),
]


@pytest.mark.parametrize("who, path", PAGES)
def test_every_tap_target_is_44_px_high_on_a_phone(live_server, people, who, path):
    with chromium() as browser:
        page = page_for(browser, live_server, people.get(who), **PHONE)
        page.goto(live_server.url + path)
        assert page.evaluate("matchMedia('(pointer: coarse)').matches")
        for details in page.locator("details").all():  # what opens counts too
            details.locator("summary").tap()
        small = small_targets(page)
        toggler = page.locator(".navbar-toggler")
        if toggler.count():
            toggler.tap()
            page.locator("#mainnav.show").wait_for()
            small |= small_targets(page)
        shot(page, "tap-targets" + path.replace("/", "-").rstrip("-"))
    assert not small, f"smaller than {MIN} px on {path}: {small}"


def test_the_header_and_its_menu_for_each_role(live_server):
    """The header's own targets (brand, menu button, every menu link, Account, Sign out) for the
    role with the longest menu and for visiting staff."""
    school = SchoolFactory(name="Oakfield Primary School")
    with chromium() as browser:
        for role in (roles.HEAD, roles.VISITING_STAFF, roles.OFFICE, roles.SCHOOL_ADMIN):
            page = page_for(browser, live_server, make_staff(school, role), **PHONE)
            page.goto(live_server.url + "/accounts/")
            page.locator(".navbar-toggler").tap()
            page.locator("#mainnav.show").wait_for()
            header = [t for t in page.evaluate(MEASURE, "header " + TARGETS.replace(", ", ", header "))
                      if t["shown"]]
            assert len(header) >= 5, header
            small = [t["what"] for t in header if t["height"] < MIN - 0.5]
            assert not small, f"{role}: {small}"
