"""`mentorat purge`: what is past the retention period goes, and it says so."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest
from support.service import ROOT, SECRET

NOW = datetime.now(timezone.utc)


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
            "notice_version": "2026-11"}


PEOPLE = {
    "Retire_ancien": person("Retire_ancien", "retire", created=500, changed=400),
    "Retire_recent": person("Retire_recent", "retire", created=500, changed=10),
    "Clos_ancien": person("Clos_ancien", "clos", created=600, changed=380,
                          history=("apparie", "actif")),
    "Clos_recent": person("Clos_recent", "clos", created=600, changed=30,
                          history=("apparie", "actif")),
    "Jamais_ancien": person("Jamais_ancien", "nouveau", created=400),
    "Attente_ancien": person("Attente_ancien", "en_attente", created=370),
    "Jamais_recent": person("Jamais_recent", "nouveau", created=20),
    "Rapparie_ancien": person("Rapparie_ancien", "en_attente", created=700, changed=500,
                              history=("apparie", "actif")),
    "Actif_ancien": person("Actif_ancien", "actif", created=700, changed=600,
                           history=("apparie",)),
}
GONE = {"Retire_ancien", "Clos_ancien", "Jamais_ancien", "Attente_ancien"}


def run_purge(data_dir: Path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "MENTORAT_RETENTION_DAYS"}
    environment.update(MENTORAT_DATA_DIR=str(data_dir), MENTORAT_SECRET_KEY=SECRET, **env)
    return subprocess.run([sys.executable, "-m", "forms_service.cli", "purge"], cwd=ROOT,
                          env=environment, capture_output=True, text=True)


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
    repo.pairs.insert({"v": 1, "mentor_id": ids["Clos_ancien"], "mentee_id": ids["Actif_ancien"],
                       "status": "closed", "closed_at": ago(390), "confirmed_at": ago(560)})
    repo.pairs.insert({"v": 1, "mentor_id": ids["Rapparie_ancien"],
                       "mentee_id": ids["Clos_recent"], "status": "closed",
                       "closed_at": ago(500), "confirmed_at": ago(600)})
    repo.pairs.insert({"v": 1, "mentor_id": ids["Actif_ancien"], "mentee_id": ids["Clos_recent"],
                       "status": "closed", "closed_at": ago(30), "confirmed_at": ago(300)})
    repo.feedback.insert({"v": 1, "identity": "signe", "name": "Retire_ancien",
                          "email": "retire_ancien@exemple.fr", "created_at": ago(450)})
    repo.feedback.insert({"v": 1, "identity": "anonyme", "what_works": "reste",
                          "created_at": ago(450)})
    write_mail(data_dir, "retire_ancien@exemple.fr")
    write_mail(data_dir, "jamais_ancien@exemple.fr", sent=True)
    write_mail(data_dir, "jamais_recent@exemple.fr", sent=True)
    repo.close()
    return ids


def test_purge_deletes_what_is_past_retention_and_says_so(data_dir, filled):
    from forms_service.records.repository import Repository

    result = run_purge(data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    report = result.stderr
    assert "365 jours" in report
    assert "1 inscription(s) retirée(s) effacée(s)" in report
    assert "1 inscription(s) close(s) effacée(s)" in report
    assert "2 inscription(s) jamais appariée(s) effacée(s)" in report
    assert "2 binôme(s) clos effacé(s)" in report
    assert "1 retour(s) signé(s) et 2 message(s)" in report

    repo = Repository(data_dir)
    try:
        left = {record["name"] for record in repo.enrollments.all()}
        assert left == set(PEOPLE) - GONE
        assert [p["closed_at"] for p in repo.pairs.all()] == [ago(30)]
        assert [f["identity"] for f in repo.feedback.all()] == ["anonyme"]
    finally:
        repo.close()
    mails = sorted(p.name for p in (data_dir / "outbox").rglob("*.eml"))
    assert mails == ["jamais_recent-1.eml"]
    for path in data_dir.rglob("*"):
        if path.is_file():
            for name in GONE:
                assert name.encode() not in path.read_bytes(), (path, name)


def test_a_second_purge_finds_nothing(data_dir, filled):
    assert run_purge(data_dir).returncode == 0
    again = run_purge(data_dir)
    assert again.returncode == 0
    assert "0 inscription(s) retirée(s)" in again.stderr
    assert "0 binôme(s) clos" in again.stderr


def test_the_retention_period_comes_from_the_programme_file(data_dir, filled, tmp_path):
    from forms_service.records.repository import Repository

    programme = tmp_path / "programme.yml"
    programme.write_text((ROOT / "programme.yml").read_text(encoding="utf-8").replace(
        "inscriptions_jours: 365", "inscriptions_jours: 5"), encoding="utf-8")
    result = run_purge(data_dir, MENTORAT_PROGRAMME=str(programme))
    assert result.returncode == 0 and "5 jours" in result.stderr
    repo = Repository(data_dir)
    try:
        # Only people in a pair that is still running, or waiting again after one, remain.
        assert {r["name"] for r in repo.enrollments.all()} == {"Actif_ancien", "Rapparie_ancien"}
    finally:
        repo.close()


def test_purge_candidates_without_deleting(data_dir, filled):
    from forms_service.records.purge import purge_candidates
    from forms_service.records.repository import Repository

    repo = Repository(data_dir)
    try:
        found = purge_candidates(repo, retention_days=365, now=NOW)
        assert {r["name"] for r in found["retirees"]} == {"Retire_ancien"}
        assert {r["name"] for r in found["closes"]} == {"Clos_ancien"}
        assert {r["name"] for r in found["jamais_appariees"]} == {"Jamais_ancien",
                                                                   "Attente_ancien"}
        assert len(found["binomes_clos"]) == 2
        assert len(repo.enrollments) == len(PEOPLE)
    finally:
        repo.close()


def test_purge_deletes_sent_mail_and_audit_entries_past_their_own_periods(data_dir, filled):
    from forms_service.records.purge import purge
    from forms_service.records.repository import Repository

    old, recent = write_mail(data_dir, "ancien@exemple.fr", sent=True), \
        write_mail(data_dir, "recent@exemple.fr", sent=True)
    long_ago = (NOW - timedelta(days=120)).timestamp()
    os.utime(old, (long_ago, long_ago))
    repo = Repository(data_dir)
    try:
        repo.audit_log.insert({"coordinator": 1, "action": "export", "record": None,
                               "at": (NOW - timedelta(days=400)).isoformat()})
        repo.audit_log.insert({"coordinator": 1, "action": "export", "record": None,
                               "at": NOW.isoformat()})
        counts = purge(repo, secret=SECRET, outbox=data_dir / "outbox", now=NOW,
                       retention={"inscriptions_jours": 365, "courriels_envoyes_jours": 90,
                                  "journal_jours": 365, "sauvegardes_jours": 30})
        assert counts["messages_envoyes"] == 1 and counts["journal"] == 1
        assert not old.exists() and recent.exists()
        assert len(repo.audit_log) == 1
    finally:
        repo.close()
