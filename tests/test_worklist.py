"""Issue 13: a coordinator runs a large round comfortably and safely.

Repeats of earlier pairs are never proposed silently, negative reasons never
reach a participant, the manual choice lists only compatible mentors by
score, two coordinators cannot act twice on one suggestion, every decision
is audited, and the spreadsheet exports read back as a French spreadsheet
expects.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from click.testing import CliRunner
from support.coordination import csrf_token, login
from support.mail import queued_mail as queued
from support.mail import text_of
from support.people import enroll, mentor
from support.service import repo


def outbox_messages(app) -> list:
    """The introductions waiting in the queue (enrolling queues confirmations too)."""
    return [m for m in queued(app) if m["Subject"] == "Votre binôme de mentorat"]

from forms_service.matching.explain import NEGATIVE, POSITIVE
from forms_service.matching.suggest import candidates, french_key, suggest, why_not
from forms_service.records.checkpoints import checkpoint_schedule

WEIGHTS = {"competences": 5, "disponibilites": 2, "rythme": 1, "departement": 2, "experience": 1}
PAGE = "/coordination/appariement/"


def post(client, path: str, page: str = PAGE, json_answer: bool = False, **data):
    headers = {"Accept": "application/json"} if json_answer else {}
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data},
                       headers=headers)


def close(app, pair, reason="Changement de poste du mentoré"):
    return repo(app).close_pair(pair["id"], reason=reason, by=None, mentor_status="en_attente",
                                mentee_status="en_attente")


def confirm_pair(app, mentor_record, mentee_record):
    return repo(app).confirm_pair(mentor_record["id"], mentee_record["id"], by=None, score=90,
                                  reasons=["r"], checkpoints=checkpoint_schedule(
                                      date(2026, 1, 10), (1, 3)))


# --------------------------------------------------------------------------- repeats

def test_a_closed_pair_is_not_proposed_again_unless_asked_and_then_shows_its_history(app, client):
    alice, celine = enroll(app, "Alice Legendre"), mentor(app, "Céline Marin")
    close(app, confirm_pair(app, celine, alice))
    pool, load = repo(app).matching_pool(selection=None)
    history = repo(app).pair_history()
    silent = suggest(pool, WEIGHTS, existing_load=load, history=history)
    assert silent.suggestions == []
    [left] = [u for u in silent.unmatched if u.role == "mentore"]
    assert left.constraint == "deja" and "déjà formé un binôme" in left.reasons[0]
    asked = suggest(pool, WEIGHTS, existing_load=load, history=history, include_repeats=True)
    [again] = asked.suggestions
    assert again.history[0]["kind"] == "clos"
    assert again.history[0]["reason"] == "Changement de poste du mentoré"
    login(app, client)
    html = client.get(PAGE).get_data(as_text=True)
    assert 'id="proposition-' not in html
    html = client.get(PAGE + "?repetitions=1").get_data(as_text=True)
    assert f'id="proposition-{alice["id"]}"' in html and "Déjà formé auparavant" in html


def test_match_command_includes_repeats_only_when_asked(app, data_dir, monkeypatch):
    from forms_service.cli import commands as cli

    alice, celine = enroll(app, "Alice Legendre"), mentor(app, "Céline Marin")
    close(app, confirm_pair(app, celine, alice))
    repo(app).close()
    monkeypatch.setenv("MENTORAT_DATA_DIR", str(data_dir))
    plain = json.loads(CliRunner().invoke(cli.main, ["match"], catch_exceptions=False).stdout)
    assert plain["pairs"] == []
    assert plain["report"]["unmatched_by_constraint"]["deja"]["mentees"] == [alice["id"]]
    result = CliRunner().invoke(cli.main, ["match", "--include-repeats"], catch_exceptions=False)
    [pair] = json.loads(result.stdout)["pairs"]
    assert pair["mentee"]["id"] == alice["id"] and pair["history"][0]["kind"] == "clos"


def test_the_report_counts_scores_constraints_and_groups():
    people = [
        {"id": 1, "name": "M", "role": "mentor", "status": "nouveau", **_base(), "capacity": 1,
         "email": "m@exemple.fr"},
        {"id": 2, "name": "A", "role": "mentore", "status": "nouveau", **_base(),
         "email": "a@exemple.fr"},
        {"id": 3, "name": "B", "role": "mentore", "status": "nouveau",
         **_base(languages=["arabe"]), "email": "b@exemple.fr"},
    ]
    report = suggest(people, WEIGHTS).to_json()["report"]
    assert sum(report["scores"]["bands"].values()) == 1 == report["pairs"]
    assert report["unmatched_by_constraint"]["langue"]["mentees"] == [3]
    assert report["by_site"]["Paris"] == {"pairs": 1, "unmatched_mentees": 1,
                                          "unmatched_mentors": 0}
    assert set(report["by_track"]) == {"classique"} and "by_cohort" in report


def _base(**fields):
    return {"email": f"x{id(fields)}@exemple.fr", "department": "Ventes", "site": "Paris",
            "experience": "10_20", "languages": ["français"], "manager_email": "",
            "track": "classique", "skills_offered": ["Négociation"], "skills_sought": [],
            "format": "distance", "rhythm": "mensuel", "availability": ["lundi_matin"],
            "department_preference": "indifferent", **fields}


# ----------------------------------------------------------------------- reasons and e-mail

def test_negative_reasons_are_flagged_and_never_reach_an_email(app, client):
    awa = enroll(app, "Awa Diallo", availability=["lundi_matin"], rhythm="hebdomadaire",
                 skills_sought=["Gestion de projet"])
    marc = mentor(app, "Marc Petit", availability=["vendredi_apres_midi"], rhythm="mensuel",
                  skills_offered=["Négociation"])
    login(app, client)
    html = client.get(PAGE).get_data(as_text=True)
    assert "À vérifier" in html and "aucune demi-journée commune" in html
    post(client, "/coordination/appariement/confirmer", mentor_id=marc["id"], mentee_id=awa["id"])
    [pair] = repo(app).all_pairs()
    assert "aucune demi-journée commune" in pair["reasons"]
    negatives = ["aucune demi-journée commune", "rythmes éloignés", "aucune compétence"]
    mails = outbox_messages(app)
    assert len(mails) == 2
    for message in mails:
        body = text_of(message)
        assert "langue commune" in body
        assert not any(word in body for word in negatives), body
    assert pair["positive_reasons"] and all(
        not any(word in reason for word in negatives) for reason in pair["positive_reasons"])


@pytest.mark.parametrize("mentee_fields, reason_start, tone", [
    ({"availability": ["vendredi_matin"]}, "aucune demi-journée commune", NEGATIVE),
    ({"rhythm": "hebdomadaire"}, "rythmes éloignés", NEGATIVE),
    ({"skills_sought": ["Gestion de projet"]}, "aucune compétence recherchée n’est", NEGATIVE),
    ({}, "langue commune", POSITIVE),
])
def test_each_reason_knows_its_tone(mentee_fields, reason_start, tone):
    from forms_service.matching.suggest import score_pair

    mentee = {"id": 2, "role": "mentore", **_base(**mentee_fields)}
    mentee["email"] = "mentee@exemple.fr"
    _score, reasons = score_pair({"id": 1, "role": "mentor", **_base()}, mentee, WEIGHTS)
    [reason] = [r for r in reasons if r.startswith(reason_start)]
    assert reason.tone == tone


# ----------------------------------------------------------------------- manual choice

def test_the_manual_list_holds_only_compatible_mentors_sorted_by_score_then_name(app, client):
    awa = enroll(app, "Awa Diallo", skills_sought=["Gestion de projet"])
    best = mentor(app, "Zoé Leroy", skills_offered=["Gestion de projet"])
    same_a = mentor(app, "Élise Aubert")
    same_b = mentor(app, "Bruno Carré")
    far = mentor(app, "Paul Noir", format="presentiel", site="Lyon")
    other_track = mentor(app, "Jean Gris", track="inverse")
    full = mentor(app, "Nina Blanc")
    earlier = confirm_pair(app, full, enroll(app, "Léo Roy"))
    pool, load = repo(app).matching_pool(selection=None)
    mentors = [p for p in pool if p["role"] == "mentor"]
    free = {m["id"]: (m.get("capacity") or 1) - load.get(m["id"], 0) for m in mentors}
    listed = candidates(repo(app).enrollment(awa["id"]), mentors, WEIGHTS, free=free)
    names = [m["name"] for m, _score, _reasons in listed]
    scores = [score for _m, score, _reasons in listed]
    assert names[0] == "Zoé Leroy" and scores == sorted(scores, reverse=True)
    # Equal scores: French order, the accented « Élise » before « Bruno »? No: É sorts as E.
    assert names[1:] == sorted(names[1:], key=french_key) == ["Bruno Carré", "Élise Aubert"]
    assert not {far["name"], other_track["name"], full["name"]} & set(names)
    login(app, client)
    page = client.get(f"/coordination/appariement/choisir/{awa['id']}/").get_data(as_text=True)
    assert page.index("Zoé Leroy") < page.index("Bruno Carré") < page.index("Élise Aubert")
    assert "Paul Noir" not in page and "/100" in page
    # A pick is shown for confirmation; nothing is stored or mailed before it is confirmed.
    queued_before = len(outbox_messages(app))  # the earlier pair's introductions
    picked = client.get(f"/coordination/appariement/choisir/{awa['id']}/"
                        f"?mentor_id={same_b['id']}").get_data(as_text=True)
    assert "À confirmer" in picked and "Confirmer ce binôme" in picked
    assert repo(app).all_pairs() == [earlier] and len(outbox_messages(app)) == queued_before
    post(client, "/coordination/appariement/confirmer", mentor_id=same_b["id"],
         mentee_id=awa["id"], remplace="1")
    pair = repo(app).active_pair_of(awa["id"])
    assert pair["mentor_id"] == same_b["id"]
    assert same_a and best


@pytest.mark.parametrize("fields, words", [
    ({"format": "presentiel", "site": "Lyon"}, ["formats incompatibles", "Lyon"]),
    ({"track": "inverse"}, ["mentorat inversé", "mentorat classique"]),
    ({"languages": ["allemand"]}, ["aucune langue commune", "allemand"]),
    ({"email": "chef@exemple.fr"}, ["lien hiérarchique"]),
])
def test_a_refused_pick_names_the_constraint_this_mentor_fails(app, client, fields, words):
    awa = enroll(app, "Awa Diallo", manager_email="chef@exemple.fr")
    mentor(app, "Marc Petit")  # a compatible mentor exists
    wrong = mentor(app, "Paul Noir", **fields)
    assert all(word in why_not(wrong, awa) for word in words)
    login(app, client)
    post(client, "/coordination/appariement/confirmer", mentor_id=wrong["id"],
         mentee_id=awa["id"])
    html = client.get(PAGE).get_data(as_text=True)
    assert "Binôme impossible" in html and "Paul Noir" in html
    assert 'role="alert"' in html and all(word in html for word in words)
    assert repo(app).all_pairs() == []


# ----------------------------------------------------------------------- in place, déjà traité

def test_an_action_answers_json_for_fetch_and_returns_to_the_row_without(app, client):
    awa, zoe = enroll(app, "Awa Diallo"), enroll(app, "Zoé Martin")
    marc, lea = mentor(app, "Marc Petit"), mentor(app, "Léa Roux")
    login(app, client)
    html = client.get(PAGE).get_data(as_text=True)
    first, second = re.findall(r'id="proposition-(\d+)"', html)
    pairs = {s.mentee["id"]: s.mentor["id"]
             for s in suggest(repo(app).matching_pool(selection=None)[0], WEIGHTS).suggestions}
    answer = post(client, "/coordination/appariement/confirmer", json_answer=True,
                  mentor_id=pairs[int(first)], mentee_id=first)
    assert answer.status_code == 200 and answer.get_json()["ok"]
    assert "en attente d’envoi" in answer.get_json()["message"]
    back = post(client, "/coordination/appariement/refuser", mentor_id=pairs[int(second)],
                mentee_id=second, retour=PAGE + "?page=1", suite=second)
    assert back.status_code == 302
    assert back.location.endswith(f"?page=1&apres={second}#proposition-{second}")
    assert {awa["id"], zoe["id"]} == {int(first), int(second)} and marc and lea


def test_a_second_coordinator_gets_deja_traite_and_no_second_pair_or_email(app, client):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    login(app, client)
    first = post(client, "/coordination/appariement/confirmer", json_answer=True,
                 mentor_id=marc["id"], mentee_id=awa["id"])
    second = post(client, "/coordination/appariement/confirmer", json_answer=True,
                  mentor_id=marc["id"], mentee_id=awa["id"])
    assert first.get_json()["ok"] and not second.get_json()["ok"]
    assert second.get_json()["message"].startswith("Déjà traité") and second.get_json()["done"]
    rejected = post(client, "/coordination/appariement/refuser", json_answer=True,
                    mentor_id=marc["id"], mentee_id=awa["id"])
    assert rejected.get_json()["message"].startswith("Déjà traité")
    assert len(repo(app).all_pairs()) == 1 and len(outbox_messages(app)) == 2


def test_a_locked_pair_is_kept_by_later_runs_and_cleared_when_confirmed(app, client):
    awa = enroll(app, "Awa Diallo", skills_sought=["Gestion de projet"])
    mentor(app, "Marc Petit", skills_offered=["Gestion de projet"])
    lea = mentor(app, "Léa Roux")
    login(app, client)
    post(client, "/coordination/appariement/verrouiller", mentor_id=lea["id"],
         mentee_id=awa["id"])
    assert repo(app).locked_pairs() == [(lea["id"], awa["id"])]
    pool, load = repo(app).matching_pool(selection=None)
    [kept] = [s for s in suggest(pool, WEIGHTS, locked=repo(app).locked_pairs()).suggestions]
    assert kept.mentor["id"] == lea["id"] and kept.locked
    post(client, "/coordination/appariement/confirmer", mentor_id=lea["id"], mentee_id=awa["id"])
    assert repo(app).locked_pairs() == []


# ----------------------------------------------------------------------- lifecycle

def test_a_confirmed_pair_becomes_actif_with_its_first_feedback(app):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    pair = confirm_pair(app, marc, awa)
    assert repo(app).enrollment(awa["id"])["status"] == "apparie"
    assert repo(app).mark_answered(pair["id"], 1, awa["id"], 1)
    assert {repo(app).enrollment(i)["status"] for i in (awa["id"], marc["id"])} == {"actif"}


def test_the_person_page_names_the_partner_and_offers_only_sensible_statuses(app, client):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    alone = enroll(app, "Zoé Martin")
    confirm_pair(app, marc, awa)
    login(app, client)
    html = client.get(f"/coordination/inscriptions/{awa['id']}/").get_data(as_text=True)
    assert "Marc Petit" in html and "/coordination/suivi/binomes/" in html
    lonely = client.get(f"/coordination/inscriptions/{alone['id']}/").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="(\w+)"', lonely)
    assert "apparie" not in options and "en_attente" in options
    found = client.get("/coordination/inscriptions/?q=" + awa["reference"]).get_data(as_text=True)
    assert "Awa Diallo" in found and "Zoé Martin" not in found


# ----------------------------------------------------------------------- audit

def test_every_decision_and_view_writes_an_audit_entry(app, client):
    awa, zoe = enroll(app, "Awa Diallo"), enroll(app, "Zoé Martin")
    marc, lea = mentor(app, "Marc Petit"), mentor(app, "Léa Roux")
    login(app, client)
    who = repo(app).coordinator_by_email("coord@exemple.fr")["id"]
    post(client, "/coordination/appariement/refuser", mentor_id=lea["id"], mentee_id=zoe["id"])
    post(client, "/coordination/appariement/confirmer", mentor_id=marc["id"],
         mentee_id=awa["id"], remplace="1")
    [pair] = repo(app).all_pairs()
    page = f"/coordination/suivi/binomes/{pair['id']}/"
    client.get(page)
    record, _new = repo(app).add_feedback({
        "checkpoint": "1", "role": "mentor", "satisfaction": 1, "progress": 1, "meetings": 1,
        "identity": "signe", "name": "Marc Petit", "email": "marc.petit@exemple.fr",
        "contact_requested": True, "pair_id": pair["id"]}, submission_key="k")
    client.post(f"/coordination/suivi/retours/{record['id']}/traite",
                data={"csrf_token": csrf_token(client, "/coordination/suivi/")})
    client.post(page + "clore", data={"csrf_token": csrf_token(client, page), "reason": "fin",
                                      "end_category": "terme", "mentor_status": "en_attente",
                                      "mentee_status": "clos",
                                      "confirme": "1"})
    path = f"/coordination/inscriptions/{zoe['id']}/"
    client.post(path + "statut", data={"statut-csrf_token": csrf_token(client, path),
                                       "statut-status": "en_attente"})
    client.get("/coordination/exports/pairs.csv")
    entries = {(e["coordinator"], e["action"], e["record"]) for e in repo(app).audit_log.all()}
    for action, target in (("binome_ecarte", zoe["id"]), ("binome_confirme", pair["id"]),
                           ("binome_remplace", pair["id"]), ("binome_consulte", pair["id"]),
                           ("retour_traite", record["id"]), ("binome_clos", pair["id"]),
                           ("statut", zoe["id"]), ("consultation", zoe["id"]),
                           ("export", "pairs.csv")):
        assert (who, action, target) in entries, action
    html = client.get("/coordination/journal/").get_data(as_text=True)
    assert "binôme confirmé" in html and "binôme clos" in html and "retour traité" in html


def test_cohort_rows_of_the_audit_show_the_cohort_name(app, client):
    login(app, client)
    repo(app).open_cohort("Printemps 2027", by=None)
    cohort = repo(app).cohorts.all()[-1]
    repo(app).audit(None, "ouverture_inscriptions", cohort["id"])
    html = client.get("/coordination/journal/").get_data(as_text=True)
    assert re.search(r"cohorte «\s?Printemps 2027\s?»", html.replace("\u202f", " ")
                     .replace("\u00a0", " "))


# ----------------------------------------------------------------------- exports

@pytest.fixture
def round_with_pairs(app):
    awa = enroll(app, "Awa Diallo", goals=["Prendre la parole", "Déléguer, vraiment"])
    marc = mentor(app, "Marc Petit")
    pair = repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=87.5,
                                  reasons=["langue commune : français", "même format, site"],
                                  checkpoints=checkpoint_schedule(date(2026, 1, 10), (1, 3)))
    repo(app).mark_answered(pair["id"], 1, awa["id"], 1)
    return pair


def _cells(rows):
    return [cell for row in rows for cell in row]


@pytest.mark.parametrize("what", ["enrollment", "feedback", "pairs", "history", "checkpoints"])
def test_csv_exports_read_back_as_a_french_spreadsheet_expects(app, client, round_with_pairs,
                                                               what):
    login(app, client)
    response = client.get(f"/coordination/exports/{what}.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert all(not re.fullmatch(r"[a-z_]+", cell) for cell in header), header
    for cell in _cells(body):
        assert not cell.startswith(("{", "[")), cell
        assert not re.fullmatch(r"-?\d+\.\d+", cell), cell
    if what == "pairs":
        [row] = [dict(zip(header, line, strict=True)) for line in body]
        assert row["Mentor"] == "Marc Petit" and row["Adresse du mentoré"] == "awa.diallo@exemple.fr"
        assert row["Score"] == "87,5" and row["Confirmé par"] == "inscription ou système"
        assert row["Raisons"] == "langue commune : français ; même format, site"
    if what == "enrollment":
        rows_by_name = {line[header.index("Nom")]: dict(zip(header, line, strict=True))
                        for line in body}
        awa = rows_by_name["Awa Diallo"]
        assert awa["Objectifs"] == "Prendre la parole ; Déléguer, vraiment"
        assert rows_by_name["Marc Petit"]["Expérience"] == "De 10 à 20 ans"
        assert awa["Statut"] in ("apparié", "actif")
    if what == "history":
        assert {"Statut", "Le", "Par"} <= set(header) and len(body) >= 4


def test_xlsx_export_types_its_cells_and_keeps_formulas_as_text(app, client, round_with_pairs):
    from openpyxl import load_workbook

    enroll(app, "=HYPERLINK(\"x\")", email="formule@exemple.fr")
    login(app, client)
    response = client.get("/coordination/exports/enrollment.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[cell for cell in row] for row in sheet.iter_rows()]
    assert values[0][0].value == "Référence"
    for cell in _cells(values):
        assert cell.data_type != "f", cell.value
        assert not str(cell.value or "").startswith(("=", "{", "[")), cell.value
    assert any(str(cell.value).startswith("'=HYPERLINK") for cell in _cells(values))
    pairs = load_workbook(io.BytesIO(client.get("/coordination/exports/pairs.xlsx")
                                     .get_data())).active
    header = [c.value for c in next(pairs.iter_rows())]
    row = [c.value for c in list(pairs.iter_rows())[1]]
    assert row[header.index("Score")] == 87.5  # a number: it sorts and averages as one


def test_json_exports_keep_codes_for_scripts(app, client, round_with_pairs):
    login(app, client)
    records = client.get("/coordination/exports/enrollment.json").get_json()
    assert {r["experience"] for r in records} >= {"10_20"}
    events = client.get("/coordination/exports/history.json").get_json()
    assert {"enrollment_id", "status", "at"} <= set(events[0])
    checkpoints = client.get("/coordination/exports/checkpoints.json").get_json()
    assert checkpoints[0]["pair_id"] == round_with_pairs["id"]


def test_cli_exports_history_and_checkpoints_and_xlsx(app, data_dir, monkeypatch,
                                                      round_with_pairs):
    from forms_service.cli import commands as cli

    repo(app).close()
    monkeypatch.setenv("MENTORAT_DATA_DIR", str(data_dir))
    for what in ("history", "checkpoints"):
        result = CliRunner().invoke(cli.main, ["export", what], catch_exceptions=False)
        assert result.exit_code == 0 and ";" in result.stdout.splitlines()[0]
    result = CliRunner().invoke(cli.main, ["export", "pairs", "--format", "xlsx"],
                                catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"PK")


@pytest.mark.parametrize("path, data", [
    ("/coordination/appariement/confirmer", {"mentor_id": "0", "mentee_id": "-1"}),
    ("/coordination/appariement/refuser", {"mentor_id": "0", "mentee_id": "1"}),
    ("/coordination/appariement/verrouiller", {"mentor_id": "x", "mentee_id": "1"}),
])
def test_broken_ids_get_a_message_not_an_error(app, client, path, data):
    enroll(app, "Awa Diallo")
    login(app, client)
    answer = post(client, path, json_answer=True, **data)
    assert answer.status_code == 409 and not answer.get_json()["ok"]
    page = client.get("/coordination/appariement/choisir/1/?mentor_id=0")
    assert page.status_code == 200 and 'role="alert"' in page.get_data(as_text=True)
