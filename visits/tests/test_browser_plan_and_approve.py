"""As a new user would, in real Chromium: the teacher adds a family, plans a visit with a
colleague, fills in the risk assessment and checklist and submits; the head approves it from the
queue on a phone-sized screen; the letter shows the staff. (Issue 4's "done when".)"""

import datetime

import pytest
from django.utils import timezone

from homevisits.testing import CHROMIUM, need_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


@pytest.fixture
def page():
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 360, "height": 800})
        yield context.new_page()
        browser.close()


def sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_plan_risk_assess_submit_and_approve(page, live_server, teacher, ta, head):
    base = live_server.url
    day = timezone.localdate() + datetime.timedelta(days=1)

    sign_in(page, base, "teacher")
    page.goto(base + "/families/new/")
    page.fill("#id_display_name", "Nowak family")
    page.fill("#id_address_line1", "77 High Street")
    page.fill("#id_postcode", "NN1 2QE")
    page.fill("#id_children-0-first_name", "Zofia")
    page.fill("#id_children-0-last_name", "Nowak")
    page.fill("#id_children-0-date_of_birth", "2020-11-30")
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text().startswith("Nowak family")

    page.click("text=Plan a visit")
    page.select_option("#id_purpose", "induction")
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start_time", "10:00")
    page.fill("#id_return_time", "11:30")
    page.check(f"input[name=other_staff][value='{ta.pk}']")
    page.select_option("#id_transport", "foot")
    page.fill("#id_code_word", "bluebell")
    page.click("text=Save plan")
    assert "Draft" in page.inner_text("[data-testid=visit-state]")

    page.click("[data-testid=visit-actions] >> text=Risk assessment")
    page.check("#id_reviewed")
    page.click("text=Save risk assessment")
    page.click("[data-testid=visit-actions] >> text=Safety checklist")
    for box in page.locator("form input[type=checkbox]").all():
        box.check()
    page.click("text=Save checklist")
    page.click("[data-testid=visit-actions] >> text=Submit for approval")
    page.click("main button:has-text('Submit for approval')")
    assert "Waiting for approval" in page.inner_text("[data-testid=visit-state]")
    visit_url = page.url

    sign_in(page, base, "head")
    page.goto(base + "/approvals/")
    row = page.locator("[data-testid^=approval-]").first
    assert "GREEN: Ready to approve" in row.inner_text() and "Nowak family" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on a phone
    row.locator("text=Decide").click()
    page.click("main button:has-text('Approve')")
    assert "Nothing waiting for approval" in page.inner_text("main")

    sign_in(page, base, "teacher")
    page.goto(visit_url)
    assert "Approved by" in page.inner_text("[data-testid=decision]")
    page.click("[data-testid=visit-actions] >> text=Letter to the family")
    letter = page.inner_text("[data-testid=letter]")
    assert teacher.get_full_name() in letter and ta.get_full_name() in letter and "bluebell" not in letter


def test_the_office_adds_two_children_in_one_go(page, live_server, office):
    from visits.models import Family

    sign_in(page, live_server.url, "office")
    page.goto(live_server.url + "/families/new/")
    page.fill("#id_display_name", "Smith family")
    page.fill("#id_address_line1", "3 Church Lane")
    page.fill("#id_postcode", "NN4 8AA")
    page.click("text=Add another child")
    for i, (first, dob) in enumerate([("Jack", "2021-06-02"), ("Lily", "2019-01-20")]):
        page.fill(f"#id_children-{i}-first_name", first)
        page.fill(f"#id_children-{i}-last_name", "Smith")
        page.fill(f"#id_children-{i}-date_of_birth", dob)
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text().startswith("Smith family")
    assert sorted(c.first_name for c in Family.objects.get(display_name="Smith family").children.all()) == [
        "Jack", "Lily"]
