"""``mentorat check --repair`` never brings an older version back without saying so.

A record whose newest journal line is damaged would come back as its
previous version (an old password, an address before its change): the check
names it and the version it would keep, the repair refuses without
``--force``, and the damaged lines are set aside where erasure and purge
reach them.
"""

from __future__ import annotations

import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from support.processes import mentorat
from support.service import plain_spaces

from forms_service.records.purge import erase_person, purge
from forms_service.records.repository import Repository
from forms_service.storage import SET_ASIDE_NAME

RETENTION = {"inscriptions_jours": 365, "courriels_envoyes_jours": 90, "journal_jours": 365,
             "sauvegardes_jours": 30}


def flip_last_line(journal: Path) -> bytes:
    """Damage one byte of the newest line (its checksum no longer matches)."""
    data = bytearray(journal.read_bytes())
    data[-5] ^= 0x01
    journal.write_bytes(bytes(data))
    return bytes(data)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


def test_a_damaged_password_change_is_named_and_not_undone_without_force(data_dir):
    repo = Repository(data_dir)
    account, _new = repo.add_coordinator("c@exemple.fr", "ancien-hachage")
    repo.set_coordinator_password(account["id"], "nouveau-hachage")
    repo.close()
    damaged = flip_last_line(data_dir / "coordinators.jsonl")

    refused = mentorat("check", "--repair", data_dir=data_dir)
    assert refused.returncode == 1
    assert "coordinators.jsonl : enregistrement 1, dernière version illisible (ligne 3) ; " \
           "la réparation garderait sa version précédente (ligne 2)" in plain_spaces(refused.stderr)
    assert "rien n’est réparé" in refused.stderr and "--repair --force" in refused.stderr
    assert (data_dir / "coordinators.jsonl").read_bytes() == damaged
    assert not (data_dir / SET_ASIDE_NAME).exists()

    forced = mentorat("check", "--repair", "--force", data_dir=data_dir)
    assert "Lignes endommagées mises de côté" in forced.stderr, forced.stderr
    [aside] = (data_dir / SET_ASIDE_NAME).iterdir()
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert aside.read_bytes() == damaged.splitlines(keepends=True)[-1]
    repo = Repository(data_dir)
    try:
        assert repo.coordinator(account["id"])["password_hash"] == "ancien-hachage"
        assert [e["action"] for e in repo.audit_log.all()] == ["reparation_forcee"]
    finally:
        repo.close()
    assert mentorat("check", data_dir=data_dir).returncode == 0


def test_set_aside_lines_are_erased_with_their_person_and_purged_with_the_backups(data_dir):
    repo = Repository(data_dir)
    awa, _ = repo.enroll({"name": "Awa Diallo", "email": "awa@exemple.fr", "role": "mentore"},
                         notice_version="1")
    marc, _ = repo.enroll({"name": "Marc Petit", "email": "marc@exemple.fr", "role": "mentor"},
                          notice_version="1")
    repo.set_pause(marc["id"], pause=True, resume=None, capacity=None)  # Marc's newest line
    repo.close()
    flip_last_line(data_dir / "enrollments.jsonl")
    assert mentorat("check", "--repair", "--force", data_dir=data_dir).returncode == 1  # damage found
    [aside] = (data_dir / SET_ASIDE_NAME).iterdir()
    assert b"marc@exemple.fr" in aside.read_bytes()

    repo = Repository(data_dir)
    try:
        assert erase_person(repo, awa["id"], secret=None, outbox=None)["lignes_ecartees"] == 0
        assert b"marc@exemple.fr" in aside.read_bytes()  # not Awa's: kept
        assert erase_person(repo, marc["id"], secret=None, outbox=None)["lignes_ecartees"] == 1
        assert aside.read_bytes() == b""
        later = datetime.now(timezone.utc) + timedelta(days=31)
        assert purge(repo, secret=None, outbox=None, now=later,
                     retention=RETENTION)["lignes_ecartees"] == 1
        assert list((data_dir / SET_ASIDE_NAME).iterdir()) == []
    finally:
        repo.close()


def test_a_restore_is_audited_in_the_restored_data(data_dir, tmp_path):
    repo = Repository(data_dir)
    repo.enroll({"name": "Awa Diallo", "email": "awa@exemple.fr", "role": "mentore"},
                notice_version="1")
    repo.close()
    archive = tmp_path / "sauvegarde.tar.gz"
    assert mentorat("backup", str(archive), data_dir=data_dir).returncode == 0
    restored = tmp_path / "ailleurs"
    done = mentorat("restore", str(archive), data_dir=restored)
    assert done.returncode == 0, done.stderr
    repo = Repository(restored)
    try:
        assert [e["action"] for e in repo.audit_log.all()] == ["restauration"]
        assert len(repo.enrollments) == 1
    finally:
        repo.close()
