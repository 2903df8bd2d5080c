"""The « Bilan » page of the coordination: the round's report, its lessons and decisions."""

from __future__ import annotations

import json

from support.coordination import csrf_token, login
from support.people import enroll
from support.service import repo

PAGE = "/coordination/bilan/"


def test_the_page_shows_the_report_of_the_latest_round_and_keeps_lessons(app, client):
    repo(app).open_cohort("Printemps 2027", by=None)
    for n in range(3):
        enroll(app, f"Personne {n}", cohort="Printemps 2027")
    login(app, client)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Bilan de la session Printemps 2027" in html
    assert "Inscrits et appariés par rôle" in html and 'role="img"' in html
    token = csrf_token(client, PAGE)
    saved = client.post(PAGE + "?session=Printemps 2027", data={
        "csrf_token": token, "lesson_1": "Les mentors veulent un atelier de plus",
        "decision_1": "<b>Deux ateliers</b> avant le premier rendez-vous"},
        follow_redirects=True).get_data(as_text=True)
    assert "Enseignements et décisions enregistrés" in saved
    assert "Les mentors veulent un atelier de plus" in saved
    # Typed by a coordinator, shown as text: never markup.
    assert "&lt;b&gt;Deux ateliers&lt;/b&gt;" in saved and "<b>Deux ateliers" not in saved
    review = repo(app).round_reports.review("Printemps 2027")
    assert review["lessons"][0] == "Les mentors veulent un atelier de plus"
    assert ("bilan_modifie" in {e["action"] for e in repo(app).audit_log.all()})


def test_a_frozen_round_shows_its_snapshot_and_says_since_when(app, client):
    from forms_service.evaluation.report import freeze_rounds

    repo(app).open_cohort("R1", by=None)
    for n in range(3):
        enroll(app, f"Personne {n}", cohort="R1")
    assert freeze_rounds(repo(app), {"R1"}) == 1
    enroll(app, "Arrivée après", cohort="R1")  # the snapshot does not move
    login(app, client)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Chiffres figés le" in html
    assert "<td>3</td>" in html and "<td>4</td>" not in html


def test_a_too_long_lesson_is_refused_in_french_and_nothing_changes(app, client):
    repo(app).open_cohort("R1", by=None)
    login(app, client)
    token = csrf_token(client, PAGE)
    refused = client.post(PAGE, data={"csrf_token": token, "lesson_1": "x" * 301})
    assert refused.status_code == 400
    assert "300 caractères au plus" in refused.get_data(as_text=True)
    assert repo(app).round_reports.review("R1")["updated_at"] is None


def test_downloads_carry_the_same_figures_and_are_audited(app, client):
    repo(app).open_cohort("R1", by=None)
    for n in range(4):
        enroll(app, f"Personne {n}", cohort="R1")
    login(app, client)
    data = json.loads(client.get(PAGE + "bilan.json").data)
    [by_role] = [i for i in data["indicators"] if i["key"] == "par_role"]
    assert {r["label"]: r["values"]["enrolled"] for r in by_role["rows"]}["Ensemble"] == 4
    sheet = client.get(PAGE + "bilan.xlsx")
    assert sheet.status_code == 200 and sheet.data[:2] == b"PK"
    assert client.get(PAGE + "bilan.html").headers["Content-Disposition"].startswith(
        'attachment; filename="bilan-R1.html"')
    assert [e["record"] for e in repo(app).audit_log.all()
            if e["action"] == "bilan_exporte"] == ["json", "xlsx", "html"]


def test_an_unknown_round_is_not_found_and_the_page_needs_a_login(app, client):
    assert client.get(PAGE).status_code in (302, 303)
    login(app, client)
    assert client.get(PAGE + "?session=inconnue").status_code == 404


def test_the_dashboard_shows_the_latest_round_from_the_same_definitions(app, client):
    repo(app).open_cohort("R1", by=None)
    login(app, client)
    html = client.get("/coordination/tableau-de-bord/").get_data(as_text=True)
    assert "La session R1" in html and 'href="/coordination/bilan/?session=R1"' in html
    from forms_service.evaluation.indicators import INDICATORS

    section = html[html.index('id="session"'):html.index('id="inscriptions"')]
    shown = [i for i in INDICATORS if i.title in section]
    assert {i.key for i in shown} == {"par_role", "issue", "objectifs", "recommandation"}
    assert all(i.definition in section for i in shown)


def test_the_guide_describes_each_indicator_as_the_report_computes_it(built_site):
    from forms_service.evaluation.indicators import INDICATORS
    from support.service import plain_spaces

    page = plain_spaces((built_site / "objectifs-et-indicateurs" / "index.html")
                        .read_text(encoding="utf-8"))
    for indicator in INDICATORS:
        for text in (indicator.title, indicator.definition, indicator.caveat):
            assert plain_spaces(str(text)).replace("’", "'") in page.replace("’", "'"), text


def test_a_rounds_accented_name_gives_a_plain_file_name(app, client):
    repo(app).open_cohort("Été 2027", by=None)
    login(app, client)
    sent = client.get(PAGE + "bilan.json?session=Été 2027")
    assert sent.status_code == 200
    assert sent.headers["Content-Disposition"] == 'attachment; filename="bilan-Ete-2027.json"'
