"""The governors' year in real Chromium: the charts load as images under the site's CSP, the page
fits a phone, and it prints on A4 (a PDF kept under var/test/ for a person to look at)."""

import pytest

from homevisits.tests.browser import DESK, PHONE, chromium, out_dir, page_for, shot

# The page is loaded by a real browser, so the clock moves; the year is chosen in the URL.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser,
              pytest.mark.usefixtures("clock_december_10am_gmt_ticking")]


def test_the_report_prints_on_a4_with_its_charts(live_server, head, year_data):  # noqa: F811
    blocked = []
    with chromium() as browser:
        page = page_for(browser, live_server, head, **DESK)
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(live_server.url + "/governors/2025/")
        page.get_by_test_id("governors-report").wait_for()
        for chart in ("chart-purposes", "chart-alerts"):
            assert page.get_by_test_id(chart).evaluate("img => img.complete && img.naturalWidth > 0"), chart
        shot(page, "governors-year-desk")
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=False)
        (out_dir("pdf") / "governors-year.pdf").write_bytes(pdf)
        phone = page_for(browser, live_server, head, **PHONE)
        phone.goto(live_server.url + "/governors/2025/")
        phone.get_by_test_id("governors-report").wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        shot(phone, "governors-year-phone")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") <= 4
    assert not blocked, blocked
