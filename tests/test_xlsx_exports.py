"""Spreadsheets that calculate (issue 23): every XLSX export opened with openpyxl.

Numbers are number cells, moments date cells in the organisation's time zone
with a French display format, text stays text and never a formula (even a
participant's value starting with « = »); the header row is bold, frozen and
filtered, columns have widths; every export, CSV and XLSX, has its header row
even with no row yet; cells show labels, never stored codes.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from support.people import PERSON, person_with_everything

from forms_service.exports.spreadsheet import table
from forms_service.exports.tables import EXPORTS, export_body
from forms_service.records.repository import Repository
from forms_service.vocabulary import (
    CHOICE_LABELS,
    CLOSE_REASON_LABELS,
    OTHER_SKILL,
    PAIR_STATE_LABELS,
    STATUS_LABELS,
)

FORMULA = '=HYPERLINK("https://exemple.fr/piege","cliquez")'
DATE_FORMATS = {"DD/MM/YYYY HH:MM", "DD/MM/YYYY", "MM/YYYY"}

# Per export: columns holding numbers, columns holding dates (each must have at least one).
TYPED = {
    "enrollment": (["Mentorés au plus"], ["Notice lue le", "Reçue le"]),
    "feedback": (["Point d’étape (mois)", "Satisfaction (sur 5)", "Progrès (sur 5)",
                  "Rencontres"], ["Reçu le"]),
    "pairs": (["Binôme", "Score", "Points d’étape"], ["Confirmé le", "Clos le"]),
    "history": ([], ["Le"]),
    "checkpoints": (["Binôme", "Point d’étape (mois)"], ["Date prévue", "Réponse du mentoré le"]),
    "meetings": (["Binôme", "Durée (minutes)"], ["Date"]),
    "closing": (["Binôme", "Recommandation (0 à 10)", "Objectif 1 (1 à 5)", "Rencontres"],
                ["Mois", "Reçu le (signées)"]),
}
# Every stored code a spreadsheet cell must never show instead of its label (a status such
# as « actif » is its own label).
CODES = {str(code) for labels in (*CHOICE_LABELS.values(), STATUS_LABELS, PAIR_STATE_LABELS,
                                  CLOSE_REASON_LABELS) for code, label in labels.items()
         if str(code) != str(label)} | {OTHER_SKILL, "mentee", "signe", "signe_non_verifie",
                                         "pseudonyme"}


def _anonymous(text: str, day: str = "2027-03-02") -> dict:
    return {"v": 1, "identity": "anonyme", "role": "mentor", "checkpoint": "3",
            "satisfaction": "4", "progress": 3, "meetings": 2, "what_is_hard": text,
            "created_at": f"{day}T10:15:00+00:00"}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORAT_TIMEZONE", "Europe/Paris")
    repository = Repository(tmp_path / "data")
    yield repository
    repository.close()


@pytest.fixture
def filled(store):
    """Every export holds rows: pairs running and declined, meetings, answers, a formula."""
    people = person_with_everything(store, date(2026, 1, 10))
    store.log_meeting(people["pair"]["id"], people["marc"]["id"], date(2026, 1, 24),
                      duration_minutes=60, format="distance")
    store.enroll({**PERSON, "name": FORMULA, "email": "formule@exemple.fr",
                  "skills_sought": ["Négociation", OTHER_SKILL],
                  "skills_sought_other": "=1+1", "comment": "@SOMME(A1)"},
                 notice_version="2026-12")
    for n in range(3):
        store.feedback.insert(_anonymous(f"groupe {n}"))
    store.feedback.insert({**_anonymous("signé"), "identity": "signe", "name": "Zoé Roy",
                           "email": "zoe@exemple.fr", "created_at": "2027-03-11T10:15:00+00:00"})
    pair = people["pair"]
    store.save_closing({"identity": "signe", "recommend": 9, "progress_1": 4, "meetings": 6,
                        "comment": FORMULA}, pair_id=pair["id"], person_id=pair["mentor_id"],
                       role="mentor")
    store.save_closing({"identity": "pseudonyme", "recommend": 7}, pair_id=pair["id"],
                       person_id=pair["mentee_id"], role="mentore")
    return store


def _sheet(store, what):
    return load_workbook(io.BytesIO(export_body(store, what, "xlsx"))).active


def _column(sheet, header):
    headers = [cell.value for cell in sheet[1]]
    assert header in headers, (header, headers)
    index = headers.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2) if row[index].value is not None]


@pytest.mark.parametrize("what", list(EXPORTS))
def test_numbers_are_numbers_and_dates_are_dates(filled, what):
    sheet = _sheet(filled, what)
    numbers, dates = TYPED[what]
    for header in numbers:
        cells = _column(sheet, header)
        assert cells, header
        for cell in cells:
            assert cell.data_type == "n" and isinstance(cell.value, (int, float)), \
                (header, cell.value)
            assert not isinstance(cell.value, bool)
    for header in dates:
        cells = _column(sheet, header)
        assert cells, header
        for cell in cells:
            assert cell.is_date and isinstance(cell.value, datetime), (header, cell.value)
            assert cell.number_format in DATE_FORMATS, (header, cell.number_format)


@pytest.mark.parametrize("what", list(EXPORTS))
def test_the_header_row_is_bold_frozen_filtered_and_columns_have_widths(filled, what):
    sheet = _sheet(filled, what)
    header = list(sheet[1])
    assert [cell.value for cell in header] == table(filled, what).headers
    assert all(cell.font.b for cell in header)
    assert not any(cell.font.b for row in sheet.iter_rows(min_row=2) for cell in row)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{header[-1].column_letter}{sheet.max_row}"
    for cell in header:
        width = sheet.column_dimensions[cell.column_letter].width
        assert 8 <= width <= 50 and width >= min(len(cell.value), 47), (cell.value, width)


@pytest.mark.parametrize("what", list(EXPORTS))
def test_no_cell_is_a_formula_nor_a_code(filled, what):
    sheet = _sheet(filled, what)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
                assert not set(cell.value.split(" ; ")) & CODES, (cell.coordinate, cell.value)


def test_a_participants_formula_stays_text(filled):
    rows = {row["Adresse e-mail"]: row for row in table(filled, "enrollment").records()}
    assert rows["formule@exemple.fr"]["Compétences recherchées"] == "Négociation ; Autre"
    values = [cell.value for row in _sheet(filled, "enrollment").iter_rows() for cell in row]
    assert "'" + FORMULA in values and "'=1+1" in values and "'@SOMME(A1)" in values
    assert FORMULA not in values


def test_moments_are_the_organisations_wall_clock_in_both_formats(filled):
    feedback = _sheet(filled, "feedback")
    by_text = {row[11].value: row for row in feedback.iter_rows(min_row=2)}
    signed, grouped = by_text["signé"][1], by_text["groupe 0"][1]
    # Stored 10:15 UTC on 11 March 2027: 11:15 in Paris (winter time).
    assert signed.value == datetime(2027, 3, 11, 11, 15)
    assert signed.number_format == "DD/MM/YYYY HH:MM"
    # An anonymous answer keeps its month only, shown as such.
    assert grouped.value == datetime(2027, 3, 1) and grouped.number_format == "MM/YYYY"
    text = export_body(filled, "feedback", "csv")
    assert ";2027-03-11 11:15;" in text and ";2027-03;" in text
    meetings = _sheet(filled, "meetings")
    assert {c.value for c in _column(meetings, "Date")} == {datetime(2026, 1, 10),
                                                             datetime(2026, 1, 24)}
    assert {c.number_format for c in _column(meetings, "Date")} == {"DD/MM/YYYY"}


def test_a_score_sorts_as_a_number(filled):
    scores = [cell.value for cell in _column(_sheet(filled, "pairs"), "Score")]
    assert sorted(scores) == [61, 61, 82.5]
    assert ";82,5;" in export_body(filled, "pairs", "csv")  # the CSV keeps its comma


@pytest.mark.parametrize("what", list(EXPORTS))
def test_an_empty_export_has_its_header_row(store, what):
    headers = table(store, what).headers
    assert headers and all(headers)
    text = export_body(store, what, "csv")
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")) == [headers]
    sheet = _sheet(store, what)
    assert [cell.value for cell in sheet[1]] == headers and sheet.max_row == 1
    assert all(cell.font.b for cell in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet[1][-1].column_letter}1"


@pytest.mark.parametrize("what", list(EXPORTS))
def test_csv_and_xlsx_have_the_same_headers_and_rows(filled, what):
    text = export_body(filled, what, "csv").lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    sheet = _sheet(filled, what)
    assert lines[0] == [cell.value for cell in sheet[1]]
    assert len(lines) == sheet.max_row


@pytest.mark.parametrize("what", list(EXPORTS))
def test_the_command_line_writes_the_same_files(tmp_path, monkeypatch, what):
    """``mentorat export WHAT --format csv|xlsx`` gives the area's files, header row included."""
    from click.testing import CliRunner

    from forms_service.cli import commands as cli

    monkeypatch.setenv("MENTORAT_TIMEZONE", "Europe/Paris")
    monkeypatch.setenv("MENTORAT_DATA_DIR", str(tmp_path / "data"))
    repository = Repository(tmp_path / "data")
    try:
        if what in ("enrollment", "history"):
            person_with_everything(repository, date(2026, 1, 10))
        expected_csv = export_body(repository, what, "csv")
        headers = table(repository, what).headers
    finally:
        repository.close()
    written = CliRunner().invoke(cli.main, ["export", what, "--format", "csv"],
                                 catch_exceptions=False)
    assert written.exit_code == 0 and written.stdout_bytes.decode() == expected_csv
    written = CliRunner().invoke(cli.main, ["export", what, "--format", "xlsx"],
                                 catch_exceptions=False)
    sheet = load_workbook(io.BytesIO(written.stdout_bytes)).active
    assert [cell.value for cell in sheet[1]] == headers and sheet.freeze_panes == "A2"
