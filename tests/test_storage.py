"""The storage layer in one process: the repository interface, durability, failures, erasure.

As TinyDB's own tests run every case on each of its storages, every case here
runs on both ways into a data directory: the ``Store`` API and ``open_tinydb``
(TinyDB's API, through the small adapter below). Cases about what only
``Store`` offers (``insert_unique``, ``modify``, the ``"id"`` key) are marked
``STORE_ONLY``.
"""

from __future__ import annotations

import errno
import io
import json
import os
import tarfile
import threading
from pathlib import Path

import pytest
from tinydb import TinyDB

from forms_service import storage
from forms_service.storage import (
    CorruptData,
    StorageError,
    StorageUnavailable,
    Store,
    backup,
    check,
    files,
    journal_storage,
    open_tinydb,
    restore,
)


class TinyDBTable:
    """One open_tinydb table spoken to as a Store table: ids in documents, KeyError when missing."""

    def __init__(self, tiny):
        self.tiny = tiny

    def insert(self, doc: dict) -> int:
        return self.tiny.insert(doc)

    def get(self, doc_id: int) -> dict | None:
        doc = self.tiny.get(doc_id=doc_id)
        return None if doc is None else {**doc, "id": doc.doc_id}

    def all(self) -> list[dict]:
        return sorted(({**doc, "id": doc.doc_id} for doc in self.tiny.all()),
                      key=lambda doc: doc["id"])

    def search(self, predicate) -> list[dict]:
        return [doc for doc in self.all() if predicate(doc)]

    def update(self, doc_id: int, changes: dict) -> dict:
        if not self.tiny.update(changes, doc_ids=[doc_id]):
            raise KeyError(doc_id)
        return self.get(doc_id)

    def remove(self, doc_id: int) -> None:
        if not self.tiny.remove(doc_ids=[doc_id]):
            raise KeyError(doc_id)

    def __len__(self) -> int:
        return len(self.tiny)


class TinyDBStore:
    """open_tinydb behind the Store interface the cases below are written against."""

    def __init__(self, data_dir: Path):
        self.db = open_tinydb(data_dir)

    def table(self, name: str) -> TinyDBTable:
        tiny = self.db.table(name)
        if not hasattr(tiny, "as_store_table"):  # one adapter per table, as Store caches
            tiny.as_store_table = TinyDBTable(tiny)
        return tiny.as_store_table

    def compact(self) -> None:
        self.db.storage.compact()

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


APIS = {"Store": Store, "open_tinydb": TinyDBStore}
STORE_ONLY = pytest.mark.parametrize("api", [Store], ids=["Store"])


@pytest.fixture(params=list(APIS))
def api(request):
    """How the data directory is opened: the Store API or TinyDB's own (open_tinydb)."""
    return APIS[request.param]


@pytest.fixture
def store(api, data_dir: Path):
    with api(data_dir) as opened:
        yield opened


@pytest.fixture
def table(store: Store):
    return store.table("enrollments")


def enrollment(n: int = 1, **extra) -> dict:
    doc = {"email": f"personne{n}@exemple.fr", "role": "mentor", "skills": ["écoute"], "n": n}
    doc.update(extra)
    return doc


def journal(data_dir: Path, name: str = "enrollments") -> Path:
    return data_dir / f"{name}.jsonl"


def reopen_ids(data_dir: Path, name: str = "enrollments") -> list[int]:
    with Store(data_dir) as store:
        return [doc["id"] for doc in store.table(name).all()]


def all_bytes(directory: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in directory.rglob("*") if path.is_file()}


def data_bytes(directory: Path) -> dict[Path, bytes]:
    """Every file but the lock files and append.intent, which hold no data."""
    bookkeeping = {"append.intent", "store.lock", "service.lock"}
    return {path: data for path, data in all_bytes(directory).items()
            if path.name not in bookkeeping}


# --------------------------------------------------------------------------- interface


def test_insert_returns_increasing_ids_and_get_adds_the_id(table):
    first, second = table.insert(enrollment(1)), table.insert(enrollment(2))
    assert (first, second) == (1, 2)
    assert table.get(second) == {**enrollment(2), "id": 2}
    assert table.get(99) is None
    assert len(table) == 2


def test_documents_survive_reopening(store, data_dir, table):
    table.insert(enrollment(1))
    store.close()
    with Store(data_dir) as again:
        assert again.table("enrollments").all() == [{**enrollment(1), "id": 1}]


def test_table_is_cached_per_name(store):
    assert store.table("feedback") is store.table("feedback")
    assert store.table("feedback") is not store.table("enrollments")


@pytest.mark.parametrize("name", ["", "../x", ".hidden", "a/b", "é", "x" * 65])
def test_unsafe_table_names_are_refused(store, name):
    with pytest.raises(ValueError):
        store.table(name)


def test_returned_documents_are_copies(table):
    doc = enrollment(1)
    doc_id = table.insert(doc)
    doc["skills"].append("changed after insert")
    table.get(doc_id)["skills"].append("changed after get")
    table.all()[0]["skills"].append("changed after all")
    assert table.get(doc_id)["skills"] == ["écoute"]


@STORE_ONLY
def test_an_id_key_in_the_document_is_ignored(table):
    doc_id = table.insert({"id": 42, "a": 1})
    assert table.get(doc_id) == {"a": 1, "id": doc_id}
    assert table.update(doc_id, {"id": 7, "b": 2}) == {"a": 1, "b": 2, "id": doc_id}


def test_all_and_search_return_documents_in_id_order(table):
    for n in range(1, 6):
        table.insert(enrollment(n, role="mentor" if n % 2 else "mentoré"))
    assert [doc["id"] for doc in table.all()] == [1, 2, 3, 4, 5]
    found = table.search(lambda doc: doc["role"] == "mentor")
    assert [doc["id"] for doc in found] == [1, 3, 5]
    assert table.search(lambda doc: doc["id"] == 4)[0]["n"] == 4


def test_update_merges_and_returns_the_new_document(table):
    doc_id = table.insert(enrollment(1))
    assert table.update(doc_id, {"role": "mentoré", "site": "Lyon"}) == {
        **enrollment(1), "role": "mentoré", "site": "Lyon", "id": doc_id,
    }


@STORE_ONLY
@pytest.mark.parametrize("operation", [
    lambda t: t.update(9, {"a": 1}),
    lambda t: t.modify(9, lambda doc: doc),
    lambda t: t.remove(9),
])
def test_missing_documents_raise_key_error(table, operation):
    table.insert(enrollment(1))
    with pytest.raises(KeyError):
        operation(table)


@STORE_ONLY
def test_modify_replaces_with_what_the_function_returns(table):
    doc_id = table.insert(enrollment(1, visits=1))
    new = table.modify(doc_id, lambda doc: {**doc, "visits": doc["visits"] + 1})
    assert new["visits"] == 2
    assert table.get(doc_id) == new


@STORE_ONLY
def test_modify_that_raises_changes_nothing(table, data_dir):
    doc_id = table.insert(enrollment(1))
    before = journal(data_dir).read_bytes()

    def fail(doc):
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        table.modify(doc_id, fail)
    with pytest.raises(TypeError):
        table.modify(doc_id, lambda doc: doc.update(x=1))  # returns None
    assert table.get(doc_id) == {**enrollment(1), "id": doc_id}
    assert journal(data_dir).read_bytes() == before


@pytest.mark.parametrize("doc, error", [
    ({"when": object()}, TypeError),
    ({"score": float("nan")}, ValueError),
])
def test_a_document_that_is_not_json_is_refused_and_leaves_nothing(table, data_dir, doc, error):
    table.insert(enrollment(1))
    before = journal(data_dir).read_bytes()
    with pytest.raises(error):
        table.insert(doc)
    assert len(table) == 1
    assert journal(data_dir).read_bytes() == before
    assert table.insert(enrollment(2)) == 3  # the refused insert's id is skipped, not reused


@STORE_ONLY
@pytest.mark.parametrize("existing, candidate, inserted", [
    ("Anne@Exemple.fr", "anne@exemple.fr", False),
    ("STRASSE@exemple.fr", "straße@exemple.fr", False),  # casefold, not lower
    ("anne@exemple.fr", "anne2@exemple.fr", True),
])
def test_insert_unique_compares_casefolded_strings(table, existing, candidate, inserted):
    first = table.insert({"email": existing})
    doc_id, created = table.insert_unique({"email": candidate}, "email")
    assert created is inserted
    assert (doc_id == first) is not inserted
    assert len(table) == (2 if inserted else 1)


@STORE_ONLY
def test_insert_unique_sees_updates_and_removals(table):
    doc_id = table.insert({"email": "a@exemple.fr"})
    assert table.insert_unique({"email": "A@exemple.fr"}, "email") == (doc_id, False)
    table.update(doc_id, {"email": "b@exemple.fr"})
    assert table.insert_unique({"email": "B@exemple.fr"}, "email") == (doc_id, False)
    table.remove(doc_id)
    assert table.insert_unique({"email": "b@exemple.fr"}, "email") == (doc_id + 1, True)


@STORE_ONLY
def test_threads_never_lose_an_insert_nor_duplicate_a_unique_one(table):
    def work(worker: int) -> None:
        for n in range(100):
            table.insert(enrollment(n, worker=worker))
            table.insert_unique({"email": f"Same{n}@exemple.fr"}, "email")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [doc["id"] for doc in table.all()]
    assert len(ids) == len(set(ids)) == 8 * 100 + 100


def test_a_second_store_in_the_same_process_sees_writes(data_dir, table):
    with Store(data_dir) as other:
        mirror = other.table("enrollments")
        doc_id = table.insert(enrollment(1))
        assert mirror.get(doc_id)["n"] == 1
        mirror.update(doc_id, {"n": 2})
        assert table.get(doc_id)["n"] == 2
        assert mirror.insert(enrollment(3)) == doc_id + 1


@STORE_ONLY
def test_a_transaction_keeps_other_writers_waiting_until_it_ends(store, table):
    order = []
    with store.transaction() as same:
        assert same is store
        writer = threading.Thread(target=lambda: order.append(table.insert(enrollment(2))))
        writer.start()
        writer.join(0.2)
        assert writer.is_alive()
        with store.transaction():  # blocks nest
            order.append(table.insert(enrollment(1)))
    writer.join()
    assert order == [1, 2]


@STORE_ONLY
def test_a_lock_held_elsewhere_too_long_gives_storage_unavailable(data_dir, store, table,
                                                                  monkeypatch):
    # Another process's flock (here: another open file description) holds store.lock.
    import fcntl

    from forms_service.storage import locks

    holder = os.open(data_dir / "store.lock", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    monkeypatch.setattr(locks, "LOCK_TIMEOUT", 0.2)
    try:
        with pytest.raises(StorageUnavailable, match="tenu depuis"):
            table.insert(enrollment(1))
    finally:
        os.close(holder)
    assert table.insert(enrollment(2)) == 1  # free again: nothing was half-written
    assert [doc["n"] for doc in table.all()] == [2]


@STORE_ONLY
def test_a_transaction_is_not_a_rollback(data_dir, store, table):
    with pytest.raises(RuntimeError), store.transaction():
        table.insert(enrollment(1))
        raise RuntimeError("stop")
    assert reopen_ids(data_dir) == [1]


# --------------------------------------------------------------------------- ids and erasure


def test_ids_are_never_reused_after_removal(store, data_dir, table):
    ids = [table.insert(enrollment(n)) for n in range(3)]
    table.remove(ids[-1])  # the highest id: a naive max(id)+1 would give it again
    assert table.insert(enrollment(9)) == ids[-1] + 1
    table.remove(ids[-1] + 1)
    store.compact()
    store.close()
    with Store(data_dir) as again:
        assert again.table("enrollments").insert(enrollment(10)) == ids[-1] + 2


def test_removing_every_document_keeps_the_id_counter(data_dir, table):
    table.remove(table.insert(enrollment(1)))
    assert reopen_ids(data_dir) == []
    with Store(data_dir) as again:
        assert again.table("enrollments").insert(enrollment(2)) == 2


def test_erasure_leaves_no_trace_in_any_file(data_dir, store, table):
    marker = "ZQX-erase-me-7781"
    table.insert(enrollment(1))
    doc_id = table.insert(enrollment(2, note=f"{marker} v1"))
    table.update(doc_id, {"note": f"{marker} v2"})  # an older version stays in the journal
    store.table("feedback").insert({"text": "merci"})
    table.insert(enrollment(3))
    assert any(marker.encode() in data for data in all_bytes(data_dir).values())

    table.remove(doc_id)

    leaking = [path for path, data in all_bytes(data_dir).items() if marker.encode() in data]
    assert leaking == []
    assert table.get(doc_id) is None
    assert reopen_ids(data_dir) == [1, 3]


# --------------------------------------------------------------------------- compaction


def test_compact_keeps_one_line_per_document(data_dir, store, table):
    doc_id = table.insert(enrollment(1))
    for n in range(10):
        table.update(doc_id, {"n": n})
    assert len(journal(data_dir).read_bytes().splitlines()) == 12
    store.compact()
    assert len(journal(data_dir).read_bytes().splitlines()) == 2  # header + document
    assert table.get(doc_id)["n"] == 9


def test_updates_compact_automatically(monkeypatch, data_dir, table):
    monkeypatch.setattr(journal_storage, "COMPACT_MIN_DEAD", 5)
    ids = [table.insert(enrollment(n)) for n in range(3)]
    for n in range(50):
        table.update(ids[n % 3], {"n": n})
    assert len(journal(data_dir).read_bytes().splitlines()) <= 1 + 3 + 6
    assert reopen_ids(data_dir) == ids


def test_the_storage_is_a_tinydb_storage(data_dir, table):
    table.insert(enrollment(1))
    db = open_tinydb(data_dir)
    try:
        assert isinstance(db.storage, storage.JournalStorage)
        assert db.tables() == {"enrollments"}
        assert db.table("enrollments").get(doc_id=1)["n"] == 1
    finally:
        db.close()


# --------------------------------------------------------------------------- corrupt data


def good_journal(data_dir: Path, count: int = 5) -> bytes:
    with Store(data_dir) as store:
        table = store.table("enrollments")
        for n in range(1, count + 1):
            table.insert(enrollment(n))
    return journal(data_dir).read_bytes()


def flip_a_byte_in_line(n: int):
    def damage(data: bytes) -> bytes:
        lines = data.split(b"\n")
        line = bytearray(lines[n])
        line[-3] ^= 0x01  # still valid JSON-looking text, wrong checksum
        lines[n] = bytes(line)
        return b"\n".join(lines)
    return damage


DAMAGES = {
    # name: (damage, intact records check can recover out of 5, whether a repair would take
    # a record's newest version back, and so needs --force)
    "torn last line": (lambda data: data[:-40], 4, True),
    "checksum mismatch": (flip_a_byte_in_line(3), 4, True),
    "garbage line": (lambda data: data + b"\x00\x00\x00garbage\n", 5, True),
    "missing header": (lambda data: data.split(b"\n", 1)[1], 5, False),
    "empty file": (lambda data: b"", 0, False),
}


@pytest.mark.parametrize("kind", DAMAGES)
def test_a_damaged_journal_fails_closed_and_check_repairs_it(api, data_dir, kind):
    damage, recoverable, goes_back = DAMAGES[kind]
    damaged = damage(good_journal(data_dir))
    journal(data_dir).write_bytes(damaged)

    with pytest.raises(CorruptData) as raised:
        api(data_dir)
    assert raised.value.path == journal(data_dir)
    assert "enrollments.jsonl" in str(raised.value)
    assert journal(data_dir).read_bytes() == damaged  # never replaced by an empty database

    report = check(data_dir)
    assert not report.ok
    assert any("enrollments.jsonl" in problem for problem in report.problems)
    assert report.records == report.recovered == recoverable
    assert journal(data_dir).read_bytes() == damaged  # check alone changes nothing

    repaired = check(data_dir, repair=True)
    if goes_back:  # refused, naming what would go back; nothing changed
        assert repaired.refused and not repaired.repaired and repaired.rollbacks
        assert journal(data_dir).read_bytes() == damaged
        repaired = check(data_dir, repair=True, force=True)
    assert repaired.repaired and repaired.recovered == recoverable
    assert check(data_dir).ok
    assert len(reopen_ids(data_dir)) == recoverable
    with api(data_dir) as again:  # ids are still never reused
        assert again.table("enrollments").insert(enrollment(6)) > 5 or recoverable == 0


def test_damage_appended_by_someone_else_refuses_further_writes(data_dir, table):
    table.insert(enrollment(1))
    with journal(data_dir).open("ab") as handle:
        handle.write(b"not a journal line\n")
    damaged = journal(data_dir).read_bytes()
    with pytest.raises(CorruptData):
        table.insert(enrollment(2))
    with pytest.raises(CorruptData):
        table.all()
    assert journal(data_dir).read_bytes() == damaged


def test_check_reports_a_healthy_directory(data_dir):
    good_journal(data_dir, 3)
    report = check(data_dir)
    assert report.ok and report.problems == [] and report.records == 3
    assert "intactes" in str(report)


# --------------------------------------------------------------------------- failing disks


def failing(code: int, after: int = 0):
    """Return a stand-in that lets `after` calls through, then raises OSError(code)."""
    calls = {"n": 0}

    def fail(real):
        def wrapper(*args):
            calls["n"] += 1
            if calls["n"] > after:
                raise OSError(code, os.strerror(code))
            return real(*args)
        return wrapper
    return fail


def half_write_then(code: int):
    """Write half of the data, then fail: what a filling disk does."""
    def write(fd: int, data: bytes) -> None:
        os.write(fd, bytes(data[: len(data) // 2]))
        raise OSError(code, os.strerror(code))
    return write


FAILURES = {
    "write ENOSPC": ("write_all", lambda real: failing(errno.ENOSPC)(real), "Disque plein"),
    "partial write": ("write_all", lambda real: half_write_then(errno.ENOSPC), "Disque plein"),
    "fsync ENOSPC": ("fsync", lambda real: failing(errno.ENOSPC)(real), "Disque plein"),
    "fsync EIO": ("fsync", lambda real: failing(errno.EIO)(real), "indisponible"),
    "read-only": ("write_all", lambda real: failing(errno.EROFS)(real), "lecture seule"),
    "read-only new file": ("open_temp", lambda real: failing(errno.EROFS)(real), "lecture seule"),
    "permission": ("open_temp", lambda real: failing(errno.EACCES)(real), "Accès refusé"),
}

OPERATIONS = {
    "insert": lambda s: s.table("enrollments").insert(enrollment(9)),
    "insert in a new table": lambda s: s.table("feedback").insert({"text": "x"}),
    "update": lambda s: s.table("enrollments").update(1, {"n": 99}),
    "remove": lambda s: s.table("enrollments").remove(2),
    "compact": lambda s: s.compact(),
}


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("failure", FAILURES)
def test_a_failing_disk_raises_unavailable_and_changes_nothing(
    monkeypatch, data_dir, store, table, failure, operation
):
    for n in range(1, 4):
        table.insert(enrollment(n))
    files_before = data_bytes(data_dir)
    docs_before = table.all()
    function, make, message = FAILURES[failure]
    monkeypatch.setattr(files, function, make(getattr(files, function)))

    try:
        OPERATIONS[operation](store)
    except StorageUnavailable as exc:
        assert message in str(exc)
    else:  # this failure does not reach this operation (e.g. no new file needed)
        assert function == "open_temp" and operation in ("insert", "update")
        return

    monkeypatch.undo()
    assert data_bytes(data_dir) == files_before
    assert table.all() == docs_before
    assert store.table("feedback").all() == []
    assert reopen_ids(data_dir) == [1, 2, 3]
    assert table.insert(enrollment(4)) >= 4  # usable again once the disk recovers


def test_an_unusable_data_directory_raises_unavailable(api, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageUnavailable):
        api(blocker / "data")


# --------------------------------------------------------------------------- crash leftovers


def test_opening_removes_temporary_files_left_by_a_crash(data_dir):
    good_journal(data_dir, 2)
    (data_dir / ".enrollments.jsonl.tmp-0a1b2c").write_text("données personnelles")
    (data_dir / ".restore.tmp-99").mkdir()
    (data_dir / ".restore.tmp-99" / "feedback.jsonl").write_text("données personnelles")
    assert not check(data_dir).ok
    assert reopen_ids(data_dir) == [1, 2]
    assert sorted(os.listdir(data_dir)) == [
        "append.intent", "enrollments.jsonl", "service.lock", "store.lock",
    ]


# --------------------------------------------------------------------------- migration


def make_v1(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    db = TinyDB(data_dir / "db.json")
    enrollments = db.table("enrollments")
    for n in range(1, 5):
        enrollments.insert({"v": 1, "email": f"v1-{n}@exemple.fr", "role": "mentor"})
    enrollments.remove(doc_ids=[2])
    db.table("feedback").insert({"v": 1, "text": "très utile"})
    db.close()


def test_a_version_1_database_is_migrated_once_keeping_ids(api, data_dir):
    make_v1(data_dir)
    with api(data_dir) as store:
        enrollments = store.table("enrollments").all()
        assert [doc["id"] for doc in enrollments] == [1, 3, 4]
        assert enrollments[0] == {"v": 1, "email": "v1-1@exemple.fr", "role": "mentor", "id": 1}
        assert store.table("feedback").get(1) == {"v": 1, "text": "très utile", "id": 1}
        assert store.table("enrollments").insert({"v": 2}) == 5
    names = os.listdir(data_dir)
    assert "db.json" not in names and "db.json.migrated" not in names
    assert "migration.pending" not in names
    assert reopen_ids(data_dir) == [1, 3, 4, 5]


def test_a_migration_interrupted_before_deleting_db_json_is_redone(data_dir):
    make_v1(data_dir)
    (data_dir / "migration.pending").write_text("")
    (data_dir / "enrollments.jsonl").write_bytes(b"half written")
    assert reopen_ids(data_dir) == [1, 3, 4]
    assert not (data_dir / "db.json").exists()


def test_a_corrupt_version_1_database_fails_closed(api, data_dir):
    make_v1(data_dir)
    v1 = data_dir / "db.json"
    damaged = v1.read_bytes()[:-20]
    v1.write_bytes(damaged)
    with pytest.raises(CorruptData) as raised:
        api(data_dir)
    assert raised.value.path == v1 and "db.json" in str(raised.value)
    assert v1.read_bytes() == damaged
    assert not check(data_dir).ok


def test_a_version_1_file_next_to_new_data_is_not_merged(api, data_dir):
    good_journal(data_dir, 1)
    make_v1(data_dir / "old")
    os.replace(data_dir / "old" / "db.json", data_dir / "db.json")
    with pytest.raises(CorruptData):
        api(data_dir)
    assert (data_dir / "db.json").exists()


# --------------------------------------------------------------------------- backup / restore


def populated(data_dir: Path) -> None:
    good_journal(data_dir, 3)
    with Store(data_dir) as store:
        store.table("feedback").insert({"text": "bien"})
    (data_dir / "secret_key").write_text("s3cr3t")
    (data_dir / "outbox" / "sent").mkdir(parents=True)
    (data_dir / "outbox" / "1.eml").write_text("Subject: bonjour")
    (data_dir / "outbox" / "sent" / "0.eml").write_text("Subject: envoyé")


def test_backup_writes_one_archive_of_data_secret_key_and_outbox(tmp_path, data_dir):
    populated(data_dir)
    archive = backup(data_dir, tmp_path)
    assert archive.parent == tmp_path and archive.name.endswith(".tar.gz")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("mentorat-backup.json"))
    assert names == {
        "mentorat-backup.json", "enrollments.jsonl", "feedback.jsonl", "secret_key",
        "outbox/1.eml", "outbox/sent/0.eml",
    }
    assert manifest["format"] == 1
    assert oct(archive.stat().st_mode & 0o777) == oct(0o600)
    assert [p for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_restore_into_an_empty_directory(tmp_path, data_dir):
    populated(data_dir)
    archive = backup(data_dir, tmp_path / "b.tar.gz")
    target = tmp_path / "new"
    restore(archive, target)
    assert reopen_ids(target) == [1, 2, 3]
    assert (target / "secret_key").read_text() == "s3cr3t"
    assert (target / "outbox" / "sent" / "0.eml").exists()


def test_restore_refuses_existing_data_unless_forced(tmp_path, data_dir):
    populated(data_dir)
    archive = backup(data_dir, tmp_path / "b.tar.gz")
    with Store(data_dir) as store:
        store.table("enrollments").insert(enrollment(4))
        store.table("pairs").insert({"after": "backup"})
    (data_dir / "outbox" / "2.eml").write_text("après")

    with pytest.raises(StorageError) as refused:
        restore(archive, data_dir)
    assert "--force" in str(refused.value) and "données" in str(refused.value)
    assert reopen_ids(data_dir) == [1, 2, 3, 4]

    restore(archive, data_dir, force=True)
    assert reopen_ids(data_dir) == [1, 2, 3]
    assert not journal(data_dir, "pairs").exists()
    assert not (data_dir / "outbox" / "2.eml").exists()
    assert [name for name in os.listdir(data_dir) if ".tmp-" in name] == []


def test_restore_is_refused_while_a_store_is_open(tmp_path, data_dir, store):
    store.table("enrollments").insert(enrollment(1))
    archive = backup(data_dir, tmp_path / "b.tar.gz")
    with pytest.raises(StorageError, match="arrêtez-le"):
        restore(archive, data_dir, force=True)


@pytest.mark.parametrize("members", [
    {"../evil": b"x"},
    {"mentorat-backup.json": b"{}", "/etc/passwd": b"x"},
    {"enrollments.jsonl": b"no manifest"},
    {"mentorat-backup.json": b"{}", "enrollments.jsonl": b"damaged\n"},
])
def test_restore_refuses_a_bad_archive_and_keeps_the_data(tmp_path, data_dir, members):
    good_journal(data_dir, 2)
    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(StorageError):
        restore(archive, data_dir, force=True)
    assert reopen_ids(data_dir) == [1, 2]
    assert [name for name in os.listdir(data_dir) if ".tmp-" in name] == []
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize("meanwhile", ["append", "compact"])
def test_opening_catches_up_with_writes_made_during_its_unlocked_replay(data_dir, monkeypatch,
                                                                        meanwhile):
    # A worker starting replays without the lock; another worker keeps writing.
    with Store(data_dir) as first:
        first.table("enrollments").insert(enrollment(1))
        first.table("enrollments").update(1, {"n": 10})
    other = Store(data_dir)
    replay = journal_storage.JournalStorage._replay_unlocked

    def replay_then_the_other_writes(self, name):
        replay(self, name)
        other.table(name).insert(enrollment(2))
        if meanwhile == "compact":
            other.compact()  # the journal the replay read is replaced

    monkeypatch.setattr(journal_storage.JournalStorage, "_replay_unlocked",
                        replay_then_the_other_writes)
    with Store(data_dir) as opened:
        assert [doc["n"] for doc in opened.table("enrollments").all()] == [10, 2]
        assert opened.table("enrollments").insert(enrollment(3)) == 3
    other.close()


@STORE_ONLY
def test_the_last_fsync_of_a_write_runs_once_the_lock_is_free(table, monkeypatch):
    # Another writer (a thread here, a gunicorn worker in production) need not wait
    # for this write's disk sync; the write is still durable before insert returns.
    table.insert(enrollment(0))  # a table's first write creates its journal, under the lock
    real = files.fsync
    other_done = threading.Event()
    synced = []

    def fsync(fd):
        synced.append(fd)
        if len(synced) == 1:
            writer = threading.Thread(
                target=lambda: (table.insert(enrollment(2)), other_done.set()))
            writer.start()
            assert other_done.wait(5), "the other writer waited for this fsync"
        real(fd)

    monkeypatch.setattr(files, "fsync", fsync)
    assert table.insert(enrollment(1)) == 2
    assert len(synced) == 2  # each write synced before its call returned
    assert [doc["n"] for doc in table.all()] == [0, 1, 2]


@STORE_ONLY
def test_a_failed_sync_followed_by_another_write_is_kept_and_still_reported(
        data_dir, table, monkeypatch):
    table.insert(enrollment(0))
    real = files.fsync
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 1:  # another writer appends while this sync fails
            writer = threading.Thread(target=lambda: table.insert(enrollment(2)))
            writer.start()
            writer.join(5)
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(fd)

    monkeypatch.setattr(files, "fsync", fsync)
    with pytest.raises(StorageUnavailable):
        table.insert(enrollment(1))
    monkeypatch.undo()
    # It cannot be cut out alone: it stays, and the caller was told it failed.
    assert [doc["n"] for doc in table.all()] == [0, 1, 2]
    assert reopen_ids(data_dir) == [1, 2, 3]
