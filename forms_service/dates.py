"""Show stored values the French way: dates, times, choice labels. No Flask here."""

from __future__ import annotations

from datetime import date, datetime

__all__ = ["format_date", "format_datetime", "MONTHS"]

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def format_date(iso: str | None) -> str:
    """Write an ISO date the French way: ``15 janvier 2027``, ``1er mars 2026``."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"


def format_datetime(iso: str | None) -> str:
    """Write an ISO timestamp as ``26 novembre 2026 à 05 h 29 (UTC)``."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    zone = " (UTC)" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return f"{format_date(str(iso))} à {moment.hour:02d} h {moment.minute:02d}{zone}"
