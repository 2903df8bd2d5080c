"""Write dates and times for people: in French, in the organisation's time zone.

Records keep UTC ISO timestamps (``2026-12-01T08:04:08+00:00``); every page,
e-mail and spreadsheet export shows them through this module, in
``MENTORAT_TIMEZONE`` (default ``Europe/Paris``), so a person reads
« 1er décembre 2026 à 09 h 04 », never the stored form. No Flask here.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_TIMEZONE", "MONTHS", "organisation_zone", "zone_named", "format_date",
           "format_datetime", "format_for_sheet", "local_moment"]

DEFAULT_TIMEZONE = "Europe/Paris"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


@lru_cache(maxsize=8)
def zone_named(name: str) -> ZoneInfo:
    """Return the IANA zone ``name``; raise ``ValueError`` for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(name) from None


def organisation_zone() -> ZoneInfo:
    """The zone people live in: ``MENTORAT_TIMEZONE``, checked at start-up by ``Settings``."""
    return zone_named(os.environ.get("MENTORAT_TIMEZONE") or DEFAULT_TIMEZONE)


def _moment(value, zone: ZoneInfo | None) -> datetime | date | None:
    """Read a stored value: an aware timestamp moves to the zone; a naive one is local already."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if len(text) <= 10:  # a day, no time
            return moment.date()
    if moment.utcoffset() is not None:
        moment = moment.astimezone(zone or organisation_zone())
    return moment


def local_moment(value, zone: ZoneInfo | None = None) -> datetime | date | None:
    """Read a stored value as the organisation's wall clock: a naive datetime, a date, or None.

    For spreadsheets, which hold no time zone (openpyxl refuses aware datetimes);
    an unreadable value gives None.
    """
    moment = _moment(value, zone)
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=None)
    return moment


def _day(day: date) -> str:
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"


def format_date(value, zone: ZoneInfo | None = None) -> str:
    """Write a day the French way: ``15 janvier 2027``, ``1er mars 2026``."""
    moment = _moment(value, zone)
    if moment is None:
        return str(value or "")
    return _day(moment.date() if isinstance(moment, datetime) else moment)


def format_datetime(value, zone: ZoneInfo | None = None) -> str:
    """Write a moment as ``1er décembre 2026 à 09 h 04``, in the organisation's zone."""
    moment = _moment(value, zone)
    if moment is None:
        return str(value or "")
    if not isinstance(moment, datetime):
        return _day(moment)
    return f"{_day(moment.date())} à {moment.hour:02d} h {moment.minute:02d}"


def format_for_sheet(value, zone: ZoneInfo | None = None) -> str:
    """Write a moment as ``2026-12-01 09:04`` (local time), which spreadsheets read as a date."""
    moment = _moment(value, zone)
    if moment is None:
        return str(value or "")
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return moment.strftime("%Y-%m-%d %H:%M")
