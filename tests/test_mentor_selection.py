"""Mentor selection, when programme.yml asks for it: a mentor joins the pool only once the
coordination recorded the exchange (« retenu ») and the training (a workshop it notes, or
the mentor's own declaration on their page); each step is audited; a mentor not retained
is told kindly; a coordinator may still pair one by hand, after saying so explicitly."""

from __future__ import annotations

import json

import pytest
from support.coordination import csrf_token, login
from support.mail import mail_texts
from support.people import enroll, mentor
from support.service import JSON, ROOT, plain_spaces, repo

from forms_service.mail.links import personal_token
from forms_service.programme import ProgrammeError, load_programme


@pytest.fixture
def selective(tmp_path, make_app, monkeypatch):
    """An application whose programme asks for the exchange and the training."""
    path = tmp_path / "programme.yml"
    path.write_text((ROOT / "programme.yml").read_text(encoding="utf-8").replace(
        "  entretien_mentors: non\n  formation_requise: non",
        "  entretien_mentors: oui\n  formation_requise: oui"), encoding="utf-8")
    monkeypatch.setenv("MENTORAT_PROGRAMME", str(path))  # for `mentorat match`
    app = make_app(programme=path)
    assert app.config["PROGRAMME"].selection == {"entretien_mentors": True,
                                                 "formation_requise": True}
    return app


def proposed(cli) -> set[tuple[int, int]]:
    result = cli("match", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    return {(p["mentor"]["id"], p["mentee"]["id"]) for p in found["pairs"]}


def record_step(client, doc_id: int, step: str, **extra):
    return client.post(f"/coordination/inscriptions/{doc_id}/selection", data={
        "csrf_token": csrf_token(client, f"/coordination/inscriptions/{doc_id}/"),
        "etape": step, **extra})


def audited(app, doc_id: int) -> list[str]:
    return [e["action"] for e in repo(app).audit_log.all() if e.get("record") == doc_id]


def test_a_mentor_is_proposed_only_once_retained_and_trained(selective, cli):
    app, client = selective, selective.test_client()
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    assert proposed(cli) == set()
    login(app, client)
    listed = plain_spaces(client.get("/coordination/inscriptions/").get_data(as_text=True))
    assert "1 mentor : entretien à faire" in listed and "1 mentor : formation à noter" in listed
    assert record_step(client, marc["id"], "entretien", le="2027-01-12").status_code == 302
    assert proposed(cli) == set()  # retained, not trained yet
    assert record_step(client, marc["id"], "formation").status_code == 302
    assert proposed(cli) == {(marc["id"], awa["id"])}
    page = client.get(f"/coordination/inscriptions/{marc['id']}/").get_data(as_text=True)
    assert "Sélection terminée" in page and "12 janvier 2027" in page
    assert {"selection_entretien", "selection_formation"} <= set(audited(app, marc["id"]))


def test_the_mentor_may_declare_the_training_on_their_page(selective, cli):
    app, client = selective, selective.test_client()
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    repo(app).pass_selection_step(marc["id"], "entretien", by=1)
    token = personal_token(app.secret_key, marc)
    page = client.get(f"/formulaires/mon-inscription/?lien={token}").get_data(as_text=True)
    assert "Votre formation de mentor" in page and "/guides/ecoute-active/" in page
    done = client.post("/api/mon-inscription/formation", data={"lien": token},
                       headers={"Origin": "http://localhost"})
    assert done.status_code == 303, done.get_data(as_text=True)
    assert proposed(cli) == {(marc["id"], awa["id"])}
    assert "selection_formation_declaree" in audited(app, marc["id"])
    again = client.post("/api/mon-inscription/formation", data={"lien": token}, headers=JSON)
    assert again.status_code == 409  # nothing more is expected of them


def test_a_mentor_not_retained_is_closed_and_told_kindly(selective):
    app, client = selective, selective.test_client()
    marc = mentor(app, "Marc Petit")
    login(app, client)
    assert record_step(client, marc["id"], "refus").status_code == 400  # not confirmed
    assert record_step(client, marc["id"], "refus", confirme="oui").status_code == 302
    assert repo(app).enrollment(marc["id"])["status"] == "clos"
    [(to, subject, body)] = [m for m in mail_texts(app) if m[1] == "Votre inscription comme mentor"]
    assert to == marc["email"] and "pas à votre valeur" in body
    assert "selection_non_retenu" in audited(app, marc["id"])


def test_a_coordinator_pairs_an_unselected_mentor_only_by_saying_so(selective):
    app, client = selective, selective.test_client()
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    login(app, client)
    chooser = client.get(f"/coordination/appariement/choisir/{awa['id']}/").get_data(
        as_text=True)
    assert "Mentors dont la sélection n’est pas terminée" in chooser and "Marc Petit" in chooser
    posted = {"csrf_token": csrf_token(client, "/coordination/appariement/"),
              "mentor_id": marc["id"], "mentee_id": awa["id"]}
    refused = client.post("/coordination/appariement/confirmer", headers=JSON, data=posted)
    assert refused.status_code == 409 and "sélection" in refused.get_json()["message"]
    assert repo(app).all_pairs() == []
    done = client.post("/coordination/appariement/confirmer", headers=JSON,
                       data={**posted, "hors_selection": "oui"})
    assert done.status_code == 200, done.get_data(as_text=True)
    [pair] = repo(app).all_pairs()
    assert "appariement_hors_selection" in audited(app, pair["id"])


def test_the_shipped_programme_selects_nobody_and_a_wrong_value_is_said_in_french(tmp_path):
    shipped = load_programme(ROOT / "programme.yml")
    assert shipped.selection == {"entretien_mentors": False, "formation_requise": False}
    path = tmp_path / "programme.yml"
    path.write_text((ROOT / "programme.yml").read_text(encoding="utf-8").replace(
        "entretien_mentors: non", "entretien_mentors: peut-être"), encoding="utf-8")
    with pytest.raises(ProgrammeError) as error:
        load_programme(path)
    line = path.read_text(encoding="utf-8").splitlines().index("  entretien_mentors: peut-être")
    assert f"ligne {line + 1} : « selection.entretien_mentors » : écrivez « oui » ou « non »." \
        in plain_spaces(str(error.value))
