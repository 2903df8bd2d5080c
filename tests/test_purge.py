"""`mentorat purge`: each category of the registry goes after its own period, counted
from its own event; people still waiting are warned first; `--dry-run` changes nothing."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from support.mail import mail_texts
from support.service import SECRET, plain_spaces

# A little before the real now: what a person does during the test comes after the purge.
NOW = datetime.now(timezone.utc) - timedelta(minutes=5)
DAY = NOW.date().isoformat()
LATER = (NOW + timedelta(days=29)).date().isoformat()


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat(timespec="seconds")


def person(name: str, status: str, *, created: int, changed: int | None = None,
           history: tuple[str, ...] = ()) -> dict:
    steps = [{"status": "nouveau", "at": ago(created)}]
    steps += [{"status": s, "at": ago(changed if changed is not None else created)}
              for s in (*history, status) if s != "nouveau"]
    return {"name": name, "email": f"{name.lower()}@exemple.fr", "role": "mentore",
            "reference": f"M-{name[:4].upper()}-2345", "status": status,
            "status_history": steps, "created_at": ago(created), "consented_at": ago(created),
            "notice_version": "2026-12"}


PEOPLE = {
    "Retire_ancien": person("Retire_ancien", "retire", created=500, changed=400),
    "Retire_recent": person("Retire_recent", "retire", created=500, changed=10),
    "Clos_ancien": person("Clos_ancien", "clos", created=600, changed=380,
                          history=("apparie", "actif")),
    "Clos_recent": person("Clos_recent", "clos", created=600, changed=30,
                          history=("apparie", "actif")),
    "Attente_ancien": person("Attente_ancien", "en_attente", created=370),
    "Attente_recent": person("Attente_recent", "nouveau", created=20),
    # Matched once, back in the pool 500 days ago after the pair closed: still waiting.
    "Remis_ancien": person("Remis_ancien", "en_attente", created=700, changed=500,
                           history=("apparie", "actif")),
    # Enrolled long ago, but corrected their answers last month: active.
    "Corrige": {**person("Corrige", "en_attente", created=800), "updated_at": ago(30)},
    "Actif_ancien": person("Actif_ancien", "actif", created=700, changed=600,
                           history=("apparie",)),
}
ERASED_AT_ONCE = {"Retire_ancien", "Clos_ancien"}
WARNED_FIRST = {"Attente_ancien", "Remis_ancien"}


def write_mail(data_dir: Path, to: str, sent: bool = False) -> Path:
    message = EmailMessage()
    message["To"], message["Subject"] = to, "Votre inscription"
    message.set_content("Bonjour")
    folder = data_dir / "outbox" / ("sent" if sent else "")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{to.split('@')[0]}-{int(sent)}.eml"
    path.write_bytes(message.as_bytes())
    return path


@pytest.fixture
def filled(data_dir):
    from forms_service.records.repository import Repository

    repo = Repository(data_dir)
    ids = {name: repo.enrollments.insert({"v": 1, **record}) for name, record in PEOPLE.items()}
    pair = {"v": 1, "status": "closed", "confirmed_at": ago(600)}
    old_closed = repo.pairs.insert({**pair, "mentor_id": ids["Remis_ancien"],
                                    "mentee_id": ids["Actif_ancien"], "closed_at": ago(500)})
    repo.pairs.insert({**pair, "mentor_id": ids["Actif_ancien"], "mentee_id": ids["Clos_recent"],
                       "closed_at": ago(30)})
    repo.pairs.insert({**pair, "status": "non_demarre", "closed_at": ago(400),
                       "mentor_id": ids["Corrige"], "mentee_id": ids["Attente_recent"],
                       "declined_by": ids["Corrige"], "decline_reason": "Raison_privee_du_refus"})
    repo.meetings.table.insert({"v": 1, "key": f"{old_closed}:x", "pair_id": old_closed,
                                "date": ago(520)[:10], "person_id": ids["Remis_ancien"]})
    repo.feedback.insert({"v": 1, "link_key": f"{old_closed}:1:{ids['Actif_ancien']}",
                          "how": "Reponse_du_point_etape", "created_at": ago(560)})
    repo.feedback.insert({"v": 1, "identity": "signe", "name": "Signataire",
                          "email": "signataire@exemple.fr", "created_at": ago(450)})
    repo.feedback.insert({"v": 1, "identity": "anonyme", "what_works": "Texte_anonyme_ancien",
                          "created_at": ago(800)})
    repo.feedback.insert({"v": 1, "identity": "anonyme", "what_works": "Texte_anonyme_recent",
                          "created_at": ago(400)})
    old_sent = datetime.fromisoformat(ago(120)).timestamp()
    repo.mail.table.insert({"v": 1, "kind": "lien", "status": "echec", "attempts": 9,
                            "refs": {"email": "echec_ancien@exemple.fr"},
                            "created_at": old_sent, "next_try": old_sent})
    repo.mail.table.insert({"v": 1, "kind": "lien", "status": "envoye", "refs": {},
                            "created_at": old_sent, "sent_at": old_sent})
    repo.audit_log.insert({"coordinator": 1, "action": "export", "record": None, "at": ago(400)})
    repo.audit_log.insert({"coordinator": 1, "action": "export", "record": None, "at": ago(3)})
    repo.close()
    os.utime(write_mail(data_dir, "envoye_ancien@exemple.fr", sent=True), (old_sent, old_sent))
    recent = datetime.fromisoformat(ago(3)).timestamp()
    os.utime(write_mail(data_dir, "envoye_recent@exemple.fr", sent=True), (recent, recent))
    return ids


def stored(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(data_dir.rglob("*")) if path.is_file()
                    and path.suffix in (".jsonl", ".eml", ".txt"))


def names(data_dir: Path) -> set[str]:
    from forms_service.records.repository import Repository

    repo = Repository(data_dir)
    try:
        return {record["name"] for record in repo.enrollments.all()}
    finally:
        repo.close()


def test_each_category_goes_after_its_own_period_from_its_own_event(cli, data_dir, filled):
    result = cli("purge", "--date", DAY)
    assert result.exit_code == 0, result.output
    for line in ("Inscription retirée (365 jours) : 1", "Inscription close (365 jours) : 1",
                 "Binôme terminé, avec score et raisons (365 jours) : 1",
                 "Binôme non démarré (décliné) (365 jours) : 1",
                 "Retours signés (365 jours) : 1", "Retours anonymes (730 jours) : 1",
                 "Messages électroniques (90 jours) : 3", "Journal des consultations (365 jours) : 1",
                 "Inscription en attente d’un binôme (365 jours) : 0",
                 "Personnes en attente prévenues que leur inscription sera bientôt effacée : 2"):
        assert line in plain_spaces(result.output), result.output
    assert names(data_dir) == set(PEOPLE) - ERASED_AT_ONCE
    everything = stored(data_dir)
    # Gone with their category: the closed pair's meeting and checkpoint answer, the declined
    # pair's private reason, old signed and anonymous feedback, a failed job's address.
    for value in ("Reponse_du_point_etape", "Raison_privee_du_refus", "signataire@",
                  "Texte_anonyme_ancien", "echec_ancien@", "envoye_ancien@", *ERASED_AT_ONCE):
        assert value.encode() not in everything, value
    assert b"Texte_anonyme_recent" in everything and b"envoye_recent@" in everything


def test_people_waiting_are_warned_four_weeks_before_and_can_stay(cli, data_dir, filled):
    from forms_service.records.repository import Repository

    cli("purge", "--date", DAY)
    repo = Repository(data_dir)
    try:
        repo.queue_pending_mail()
        warned = {job["refs"]["enrollment_id"] for job in repo.mail.table.all()
                  if job["kind"] == "conservation"}
        assert warned == {filled[name] for name in WARNED_FIRST}
        repo.stay(filled["Remis_ancien"])  # « Je reste dans le programme »
    finally:
        repo.close()
    again = cli("purge", "--date", DAY)  # the next night: nobody is told twice
    assert "bientôt effacée : 0" in plain_spaces(again.output)
    cli("purge", "--date", LATER)
    # Warned and silent: erased; warned and staying, or active lately: kept.
    assert names(data_dir) == set(PEOPLE) - ERASED_AT_ONCE - {"Attente_ancien"}


def test_the_warning_reaches_the_person_with_their_personal_page(make_app, data_dir, filled):
    from forms_service.records.purge import purge
    from forms_service.records.repository import Repository

    repo = Repository(data_dir)
    try:
        purge(repo, secret=SECRET, outbox=None, now=NOW)
    finally:
        repo.close()
    app = make_app()
    warnings = [(to, body) for to, subject, body in mail_texts(app) if "restez-vous" in subject]
    assert sorted(to for to, _body in warnings) == ["attente_ancien@exemple.fr",
                                                    "remis_ancien@exemple.fr"]
    body = warnings[0][1]
    assert "dans 4 semaines" in plain_spaces(body)
    link = urlsplit(next(word for word in body.split() if "/formulaires/mon-inscription/" in word))
    client = app.test_client()
    page = client.get(f"{link.path}?{link.query}").get_data(as_text=True)
    assert "Je reste dans le programme" in page
    token = parse_qs(link.query)["lien"][0]
    answer = client.post("/api/mon-inscription/rester", data={"lien": token},
                         headers={"Origin": "http://localhost"})
    assert answer.status_code in (200, 303), answer.get_data(as_text=True)
    assert "Je reste dans le programme" not in client.get(
        f"{link.path}?{link.query}").get_data(as_text=True)


def test_dry_run_counts_without_changing_anything_or_naming_anyone(cli, data_dir, filled):
    before = stored(data_dir)
    result = cli("purge", "--dry-run", "--date", LATER)
    assert result.exit_code == 0, result.output
    assert "rien n’est effacé" in result.output
    assert "Personnes en attente à prévenir : 2" in plain_spaces(result.output)
    assert stored(data_dir) == before
    for name in PEOPLE:
        assert name.lower() not in result.output.lower()


def test_an_erasure_is_made_again_after_restoring_an_older_backup(cli, data_dir, filled,
                                                                  tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORAT_SECRET_KEY", SECRET)  # the service's key, as the erasure's
    from forms_service.records.purge import erase_person
    from forms_service.records.repository import Repository

    archive = tmp_path / "avant.tar.gz"
    assert cli("backup", str(archive)).exit_code == 0
    repo = Repository(data_dir)
    try:
        erase_person(repo, filled["Corrige"], secret=SECRET, outbox=None)
    finally:
        repo.close()
    ledger = (data_dir / "effacements.txt").read_text()
    assert "corrige" not in ledger.lower() and len(ledger.split()) == 3
    result = cli("restore", "--force", str(archive))
    assert "Effacements refaits d’après le registre des effacements : 1" in plain_spaces(
        result.output)
    assert "Corrige" not in names(data_dir) and "Attente_recent" in names(data_dir)


def test_backup_into_a_directory_deletes_archives_past_their_period(cli, data_dir, filled,
                                                                    tmp_path):
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    old, recent = folder / "mentorat-20200101-023000.tar.gz", folder / "mentorat-x.tar.gz"
    for path in (old, recent):
        path.write_bytes(b"")
    long_ago = (datetime.now(timezone.utc) - timedelta(days=31)).timestamp()
    os.utime(old, (long_ago, long_ago))
    result = cli("backup", str(folder))
    assert "Sauvegardes de plus de 30 jours effacées : 1" in plain_spaces(result.output)
    assert not old.exists() and recent.exists() and len(list(folder.iterdir())) == 2


def test_the_registry_and_the_purge_name_the_same_categories():
    from forms_service.programme import RETENTION_DEFAULTS
    from forms_service.records.registry import KEPT, PURGED
    from forms_service.records.retention import SELECTORS

    assert tuple(SELECTORS) == PURGED
    assert {kept.period for kept in KEPT if kept.period} <= set(RETENTION_DEFAULTS)


def test_a_limited_enrollment_is_kept_until_the_limitation_is_lifted(cli, data_dir, filled):
    from forms_service.records.repository import Repository

    repo = Repository(data_dir)
    try:
        for name in ("Retire_ancien", "Attente_ancien"):
            repo.set_limited(filled[name], True)
    finally:
        repo.close()
    cli("purge", "--date", DAY)
    cli("purge", "--date", LATER)
    kept = names(data_dir)
    assert {"Retire_ancien", "Attente_ancien"} <= kept and "Clos_ancien" not in kept
