"""What the notice promises of anonymous feedback, in the exports the coordination
downloads: answers one by one, words as written, but never the day it came, and the
role and checkpoint only when at least three anonymous answers share them that month."""

from __future__ import annotations

from support.service import repo

from forms_service.exports.spreadsheet import rows
from forms_service.exports.tables import export_records


def answer(role: str, checkpoint: str, day: str, text: str, **signed) -> dict:
    return {"v": 1, "identity": "signe" if signed else "anonyme", "role": role,
            "checkpoint": checkpoint, "satisfaction": 4, "progress": 3, "meetings": 2,
            "what_is_hard": text, "created_at": f"{day}T10:1{len(text) % 10}:00+00:00",
            "submission": f"cle-{text}", **signed}


def test_anonymous_answers_are_shown_so_that_nobody_stands_out(make_app, monkeypatch):
    monkeypatch.setenv("MENTORAT_TIMEZONE", "Europe/Paris")
    app = make_app()
    store = repo(app)
    for n, day in enumerate(("2027-03-02", "2027-03-09", "2027-03-20")):
        store.feedback.insert(answer("mentor", "3", day, f"groupe {n}"))
    store.feedback.insert(answer("mentore", "6", "2027-03-11", "seule"))
    store.feedback.insert(answer("mentore", "6", "2027-03-11", "signé",
                                 name="Awa Diallo", email="awa@exemple.fr", person_id=9))
    by_text = {r["Ce qui est difficile"]: r for r in rows(store, "feedback")}
    for n in range(3):
        row = by_text[f"groupe {n}"]
        assert row["Reçu le"] == "2027-03"
        assert (row["Rôle"], row["Point d’étape (mois)"]) == ("Mentor", "3")
    alone = by_text["seule"]
    assert (alone["Reçu le"], alone["Rôle"], alone["Point d’étape (mois)"]) == ("2027-03", "", "")
    # Stored in UTC, shown in the organisation's time zone (Paris, winter time: UTC+1).
    assert by_text["signé"]["Reçu le"].startswith("2027-03-11 11:")
    assert by_text["signé"]["Rôle"] == "Mentoré·e"
    records = {r["what_is_hard"]: r for r in export_records(store, "feedback")}
    assert records["seule"]["created_at"] == "2027-03" and records["seule"]["role"] is None
    assert not records["seule"].get("submission")
    assert records["groupe 1"]["role"] == "mentor" and records["signé"]["role"] == "mentore"
