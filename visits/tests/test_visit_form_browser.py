"""The visit form in real Chromium, at a desk (1280 px) and on a phone (360 px): the family is found by
typing, its children appear once it is chosen, the lead is not offered again in "Going with", and the
first save works with transport chosen on purpose. Screenshots go to var/test/screenshots/."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from homevisits.factories import ChildFactory, FamilyFactory
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def shot(page, name):
    folder = django_settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"visit-form-{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 360])
def test_find_the_family_choose_children_and_save(browser, live_server, school, teacher, ta, width):
    family = FamilyFactory(school=school, display_name="Nowak family", postcode="NN1 2QE")
    zofia = ChildFactory(family=family, first_name="Zofia", last_name="Nowak")
    ChildFactory(family=FamilyFactory(school=school, display_name="Okafor family"), first_name="Ada")
    for n in range(40):
        FamilyFactory(school=school, display_name=f"Household {n:02d}").shared_with.add(teacher)
    family.shared_with.add(teacher)
    context = browser.new_context(viewport={"width": width, "height": 900}, has_touch=width < 500)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text
            else None)
    # Every request answers (the favicon is another page's business).
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "teacher")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + "/visits/new/")

    assert page.locator("input[name=family]").count() == 0  # no list of hundreds
    assert page.locator("input[name=children]").count() == 0  # no child before a family is chosen
    assert not page.locator("[data-find-family]").is_visible()  # with JavaScript the search runs as you type
    page.fill("#id_family_search", "nowa")
    page.locator("input[name=family]").first.wait_for()
    assert page.locator("input[name=family]").count() == 1
    page.press("#id_family_search", "Enter")  # Enter searches; it does not save the plan
    page.check(f"input[name=family][value='{family.pk}']")
    page.locator(f"input[name=children][value='{zofia.pk}']").wait_for()
    assert page.locator("input[name=children]").count() == 1  # Zofia only, not Ada
    # The teacher leads; "Going with" does not offer them again.
    assert page.locator(f"input[name=other_staff][value='{teacher.pk}']").count() == 0
    assert page.input_value("#id_transport") == ""
    page.check(f"input[name=children][value='{zofia.pk}']")
    page.select_option("#id_purpose", "induction")
    day = timezone.localdate() + datetime.timedelta(days=1)
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start_time", "10:00")
    page.fill("#id_return_time", "11:30")
    page.check(f"input[name=other_staff][value='{ta.pk}']")
    page.select_option("#id_transport", "foot")
    page.fill("#id_code_word", "bluebell")
    if width < 500:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"filled-{width}")
    assert Visit.objects.count() == 0
    page.click("text=Save plan")
    assert "Draft" in page.inner_text("[data-testid=visit-state]")
    visit = Visit.objects.get()
    assert visit.family == family and list(visit.children.all()) == [zofia]
    assert set(visit.staff.all()) == {teacher, ta}
    assert not errors, errors
    context.close()
