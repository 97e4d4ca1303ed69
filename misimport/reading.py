"""Reading an uploaded MIS export (CSV or XLSX, parsed by tablib with openpyxl) and keeping it on
the server between the upload, the preview and the confirmation.

The file waits in VAR_DIR/imports under a random name, bound to the person and school that sent it
(the session holds the name), and is deleted when the import is confirmed or abandoned; files left
behind by an abandoned browser are removed after MIS_IMPORT_KEEP_HOURS.
"""

import datetime
import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import tablib
from django.conf import settings

CSV, XLSX = "csv", "xlsx"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
KEEP_HOURS = 24
# An .xlsx is a zip: a few megabytes can unpack to gigabytes. Its members' unpacked sizes (which
# zipfile holds each member to while reading) are added up before the workbook is opened at all.
MAX_EXPANDED_BYTES = 40 * 1024 * 1024
MAX_MEMBERS = 200
# Columns read from each row: an export has a few dozen; a sheet claiming 16,384 is not padded out.
MAX_COLUMNS = 200


class ReadError(ValueError):
    """The file can't be read as a table; the message says why, in plain words."""


def _dir() -> Path:
    folder = Path(getattr(settings, "MIS_IMPORT_DIR", settings.VAR_DIR / "imports"))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _valid_token(token: str) -> bool:
    return isinstance(token, str) and len(token) == 32 and all(c in "0123456789abcdef" for c in token)


def file_format(name: str) -> str:
    suffix = Path(name or "").suffix.lower()
    if suffix == ".csv":
        return CSV
    if suffix == ".xlsx":
        return XLSX
    raise ReadError("Upload the export as a CSV file (.csv) or an Excel workbook (.xlsx).")


def max_bytes() -> int:
    return int(getattr(settings, "MIS_IMPORT_MAX_BYTES", MAX_BYTES))


def max_expanded_bytes() -> int:
    return int(getattr(settings, "MIS_IMPORT_MAX_EXPANDED_BYTES", MAX_EXPANDED_BYTES))


def keep(upload) -> tuple[str, str]:
    """Store an uploaded file; returns (token, format). Refuses files too large or of the wrong kind."""
    fmt = file_format(upload.name)
    if upload.size > max_bytes():
        raise ReadError(f"The file is larger than {max_bytes() // (1024 * 1024)} MB. Export only the columns "
                        "Home Visits needs, or split the file.")
    forget_stale()
    token = secrets.token_hex(16)
    path = _dir() / f"{token}.{fmt}"
    written = 0
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            written += len(chunk)
            if written > max_bytes():
                out.close()
                path.unlink(missing_ok=True)
                raise ReadError("The file is too large.")
            out.write(chunk)
    return token, fmt


def path_of(token: str, fmt: str) -> Path | None:
    if not _valid_token(token) or fmt not in (CSV, XLSX):
        return None
    path = _dir() / f"{token}.{fmt}"
    return path if path.exists() else None


def forget(token: str, fmt: str) -> None:
    path = path_of(token, fmt)
    if path:
        path.unlink(missing_ok=True)


def forget_stale(now: float | None = None) -> int:
    """Delete kept files older than KEEP_HOURS (an upload nobody confirmed or cancelled)."""
    cutoff = (now or time.time()) - KEEP_HOURS * 3600
    gone = 0
    for path in _dir().glob("*.*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


@dataclass
class Table:
    headings: list[str]
    rows: list[list]  # cell values; row i is line i + 2 of the file (line 1 holds the headings)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError("The file's text can't be read: save it as CSV (UTF-8) and upload it again.")


_UNREADABLE = ("The file can't be read as a table. Check that it is the CSV or Excel export itself, with the "
               "column headings on the first line.")


def _too_many_rows(count) -> ReadError:
    return ReadError(f"The file has {count} rows; at most {MAX_ROWS} can be imported at once.")


def check_workbook(path: Path) -> None:
    """Refuse a workbook that would unpack to more than we read, before anything parses it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(_UNREADABLE) from exc
    if len(members) > MAX_MEMBERS:
        raise ReadError(_UNREADABLE)
    expanded = sum(member.file_size for member in members)
    if expanded > max_expanded_bytes():
        raise ReadError(f"The workbook unpacks to {expanded / (1024 * 1024):,.0f} MB, more than the "
                        f"{max_expanded_bytes() // (1024 * 1024)} MB an import can take. Export only the columns "
                        "Home Visits needs, or save the export as CSV.")


def _read_xlsx(path: Path) -> tuple[list, list]:
    """The first sheet's rows (openpyxl in read-only mode), never more than MAX_ROWS + 1 of them or
    MAX_COLUMNS wide; a sheet that says or turns out to be longer is refused."""
    check_workbook(path)
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.active
        if sheet is None:
            raise ReadError(_UNREADABLE)
        declared = sheet.max_row  # from the sheet's own dimension, where it has one
        if declared is not None and declared - 1 > MAX_ROWS:
            raise _too_many_rows(f"{declared - 1:,}")
        rows = list(sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS, values_only=True))
    finally:
        book.close()
    if len(rows) - 1 > MAX_ROWS:
        raise _too_many_rows(f"more than {MAX_ROWS}")
    if not rows:
        return [], []
    headings = list(rows[0])
    while headings and (headings[-1] is None or str(headings[-1]).strip() == ""):
        headings.pop()
    width = len(headings)
    return headings, [list(row[:width]) for row in rows[1:]]


def read(token: str, fmt: str) -> Table:
    path = path_of(token, fmt)
    if path is None:
        raise ReadError("The uploaded file is no longer here: upload it again.")
    try:
        if fmt == CSV:
            data = tablib.Dataset().load(_decode(path.read_bytes()), format="csv")
            heads, rows = data.headers or [], [list(row) for row in data]
        else:
            heads, rows = _read_xlsx(path)
    except ReadError:
        raise
    except Exception as exc:  # any parser failure is a file we can't read, said plainly
        raise ReadError(_UNREADABLE) from exc
    headings = [str(h).strip() if h is not None else "" for h in heads]
    if not any(headings):
        raise ReadError("The first line of the file should hold the column headings; it is empty.")
    if len(rows) > MAX_ROWS:
        raise _too_many_rows(len(rows))
    return Table(headings=headings, rows=rows)


def cell_text(value) -> str:
    """A cell as text (dates from a workbook in ISO form), stripped."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
