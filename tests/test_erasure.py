"""Erasure really erases: no byte of an erased participant is left in the data
directory, nor in a backup made afterwards, nor was any ever logged."""

from __future__ import annotations

import logging
import secrets
import tarfile
from pathlib import Path

import pytest
from support.mail import mails, token_of
from support.people import FEEDBACK, MENTEE, MENTOR, enroll_by_post
from support.service import JSON, repo


def files_holding(directory: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(directory)}: {n!r}" for n in needles if n in data]
    return found


def needles(*texts: str) -> list[bytes]:
    forms = set()
    for text in texts:
        forms |= {text.encode("utf-8"), text.lower().encode("utf-8"),
                  text.encode("utf-16-le"), text.encode("unicode_escape")}
    return sorted(forms)


@pytest.fixture
def marker() -> str:
    return "Zephyrine" + secrets.token_hex(6)


@pytest.fixture
def limited_app(make_app):
    return make_app(rate_limit="50/minute")


def fill_data_directory(app, client, data_dir, marker: str) -> dict:
    """One participant carrying the marker everywhere, one other who must remain."""
    from datetime import date

    from forms_service.mail.links import feedback_token
    from forms_service.records.checkpoints import checkpoint_schedule

    email = f"{marker.lower()}@exemple.fr"
    answers = {**MENTEE, "name": f"{marker} Diallo", "email": email,
               "job_title": f"Analyste {marker}", "comment": f"Je suis {marker}, merci."}
    link = enroll_by_post(client, data_dir, answers)
    enroll_by_post(client, data_dir, MENTOR)
    store = repo(app)
    person = store.enrollment_by_email(email)
    mentor = store.enrollment_by_email(MENTOR["email"])
    # A correction leaves an older version behind in the journal until erasure.
    client.post("/api/mon-inscription/corriger", headers=JSON, data={
        **answers, "lien": token_of(link), "goal_1": f"Objectif de {marker}"})
    pair = store.confirm_pair(mentor["id"], person["id"], by=None, score=75.0,
                              reasons=["langue commune"],
                              checkpoints=checkpoint_schedule(date.today(), [1, 3, 6]))
    # Feedback signed with the address, and feedback sent through a reminder's link.
    client.post("/api/formulaires/feedback", headers=JSON, data={
        **FEEDBACK, "identity": "signe", "name": f"{marker} Diallo", "email": email,
        "what_works": f"Retour signé de {marker}"})
    client.post("/api/formulaires/feedback", headers=JSON, data={
        **FEEDBACK, "identity": "signe", "checkpoint": "3",
        "lien": feedback_token(app.secret_key, pair["id"], 3, person["id"]),
        "what_is_hard": f"Difficulté de {marker}"})
    client.post("/api/formulaires/feedback", headers=JSON, data={
        **FEEDBACK, "what_works": "Un retour anonyme qui reste"})
    client.post("/api/mon-inscription/lien", data={"email": email}, headers=JSON)
    # One of their messages was already sent by SMTP (its address dropped from the job),
    # and an older version left a message file in outbox/sent/.
    first = min(store.mail.table.all(), key=lambda job: job["id"])
    store.mail.mark_sent(first["id"], person_id=person["id"])
    (data_dir / "outbox" / "sent").mkdir(parents=True, exist_ok=True)
    (data_dir / "outbox" / "sent" / "ancien.eml").write_text(
        f"To: {email}\nSubject: Bonjour\n\nBonjour {marker} Diallo\n", encoding="utf-8")
    return {"email": email, "link": link, "id": person["id"], "mentor": mentor["id"]}


def test_erasure_leaves_no_byte_of_the_participant(limited_app, data_dir, marker, caplog,
                                                   tmp_path):
    from forms_service.storage import backup

    caplog.set_level(logging.DEBUG)
    app, client = limited_app, limited_app.test_client()
    who = fill_data_directory(app, client, data_dir, marker)
    wanted = needles(marker, who["email"])
    before = files_holding(data_dir, wanted)
    assert any(f.startswith("enrollments.jsonl") for f in before)
    assert any(f.startswith("feedback.jsonl") for f in before)
    assert any(f.startswith("outbox/sent/") for f in before)
    assert len(repo(app).feedback.search(lambda d: d.get("person_id") == who["id"])) == 1

    asked = client.post("/api/mon-inscription/effacer", data={"lien": token_of(who["link"])})
    assert asked.status_code == 200 and "Confirmer l’effacement" in asked.get_data(as_text=True)
    done = client.post("/api/mon-inscription/effacer",
                       data={"lien": token_of(who["link"]), "confirme": "oui"})
    assert done.status_code == 303 and "fait=efface" in done.headers["Location"]

    assert files_holding(data_dir, wanted) == []
    archive = backup(data_dir, tmp_path / "apres.tar.gz")
    extracted = tmp_path / "extrait"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="data")
    assert any(extracted.rglob("*.jsonl"))
    assert files_holding(extracted, wanted) == []

    store = repo(app)
    assert store.enrollment(who["id"]) is None
    assert store.enrollment(who["mentor"])["status"] == "en_attente"
    assert store.pairs.all() == []
    assert [f["what_works"] for f in store.feedback.all()] == ["Un retour anonyme qui reste"]
    # Marc hears that the pair ended, with nothing of the person erased in the message.
    # The coordination hears of it by the pair's number, with nothing of the person either.
    told = mails(client)
    coordination = app.config["PROGRAMME"].contacts["coordination"]
    assert [to for to, _s, _t in told] == [MENTOR["email"]] * 2 + [coordination]
    assert told[-2][1] == "Votre binôme de mentorat s’arrête"
    assert "quitté le programme" in told[-2][2] and marker not in told[-2][2]
    assert told[-1][1] == "Un binôme s’est arrêté" and marker not in told[-1][2]
    assert who["email"] not in told[-1][2]
    # The link no longer opens anything.
    assert client.get(who["link"]).status_code == 404
    # Logs carried ids, never values, from the first post to the erasure.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "enregistrée" in logged and "effacée" in logged
    assert marker not in logged and marker.lower() not in logged


def test_logs_never_carry_submitted_values(client, data_dir, marker, caplog):
    caplog.set_level(logging.DEBUG)
    enroll_by_post(client, data_dir, {**MENTEE, "name": marker, "email": f"{marker}@exemple.fr"})
    client.post("/api/formulaires/enrollment", headers=JSON,
                data={**MENTEE, "name": marker, "email": f"{marker}@exemple.fr"})  # a double
    client.post("/api/formulaires/enrollment", headers=JSON,
                data={**MENTEE, "name": marker, "email": "invalide"})
    client.post("/api/formulaires/feedback", headers=JSON,
                data={**FEEDBACK, "what_works": marker, "url_complementaire": marker})
    client.post("/api/formulaires/feedback", headers=JSON,
                data={**FEEDBACK, "identity": "signe", "name": marker,
                      "email": f"{marker}@exemple.fr", "what_works": marker})
    client.post("/api/mon-inscription/lien", headers=JSON, data={"email": f"{marker}@exemple.fr"})
    assert caplog.records
    for record in caplog.records:
        assert marker not in record.getMessage() and marker.lower() not in record.getMessage()
        assert marker not in str(record.args)


def test_erasing_twice_or_an_unknown_id_is_harmless(app, client, data_dir):
    from forms_service.records.purge import erase_person

    enroll_by_post(client, data_dir)
    [record] = repo(app).enrollments.all()
    first = erase_person(repo(app), record["id"], secret=app.secret_key,
                         outbox=data_dir / "outbox")
    assert first["inscriptions"] == 1 and first["messages"] == 1
    assert erase_person(repo(app), record["id"], secret=app.secret_key,
                        outbox=data_dir / "outbox") == {}
