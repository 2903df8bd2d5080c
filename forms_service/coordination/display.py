"""Show stored values the French way: dates, times, choice labels. No Flask here."""

from __future__ import annotations

# One formatter for every page, e-mail and export, in the organisation's time zone.
from ..dates import MONTHS, format_date, format_datetime

__all__ = ["format_date", "format_datetime", "MONTHS"]
