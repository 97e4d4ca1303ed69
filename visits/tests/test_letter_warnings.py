"""The letter and the slip, as the family gets them (issue 11, item 6; R-INFORM, R-NOTHOME).

- For a visit not yet approved (or refused, cancelled, or blocked by a high risk) the page warns on
  screen that it must not go yet; the warning is never on the printed page.
- An "other" purpose prints as its own words, not "Other: ...".
- The address prints as lines, not one comma-separated line.
"""

import datetime
import re
import subprocess

import pytest
from django.urls import reverse

from homevisits.factories import ChildFactory
from visits import services
from visits.models import Purpose

from .planning import NOW, login, make_ready, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]

NOT_YET = "not yet approved"


def letter(client, user, visit):
    return login(client, user).get(reverse("visits:visit-letter", args=[visit.pk])).content.decode()


def slip(client, user, visit):
    return login(client, user).get(reverse("visits:visit-slip", args=[visit.pk])).content.decode()


def warning_of(html):
    match = re.search(r'<div class="alert alert-danger d-print-none"[^>]*data-testid="letter-warning">(.*?)</div>',
                      html, re.S)
    return match.group(1) if match else ""


@pytest.fixture
def draft(family, teacher, ta):
    return make_ready(plan(family, teacher, ta))


def test_a_draft_or_submitted_visit_warns_on_screen_that_it_is_not_yet_approved(client, draft, teacher):
    for visit in (draft, services.submit(draft, teacher)):
        for page in (letter(client, teacher, visit), slip(client, teacher, visit)):
            assert NOT_YET in warning_of(page)
    assert "Print a draft anyway" in letter(client, teacher, draft)


def test_an_approved_visit_has_no_warning(client, draft, teacher, head):
    services.approve(services.submit(draft, teacher), head)
    assert warning_of(letter(client, teacher, draft)) == ""
    assert warning_of(slip(client, teacher, draft)) == ""


def test_a_high_risk_visit_says_it_cannot_be_approved_as_planned(client, draft, teacher):
    services.submit(draft, teacher)
    ra = draft.risk_assessment
    ra.perpetrator_may_be_present = True
    ra.save()
    warning = warning_of(letter(client, teacher, draft))
    assert NOT_YET in warning and "high-risk visit" in warning


def test_refused_and_cancelled_visits_warn_too(client, draft, teacher, dsl):
    services.refuse(services.submit(draft, teacher), dsl, "Go with the FSW")
    assert "refused" in warning_of(letter(client, teacher, draft))
    services.cancel(draft, teacher, "Moved away")
    assert "cancelled" in warning_of(slip(client, teacher, draft))


def test_an_other_purpose_prints_its_own_words(client, family, teacher, ta):
    visit = plan(family, teacher, ta, purpose=Purpose.OTHER, purpose_other="Bring the new reading books")
    page = letter(client, teacher, visit)
    purpose = re.search(r'data-testid="letter-purpose">(.*?)<', page).group(1)
    assert purpose == "Bring the new reading books"
    assert "Other:" not in page
    assert visit.purpose_label == "Other: Bring the new reading books"  # staff pages still say it is "other"


def test_the_parent_copy_prints_an_other_purpose_in_its_own_words(client, family, teacher, ta):
    from visits.models import Outcome, VisitReport

    visit = plan(family, teacher, ta, purpose=Purpose.OTHER, purpose_other="Collect the loan laptop")
    VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, filed_by=teacher, filed_at=NOW)
    page = login(client, teacher).get(reverse("reports:parent-copy", args=[visit.pk])).content.decode()
    assert "Collect the loan laptop" in page and "Other:" not in page


def test_the_address_prints_as_lines(client, family, teacher, ta):
    family.address_line1, family.address_line2, family.town, family.postcode = (
        "14 Elm Road", "Far Cotton", "Northampton", "NN4 9BX")
    family.save()
    visit = plan(family, teacher, ta, address=family.address)
    block = re.search(r'<address[^>]*data-testid="letter-address">(.*?)</address>', letter(client, teacher, visit),
                      re.S).group(1)
    assert [line.strip() for line in block.split("<br>")] == [
        family.display_name, "14 Elm Road", "Far Cotton", "Northampton", "NN4 9BX"]
    # An address typed for this visit only (a relative's house) is split at its commas too.
    other = plan(family, teacher, ta, address="Flat 2, 9 Mill Lane, Northampton NN1 1AA",
                 day=datetime.date(2026, 11, 26))
    assert other.address_lines == ["Flat 2", "9 Mill Lane", "Northampton NN1 1AA"]


# --- Printed in Chromium (A4 PDF), as the office would print them ----------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_printed_letters_carry_no_warning_and_the_address_on_lines(live_server, school, teacher, ta, settings):
    from django.conf import settings as django_settings

    from homevisits.factories import FamilyFactory
    from homevisits.testing import CHROMIUM, need_chromium
    from visits.models import Carer

    need_chromium()
    from playwright.sync_api import sync_playwright

    family = FamilyFactory(school=school, display_name="Khan family", address_line1="14 Elm Road",
                           address_line2="Far Cotton", town="Northampton", postcode="NN4 9BX")
    Carer.objects.create(family=family, name="Sara Khan", relationship="Mother")
    ChildFactory(family=family, first_name="Aisha", last_name="Khan")
    import time_machine

    with time_machine.travel(NOW, tick=False):
        visit = make_ready(plan(family, teacher, ta, purpose=Purpose.OTHER, purpose_other="Bring the reading books"))
    folder = django_settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", teacher.username)
        page.fill("input[name=password]", "correct-horse-battery")
        page.click("button[type=submit]")
        for name in ("letter", "slip"):
            page.goto(f"{live_server.url}/visits/{visit.pk}/{name}/")
            assert page.locator("[data-testid=letter-warning]").is_visible()  # on screen...
            page.screenshot(path=str(folder / f"{name}-draft-screen.png"), full_page=True)
            pdf = folder / f"{name}-draft.pdf"
            page.pdf(path=str(pdf), format="A4", print_background=True)
            subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(folder / f"{name}-draft")], check=True)
            printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                     check=True).stdout
            assert "approved" not in printed and "Don't" not in printed  # ...never on paper
            if name == "letter":
                lines = [line.strip() for line in printed.splitlines() if line.strip()]
                at = lines.index("Khan family")
                assert lines[at + 1:at + 5] == ["14 Elm Road", "Far Cotton", "Northampton", "NN4 9BX"]
                assert "Bring the reading books" in printed and "Other:" not in printed
                pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
                assert re.search(r"Pages:\s+1\b", pages), pages
        browser.close()
