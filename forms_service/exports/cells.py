"""One spreadsheet cell's value, typed, and how CSV writes it as French text.

The spreadsheet rows (``spreadsheet``) hold typed values so each format
renders them its own way: ``int`` and ``float`` for numbers, ``datetime``
(naive, the organisation's wall clock) for moments, ``date`` for days,
``Month`` for a month alone (anonymous feedback), ``bool`` for yes/no, ``str``
for everything else, ``None`` for an empty cell. CSV writes them as text a
French spreadsheet reads (``87,5``, ``2026-12-01 09:04``, ``oui``); XLSX
writes them as typed cells (``workbook``). No Flask here.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from ..dates import local_moment
from ..i18n import _

__all__ = ["Month", "number", "moment", "text", "decimal"]

NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
MONTH = re.compile(r"(\d{4})-(\d{2})")


class Month(date):
    """A month alone (its first day), shown as ``AAAA-MM`` in CSV and ``MM/AAAA`` in XLSX."""


def number(value):
    """A stored count, score or rating as ``int`` or ``float``; other values unchanged.

    Answers sent as text (``"4"``) count too; anything else that is not a
    number (``None``, a word) stays as it is, so nothing is lost.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not NUMBER.fullmatch(text):
            return value
        value = float(text.replace(",", ".")) if any(c in text for c in ".,") else int(text)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def moment(value):
    """A stored timestamp or day as the organisation's local ``datetime`` or ``date``.

    A month alone (``2027-03``, anonymous feedback) becomes a ``Month``; an
    empty value ``None``; an unreadable one stays as stored text.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and (found := MONTH.fullmatch(value.strip())):
        return Month(int(found[1]), int(found[2]), 1)
    read = local_moment(value)
    if isinstance(read, datetime):
        return read.replace(microsecond=0)
    return value if read is None else read


def decimal(value) -> str:
    """Write a number the French way: ``87,5``, ``3``."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else (_("oui") if value else _("non"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",") if value != int(value) else str(int(value))
    return str(value)


def text(value) -> str:
    """The value as CSV writes it: decimal commas, ``AAAA-MM-JJ HH:MM``, ``oui``/``non``."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Month):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, date):
        return value.isoformat()
    return decimal(value)
