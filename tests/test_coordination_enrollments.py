"""Reviewing enrollments: list, filters, detail, status, notes, cohorts, exports."""

from __future__ import annotations

import csv
import io
import json
from html import unescape

import pytest
from click.testing import CliRunner
from support.coordination import COHORTS, EMAIL, close_enrollment, csrf_token, login
from support.people import MENTEE, MENTOR
from support.service import JSON, plain_spaces, repo

PEOPLE = [
    {**MENTEE},
    {**MENTOR},
    {**MENTEE, "name": "Inès Moreau", "email": "ines.moreau@exemple.fr", "track": "inverse",
     "department": "Finance", "site": "Lyon", "format": "distance"},
    {**MENTOR, "name": "Paul Girard", "email": "paul.girard@exemple.fr", "role": "les_deux",
     "department": "Finance", "site": "Nantes", "format": "presentiel"},
]


def enroll(app, answers, cohort=None) -> dict:
    record, _new = repo(app).enroll(dict(answers), notice_version="2026-12", cohort=cohort)
    return record


@pytest.fixture
def people(app):
    records = [enroll(app, p, cohort="2025-automne" if i < 2 else "2026-printemps")
               for i, p in enumerate(PEOPLE)]
    repo(app).set_enrollment_status(records[1]["id"], "en_attente", by=None)
    return records


@pytest.fixture
def coordinator(app, client):
    login(app, client)
    return repo(app).coordinator_by_email(EMAIL)


def names(client, **query) -> set[str]:
    html = client.get("/coordination/inscriptions/", query_string=query).get_data(as_text=True)
    return {p["name"] for p in PEOPLE if p["name"] in html}


@pytest.mark.parametrize("query, expected", [
    ({}, {"Awa Diallo", "Marc Petit", "Inès Moreau", "Paul Girard"}),
    ({"role": "mentor"}, {"Marc Petit"}),
    ({"role": "les_deux"}, {"Paul Girard"}),
    ({"track": "inverse"}, {"Inès Moreau"}),
    ({"status": "en_attente"}, {"Marc Petit"}),
    ({"status": "nouveau", "department": "Finance"}, {"Inès Moreau", "Paul Girard"}),
    ({"site": "Lyon"}, {"Inès Moreau"}),
    ({"format": "presentiel"}, {"Paul Girard"}),
    ({"cohort": "2025-automne"}, {"Awa Diallo", "Marc Petit"}),
    ({"q": "GIRARD"}, {"Paul Girard"}),
    ({"q": "ines.moreau@"}, {"Inès Moreau"}),
    ({"q": "diallo", "role": "mentor"}, set()),
])
def test_list_filters_and_search(client, people, coordinator, query, expected):
    assert names(client, **query) == expected


def test_list_is_paginated(app, client, coordinator, monkeypatch):
    from forms_service.coordination import enrollments

    monkeypatch.setattr(enrollments, "PAGE_SIZE", 2)
    for person in PEOPLE:
        enroll(app, person)
    first = client.get("/coordination/inscriptions/").get_data(as_text=True)
    second = client.get("/coordination/inscriptions/?page=2").get_data(as_text=True)
    assert "Page 1 sur 2" in first and "Page 2 sur 2" in second
    assert names(client) | names(client, page=2) == {p["name"] for p in PEOPLE}


def test_filter_pure_function():
    from forms_service.coordination.enrollments import filter_enrollments

    records = [{"name": "A", "email": "a@x.fr", "role": "mentor"},
               {"name": "B", "email": "b@x.fr", "role": "mentore"}]
    assert filter_enrollments(records, {"role": "mentor", "unknown": "x"}) == records[:1]
    assert filter_enrollments(records, {}, "B@X") == records[1:]


def test_detail_shows_every_answer_escaped(app, client, coordinator):
    hostile = '<script>alert("x")</script>'
    record = enroll(app, {**MENTEE, "name": "Awa <b>Diallo</b>", "job_title": hostile,
                          "goals": [hostile], "comment": "<img src=x onerror=alert(1)>"})
    html = client.get(f"/coordination/inscriptions/{record['id']}/").get_data(as_text=True)
    assert hostile not in html and "<img src=x" not in html and "<b>Diallo</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    for label in ("Prénom et nom", "Département", "Parcours", "Vos disponibilités habituelles",
                  "Objectif 1"):
        assert label in html
    assert "Mentoré·e" in html and "Lundi matin" in html


def test_detail_of_an_unknown_enrollment_is_404(client, coordinator):
    assert client.get("/coordination/inscriptions/999/").status_code == 404


def change_status(client, record, status):
    path = f"/coordination/inscriptions/{record['id']}/"
    return client.post(path + "statut", data={"statut-csrf_token": csrf_token(client, path),
                                              "statut-status": status})


def test_status_lifecycle_keeps_who_and_when(app, client, people, coordinator):
    record = people[0]
    # Issue 13: « apparié » and « actif » follow a pair; without one they are not offered.
    assert change_status(client, record, "apparie").status_code == 400
    for status in ("en_attente", "nouveau", "en_attente", "retire"):
        response = change_status(client, record, status)
        assert response.status_code == 302, response.get_data(as_text=True)
    stored = repo(app).enrollment(record["id"])
    assert stored["status"] == "retire"
    history = stored["status_history"]
    assert [h["status"] for h in history] == [
        "nouveau", "en_attente", "nouveau", "en_attente", "retire"]
    assert all(h["by"] == coordinator["id"] and h["at"] for h in history[1:])
    html = client.get(f"/coordination/inscriptions/{record['id']}/").get_data(as_text=True)
    assert "retiré" in html and EMAIL in html and "Ce statut est définitif." in html


@pytest.mark.parametrize("start, target", [
    ("nouveau", "clos"), ("nouveau", "actif"), ("nouveau", "inconnu"), ("clos", "nouveau"),
])
def test_status_changes_outside_the_lifecycle_are_refused(app, client, coordinator, start, target):
    record = enroll(app, MENTEE)
    if start != "nouveau":
        repo(app).set_enrollment_status(record["id"], start, by=None, force=True)
    response = change_status(client, record, target)
    assert response.status_code == 400
    assert repo(app).enrollment(record["id"])["status"] == start


@pytest.mark.parametrize("code, label", [
    ("nouveau", "nouveau"), ("en_attente", "en attente"), ("apparie", "apparié"),
    ("actif", "actif"), ("clos", "clos"), ("retire", "retiré"),
])
def test_status_labels(code, label):
    from forms_service.records.repository import ENROLLMENT_STATUSES

    assert ENROLLMENT_STATUSES[code] == label


def test_private_notes_are_kept_escaped_with_their_author(app, client, people, coordinator):
    record = people[0]
    path = f"/coordination/inscriptions/{record['id']}/"
    response = client.post(path + "notes", data={"note-csrf_token": csrf_token(client, path),
                                                 "note-text": "Rappeler <i>lundi</i>"})
    assert response.status_code == 302
    [note] = repo(app).enrollment(record["id"])["notes"]
    assert note["text"] == "Rappeler <i>lundi</i>" and note["by"] == coordinator["id"]
    html = client.get(path).get_data(as_text=True)
    assert "Rappeler &lt;i&gt;lundi&lt;/i&gt;" in html


def test_an_empty_note_is_refused(client, people, coordinator):
    path = f"/coordination/inscriptions/{people[0]['id']}/"
    response = client.post(path + "notes", data={"note-csrf_token": csrf_token(client, path),
                                                 "note-text": "  "})
    assert response.status_code == 400


# -------------------------------------------------------------------------------- cohorts

def open_cohort(client, name):
    return client.post(COHORTS, data={"action": "ouvrir", "ouvrir-name": name,
                                      "ouvrir-csrf_token": csrf_token(client, COHORTS)})


def test_each_enrollment_records_the_open_cohort(app, client, coordinator):
    assert open_cohort(client, "2026-printemps").status_code == 302
    response = client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    assert response.status_code == 201
    [record] = repo(app).enrollments.all()
    assert record["cohort"] == "2026-printemps"


def test_closed_enrollment_says_when_the_next_round_opens(app, client, coordinator):
    open_cohort(client, "2026-printemps")
    assert close_enrollment(client, "2027-01-15").status_code == 302
    message = "La prochaine cohorte ouvrira le 15 janvier 2027."
    page = unescape(client.get("/formulaires/inscription/").get_data(as_text=True))
    assert "Les inscriptions sont closes" in page and message in page
    assert 'action="/api/formulaires/enrollment"' not in page

    response = client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and message in body["errors"]["__form__"][0]

    response = client.post("/api/formulaires/enrollment", data=MENTEE)
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert message in html and 'action="/api/formulaires/enrollment"' not in html
    assert len(repo(app).enrollments) == 0

    assert open_cohort(client, "2027-hiver").status_code == 302
    assert 'action="/api/formulaires/enrollment"' in \
        client.get("/formulaires/inscription/").get_data(as_text=True)
    assert client.post("/api/formulaires/enrollment", data=MENTEE,
                       headers=JSON).status_code == 201
    assert repo(app).enrollments.all()[0]["cohort"] == "2027-hiver"


def test_closing_without_a_date_still_explains(app, client, coordinator):
    close_enrollment(client)
    page = client.get("/formulaires/inscription/").get_data(as_text=True)
    assert "sera annoncée sur ce site" in page
    assert client.get("/formulaires/retour/").status_code == 200  # feedback stays open


@pytest.mark.parametrize("name", ["", "<script>", "a" * 61])
def test_a_bad_cohort_name_is_refused(app, client, coordinator, name):
    assert open_cohort(client, name).status_code == 400
    assert repo(app).cohorts.all() == []


@pytest.mark.parametrize("iso, text", [
    ("2027-01-15", "15 janvier 2027"), ("2026-03-01", "1er mars 2026"),
    ("2026-08-31T10:00:00+00:00", "31 août 2026"), (None, ""),
])
def test_french_dates(iso, text):
    from forms_service.dates import format_date

    assert format_date(iso) == text


# -------------------------------------------------------------------------------- exports

FORMULA = "=cmd|' /C calc'!A0"


def test_csv_export_neutralises_formulas(app, client, coordinator):
    enroll(app, {**MENTEE, "name": FORMULA, "job_title": "+33 6 12", "comment": "@SUM(A1)"})
    response = client.get("/coordination/exports/enrollment.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="inscriptions.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    # Issue 13: French headers in the spreadsheet export.
    assert rows[0]["Nom"] == "'" + FORMULA
    assert rows[0]["Fonction"] == "'+33 6 12" and rows[0]["Commentaire"] == "'@SUM(A1)"


@pytest.mark.parametrize("fmt, parse", [
    ("json", json.loads),
    ("jsonl", lambda text: [json.loads(line) for line in text.splitlines()]),
])
def test_json_exports_hold_the_records_without_private_notes(app, client, people, coordinator,
                                                             fmt, parse):
    repo(app).add_enrollment_note(people[0]["id"], "note privée", by=coordinator["id"])
    response = client.get(f"/coordination/exports/enrollment.{fmt}")
    records = parse(response.get_data(as_text=True))
    assert {r["email"] for r in records} == {p["email"] for p in PEOPLE}
    assert all("notes" not in r for r in records)


def test_exports_page_links_every_download(client, coordinator):
    from forms_service.exports.tables import EXPORTS, FORMATS

    html = client.get("/coordination/exports/").get_data(as_text=True)
    for what in EXPORTS:  # every export declared is listed and served, in every format
        for fmt in FORMATS:
            assert f'href="/coordination/exports/{what}.{fmt}"' in html, (what, fmt)
            assert client.get(f"/coordination/exports/{what}.{fmt}").status_code == 200


def test_feedback_and_pairs_export_even_when_empty(client, coordinator):
    assert client.get("/coordination/exports/feedback.csv").status_code == 200
    assert client.get("/coordination/exports/pairs.json").get_json() == []


def test_cli_export_is_audited_and_shows_progress(app, data_dir, monkeypatch):
    from forms_service.cli import commands as cli

    for person in PEOPLE:
        enroll(app, person)
    repo(app).close()
    monkeypatch.setenv("MENTORAT_DATA_DIR", str(data_dir))
    monkeypatch.setattr(cli, "PROGRESS_FROM", 2)
    result = CliRunner().invoke(cli.main, ["export", "enrollment", "--format", "jsonl"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == len(PEOPLE)
    progress = plain_spaces(result.stderr)
    assert "Export : 2 / 4" in progress and "Export : 4 / 4" in progress
    from forms_service.records.repository import Repository

    with Repository(data_dir).store as store:
        [entry] = store.table("audit").all()
    assert entry["coordinator"] is None and entry["action"] == "export"
    assert entry["record"] == "enrollment.jsonl"


def test_a_closed_round_refuses_before_checking_the_answers(app, client, coordinator):
    close_enrollment(client, "2027-01-15")
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "email": "awa"},
                           headers=JSON)
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["__form__"]


@pytest.mark.parametrize("iso, text", [
    # Stored in UTC, shown in the organisation's zone (Europe/Paris by default: UTC+1 in November).
    ("2026-11-26T05:29:07+00:00", "26 novembre 2026 à 06 h 29"),
    ("2026-11-26T17:05:00", "26 novembre 2026 à 17 h 05"),
    ("", ""), ("n'importe quoi", "n'importe quoi"),
])
def test_french_date_times(iso, text):
    from forms_service.dates import format_datetime

    assert format_datetime(iso) == text


@pytest.mark.parametrize("records", [
    [],
    [{"a": 1}],
    [{"name": "=1+1", "list": ["x", "y"], "nested": {"k": "v\nw"}}, {"other": None, "a": "é"}],
])
@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_streamed_exports_equal_the_whole_ones(records, fmt):
    from forms_service.exports.formats import export, iter_export

    assert "".join(iter_export(records, fmt)) == export(records, fmt)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_cli_export_progress_in_every_format(app, data_dir, monkeypatch, fmt):
    from forms_service.cli import commands as cli

    for person in PEOPLE:
        enroll(app, person)
    repo(app).close()
    monkeypatch.setenv("MENTORAT_DATA_DIR", str(data_dir))
    monkeypatch.setattr(cli, "PROGRESS_FROM", 2)
    result = CliRunner().invoke(cli.main, ["export", "enrollment", "--format", fmt],
                                catch_exceptions=False)
    assert result.exit_code == 0
    progress = [line for line in plain_spaces(result.stderr).splitlines()
                if line.startswith("Export :")]
    assert progress == ["Export : 2 / 4", "Export : 4 / 4"]
    assert "Export" not in result.stdout

