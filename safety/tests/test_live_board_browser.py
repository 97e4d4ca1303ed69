"""The office's live board in real Chromium: the board is open, the watchdog escalates a visit, and
within one poll the board shows it at the top, in red, with the count in the tab title and a beep
(sound turned on by a click) and a desktop notification, without reloading the page; and when the
connection drops, the board says it is out of date."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from homevisits.testing import CHROMIUM, need_chromium
from safety.health import SCAN_HEARTBEAT, record_heartbeat
from safety.watchdog import check_in, scan
from visits.models import EventKind

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def desk(live_server, clock_tomorrow_afternoon_ticking):
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.grant_permissions(["notifications"])
        context.clock.install(time=clock_tomorrow_afternoon_ticking)  # the board counts down by this clock
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors = []
        # The browser's own favicon request is not the page's (the site has none yet).
        page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location.get('url')}")
                if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico") else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        yield page
        browser.close()


def test_the_board_shows_a_new_escalation_within_one_poll(live_server, desk, settings):
    from playwright.sync_api import expect

    settings.BOARD_POLL_SECONDS = 1  # the live server runs in this process: one poll a second
    now = timezone.now()  # the afternoon of the desk's clock: every visit signed out on the same local day
    world = World()
    calm = world.visit(start=now - datetime.timedelta(minutes=30), back=now + datetime.timedelta(hours=2))
    late = world.visit(start=now - datetime.timedelta(minutes=100), back=now - datetime.timedelta(minutes=35))
    check_in(calm, EventKind.DEPARTED, world.teacher, now=calm.planned_start)
    check_in(late, EventKind.DEPARTED, world.teacher, now=late.planned_start)
    record_heartbeat(SCAN_HEARTBEAT, now)

    desk.goto(f"{live_server.url}/accounts/login/?next=/out/")
    desk.fill("input[name=username]", world.office.username)
    desk.fill("input[name=password]", "correct-horse-battery")
    desk.click("button[type=submit]")
    rows = desk.locator("[data-testid=board-row]")
    expect(rows).to_have_count(2)
    # Not escalated yet, but the clock alone already shows red: the 30-minute rule has passed.
    late_row = desk.locator(f"[data-testid=board-row][data-visit='{late.pk}']")
    expect(late_row.locator("[data-bar]")).to_have_class("progress-bar hv-bar-chase")
    expect(late_row.locator("[data-testid=countdown]")).to_contain_text("overdue by 35 min")
    expect(desk).to_have_title(f"Who is out · {world.school.name}")
    desk.get_by_role("button", name="Sound: off").click()
    expect(desk.locator("#board-live")).to_have_attribute("data-beeps", "1")  # the test beep on turning it on
    desk.get_by_role("button", name="Desktop alerts: off").click()
    expect(desk.get_by_role("button", name="Desktop alerts: on")).to_be_visible()
    desk.evaluate("window.stillTheSamePage = true")

    # The watchdog's scans (R-LATE-15 then R-RETURN-30), as beat would run them; committed together,
    # so that no poll falls between them (a poll there sees level 1 and beeps for it as well).
    with transaction.atomic():
        scan(timezone.now())
        scan(timezone.now())

    top = rows.first
    expect(top).to_have_attribute("data-visit", str(late.pk), timeout=5_000)
    expect(top.get_by_test_id("row-status")).to_have_text("Level 2: contact them now")
    expect(top).to_have_class("hv-row hv-tone-danger")
    expect(top.get_by_role("button", name="Take charge (level 2)")).to_be_visible()
    expect(desk).to_have_title(f"(1) Who is out · {world.school.name}")  # one visit, however many levels
    expect(desk.locator("#board-live")).to_have_attribute("data-beeps", "2")  # the new alert beeped
    expect(desk.locator("#board-live")).not_to_have_attribute("data-notified", "0")  # and a desktop notification
    assert desk.evaluate("window.stillTheSamePage") is True  # no reload: htmx swapped the body
    out_dir = django_settings.VAR_DIR / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(out_dir / "live-board-escalated.png"), full_page=True)

    top.get_by_role("button", name="Take charge (level 2)").click()
    expect(desk.get_by_role("alert").filter(has_text="You have taken charge of the level 2 alert")).to_be_visible()
    expect(rows.first.get_by_test_id("row-escalation")).to_contain_text(
        f"{world.office.get_full_name()} took charge at")
    assert desk.errors == [], "\n".join(desk.errors)

    # The connection drops: after three missed polls the board says it is out of date, and when the
    # server answers again the warning goes away by itself.
    desk.route("**/out/live/", lambda route: route.abort())
    expect(desk.get_by_test_id("board-stale")).to_be_visible(timeout=8_000)
    desk.unroute("**/out/live/")
    expect(desk.get_by_test_id("board-stale")).to_be_hidden(timeout=5_000)


def test_an_unchanged_board_stays_as_it_was_and_a_change_shows_within_one_poll(live_server, desk, settings):
    """The poll sends the version shown; the server answers 304 with nothing while nothing changes,
    and the page keeps its board (htmx alone would swap the empty answer in: board.js stops it)."""
    from playwright.sync_api import expect

    settings.BOARD_POLL_SECONDS = 1
    now = timezone.now()
    world = World()
    visit = world.visit(start=now - datetime.timedelta(minutes=30), back=now + datetime.timedelta(hours=2))
    check_in(visit, EventKind.DEPARTED, world.teacher, now=visit.planned_start)
    record_heartbeat(SCAN_HEARTBEAT, now)
    answers = []
    desk.on("response", lambda response: answers.append(response.status) if "/out/live/" in response.url else None)

    desk.goto(f"{live_server.url}/accounts/login/?next=/out/")
    desk.fill("input[name=username]", world.office.username)
    desk.fill("input[name=password]", "correct-horse-battery")
    desk.click("button[type=submit]")
    row = desk.locator(f"[data-testid=board-row][data-visit='{visit.pk}']")
    expect(row).to_be_visible()
    desk.evaluate("window.stillTheSamePage = true")
    desk.evaluate("""() => { window.emptied = 0; new MutationObserver(() => {
        if (!document.querySelector("[data-testid=board-row]")) { window.emptied += 1; } })
        .observe(document.getElementById("board-live"), {childList: true, subtree: true}); }""")
    version = desk.locator("[data-board-body]").get_attribute("data-version")
    checked = desk.locator("[data-board-checked]").text_content()
    # A poll answered 304 still says when the board was last known to be current.
    expect(desk.locator("[data-board-checked]")).not_to_have_text(checked, timeout=5_000)
    record_heartbeat(SCAN_HEARTBEAT, timezone.now())
    desk.wait_for_timeout(2_500)
    assert 304 in answers and 200 not in answers, answers
    expect(row).to_be_visible()  # the board kept what it showed, and never went blank in between
    assert desk.evaluate("window.emptied") == 0
    expect(desk.locator("[data-board-body]")).to_have_attribute("data-version", version)
    expect(row.get_by_test_id("countdown")).to_contain_text("due back in 1 h")
    expect(desk.get_by_test_id("board-stale")).to_be_hidden()
    out_dir = django_settings.VAR_DIR / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(out_dir / "live-board-unchanged-1280.png"), full_page=True)
    desk.set_viewport_size({"width": 360, "height": 800})
    desk.wait_for_timeout(1_500)
    expect(row).to_be_visible()
    desk.screenshot(path=str(out_dir / "live-board-unchanged-360.png"), full_page=True)

    check_in(visit, EventKind.ARRIVED, world.ta)
    expect(row.get_by_test_id("last-word")).to_contain_text("Arrived, feels safe", timeout=2_500)
    assert 200 in answers
    assert desk.evaluate("window.stillTheSamePage") is True
    assert desk.errors == [], "\n".join(desk.errors)
