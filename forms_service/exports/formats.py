"""Turn records into CSV, JSON or JSON Lines for coordinators and scripts.

CSV is made for a French spreadsheet: UTF-8 with a byte-order mark, ``;``
between cells, lists joined with `` ; `` (the cell is then quoted), timestamps as
``2026-12-01 09:04`` in the organisation's time zone, and any cell that a spreadsheet
would run as a formula (starting with ``= + - @``, a tab or a carriage
return) prefixed with ``'`` so it stays text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from ..dates import format_for_sheet

__all__ = ["FORMATS", "to_csv", "to_json", "to_jsonl", "export", "neutralise", "iter_export"]

FORMATS = ("csv", "json", "jsonl")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """Return the cell's text, made inert for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "oui" if value else "non"
    elif isinstance(value, (list, tuple)):
        text = " ; ".join(neutralise(v) if not isinstance(v, str) else v for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _columns(records: list[dict]) -> list[str]:
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    return list(columns)


def to_csv(records: Iterable[dict]) -> str:
    return "".join(iter_csv(records))


def iter_csv(records: Iterable[dict], columns: list[str] | None = None) -> Iterator[str]:
    """Yield the CSV piece by piece: the header, then one row per record.

    ``columns`` names the header (written even with no record); without it the
    columns are the union of every record's keys.
    """
    records = list(records)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def row(cells) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(cells)
        return out.getvalue()

    columns = list(columns) if columns is not None else _columns(records)
    yield "\ufeff" + row([neutralise(c) for c in columns])
    for record in records:
        yield row([neutralise(_cell(c, record.get(c))) for c in columns])


def _cell(column: str, value):
    # Timestamps (``created_at``…) in the organisation's time zone, as a spreadsheet reads a
    # date; JSON and JSON Lines keep the stored UTC form, for programs.
    if column.endswith("_at") and isinstance(value, str):
        return format_for_sheet(value)
    return value


def to_json(records: Iterable[dict]) -> str:
    return json.dumps(list(records), ensure_ascii=False, indent=2) + "\n"


def iter_json(records: Iterable[dict]) -> Iterator[str]:
    """Yield the same text as ``to_json``, one record at a time."""
    first = True
    for record in records:
        body = json.dumps(record, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + body
        first = False
    yield "[]\n" if first else "\n]\n"


def iter_export(records: Iterable[dict], fmt: str) -> Iterator[str]:
    """Yield the export in pieces (about one per record), for long exports."""
    if fmt == "csv":
        return iter_csv(records)
    if fmt == "json":
        return iter_json(records)
    if fmt == "jsonl":
        return to_jsonl(records)
    raise ValueError(fmt)


def to_jsonl(records: Iterable[dict]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def export(records: Iterable[dict], fmt: str) -> str:
    """Return all records in the given format."""
    if fmt == "csv":
        return to_csv(records)
    if fmt == "json":
        return to_json(records)
    if fmt == "jsonl":
        return "".join(to_jsonl(records))
    raise ValueError(fmt)
