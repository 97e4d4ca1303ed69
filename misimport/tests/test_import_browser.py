"""The import pages in real Chromium, at desk and phone widths: upload, the preview naming the bad
rows, the fixed file imported; on a phone every tap target is at least 44 px high."""

import pytest

from homevisits.tests.browser import DESK, PHONE, chromium, page_for, shot, small_targets
from misimport import samples
from visits.models import Child

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser,
              pytest.mark.usefixtures("clock_december_gmt", "import_dir")]


@pytest.fixture
def files(tmp_path):
    rows = samples.pupil_rows(40)
    good = tmp_path / "sims-export.csv"
    good.write_bytes(samples.to_csv(rows))
    rows[3]["Postcode"] = "NOT A PC"
    rows[20]["Contact 2 Mobile"] = "999"
    rows[30]["DOB"] = "2019-13-45"
    bad = tmp_path / "sims-export-bad.csv"
    bad.write_bytes(samples.to_csv(rows))
    return good, bad


@pytest.mark.parametrize("size, name", [(DESK, "desk"), (PHONE, "phone")])
def test_upload_preview_fix_and_import(live_server, school_admin, school, files, size, name):
    good, bad = files
    with chromium() as browser:
        page = page_for(browser, live_server, school_admin, **size)
        page.goto(live_server.url + "/school/import/")
        small = small_targets(page) if name == "phone" else set()
        shot(page, f"mis-import-start-{name}")
        page.set_input_files("input[type=file]", str(bad))
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_test_id("problems").wait_for()
        text = page.get_by_test_id("problems").inner_text()
        assert "Postcode" in text and "Carer 2: mobile" in text and "Date of birth" in text
        assert page.get_by_test_id("confirm-form").count() == 0
        if name == "phone":
            small |= small_targets(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot(page, f"mis-import-preview-problems-{name}")
        page.goto(live_server.url + "/school/import/")
        page.set_input_files("input[type=file]", str(good))
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_test_id("confirm-form").wait_for()
        shot(page, f"mis-import-preview-ready-{name}")
        page.get_by_role("button", name="Import now").click()
        page.get_by_test_id("done-counts").wait_for()
        shot(page, f"mis-import-done-{name}")
    assert Child.objects.filter(family__school=school).count() == 40
    assert not small, f"smaller than 44 px: {small}"


def test_the_column_matching_page_on_a_phone(live_server, school_admin, school, tmp_path):
    rows = [{"Pupil ID": r["UPN"], "Given": r["Legal Forename"], "Family name": r["Legal Surname"],
             "Born": r["DOB"], "Street": r["Address Line 1"], "PC": r["Postcode"]} for r in samples.pupil_rows(5)]
    export = tmp_path / "other-system.csv"
    export.write_bytes(samples.to_csv(rows))
    with chromium() as browser:
        page = page_for(browser, live_server, school_admin, **PHONE)
        page.goto(live_server.url + "/school/import/")
        page.select_option("select[name=source]", "other")
        page.set_input_files("input[type=file]", str(export))
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_test_id("mapping-form").wait_for()
        for field, heading in (("upn", "Pupil ID"), ("first_name", "Given"), ("last_name", "Family name"),
                               ("date_of_birth", "Born"), ("address_line1", "Street"), ("postcode", "PC")):
            page.select_option(f"select[name={field}]", heading)
        small = small_targets(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot(page, "mis-import-columns-phone")
        page.get_by_role("button", name="Check the file").click()
        page.get_by_test_id("confirm-form").wait_for()
        page.get_by_role("button", name="Import now").click()
        page.get_by_test_id("done-counts").wait_for()
    assert Child.objects.filter(family__school=school).count() == 5
    assert not small, f"smaller than 44 px: {small}"
