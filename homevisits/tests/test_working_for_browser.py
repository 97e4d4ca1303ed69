"""The header's "Working for" switcher in real Chromium, at 1280 px and on a 360 px phone: a member
of two schools sees which school they are working for, changes it with the select and its button
(every target 44 px on the phone, nothing scrolls sideways), and the header then names the other
school."""

import pytest

from accounts import roles
from accounts.models import SchoolMembership
from homevisits.factories import SchoolFactory, make_staff, make_trust

from .browser import DESK, PHONE, chromium, page_for, shot, small_targets

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("size", ["1280", "360"])
def test_the_switcher_changes_the_school_and_the_header_says_so(live_server, size):
    home = SchoolFactory(name="Oakfield Primary School")
    other = SchoolFactory(name="Brookside Primary School")
    make_trust(home, other, name="Nene Valley Learning Trust")
    fsw = make_staff(home, roles.VISITING_STAFF, username="fsw")
    fsw.first_name, fsw.last_name = "Jo", "Walsh"
    fsw.save()
    SchoolMembership.objects.create(user=fsw, school=other)
    with chromium() as browser:
        page = page_for(browser, live_server, fsw, **(DESK if size == "1280" else PHONE))
        page.goto(live_server.url + "/accounts/")
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.tap()
            page.locator("#mainnav.show").wait_for()
        switcher = page.get_by_test_id("working-for")
        assert switcher.is_visible()
        assert page.get_by_test_id("school-name").inner_text() == "Oakfield Primary School"
        assert page.locator("#working-for-school").input_value() == str(home.pk)
        shot(page, f"working-for-{size}")
        small = {t for t in small_targets(page) if "header" not in t}
        header_small = page.evaluate("""() => [...document.querySelectorAll('header select, header button, header a')]
            .filter((el) => el.getClientRects().length).map((el) => el.getBoundingClientRect().height)""")
        sideways = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")

        page.select_option("#working-for-school", str(other.pk))
        page.get_by_role("button", name="Change school").click()
        page.wait_for_url(live_server.url + "/")
        assert page.get_by_test_id("school-name").inner_text() == "Brookside Primary School"
        assert "You are working for Brookside Primary School now." in page.content()
        if toggler.is_visible():
            toggler.tap()
            page.locator("#mainnav.show").wait_for()
        assert page.locator("#working-for-school").input_value() == str(other.pk)
        shot(page, f"working-for-changed-{size}")

    assert not sideways
    if size == "360":
        assert not small, small
        assert min(header_small) >= 44 - 0.5, header_small
