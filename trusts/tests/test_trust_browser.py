"""The trust's overview and a school's board for the trust in real Chromium, at 1280 px and on a
360 px phone: two schools at once, nothing wider than the phone, every button a thumb's width, and
the board's own script (countdowns, polling) running under the site's CSP. Screenshots under
var/test/screenshots/ (trust-overview-*, trust-board-*)."""

import pytest
from django.utils import timezone

from homevisits.tests.browser import DESK, PHONE, chromium, page_for, shot
from safety.watchdog import scan

from .conftest import out_since

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def live_day(trusts, school, teacher, ta):
    now = timezone.now()
    out_since(school, teacher, [teacher, ta], "Quillfeather family", now=now)
    out_since(trusts.second, trusts.second_office, [trusts.second_office], "Ashby family", hours=1,
              back_minutes=40, now=now)
    scan(now)


def small_tap_targets(page):
    return page.evaluate("""() => [...document.querySelectorAll('main .btn, main .hv-tap-link')]
        .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
        .map(el => el.textContent.trim())""")


def test_the_overview_and_a_board_look_right_on_a_desk_and_a_phone(live_server, live_day, trusts, school):
    blocked = []
    with chromium() as browser:
        for size, name in ((DESK, "desk"), (PHONE, "phone")):
            page = page_for(browser, live_server, trusts.lead, **size)
            page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(live_server.url + "/trust/")
            assert page.get_by_test_id("trust-school").count() == 2
            assert page.get_by_test_id("trust-row").count() == 2
            # board.js runs the countdown ("overdue by 1 h 30 min"), as on the office's board.
            page.wait_for_function("document.querySelector('[data-countdown-label]').textContent.includes('overdue')")
            assert page.evaluate("document.documentElement.scrollWidth") <= size["viewport"]["width"]
            if name == "phone":
                assert not small_tap_targets(page)
            shot(page, f"trust-overview-{name}")
            page.goto(live_server.url + f"/trust/schools/{school.pk}/board/")
            page.get_by_test_id("board-row").first.wait_for()
            assert page.locator("form[action^='/out/']").count() == 0
            assert page.evaluate("document.documentElement.scrollWidth") <= size["viewport"]["width"]
            if name == "phone":
                assert not small_tap_targets(page)
            shot(page, f"trust-board-{name}")
    assert not blocked, blocked
