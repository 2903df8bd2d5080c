"""Dates for people: one French formatter, in the organisation's time zone."""

from __future__ import annotations

import pytest
from support.service import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("stored, zone, date_text, time_text, sheet", [
    ("2026-12-01T08:04:08+00:00", "Europe/Paris", "1er décembre 2026",
     "1er décembre 2026 à 09 h 04", "2026-12-01 09:04"),
    ("2026-07-14T22:30:00+00:00", "Europe/Paris", "15 juillet 2026",
     "15 juillet 2026 à 00 h 30", "2026-07-15 00:30"),
    ("2026-12-01T08:04:08+00:00", "Indian/Reunion", "1er décembre 2026",
     "1er décembre 2026 à 12 h 04", "2026-12-01 12:04"),
    ("2027-01-15", "Europe/Paris", "15 janvier 2027", "15 janvier 2027", "2027-01-15"),
])
def test_one_french_date_formatter_in_the_organisations_zone(stored, zone, date_text,
                                                             time_text, sheet):
    from forms_service.dates import format_date, format_datetime, format_for_sheet, zone_named

    tz = zone_named(zone)
    assert format_date(stored, tz) == date_text
    assert format_datetime(stored, tz) == time_text
    assert format_for_sheet(stored, tz) == sheet


def test_the_timezone_is_a_checked_setting():
    from forms_service.config import ConfigError, Settings

    assert Settings.from_env({}).timezone == "Europe/Paris"
    assert Settings.from_env({"MENTORAT_TIMEZONE": "America/Montreal"}).timezone == \
        "America/Montreal"
    with pytest.raises(ConfigError, match="MENTORAT_TIMEZONE"):
        Settings.from_env({"MENTORAT_TIMEZONE": "Lune/Base"})
    assert "`MENTORAT_TIMEZONE` | `Europe/Paris`" in README


def test_csv_exports_write_timestamps_for_people():
    from forms_service.exports.formats import to_csv

    text = to_csv([{"name": "Awa", "created_at": "2026-12-01T08:04:08+00:00"}])
    assert "2026-12-01 09:04" in text and "+00:00" not in text
