"""The whole day of issue 5/6, as people would do it, in real Chromium: the teacher signs out from a
phone, the watchdog flags a colleague who is overdue, the office sees it on the live board without
reloading, works the first contact step, acknowledges, and the alert closes when the colleague
signs back in. R-DEPART, R-LATE-15, R-CONTACT-STEPS, R-RETURN."""

import datetime

import pytest
from django.utils import timezone

from homevisits.testing import CHROMIUM, need_chromium
from safety.models import ContactAttempt, Escalation
from safety.watchdog import check_in, scan
from visits.models import EventKind

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def browser(live_server):
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def sign_in(browser, live_server, user, width, next_url="/"):
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 500,
                                  has_touch=width < 500)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_a_day_of_visits_from_sign_out_to_the_alert_closing(browser, live_server, settings):
    settings.BOARD_POLL_SECONDS = 1
    now = timezone.now()
    if timezone.localtime(now).hour >= 22 or timezone.localtime(now).hour < 2:
        pytest.skip("the visits must start and be signed out on the same local day")
    world = World()
    mine = world.visit(start=now + datetime.timedelta(minutes=5), back=now + datetime.timedelta(minutes=80))
    # A colleague's visit, signed out earlier and now 20 minutes past its expected return.
    late = world.visit(start=now - datetime.timedelta(minutes=95), back=now - datetime.timedelta(minutes=20))
    late.staff.set([world.ta, world.other_teacher])
    late.lead = world.ta
    late.save()
    check_in(late, EventKind.DEPARTED, world.ta, now=now - datetime.timedelta(minutes=95))

    office = sign_in(browser, live_server, world.office, 1280)
    office.wait_for_url(f"{live_server.url}/out/")
    assert office.locator("[data-testid=board-row]").count() == 1
    assert office.locator("[data-testid=board-row][data-level='1']").count() == 0

    # The teacher, on a phone: home page, one big button, signed out.
    phone = sign_in(browser, live_server, world.teacher, 360)
    phone.get_by_test_id("next-step").tap()
    phone.get_by_role("button", name="Sign out: leaving school now").tap()
    phone.get_by_role("alert").filter(has_text="Signed out at").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The watchdog's tick: the colleague is 20 minutes late (R-LATE-15).
    scan(timezone.now())
    escalation = Escalation.objects.get(visit=late)
    assert escalation.level == 1

    # The office board shows it at the top, without a reload.
    office.locator("[data-testid=board-row][data-level='1']").wait_for()
    assert office.locator("[data-testid=board-row]").first.get_attribute("data-level") == "1"
    assert office.locator("[data-testid=board-row]").count() == 2

    # The office works step 1 and acknowledges.
    office.goto(f"{live_server.url}/out/{late.pk}/escalation/")
    office.get_by_label("No answer").check()
    office.get_by_role("button", name="Record this contact").click()
    office.get_by_role("button", name="Acknowledge").click()
    office.get_by_test_id("acknowledged").wait_for()
    assert ContactAttempt.objects.filter(escalation=escalation, step=1).exists()

    # The colleague walks in and signs back in from their phone: the alert closes (R-RETURN).
    colleague = sign_in(browser, live_server, world.ta, 360, next_url=f"/out/{late.pk}/")
    colleague.locator("form button.btn-tap[type=submit]").filter(has_text="back").first.tap()
    colleague.get_by_role("alert").filter(has_text="at").first.wait_for()
    escalation.refresh_from_db()
    assert escalation.resolved_at is not None

    office.goto(f"{live_server.url}/out/")
    office.locator("[data-testid=board-row]").first.wait_for()
    assert office.locator("[data-testid=board-row][data-level='1']").count() == 0
    assert office.locator("[data-testid=board-row]").count() == 1  # the teacher, out on time
    mine.refresh_from_db()
    assert mine.state == "departed" and mine.escalation_level == 0
