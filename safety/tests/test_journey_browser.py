"""The whole day of issues 5 and 6, as people would do it, in real Chromium: the teacher signs out
from a phone, the watchdog flags a colleague who is overdue, the office sees it on the live board
without reloading, works the first contact step and acknowledges; the colleague signs back in, files
the visit report and raises a safeguarding concern; the DSL reads it and the colleague cannot open
it again. Screenshots of the key steps go to var/test/screenshots/ (not committed), and no page may
log a console error. (Planning, risk assessment, submission and approval in the browser are in
visits/tests/test_browser_plan_and_approve.py.)
R-DEPART, R-LATE-15, R-CONTACT-STEPS, R-RETURN, R-REPORT, R-SAFEGUARD, R-CONFIDENTIAL."""

import datetime

import pytest
from django.utils import timezone

from homevisits.tests.browser import shot
from safety.models import ContactAttempt, Escalation, SafeguardingConcern
from safety.watchdog import check_in, scan
from visits.models import EventKind

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def browser(browser, live_server, clock_tomorrow_afternoon_ticking):
    """Chromium, with the server up and the clock ticking from tomorrow afternoon."""
    return browser


CONSOLE_ERRORS: list[str] = []


def sign_in(browser, live_server, user, width, next_url="/"):
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 740},
                                  is_mobile=width < 500, has_touch=width < 500)
    context.clock.install(time=timezone.now())  # the server's afternoon (the root conftest's ticking clock)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # The browser's own favicon request is not the page's (the site has none).
    page.on("console", lambda msg: CONSOLE_ERRORS.append(f"{msg.text} {msg.location.get('url')}")
            if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: CONSOLE_ERRORS.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_a_day_of_visits_from_sign_out_to_the_alert_closing(browser, live_server, settings):
    settings.BOARD_POLL_SECONDS = 1
    CONSOLE_ERRORS.clear()
    now = timezone.now()  # 14:00 tomorrow (the browser fixture's clock): the visits start and end that day
    world = World()
    mine = world.visit(start=now + datetime.timedelta(minutes=5), back=now + datetime.timedelta(minutes=80))
    # A colleague's visit, signed out earlier and now 20 minutes past its expected return.
    late = world.visit(start=now - datetime.timedelta(minutes=95), back=now - datetime.timedelta(minutes=20))
    late.staff.set([world.other_teacher, world.dsl])
    late.lead = world.other_teacher
    late.save()
    check_in(late, EventKind.DEPARTED, world.other_teacher, now=now - datetime.timedelta(minutes=95))

    office = sign_in(browser, live_server, world.office, 1280)
    office.wait_for_url(f"{live_server.url}/out/")
    assert office.locator("[data-testid=board-row]").count() == 1
    assert office.locator("[data-testid=board-row][data-level='1']").count() == 0

    # The teacher, on a phone: home page, one big button, signed out.
    phone = sign_in(browser, live_server, world.teacher, 360)
    phone.get_by_test_id("next-step").tap()
    phone.get_by_role("button", name="Leaving now").tap()
    phone.get_by_role("alert").filter(has_text="On your way: left at").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone, "journey-1-teacher-signed-out-360")

    # The watchdog's tick: the colleague is 20 minutes late (R-LATE-15).
    scan(timezone.now())
    escalation = Escalation.objects.get(visit=late)
    assert escalation.level == 1

    # The office board shows it at the top, without a reload.
    office.locator("[data-testid=board-row][data-level='1']").wait_for()
    assert office.locator("[data-testid=board-row]").first.get_attribute("data-level") == "1"
    assert office.locator("[data-testid=board-row]").count() == 2
    assert "Level 1" in office.locator("[data-testid=board-row]").first.inner_text()  # words beside the colour
    shot(office, "journey-2-board-shows-the-late-visit")

    # The office works step 1 and acknowledges.
    office.goto(f"{live_server.url}/out/{late.pk}/escalation/")
    office.get_by_label("No answer").check()
    office.get_by_role("button", name="Record this contact").click()
    office.get_by_role("button", name="I'm taking charge").click()
    office.get_by_test_id("acknowledged").wait_for()
    assert ContactAttempt.objects.filter(escalation=escalation, step=1).exists()
    shot(office, "journey-3-step-1-recorded-and-acknowledged")

    # The colleague walks in and signs back in from their phone; the DSL who went with them is still
    # out, so the alert stays open and names her (R-RETURN).
    colleague = sign_in(browser, live_server, world.other_teacher, 360, next_url=f"/out/{late.pk}/")
    colleague.get_by_role("button", name="Back at school").tap()
    colleague.get_by_role("alert").filter(has_text=f"Still out: {world.dsl.get_full_name()}").wait_for()
    escalation.refresh_from_db()
    assert escalation.resolved_at is None
    shot(colleague, "journey-4a-one-back-the-other-still-out-360")

    # The DSL rings the office from the car park: the office records her back, and the alert closes.
    office.goto(f"{live_server.url}/out/{late.pk}/phone/")
    office.get_by_label("Who called").select_option(str(world.dsl.pk))
    office.get_by_role("button", name="Back at school (or accounted for)").click()
    office.get_by_role("alert").filter(has_text="Everyone is back").wait_for()
    escalation.refresh_from_db()
    assert escalation.resolved_at is not None

    office.goto(f"{live_server.url}/out/")
    office.locator("[data-testid=board-row]").first.wait_for()
    assert office.locator("[data-testid=board-row][data-level='1']").count() == 0
    assert office.locator("[data-testid=board-row]").count() == 1  # the teacher, out on time
    mine.refresh_from_db()
    assert mine.state == "departed" and mine.escalation_level == 0

    # The colleague files the visit report and raises a safeguarding concern from the visit page.
    colleague.goto(f"{live_server.url}/visits/{late.pk}/")
    colleague.get_by_role("link", name="File the visit report").tap()
    colleague.get_by_label("Outcome").select_option("completed")
    colleague.get_by_label("What we talked about").fill("Routines for the first week; Mum asked about lunch.")
    colleague.get_by_role("button", name="File the report").tap()
    colleague.get_by_role("alert").filter(has_text="report is filed").wait_for()
    colleague.get_by_role("link", name="Raise a safeguarding concern").tap()
    colleague.get_by_label("Details").fill("Child said they were hungry every morning.")
    colleague.get_by_role("button", name="Send to the DSL").tap()
    colleague.get_by_role("alert").filter(has_text="gone to the DSL").wait_for()
    shot(colleague, "journey-4-report-filed-and-concern-raised-360")
    concern = SafeguardingConcern.objects.get(visit=late)

    # The DSL reads it; the colleague who raised it cannot open it again (R-CONFIDENTIAL).
    dsl = sign_in(browser, live_server, world.dsl, 1280, next_url="/concerns/")
    dsl.get_by_role("link", name=str(late.family)).first.click()
    dsl.get_by_test_id("concern-details").filter(has_text="hungry every morning").wait_for()
    shot(dsl, "journey-5-dsl-reads-the-concern")
    assert not CONSOLE_ERRORS, CONSOLE_ERRORS  # every page so far, before the deliberate 404 below
    response = colleague.goto(f"{live_server.url}/concerns/{concern.pk}/")
    assert response.status == 404
    assert "hungry" not in colleague.content()
