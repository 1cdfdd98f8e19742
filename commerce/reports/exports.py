"""CSV (UTF-8 with a BOM, so Excel reads Chinese right) and XLSX downloads of report tables.

CSV is streamed row by row. XLSX is written by openpyxl's write-only workbook into a temporary file on
disk (memory stays flat however many rows), which is then streamed.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse

from .tables import Table, as_text

BOM = "\ufeff"
FORMATS = ("csv", "xlsx")


class _Echo:
    def write(self, value):
        return value


def csv_lines(tables: list[Table]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                yield writer.writerow([])
            yield writer.writerow([str(table.title)])
        yield writer.writerow([str(c.label) for c in table.columns])
        for row in table.rows:
            yield writer.writerow([as_text(v) for v in row])
        if (totals := table.totals_row()) is not None:
            yield writer.writerow([as_text(v) for v in totals])


def _xlsx_cells(sheet, row):
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if isinstance(value, Decimal):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "#,##0.00"
        elif isinstance(value, int) and not isinstance(value, bool):
            cell = WriteOnlyCell(sheet, value=value)
        else:
            cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
        cells.append(cell)
    return cells


def write_xlsx(tables: list[Table], target) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(tables[0].title)[:31])
    bold = Font(bold=True)
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                sheet.append([])
            title = WriteOnlyCell(sheet, value=str(table.title))
            title.font = bold
            sheet.append([title])
        headers = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=str(column.label))
            cell.font = bold
            headers.append(cell)
        sheet.append(headers)
        for row in table.rows:
            sheet.append(_xlsx_cells(sheet, row))
        if (totals := table.totals_row()) is not None:
            cells = _xlsx_cells(sheet, totals)
            for cell in cells:
                cell.font = bold
            sheet.append(cells)
    book.save(target)


def response(tables: list[Table], filename: str, fmt: str):
    if fmt == "csv":
        stream = StreamingHttpResponse(csv_lines(tables), content_type="text/csv; charset=utf-8")
        stream["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return stream
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    write_xlsx(tables, spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
