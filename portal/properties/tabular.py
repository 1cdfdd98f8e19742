"""Reading spreadsheets users upload: .csv (UTF-8, with or without BOM, or GBK) and .xlsx.

Rows come back with the line number the user sees in the spreadsheet (the header is line 1);
any problem with the file as a whole raises ``ImportRefused``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy English label; shown translated
    aliases: tuple[str, ...]  # accepted header names besides the label (Chinese first)
    required: bool = True
    hint: object = ""  # what the cells may hold

    @property
    def chinese(self) -> str:
        return self.aliases[0]


def norm(text) -> str:
    """Header/choice key: case, spaces, punctuation, units in brackets and a required-marker * ignored."""
    text = str(text or "").strip().lower()
    text = re.sub(r"[(（].*?[)）]", "", text)
    return re.sub(r"[\s_\-*:：.]", "", text)


def choice_lookup(choices_class, aliases: dict) -> dict[str, str]:
    lookup = {}
    for value, label in choices_class.choices:
        lookup[norm(value)] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[norm(str(label))] = value
    lookup.update({norm(k): v for k, v in aliases.items()})
    return lookup


# --- reading files -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: about the file as a whole
    message: str


class ImportRefused(Exception):
    """Nothing was imported; ``errors`` says why, row by row."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(e.message for e in errors[:5]))
        self.errors = sorted(errors, key=lambda e: e.line or 0)


CSV_CONTENT_TYPES = {
    "",
    "text/csv",
    "text/plain",
    "text/x-csv",
    "application/csv",
    "application/x-csv",
    "text/comma-separated-values",
    "application/vnd.ms-excel",  # what Windows browsers send for .csv
    "application/octet-stream",
}
XLSX_MAX_UNPACKED_RATIO = 20
XLSX_CONTENT_TYPES = {
    "",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
    "application/x-zip-compressed",
    "application/octet-stream",
}


def refuse(message, line=None):
    raise ImportRefused([RowError(line, message)])


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def read_table(uploaded) -> list[tuple[int, list]]:
    """Rows of an uploaded .csv or .xlsx as (line number, cells), header first, blank rows left out."""
    name = (getattr(uploaded, "name", "") or "").lower()
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        refuse(
            _("The file is %(size)s MB; files up to %(limit)s MB can be imported.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    content_type = (getattr(uploaded, "content_type", "") or "").split(";")[0].strip().lower()
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        refuse(_("The file is larger than %(limit)s MB.") % {"limit": _megabytes(limit)})
    if not data:
        refuse(_("The file is empty."))

    if name.endswith(".xlsx"):
        if content_type not in XLSX_CONTENT_TYPES or not data.startswith(b"PK\x03\x04"):
            refuse(_("This file is not an Excel .xlsx workbook."))
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        if content_type not in CSV_CONTENT_TYPES:
            refuse(_("This file is not a CSV file (it was sent as %(type)s).") % {"type": content_type})
        if data.startswith(b"PK\x03\x04"):
            refuse(_("This file is an Excel workbook named .csv; save it as .xlsx or export it as CSV."))
        rows = _csv_rows(data)
    elif name.endswith(".xls"):
        refuse(_("Old Excel .xls files cannot be read; save the file as .xlsx or CSV."))
    else:
        refuse(_("Upload a .csv or .xlsx file."))

    rows = [(line, cells) for line, cells in rows if any(cell_text(c) for c in cells)]
    if not rows or rows[0][0] != 1:
        refuse(_("The first line must be the header row with the column names."), line=1)
    if len(rows) == 1:
        refuse(_("The file has a header but no rows to import."))
    return rows


def _csv_rows(data: bytes):
    if b"\x00" in data:
        refuse(_("This file is not a text CSV file (save it from Excel as “CSV UTF-8”)."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves "CSV" in the ANSI code page (GBK); GB18030 is its superset.
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            refuse(_("The CSV file's text encoding is not UTF-8 or GBK."))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1))
    except csv.Error as exc:
        refuse(_("The CSV file could not be read: %(error)s") % {"error": exc})


def _xlsx_rows(data: bytes):
    import openpyxl

    try:
        # A small .xlsx can unpack to gigabytes ("zip bomb"); refuse before openpyxl inflates it.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > XLSX_MAX_UNPACKED_RATIO * settings.IMPORT_MAX_UPLOAD_BYTES:
            refuse(_("The Excel file unpacks to too much data to import at once; split it into smaller files."))
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        refuse(_("The Excel file could not be read: %(error)s") % {"error": exc})
    try:
        sheet = workbook.worksheets[0]
        return [(line, list(cells)) for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    return str(value).strip()


def map_header(header: list, columns: tuple[Column, ...]) -> dict[str, int]:
    """Column key → index, from a header of English or Chinese names; refuses unknown or missing ones."""
    known = {}
    for column in columns:
        for name in (str(column.label), column.key, *column.aliases):
            known[norm(name)] = column
        with translation.override("en"):
            known[norm(str(column.label))] = column
        with translation.override("zh-hans"):
            known[norm(str(column.label))] = column
    errors, positions = [], {}
    for index, cell in enumerate(header):
        title = cell_text(cell)
        if not title:
            continue
        column = known.get(norm(title))
        if column is None:
            errors.append(RowError(1, _("Unknown column “%(name)s”.") % {"name": title}))
        elif column.key in positions:
            errors.append(RowError(1, _("Column “%(name)s” appears twice.") % {"name": title}))
        else:
            positions[column.key] = index
    missing = [c for c in columns if c.required and c.key not in positions]
    if missing:
        errors.append(
            RowError(
                1,
                _("Missing column(s): %(names)s.") % {"names": ", ".join(f"{c.label} ({c.chinese})" for c in missing)},
            )
        )
    if errors:
        errors.append(
            RowError(
                1,
                _("Known columns: %(names)s.") % {"names": ", ".join(f"{c.label} / {c.chinese}" for c in columns)},
            )
        )
        raise ImportRefused(errors)
    return positions


@dataclass
class Row:
    line: int
    raw: dict  # column key → cell value
    errors: list[str] = field(default_factory=list)

    def text(self, key) -> str:
        return cell_text(self.raw.get(key))

    def required(self, key, columns) -> str:
        value = self.text(key)
        if not value:
            column = next(c for c in columns if c.key == key)
            self.errors.append(_("%(column)s is missing.") % {"column": column.label})
        return value


def table_rows(table, columns) -> list[Row]:
    positions = map_header(table[0][1], columns)
    return [
        Row(line, {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()})
        for line, cells in table[1:]
    ]
