"""A day's round in real Chromium, on a desk and on a phone (R-LUNCH, R-SCHEDULE): the teacher plans the
round from their drafts, a bad lunchtime return is told beside its field, and the timetable shows the
round's visits under its return points. Screenshots under var/screenshots/ for a person to look at."""

import datetime

import pytest
from django.utils import timezone

from homevisits.factories import FamilyFactory
from homevisits.tests.browser import DESK, PHONE, chromium, page_for, shot
from visits.models import Round

from .planning import plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def drafts(teacher, ta, school):
    day = timezone.localdate() + datetime.timedelta(days=1)
    return day, [plan(FamilyFactory(school=school, display_name=name), teacher, ta, day=day, start=start)
                 for name, start in (("Ahmed family", (9, 30)), ("Brown family", (10, 45)),
                                     ("Cole family", (13, 30)))]


def small_targets(page) -> list[str]:
    """Buttons, links and fields in the page's main part under 44 px high (tap targets on a phone)."""
    return page.eval_on_selector_all(
        "main button, main a.btn, main input:not([type=hidden]):not([type=checkbox]), main .form-check",
        "els => els.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)"
        ".map(e => e.outerHTML.slice(0, 80))")


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_plan_a_round_and_see_it_on_the_timetable(live_server, teacher, drafts, size):
    day, visits = drafts
    with chromium() as browser:
        page = page_for(browser, live_server, teacher, **(DESK if size == "desk" else PHONE))
        page.goto(live_server.url + "/rounds/new/")
        page.fill("#id_date", day.isoformat())
        page.fill("#id_lunch_time", "10:00")  # in the middle of the second visit
        page.fill("#id_end_time", "15:30")
        for visit in visits:
            page.check(f"input[name=visits][value='{visit.pk}']")
        page.click("text=Save the round")
        assert "runs over the lunchtime return (10:00)" in page.inner_text("main")
        assert not Round.objects.exists()
        page.fill("#id_lunch_time", "12:30")
        shot(page, f"round-plan-{size}")
        if size == "phone":
            assert small_targets(page) == []
        page.click("text=Save the round")
        page.wait_for_selector("[data-testid=round-visits]")
        assert page.locator("[data-testid=round-point]").count() == 2
        shot(page, f"round-detail-{size}")
        page.goto(live_server.url + f"/timetable/?week={day.isoformat()}")
        group = page.locator("[data-testid=timetable-round]")
        assert group.count() == 1
        assert "back at school 12:30 (lunch) and 15:30" in group.inner_text()
        group.scroll_into_view_if_needed()
        shot(page, f"round-timetable-{size}")
