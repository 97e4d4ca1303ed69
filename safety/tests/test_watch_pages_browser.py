"""The watch of a visit in real Chromium: the visit page and the staff's phone check-in page say what
watch applies and why, readable at 1280 px and on a 360 px phone (nothing wider than the screen).
Screenshots go to var/test/screenshots/ (not committed). R-CHECKIN, R-LATE-15."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from homevisits.tests.browser import shot, signed_in
from safety.watchdog import check_in
from visits.models import EventKind, Gate, RiskLevel

from .pages import World
from .risk import assess

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth + 1"


@pytest.fixture
def morning():
    """10:00 today, ticking: the visit leaves and is checked on within one local day."""
    ten = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(10)))
    with time_machine.travel(ten, tick=True):
        yield


def test_the_visit_and_phone_pages_say_the_watch_at_1280_and_360_px(browser, live_server, morning):  # noqa: F811
    now = timezone.now()
    world = World()
    visit = world.visit(start=now - datetime.timedelta(minutes=5), back=now + datetime.timedelta(minutes=70))
    assess(visit, RiskLevel.MEDIUM)
    visit.gate_overrides = {Gate.EVENING: "The only time the family can do"}
    visit.save(update_fields=["gate_overrides"])
    check_in(visit, EventKind.DEPARTED, world.teacher, now=now - datetime.timedelta(minutes=5))
    due = timezone.localtime(now + datetime.timedelta(minutes=25)).strftime("%H:%M")

    for width in (1280, 360):
        office = signed_in(browser, live_server, world.office, width)
        office.goto(f"{live_server.url}{visit.get_absolute_url()}")
        watch = office.get_by_test_id("watch")
        assert watch.is_visible()
        assert "Medium risk: check in every 30 minutes." in watch.inner_text()
        assert "the head of school is alerted at the first alert" in watch.inner_text()
        assert not office.evaluate(WIDER_THAN_THE_SCREEN), f"visit page wider than {width} px"
        shot(office, f"phone-watch-visit-page-{width}")

        phone = signed_in(browser, live_server, world.teacher, width)
        phone.goto(f"{live_server.url}/out/{visit.pk}/")
        watch = phone.get_by_test_id("watch")
        assert watch.is_visible() and "Medium risk: check in every 30 minutes." in watch.inner_text()
        assert f"Your next check-in is due by {due}" in phone.get_by_test_id("next-checkin").inner_text()
        assert not phone.evaluate(WIDER_THAN_THE_SCREEN), f"phone page wider than {width} px"
        shot(phone, f"phone-watch-phone-page-{width}")
