"""The settings pages in real Chromium at desk and phone widths: every page shown, a bad value said beside
its field, a tier added with the "Add another tier" button, the logo uploaded and seen on the letter;
on a phone nothing is wider than the screen and every tap target is at least 44 px high."""

import io

import pytest
from PIL import Image

from accounts.models import RosterTier, TierKind
from homevisits.tests.browser import DESK, PHONE, chromium, page_for, shot, small_targets

from .settings_helpers import url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PAGES = ("alerts", "roster", "watch", "planning", "letters", "records")


@pytest.fixture
def roster(school, office, head, dsl):
    for position, kind in enumerate((TierKind.OFFICE, TierKind.HEAD, TierKind.DSL), start=1):
        tier = RosterTier.objects.create(school=school, position=position, kind=kind)
        if kind == TierKind.OFFICE:
            tier.people.set([office])
    return school


@pytest.mark.parametrize("size, name", [(DESK, "desk"), (PHONE, "phone")])
def test_every_settings_page(live_server, school_admin, roster, size, name):
    small = set()
    with chromium() as browser:
        page = page_for(browser, live_server, school_admin, **size)
        for key in PAGES:
            page.goto(live_server.url + url(roster, key))
            page.get_by_test_id("settings-form").wait_for()
            if name == "phone":
                small |= small_targets(page)
                assert page.evaluate("document.documentElement.scrollWidth") <= 360, key
            shot(page, f"settings-{key}-{name}")
    assert not small, f"smaller than 44 px: {small}"


@pytest.mark.parametrize("size, name", [(DESK, "desk"), (PHONE, "phone")])
def test_a_bad_value_is_said_beside_the_field(live_server, school_admin, roster, size, name):
    with chromium() as browser:
        page = page_for(browser, live_server, school_admin, **size)
        page.goto(live_server.url + url(roster, "alerts"))
        page.fill("input[name=office_chase_minutes]", "10")
        page.get_by_role("button", name="Save alerts and the ladder").click()
        page.get_by_test_id("nothing-saved").wait_for()
        page.wait_for_load_state("load")  # its stylesheet too, before anything is measured
        beside = page.locator("#div_id_office_chase_minutes").inner_text()
        assert "The office chase must come after the first alert." in beside
        if name == "phone":
            assert not small_targets(page)
        shot(page, f"settings-alerts-error-{name}")
    roster.refresh_from_db()
    assert roster.office_chase_minutes == 30


def test_a_tier_is_added_with_the_button(live_server, school_admin, roster, dsl):
    with chromium() as browser:
        page = page_for(browser, live_server, school_admin, **PHONE)
        page.goto(live_server.url + url(roster, "roster"))
        page.get_by_role("button", name="Add another tier").click()
        rows = page.get_by_test_id("tier-row")
        new = rows.nth(rows.count() - 1)
        new.locator("input[name$=position]").fill("4")
        new.locator("select[name$=kind]").select_option("out_of_hours")
        new.get_by_label(dsl.get_full_name()).check()
        assert not small_targets(page)
        shot(page, "settings-roster-new-tier-phone")
        page.get_by_role("button", name="Save office hours and the roster").click()
        page.get_by_text("Office hours and the roster: saved.").wait_for()
    kinds = list(RosterTier.objects.filter(school=roster).order_by("position").values_list("kind", flat=True))
    assert kinds == ["office", "head", "dsl", "out_of_hours"]
    assert list(RosterTier.objects.get(school=roster, kind="out_of_hours").people.all()) == [dsl]


def test_the_logo_uploaded_is_on_the_letter(live_server, school_admin, teacher, roster, world, tmp_path):
    crest = tmp_path / "crest.png"
    image = Image.new("RGB", (900, 300), (20, 60, 140))
    for x in range(0, 900, 60):
        for y in range(300):
            image.putpixel((x, y), (250, 200, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    crest.write_bytes(out.getvalue())
    visit = world.visit()
    with chromium() as browser:
        page = page_for(browser, live_server, school_admin, **DESK)
        page.goto(live_server.url + url(roster, "letters"))
        page.set_input_files("input[name=logo_file]", str(crest))
        page.fill("input[name=letter_sign_off]", "With best wishes")
        page.get_by_role("button", name="Save letters").click()
        page.get_by_test_id("logo-preview").wait_for()
        shot(page, "settings-letters-with-logo-desk")
        letter = page_for(browser, live_server, teacher, **DESK)
        letter.goto(live_server.url + f"/visits/{visit.pk}/letter/")
        logo = letter.get_by_test_id("letter-logo")
        assert logo.evaluate("img => img.complete && img.naturalWidth") == 600
        box = logo.bounding_box()
        assert box["width"] <= 270 and box["height"] <= 110  # a letterhead's size, not the picture's
        assert "With best wishes," in letter.get_by_test_id("letter").inner_text()
        shot(letter, "settings-letter-with-logo-desk")
