"""Importing pupils, households and carers from a SIMS-style export: preview first, one transaction,
re-import by UPN or admission number without duplicates."""

import datetime

import pytest
from django.urls import reverse

from misimport import samples
from visits.models import Carer, Child, Family

from .helpers import confirm, pupils_csv, token_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_gmt", "import_dir")]


def _with_three_bad_rows():
    rows = samples.pupil_rows(600)
    rows[9]["Postcode"] = "NN99 ZZZ9"        # line 11
    rows[199]["Contact 1 Mobile"] = "12345"  # line 201
    rows[449]["DOB"] = "31/02/2019"          # line 451
    return rows


def test_600_pupils_with_three_bad_rows_import_nothing_until_fixed_then_once(admin_client, school):
    response = upload(admin_client, pupils_csv(_with_three_bad_rows()))
    assert response.status_code == 200
    token = token_of(response)
    problems = [(p.line, p.column) for p in response.context["plan"].problems]
    assert problems == [(11, "Postcode"), (201, "Carer 1: mobile"), (451, "Date of birth")]
    page = response.content.decode()
    assert "3 problems in the file: nothing will be imported" in page
    assert "NN99 ZZZ9" not in page or "Postcode" in page
    assert 'data-testid="confirm-form"' not in page
    # Confirming anyway (a crafted post) writes nothing either.
    refused = confirm(admin_client, token)
    assert refused.status_code == 409
    assert not Family.objects.exists() and not Child.objects.exists() and not Carer.objects.exists()

    fixed = upload(admin_client, pupils_csv(count=600))
    plan = fixed.context["plan"]
    assert plan.ok and plan.counts["children"].created == 600
    assert not Child.objects.exists(), "the preview writes nothing"
    done = confirm(admin_client, token_of(fixed))
    assert done.redirect_chain[-1][0] == reverse("misimport:done")
    assert Child.objects.filter(family__school=school).count() == 600
    families = Family.objects.filter(school=school).count()
    carers = Carer.objects.filter(family__school=school).count()
    assert families == plan.counts["families"].created and carers == 2 * families
    history_rows = Child.history.count()

    again = upload(admin_client, pupils_csv(count=600))
    plan = again.context["plan"]
    assert plan.ok and plan.writes == 0
    assert plan.counts["children"].unchanged == 600
    assert "nothing to import" in again.content.decode()
    confirm(admin_client, token_of(again))
    assert Child.objects.count() == 600 and Family.objects.count() == families and Carer.objects.count() == carers
    assert Child.history.count() == history_rows, "an unchanged pupil is not saved again"


def test_intake_pupils_and_leaving_dates_come_through(admin_client, school):
    confirm(admin_client, token_of(upload(admin_client, pupils_csv(count=120))))
    intake = Child.objects.get(upn=samples._upn(1))
    assert intake.on_roll_from == datetime.date(2026, 9, 1) and intake.class_name == "Reception Oak"
    leaver = Child.objects.get(upn=samples._upn(105))
    assert leaver.left_school_on == datetime.date(2026, 7, 22)
    assert Child.objects.filter(left_school_on__isnull=False).count() == 10


def test_carers_keep_phones_responsibility_and_must_not_contact(admin_client, school):
    confirm(admin_client, token_of(upload(admin_client, pupils_csv(count=80))))
    barred = Carer.objects.filter(must_not_contact=True)
    assert barred.exists()
    carer = barred.first()
    assert carer.relationship == "Father" and carer.parental_responsibility and carer.phone
    response = admin_client.get(carer.family.get_absolute_url())
    assert "must not be contacted" in response.content.decode()


def test_a_re_import_updates_by_upn_and_never_duplicates(admin_client, school):
    rows = samples.pupil_rows(30)
    confirm(admin_client, token_of(upload(admin_client, pupils_csv(rows))))
    child = Child.objects.get(upn=rows[4]["UPN"])
    rows[4]["Reg Group"] = "Year 2 Cedar"
    rows[4]["Leaving Date"] = "31/12/2026"
    response = upload(admin_client, pupils_csv(rows))
    plan = response.context["plan"]
    assert plan.counts["children"].updated == 1 and plan.counts["children"].created == 0
    assert any(c.line == 6 and "class" in c.fields for c in plan.changes)
    confirm(admin_client, token_of(response))
    child.refresh_from_db()
    assert child.class_name == "Year 2 Cedar" and child.left_school_on == datetime.date(2026, 12, 31)
    assert Child.objects.count() == 30
    last = child.history.first()
    assert last.history_user.username == "schooladmin"
    assert last.history_change_reason == "Imported from the school's MIS"
    assert last.history_school_id == school.pk


def test_a_pupil_without_a_upn_is_matched_by_admission_number(admin_client, school):
    rows = samples.pupil_rows(5)
    rows[0]["UPN"] = ""
    confirm(admin_client, token_of(upload(admin_client, pupils_csv(rows))))
    rows[0]["Legal Forename"] = "Amelie"
    confirm(admin_client, token_of(upload(admin_client, pupils_csv(rows))))
    assert Child.objects.count() == 5
    assert Child.objects.get(admission_number="00001").first_name == "Amelie"


def test_each_bad_field_is_named(admin_client):
    rows = samples.pupil_rows(8)
    rows[0]["UPN"] = "12345"
    rows[1]["UPN"] = rows[2]["UPN"]
    rows[3]["Admission Date"] = "next week"
    rows[4]["Contact 1 Parental Responsibility"] = "maybe"
    rows[5]["Legal Surname"] = ""
    plan = upload(admin_client, pupils_csv(rows)).context["plan"]
    named = {(p.line, p.column) for p in plan.problems}
    assert {(2, "UPN"), (4, "UPN"), (5, "Start date (on roll from)"), (6, "Carer 1: parental responsibility"),
            (7, "Last name")} <= named
    duplicate = next(p for p in plan.problems if p.line == 4)
    assert "Duplicate" in duplicate.message and "line 3" in duplicate.message
    assert Child.objects.count() == 0


def test_an_xlsx_export_with_real_date_cells_imports(admin_client, school):
    import io

    import openpyxl

    rows = samples.pupil_rows(12)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        values = list(row.values())
        values[4] = datetime.datetime.strptime(row["DOB"], "%d/%m/%Y")  # noqa: DTZ007
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    response = upload(admin_client, out.getvalue(), name="export.xlsx")
    assert response.context["plan"].ok, response.context["plan"].problems
    confirm(admin_client, token_of(response))
    assert Child.objects.filter(family__school=school).count() == 12
    assert Child.objects.get(upn=rows[0]["UPN"]).date_of_birth.strftime("%d/%m/%Y") == rows[0]["DOB"]


def test_the_upload_is_kept_on_the_server_until_confirmed_or_cancelled(admin_client, import_dir):
    response = upload(admin_client, pupils_csv(count=5))
    token = token_of(response)
    assert [p.name for p in import_dir.iterdir()] == [f"{token}.csv"]
    admin_client.post(reverse("misimport:cancel", args=[token]))
    assert list(import_dir.iterdir()) == []
    assert admin_client.get(reverse("misimport:preview", args=[token])).status_code == 404
    token = token_of(upload(admin_client, pupils_csv(count=5)))
    confirm(admin_client, token)
    assert list(import_dir.iterdir()) == []


def test_a_wrong_or_oversized_file_is_refused_beside_the_field(admin_client, settings, import_dir):
    response = upload(admin_client, b"UPN\n", name="export.pdf")
    assert "Upload the export as a CSV file" in response.content.decode()
    settings.MIS_IMPORT_MAX_BYTES = 1024
    response = upload(admin_client, pupils_csv(count=20))
    assert "larger than" in response.content.decode()
    assert not import_dir.exists() or list(import_dir.iterdir()) == []


def test_a_file_with_other_headings_goes_to_the_column_matching(admin_client, school):
    rows = [{"Pupil ID": r["UPN"], "Given": r["Legal Forename"], "Family name": r["Legal Surname"],
             "Born": r["DOB"], "Street": r["Address Line 1"], "PC": r["Postcode"]} for r in samples.pupil_rows(4)]
    response = upload(admin_client, pupils_csv(rows), source="other")
    assert response.redirect_chain[-1][0].endswith("/columns/")
    token = token_of(response)
    # Two fields on one column is refused beside the field.
    bad = admin_client.post(reverse("misimport:columns", args=[token]), {
        "upn": "Pupil ID", "first_name": "Given", "last_name": "Given", "date_of_birth": "Born",
        "address_line1": "Street", "postcode": "PC"})
    assert "already chosen" in bad.content.decode()
    response = admin_client.post(reverse("misimport:columns", args=[token]), {
        "upn": "Pupil ID", "first_name": "Given", "last_name": "Family name", "date_of_birth": "Born",
        "address_line1": "Street", "postcode": "PC"}, follow=True)
    assert response.context["plan"].ok
    confirm(admin_client, token)
    assert Child.objects.filter(family__school=school).count() == 4
