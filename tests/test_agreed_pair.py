"""Issue 25: two colleagues who agreed to work together name each other.

When both do (one mentor, one mentee, the same track) and nothing forbids it,
the optimisation pairs them and the worklist marks them; a wish only one of
them wrote is only shown to the coordination; an exclusion still wins; the
colleague named receives no message.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.coordination import login
from support.mail import mail_texts, token_of
from support.people import MENTEE, enroll, enroll_by_post, mentor
from support.service import JSON, repo

from forms_service.matching.explain import NEUTRAL, POSITIVE
from forms_service.matching.suggest import suggest

WEIGHTS = {"competences": 5, "disponibilites": 2, "rythme": 1, "departement": 2, "experience": 1}
AGREED = "Binôme convenu entre eux"


def person(number: int, **fields) -> dict:
    record = {
        "id": number, "name": f"Personne {number}", "email": f"personne.{number}@exemple.fr",
        "department": "Ventes", "site": "Lyon", "job_title": "Chargée de clientèle",
        "experience": "2_5", "languages": ["français"], "manager_email": "", "role": "mentore",
        "track": "classique", "capacity": None, "skills_offered": [],
        "skills_sought": ["Négociation"], "format": "hybride", "rhythm": "bimensuel",
        "availability": ["lundi_matin", "jeudi_apres_midi"], "department_preference": "indifferent",
        "status": "nouveau",
    }
    return {**record, **fields}


def a_mentor(number: int, **fields) -> dict:
    defaults = {"role": "mentor", "capacity": 1, "experience": "10_20",
                "skills_offered": ["Négociation"], "skills_sought": [], "department": "Achats"}
    return person(number, **{**defaults, **fields})


def pool(mentee_wish: str = "", mentor_wish: str = "", **colleague) -> list[dict]:
    """A mentee, a mentor who fits them best, and a colleague who fits them worse."""
    return [
        person(1, agreed_with=mentee_wish),
        a_mentor(10, skills_offered=["Négociation"], availability=["lundi_matin",
                                                                    "jeudi_apres_midi"]),
        a_mentor(11, skills_offered=["Gestion de projet"], availability=["mardi_matin"],
                 rhythm="mensuel", agreed_with=mentor_wish, **colleague),
    ]


def pairs_of(result) -> set[tuple[int, int]]:
    return {(s.mentor["id"], s.mentee["id"]) for s in result.suggestions}


def test_without_any_wish_the_better_mentor_is_proposed():
    assert pairs_of(suggest(pool(), WEIGHTS)) == {(10, 1)}


def test_a_mutual_wish_is_proposed_first_and_marked():
    result = suggest(pool("PERSONNE.11@exemple.fr", "personne.1@exemple.fr"), WEIGHTS)
    [pair] = result.suggestions
    assert (pair.mentor["id"], pair.mentee["id"]) == (11, 1)
    assert pair.agreed and pair.reasons[0] == AGREED and pair.reasons[0].tone == POSITIVE
    assert result.to_json()["pairs"][0]["agreed"] is True


def test_a_mutual_wish_outweighs_the_rest_of_a_larger_pool():
    people = pool("personne.11@exemple.fr", "personne.1@exemple.fr",
                  languages=["français", "anglais"])
    # A second mentee only the colleague can take (a common language): the agreed pair
    # still comes first, and the coordination sees who is left.
    people.append(person(2, languages=["anglais"]))
    assert pairs_of(suggest(people, WEIGHTS)) == {(11, 1)}
    people[0]["agreed_with"] = ""
    assert pairs_of(suggest(people, WEIGHTS)) == {(10, 1), (11, 2)}


def test_a_one_sided_wish_is_only_shown():
    result = suggest(pool(mentee_wish="personne.11@exemple.fr"), WEIGHTS)
    [pair] = result.suggestions
    assert (pair.mentor["id"], pair.mentee["id"]) == (10, 1) and not pair.agreed
    [wish] = [r for r in pair.reasons if "souhaite travailler avec" in r]
    assert wish == "Personne 1 souhaite travailler avec personne.11@exemple.fr"
    assert wish.tone == NEUTRAL and AGREED not in pair.reasons


def test_a_mutual_wish_across_tracks_gets_no_bonus():
    people = pool("personne.11@exemple.fr", "personne.1@exemple.fr", track="inverse")
    assert pairs_of(suggest(people, WEIGHTS)) == {(10, 1)}


@pytest.mark.parametrize("colleague, rejected", [
    ({"languages": ["anglais"]}, ()),                      # no common language
    ({"format": "presentiel", "site": "Paris"}, ()),       # cannot meet
    ({"email": "personne.11@exemple.fr"}, ((11, 1),)),     # rejected by the coordination
    ({"limited_at": "2026-11-01T10:00:00"}, ()),           # limitation (Art. 18)
    ({"status": "retire"}, ()),                             # out of the pool
    ({"pause": True}, ()),                                  # a mentor's pause
])
def test_an_exclusion_still_wins(colleague, rejected):
    people = pool("personne.11@exemple.fr", "personne.1@exemple.fr", **colleague)
    result = suggest(people, WEIGHTS, rejected=rejected)
    assert (11, 1) not in pairs_of(result)


def test_the_manager_exclusion_still_wins():
    people = pool("personne.11@exemple.fr", "personne.1@exemple.fr")
    people[0]["manager_email"] = "personne.11@exemple.fr"
    result = suggest(people, WEIGHTS)
    assert pairs_of(result) == {(10, 1)} and not result.suggestions[0].agreed


# --------------------------------------------------------------------------- the service
def test_the_field_is_stored_case_folded_and_the_colleague_gets_no_message(app, client):
    answers = {**MENTEE, "agreed_with": "Marc.Petit@Exemple.fr"}
    response = client.post("/api/formulaires/enrollment", data=answers, headers=JSON)
    assert response.status_code == 201
    [record] = repo(app).enrollments.all()
    assert record["agreed_with"] == "marc.petit@exemple.fr"
    assert [to for to, _subject, _text in mail_texts(app)] == ["awa.diallo@exemple.fr"]


def test_the_field_stays_optional(app, client):
    response = client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    assert response.status_code == 201


@pytest.mark.parametrize("address, message", [
    ("marc", "Saisissez une adresse électronique valide"),
    ("awa.diallo@exemple.fr", "Indiquez l’adresse de votre collègue, pas la vôtre."),
])
def test_a_bad_address_is_a_french_400(app, client, address, message):
    response = client.post("/api/formulaires/enrollment",
                           data={**MENTEE, "agreed_with": address}, headers=JSON)
    assert response.status_code == 400
    [error] = response.get_json()["errors"]["agreed_with"]
    assert error.startswith(message)
    assert len(repo(app).enrollments) == 0


def test_the_personal_page_corrects_the_field_and_still_sends_the_colleague_nothing(
        app, client, data_dir):
    link = enroll_by_post(client, data_dir)
    assert 'name="agreed_with"' in client.get(link).get_data(as_text=True)
    sent = len(mail_texts(app))
    response = client.post("/api/mon-inscription/corriger", headers=JSON, data={
        **MENTEE, "agreed_with": "Marc.Petit@exemple.fr", "lien": token_of(link)})
    assert response.status_code == 200
    assert repo(app).enrollments.all()[0]["agreed_with"] == "marc.petit@exemple.fr"
    assert all(to != "marc.petit@exemple.fr" for to, _s, _t in mail_texts(app)[sent:])


def test_the_form_offers_the_field_without_autofill(client):
    html = client.get("/formulaires/inscription/").get_data(as_text=True)
    assert 'name="agreed_with"' in html and "ne reçoit aucun message" in html


def test_the_worklist_and_the_match_command_mark_the_agreed_pair(app, client, data_dir,
                                                                 monkeypatch):
    from forms_service.cli import commands as cli

    alice = enroll(app, "Alice Legendre", agreed_with="celine.marin@exemple.fr")
    mentor(app, "Bruno Fort")
    celine = mentor(app, "Céline Marin", agreed_with="alice.legendre@exemple.fr",
                    skills_offered=["Gestion de projet"])
    login(app, client)
    html = client.get("/coordination/appariement/").get_data(as_text=True)
    card = html[html.index(f'id="proposition-{alice["id"]}"'):]
    assert "Céline Marin" in card[:3000] and AGREED in card[:3000]
    repo(app).close()
    monkeypatch.setenv("MENTORAT_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(cli.main, ["match", "--format", "json"], catch_exceptions=False)
    [pair] = json.loads(result.stdout)["pairs"]
    assert pair["mentor"]["id"] == celine["id"] and pair["agreed"] is True
    assert pair["reasons"][0] == AGREED
