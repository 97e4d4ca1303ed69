"""The trust's year in real Chromium: its charts load as images under the site's CSP, the page fits a
360 px phone, and it prints on A4 from the browser; the printed PDF is turned into PNG pages with
pdftoppm (var/test/pdf/trust-year-print-*.png) for a person to read, as a chair of trustees would."""

import datetime
import shutil
import struct
import subprocess

import pytest

from governors.tests.year import UTC, alert_at, visit_at
from homevisits.factories import FamilyFactory, make_staff
from homevisits.tests.browser import DESK, PHONE, chromium, out_dir, page_for, shot
from safety.models import EscalationLevel, EscalationReason, SafeguardingConcern
from visits.models import OfferStatus, Outcome, Purpose, VisitReport, VisitState

# The page is loaded by a real browser, so the clock moves; the year is chosen in the URL.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser,
              pytest.mark.usefixtures("clock_december_10am_gmt_ticking")]


def a_school_year(school, raiser, start_year, visits, late, purposes=(Purpose.INDUCTION, Purpose.ATTENDANCE)):
    """`visits` visits made through the year, `late` of them late (taking charge 2, 4, 6... minutes after
    the deadline), one emergency, a cancellation for safety, offers, a concern and trained staff."""
    first = datetime.datetime(start_year, 9, 8, 9, 0, tzinfo=UTC)
    pair = [make_staff(school, training_date=datetime.date(start_year, 9, 20)), make_staff(school)]
    for i in range(visits):
        visit = visit_at(school, first + datetime.timedelta(days=3 * i, hours=i % 5),
                         purpose=purposes[i % len(purposes)], lead=pair[0], staff=pair)
        VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED if i % 4 else Outcome.NO_ONE_HOME,
                                   filed_by=visit.lead)
        if i < late:
            deadline = visit.planned_start + datetime.timedelta(hours=2)
            top = alert_at(visit, EscalationLevel.CHASE, deadline, ack_after=2 * (i + 1), resolve_after=6 * (i + 2))
            alert_at(visit, EscalationLevel.LATE, deadline - datetime.timedelta(minutes=15), raised_to=top)
    alert_at(visit, EscalationLevel.EMERGENCY, visit.planned_start + datetime.timedelta(minutes=40), ack_after=1,
             resolve_after=25, reason=EscalationReason.DURESS)
    visit_at(school, first + datetime.timedelta(days=40), state=VisitState.CANCELLED, cancelled_for_safety=True)
    for status in (OfferStatus.ACCEPTED, OfferStatus.ACCEPTED, OfferStatus.DECLINED):
        FamilyFactory(school=school, offer_status=status, offer_status_date=datetime.date(start_year, 10, 1))
    SafeguardingConcern.objects.create(school=school, family=visit.family, details="Bruise on the arm",
                                       raised_by=raiser, raised_at=first + datetime.timedelta(days=20))


@pytest.fixture
def trust_year_data(trusts, school, head):
    a_school_year(school, head, 2025, visits=14, late=3)
    a_school_year(trusts.second, head, 2025, visits=9, late=1, purposes=(Purpose.WELFARE, Purpose.INDUCTION))
    a_school_year(school, head, 2024, visits=10, late=4)
    a_school_year(trusts.second, head, 2024, visits=6, late=2)


def test_the_trusts_year_prints_on_a4_with_its_charts(live_server, trusts, trust_year_data):
    blocked = []
    with chromium() as browser:
        page = page_for(browser, live_server, trusts.lead, **DESK)
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(live_server.url + "/trust/")
        page.get_by_test_id("trust-year-link").click()
        page.get_by_test_id("trust-year-report").wait_for()
        assert page.url.endswith("/trust/year/2026/")
        page.goto(live_server.url + "/trust/year/2025/")
        page.get_by_test_id("trust-year-report").wait_for()
        for chart in ("chart-purposes", "chart-alerts"):
            assert page.get_by_test_id(chart).evaluate("img => img.complete && img.naturalWidth > 0"), chart
        assert page.get_by_test_id("school-row").count() == 2
        shot(page, "trust-year-desk")
        page.emulate_media(media="print")
        printed = page.pdf(format="A4", print_background=False)
        phone = page_for(browser, live_server, trusts.lead, **PHONE)
        phone.goto(live_server.url + "/trust/year/2025/")
        phone.get_by_test_id("trust-year-report").wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        shot(phone, "trust-year-phone")
    assert not blocked, blocked
    for old in out_dir("pdf").glob("trust-year-print-*.png"):
        old.unlink()
    path = out_dir("pdf") / "trust-year-print.pdf"
    path.write_bytes(printed)
    pages = printed.count(b"/Type /Page\n") + printed.count(b"/Type /Page ")
    assert printed.startswith(b"%PDF") and 1 <= pages <= 4
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF is kept, not turned into images")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(out_dir("pdf") / "trust-year-print")], check=True)
    images = sorted(out_dir("pdf").glob("trust-year-print-*.png"))
    assert len(images) == pages
    for image in images:  # A4 portrait at 60 dpi: 496 x 702 px (the PNG header's width and height)
        width, height = struct.unpack(">II", image.read_bytes()[16:24])
        assert (abs(width - 496), abs(height - 702)) <= (1, 1), (image.name, width, height)
