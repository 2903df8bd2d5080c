"""Participants' rights (issue 22): one pool rule, everything held shown and downloadable,
a limitation that takes the person out of matching and reminders, correction at any status."""

from __future__ import annotations

import html as htmllib
import json
from datetime import date

import pytest
from support.coordination import login
from support.mail import queued_mail
from support.people import HELD, person_with_everything
from support.service import JSON, SECRET, plain_spaces, repo

from forms_service.eligibility import may_be_proposed, open_roles
from forms_service.mail.links import personal_token
from forms_service.records.checkpoints import send_reminders

TODAY = date(2026, 3, 2)

# ------------------------------------------------------------------------ the pool's rule


@pytest.mark.parametrize("person, as_mentor, as_mentee", [
    ({"status": "nouveau", "role": "mentore"}, False, True),
    ({"status": "en_attente", "role": "mentor"}, True, False),
    ({"status": "en_attente", "role": "les_deux"}, True, True),
    ({"status": "en_attente", "role": "mentor", "pause": True}, False, False),
    ({"status": "en_attente", "role": "les_deux", "pause": True}, False, True),
    ({"status": "en_attente", "role": "mentor", "pause": True, "reprise_le": "2026-03-01"},
     True, False),
    ({"status": "en_attente", "role": "les_deux", "limited_at": "2026-02-01T10:00:00+00:00"},
     False, False),
    ({"status": "apparie", "role": "mentor", "capacity": 2}, True, False),
    ({"status": "actif", "role": "mentor", "capacity": 1}, False, False),  # its place is taken
    ({"status": "actif", "role": "mentore"}, False, False),  # has a mentor
    ({"status": "clos", "role": "mentore"}, False, False),
    ({"status": "retire", "role": "mentor"}, False, False),
])
def test_one_rule_says_who_may_be_proposed(person, as_mentor, as_mentee):
    person = {"id": 7, **person}
    busy = person["status"] in ("apparie", "actif")
    load, has_mentor = ({7: 1}, {7}) if busy else ({}, set())
    assert open_roles(person, load, has_mentor, TODAY) == (as_mentor, as_mentee)
    if not busy:
        assert may_be_proposed(person, TODAY) is (as_mentor or as_mentee)


def test_the_matching_skips_a_limited_person_whoever_hands_it_over():
    from forms_service.matching.suggest import suggest

    mentor = {"id": 1, "status": "en_attente", "role": "mentor", "capacity": 1,
              "limited_at": "2026-02-01T10:00:00+00:00"}
    result = suggest([mentor], {})
    assert result.suggestions == [] and result.unmatched == []


# ------------------------------------------------------------------------ what is held


@pytest.fixture
def everything(app):
    return person_with_everything(repo(app), TODAY)


def _link(record) -> str:
    return personal_token(SECRET, record)


def test_the_json_download_holds_each_category_and_never_the_partners_reason(client, everything):
    awa = everything["awa"]
    answer = client.get(f"/formulaires/mon-inscription/donnees.json?lien={_link(awa)}")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"] == \
        f'attachment; filename="mes-donnees-{awa["reference"]}.json"'
    assert answer.headers["Cache-Control"] == "no-store"
    held = json.loads(answer.get_data(as_text=True))
    assert held["inscription"]["email"] == "awa@exemple.fr"
    assert held["inscription"]["comment"] == HELD["comment"]
    assert [h["etat"] for h in held["historique_etat"]][:3] == ["nouveau", "apparie",
                                                                 "en_attente"]
    assert held["notes_coordination"][0]["texte"] == HELD["note"]
    pairs = {p["binome"]: p for p in held["binomes"]}
    assert set(pairs) == {"Paul Durand", "Léo Blanc", "Marc Petit"}
    marc = pairs["Marc Petit"]
    assert marc["score"] == 82.5 and marc["raisons"] == [HELD["reason"]]
    assert [m["duree_minutes"] for m in marc["rencontres"]] == [45]
    assert pairs["Paul Durand"]["refus_motif"] == HELD["own_reason"]
    assert "refus_motif" not in pairs["Léo Blanc"]
    assert HELD["partner_reason"] not in answer.get_data(as_text=True)
    [feedback] = held["retours"]
    assert feedback["what_works"] == HELD["works"]
    assert feedback["binome_id"] == everything["pair"]["id"]
    assert "marc@exemple.fr" not in answer.get_data(as_text=True)
    assert [e["action"] for e in repo(client.application).audit_log.all()] == ["copie_participant"]


def test_the_page_shows_each_category_escaped(client, everything):
    page = client.get(f"/formulaires/mon-inscription/?lien={_link(everything['awa'])}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for shown in ("Marc Petit", "82.5", HELD["reason"], HELD["own_reason"], HELD["note"],
                  "45 min", "Télécharger mes données (JSON)", "Vos retours signés",
                  "1 mois", "Mentoré·e"):
        assert shown in htmllib.unescape(text), shown
    assert HELD["partner_reason"] not in text
    assert "<script>alert(1)</script>" not in text and "<b>Des échanges</b>" not in text
    assert "&lt;b&gt;Des échanges&lt;/b&gt;" in text


@pytest.mark.parametrize("query", ["", "?lien=", "?lien=faux", "?lien=" + "x" * 2000])
def test_the_download_needs_the_personal_link(client, everything, query):
    answer = client.get("/formulaires/mon-inscription/donnees.json" + query)
    assert answer.status_code == 404
    assert "aucune inscription" in answer.get_data(as_text=True)


# ------------------------------------------------------------------------ limitation


def _limit(client, record, value="oui"):
    return client.post("/api/mon-inscription/limiter", data={"lien": _link(record),
                                                            "limiter": value}, headers=JSON)


def test_a_limitation_takes_the_person_out_of_the_pool_and_reminders_until_lifted(app, client,
                                                                                  everything):
    store, awa, marc, pair = repo(app), everything["awa"], everything["marc"], everything["pair"]
    paul = everything["paul"]
    limited = _limit(client, paul)
    assert limited.status_code == 200, limited.get_json()
    assert paul["id"] not in {p["id"] for p in store.matching_pool(selection=None)[0]}
    assert _limit(client, awa).status_code == 200
    assert store.enrollment(awa["id"])["limited_at"]
    # The first checkpoint falls due: Marc is reminded, Awa is not.
    assert send_reminders(store, date(2026, 4, 3)) == 1
    [checkpoint, *_rest] = store.pair(pair["id"])["checkpoints"]
    assert set(checkpoint["reminded"]) == {str(marc["id"])}
    assert [m["To"] for m in queued_mail(app) if m["Subject"].startswith("Point d")] == \
        ["marc@exemple.fr"]
    listing = login(app, client) and client.get("/coordination/inscriptions/")
    assert listing.get_data(as_text=True).count("utilisation limitée") == 2
    detail = client.get(f"/coordination/inscriptions/{awa['id']}/").get_data(as_text=True)
    assert "utilisation limitée" in detail
    assert _limit(client, paul, "non").status_code == 200
    assert paul["id"] in {p["id"] for p in store.matching_pool(selection=None)[0]}
    assert [(e["action"], e["record"]) for e in store.audit_log.all()
            if e["action"].startswith("limitation")] == [
        ("limitation_participant", paul["id"]), ("limitation_participant", awa["id"]),
        ("limitation_levee", paul["id"])]


def test_a_limited_mentor_is_not_shown_to_waiting_mentees(app, client, everything):
    from support.people import enroll, mentor

    lea = mentor(app, "Léa Roux", profil_visible=True, presentation="Vingt ans de métier")
    zoe = enroll(app, "Zoé Martin")
    page = f"/formulaires/mon-inscription/?lien={_link(zoe)}"
    assert "Vingt ans de métier" in client.get(page).get_data(as_text=True)
    _limit(client, lea)
    assert "Vingt ans de métier" not in client.get(page).get_data(as_text=True)


def test_a_bad_limitation_value_is_a_french_400(app, client, everything):
    answer = _limit(client, everything["awa"], "peut-être")
    assert answer.status_code == 400
    assert "limiter l’utilisation" in answer.get_json()["message"]
    assert not repo(app).enrollment(everything["awa"]["id"]).get("limited_at")


def test_a_closed_enrollment_can_still_be_corrected(app, client, everything):
    from support.people import PERSON

    store, paul = repo(app), everything["paul"]
    store.set_enrollment_status(paul["id"], "clos", by=None, force=True)
    answers = {**PERSON, "name": "Paul Durand-Roy", "email": "paul@exemple.fr", "role": "mentor",
               "capacity": "1", "experience": "10_20", "skills_offered": "Négociation",
               "goal_1": "", "consent": "y", "lien": _link(paul)}
    answer = client.post("/api/mon-inscription/corriger", data=answers, headers=JSON)
    assert answer.status_code == 200, answer.get_json()
    assert store.enrollment(paul["id"])["name"] == "Paul Durand-Roy"
    assert store.enrollment(paul["id"])["status"] == "clos"


def test_manual_pairing_refuses_a_limited_person_and_says_why(app, client):
    from support.coordination import csrf_token
    from support.people import enroll, mentor

    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    repo(app).set_limited(marc["id"], True)
    login(app, client)
    chooser = f"/coordination/appariement/choisir/{awa['id']}/"
    assert "Marc Petit" not in client.get(chooser).get_data(as_text=True)
    answer = client.post("/coordination/appariement/confirmer", headers=JSON, data={
        "csrf_token": csrf_token(client, "/coordination/appariement/"),
        "mentor_id": marc["id"], "mentee_id": awa["id"]})
    assert answer.status_code == 409 and "limité" in answer.get_json()["message"]
    repo(app).set_limited(marc["id"], False)
    repo(app).set_limited(awa["id"], True)
    refused = client.get(chooser)
    assert refused.status_code == 404 and "limité" in refused.get_data(as_text=True)
    assert repo(app).all_pairs() == []


def test_the_withdrawal_confirmation_offers_objection_as_erasure(app, client, everything):
    """Objecting (Art. 21) erases, where withdrawing keeps the answers for the retention time."""
    leo, link = everything["leo"], _link(everything["leo"])
    asked = client.post("/api/mon-inscription/retirer", data={"lien": link})
    assert "Je m’oppose : effacer mes données" in plain_spaces(asked.get_data(as_text=True))
    confirm = client.post("/api/mon-inscription/effacer", data={"lien": link})
    assert "Confirmer l’effacement" in htmllib.unescape(confirm.get_data(as_text=True))
    client.post("/api/mon-inscription/effacer", data={"lien": link, "confirme": "oui"})
    assert repo(app).enrollment(leo["id"]) is None
    assert not [p for p in repo(app).all_pairs() if leo["id"] in (p["mentor_id"], p["mentee_id"])]


def test_a_reminder_queued_before_the_limitation_is_not_sent(app, client, everything):
    store, awa, marc = repo(app), everything["awa"], everything["marc"]
    assert send_reminders(store, date(2026, 4, 3)) == 2  # both claimed and queued
    _limit(client, awa)
    reminders = [m["To"] for m in queued_mail(app) if m["Subject"].startswith("Point d")]
    assert reminders == [marc["email"]]


def test_the_enrollment_export_says_who_limited_the_use_of_their_data(app, everything):
    from forms_service.exports.spreadsheet import rows

    awa = everything["awa"]
    repo(app).set_limited(awa["id"], True)
    limited = {row["Nom"]: row["Utilisation limitée depuis le"]
               for row in rows(repo(app), "enrollment")}
    assert limited[awa["name"]] and not any(v for name, v in limited.items() if name != awa["name"])
