"""Write one spreadsheet export as an XLSX workbook that calculates, with openpyxl.

Numbers are number cells (a sort by « Score » sorts numbers, an average
counts them); moments are date cells on the organisation's wall clock
(openpyxl refuses aware datetimes), shown ``JJ/MM/AAAA HH:MM``, days
``JJ/MM/AAAA``, a month alone ``MM/AAAA``; everything else is a text cell,
and text that a spreadsheet would run as a formula keeps its leading ``'``
(``formats.neutralise``): a value typed by a participant never becomes a
formula. The header row is bold, frozen and filtered, columns as wide as
their content (within limits). No Flask here.
"""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .cells import Month, text
from .formats import neutralise

__all__ = ["workbook", "DATETIME_FORMAT", "DATE_FORMAT", "MONTH_FORMAT"]

DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
DATE_FORMAT = "DD/MM/YYYY"
MONTH_FORMAT = "MM/YYYY"
# Column widths in characters: room for a date and time, not a whole comment.
MIN_WIDTH, MAX_WIDTH = 8, 50
SHOWN_WIDTH = {DATETIME_FORMAT: 16, DATE_FORMAT: 10, MONTH_FORMAT: 7}


def workbook(table, title: str) -> bytes:
    """Return the XLSX file of ``table`` (a ``spreadsheet.Table``) on one sheet named ``title``."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    widths = [len(header) + 3 for header in table.headers]  # room for the filter's button
    bold = Font(bold=True)
    for column, header in enumerate(table.headers, start=1):
        cell = sheet.cell(row=1, column=column)
        _write_text(cell, header)
        cell.font = bold
    for line, values in enumerate(table.rows, start=2):
        for column, value in enumerate(values, start=1):
            shown = _write(sheet.cell(row=line, column=column), value)
            widths[column - 1] = max(widths[column - 1], shown + 1)
    last = get_column_letter(max(1, len(table.headers)))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    sheet.print_title_rows = "1:1"  # printed, every page repeats the headers
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = \
            min(max(width, MIN_WIDTH), MAX_WIDTH)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(cell, value) -> int:
    """Put one typed value in a cell; return how many characters it shows."""
    if value is None or value == "":
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        return len(text(value))
    if isinstance(value, date):
        if isinstance(value, datetime):
            cell.value, cell.number_format = value, DATETIME_FORMAT
        else:
            shown = MONTH_FORMAT if isinstance(value, Month) else DATE_FORMAT
            cell.value, cell.number_format = date(value.year, value.month, value.day), shown
        return SHOWN_WIDTH[cell.number_format]
    return _write_text(cell, text(value) if isinstance(value, bool) else value)


def _write_text(cell, value) -> int:
    # The type is set after the value: openpyxl reads any text starting with "=" as a formula.
    # Control characters stored by an earlier version cannot go into XML at all.
    shown = ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
    cell.value = shown
    cell.data_type = TYPE_STRING
    return max((len(part) for part in shown.splitlines()), default=0)
