"""R-POLICE: the police pack printed by Chromium on A4 is one page for a typical visit (two staff,
a car, known risks, both alerts open and three contact steps tried), with the steps tried on it.
The PDF goes to var/test/screenshots/ (not committed) to look at."""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from homevisits.testing import CHROMIUM, need_chromium
from safety.models import ContactOutcome, Escalation, EscalationLevel
from safety.watchdog import check_in, record_contact, scan
from visits.models import EventKind

from .pages import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote (its page objects are plain, not in object streams)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_the_police_pack_prints_on_one_a4_page_with_the_steps_tried(live_server):
    need_chromium()
    from playwright.sync_api import sync_playwright

    now = timezone.now()
    world = World()
    visit = world.visit(start=now - datetime.timedelta(minutes=120), back=now - datetime.timedelta(minutes=40),
                        transport="car", vehicle_owner=world.teacher, contact_phone="07700 900777")
    family = visit.family
    family.dangerous_animals, family.animals_details = True, "Large dog, usually in the garden"
    family.people_not_to_be_present = "Mr X (court order)"
    family.previous_incidents = "Raised voices at the door in March; no threats made."
    family.save()
    check_in(visit, EventKind.DEPARTED, world.teacher, now=now - datetime.timedelta(minutes=120))
    check_in(visit, EventKind.ARRIVED, world.ta, now=now - datetime.timedelta(minutes=100))
    scan(now - datetime.timedelta(minutes=25))
    scan(now - datetime.timedelta(minutes=10))
    top = Escalation.objects.get(visit=visit, level=EscalationLevel.CHASE)
    record_contact(top, 1, ContactOutcome.NO_ANSWER, world.office, note="Both mobiles to voicemail",
                   now=now - datetime.timedelta(minutes=9))
    record_contact(top, 2, ContactOutcome.NO_ANSWER, world.office, now=now - datetime.timedelta(minutes=7))
    record_contact(top, 3, ContactOutcome.REACHED, world.office, note="Head says call the police",
                   now=now - datetime.timedelta(minutes=5))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
        page.goto(f"{live_server.url}/accounts/login/?next=/out/{visit.pk}/police/")
        page.fill("input[name=username]", world.office.username)
        page.fill("input[name=password]", "correct-horse-battery")
        page.click("button[type=submit]")
        page.wait_for_url(f"**/out/{visit.pk}/police/")
        text = page.locator("main").inner_text()
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True)
        browser.close()

    folder = django_settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "police-pack.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 1
    assert "Contact steps already tried" in text
    assert "Both mobiles to voicemail" in text and "Head says call the police" in text
    assert text.count(world.office.get_full_name()) >= 3  # who took each step
