"""Data written by the storage code of cab595d opens and restores unchanged, id counters kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from forms_service.storage import Store, backup, check, open_tinydb, restore

FIXTURE = Path(__file__).parent / "fixtures" / "storage-cab595d"
JOURNALS = ("enrollments.jsonl", "feedback.jsonl", "pairs.jsonl")


@pytest.fixture
def old_data(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    shutil.copytree(FIXTURE / "datadir", directory)
    return directory


def journals(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in JOURNALS}


def assert_old_content(directory: Path) -> None:
    with Store(directory) as store:
        enrollments = store.table("enrollments")
        assert [doc["id"] for doc in enrollments.all()] == [1, 2, 4]
        assert enrollments.get(2)["skills"] == ["écoute", "négociation"]
        assert enrollments.get(4)["status"] == "en_attente"
        assert enrollments.get(1)["consent"] == {"version": "2025-03"}
        assert [doc["submission"] for doc in store.table("feedback").all()] == ["k1", "k2"]
        assert store.table("pairs").all() == []


def test_an_old_data_directory_opens_unchanged(old_data):
    before = journals(old_data)
    assert_old_content(old_data)
    assert journals(old_data) == before  # opening and reading write nothing
    assert check(old_data).ok


def test_old_id_counters_are_kept_even_past_erased_documents(old_data):
    with Store(old_data) as store:
        assert store.table("enrollments").insert({"email": "neuf@exemple.fr"}) == 6
        assert store.table("feedback").insert({"submission": "k3"}) == 3
        assert store.table("pairs").insert({"mentor_id": 1, "mentee_id": 4}) == 2


def test_open_tinydb_sees_the_old_tables_with_their_counters(old_data):
    with open_tinydb(old_data) as db:
        assert db.tables() == {"enrollments", "feedback", "pairs"}
        assert db.table("enrollments").get(doc_id=4)["status"] == "en_attente"
        assert len(db.table("pairs")) == 0
        assert db.table("enrollments").insert({"email": "neuf@exemple.fr"}) == 6


def test_an_old_backup_restores_unchanged(tmp_path):
    target = tmp_path / "restored"
    restore(FIXTURE / "backup.tar.gz", target)
    assert journals(target) == journals(FIXTURE / "datadir")
    assert (target / "secret_key").read_bytes() == (FIXTURE / "datadir" / "secret_key").read_bytes()
    assert (target / "outbox" / "queue" / "0001.json").is_file()
    assert_old_content(target)
    with Store(target) as store:
        assert store.table("enrollments").insert({"email": "neuf@exemple.fr"}) == 6


def test_old_data_backs_up_and_restores_with_todays_code(old_data, tmp_path):
    archive = backup(old_data, tmp_path / "today.tar.gz")
    target = tmp_path / "restored"
    restore(archive, target)
    assert journals(target) == journals(old_data)
