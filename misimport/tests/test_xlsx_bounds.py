"""An .xlsx is a zip: a file well under the upload limit can unpack to far more than the server
should read. The unpacked size is checked before the workbook is opened, the sheet is read no
further than the row limit and no wider than the column limit, and the refusal is beside the file."""

import io
import re
import zipfile

import openpyxl
import pytest

from misimport import reading, samples
from visits.models import Child

from .helpers import confirm, token_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_gmt", "import_dir")]


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite_sheet(workbook: bytes, change) -> bytes:
    """The same workbook with its first sheet's XML passed through `change(xml, write)`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                with target.open(member.filename, "w") as stream:
                    change(data, stream.write)
            else:
                target.writestr(member, data)
    return out.getvalue()


def _bomb(workbook: bytes, padding_mb: int) -> bytes:
    def pad(xml, write):
        head, tail = xml.rsplit(b"</worksheet>", 1)
        write(head)
        block = b" " * (1024 * 1024)
        for _ in range(padding_mb):
            write(block)  # whitespace between elements: still a well-formed sheet
        write(b"</worksheet>" + tail)
    return _rewrite_sheet(workbook, pad)


def test_a_small_workbook_that_unpacks_hugely_is_refused_before_it_is_parsed(admin_client, monkeypatch):
    bomb = _bomb(_workbook(samples.pupil_rows(3)), padding_mb=60)
    assert len(bomb) < 1024 * 1024 < reading.max_bytes()  # well under the upload limit
    assert sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > reading.MAX_EXPANDED_BYTES

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(reading.openpyxl, "load_workbook", never)
    response = upload(admin_client, bomb, name="export.xlsx", follow=False)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1 and re.match(r"The workbook unpacks to 6\d MB, more than the 40 MB", errors[0])
    assert "The workbook unpacks to" in response.content.decode()
    assert not Child.objects.exists()


def test_the_same_workbook_without_the_padding_imports(admin_client, school):
    response = upload(admin_client, _bomb(_workbook(samples.pupil_rows(3)), padding_mb=1), name="export.xlsx")
    assert response.context["plan"].ok
    confirm(admin_client, token_of(response))
    assert Child.objects.filter(family__school=school).count() == 3


def test_a_sheet_longer_than_the_row_limit_is_refused(admin_client, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 20)
    response = upload(admin_client, _workbook(samples.pupil_rows(21)), name="export.xlsx", follow=False)
    assert response.context["form"].errors["file"] == ["The file has 21 rows; at most 20 can be imported at once."]


def test_a_long_sheet_without_its_dimension_is_read_no_further_than_the_limit(admin_client, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 20)
    no_dimension = _rewrite_sheet(_workbook(samples.pupil_rows(40)),
                                  lambda xml, write: write(re.sub(rb"<dimension [^>]*/>", b"", xml)))
    response = upload(admin_client, no_dimension, name="export.xlsx", follow=False)
    assert response.context["form"].errors["file"] == [
        "The file has more than 20 rows; at most 20 can be imported at once."]


def test_a_sheet_claiming_every_column_is_not_padded_out(admin_client, school):
    wide = _rewrite_sheet(_workbook(samples.pupil_rows(3)),
                          lambda xml, write: write(re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD4"/>',
                                                          xml)))
    response = upload(admin_client, wide, name="export.xlsx")
    plan = response.context["plan"]
    assert plan.ok and plan.counts["children"].created == 3
    assert len(reading.read(token_of(response), reading.XLSX).headings) == len(samples.pupil_rows(1)[0])
