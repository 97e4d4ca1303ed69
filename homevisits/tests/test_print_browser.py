"""Every printable page printed to A4 PDF in real Chromium: it keeps its own heading and the
school's name and phone (the parent copy once lost both, because the print stylesheet hid every
`header` element), and leaves the site's menu and messages off the paper. The PDFs and a PNG of
each page go to var/test/prints/ for a person to look at."""

import datetime
import subprocess

import pytest
from django.utils import timezone

from homevisits import factories
from visits.models import Carer, Outcome, VisitReport, VisitState

from .browser import chromium, out_dir, page_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCHOOL = factories.SCHOOL_NAME  # the root world's school
PHONE = factories.SchoolFactory.office_phone  # its office number, "01604 496000"


@pytest.fixture
def reported(school, teacher, ta, head, family, child, world):
    """The root world's school (with its address), and its teacher and TA back yesterday from a visit
    to the Khan family about Aisha (a carer on file), the report filed."""
    school.address = "1 School Lane\nNorthampton NN4 9ZZ"
    school.save()
    Carer.objects.create(family=family, name="Sara Khan", relationship="Mother")
    start = timezone.now() - datetime.timedelta(days=1)
    visit = world.visit(VisitState.RETURNED, start=start, back=start + datetime.timedelta(minutes=75), family=family,
                        returned_at=start + datetime.timedelta(minutes=70))
    visit.children.set([child])
    VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, who_was_seen="Mum and Aisha",
                               summary="Talked about starting school.", filed_by=teacher)
    return {"school": school, "teacher": teacher, "head": head, "visit": visit, "family": family}


def printed(page, url, name):
    """Print `url` to an A4 PDF the way Chromium prints it; return the PDF's text."""
    page.goto(url)
    folder = out_dir("prints")
    pdf = folder / f"{name}.pdf"
    page.pdf(path=str(pdf), format="A4")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(folder / name)], check=True, timeout=60)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, timeout=60,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("name, path, user, heading", [
    ("parent-copy", "/visits/{visit}/report/parent-copy/", "teacher", "Home Visit Form"),
    ("letter", "/visits/{visit}/letter/", "teacher", "Home visit about Aisha"),
    ("slip", "/visits/{visit}/slip/", "teacher", "Sorry we missed you"),
    ("police-pack", "/out/{visit}/police/", "head", "Police information"),
    ("subject-access", "/families/{family}/subject-access/", "head", "Everything held on Khan family"),
])
def test_a_printed_page_keeps_its_heading_and_the_schools_details(live_server, reported, name, path, user, heading):
    url = live_server.url + path.format(visit=reported["visit"].pk, family=reported["family"].pk)
    with chromium() as browser:
        page = page_for(browser, live_server, reported[user])
        text = printed(page, url, name)
    assert heading in text
    assert SCHOOL in text
    if name != "subject-access":  # the export is the school's own record, not for the family to ring
        assert PHONE in text
    # The site's menu is not printed.
    assert "Sign out" not in text and "Account" not in text


def test_the_sites_banners_and_messages_stay_off_the_paper(live_server, reported):
    """The red monitoring banner (no scan has run in this test) is on the screen, not on the printed
    letter: the print stylesheet leaves off what is marked d-print-none, whatever element it is."""
    url = f"{live_server.url}/visits/{reported['visit'].pk}/letter/"
    with chromium() as browser:
        page = page_for(browser, live_server, reported["head"])
        page.goto(url)
        assert page.get_by_test_id("monitoring-banner").is_visible()
        text = printed(page, url, "letter-as-head")
    assert "Overdue monitoring is not running" not in text
    assert SCHOOL in text and PHONE in text
