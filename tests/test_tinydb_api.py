"""open_tinydb keeps TinyDB's promises: the four departures of issue 11, threads, processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from support.service import ROOT
from tinydb import Query, where
from tinydb.operations import add
from tinydb.table import Document

from forms_service.storage import Store, open_tinydb


@pytest.fixture
def db(data_dir: Path):
    with open_tinydb(data_dir) as opened:
        yield opened


def journal_size(data_dir: Path, name: str = "_default") -> int:
    return (data_dir / f"{name}.jsonl").stat().st_size


def journal_lines(data_dir: Path, name: str = "_default") -> int:
    return len((data_dir / f"{name}.jsonl").read_bytes().splitlines())


# --------------------------------------------------------------------------- (a) explicit ids


def test_an_explicit_doc_id_moves_the_next_id_forward(db):
    """Issue 11: the next plain inserts handed out lower ids, then collided."""
    assert db.insert({"n": 1}) == 1
    assert db.insert(Document({"n": 12}, 12)) == 12
    assert db.insert({"n": 13}) == 13
    assert db.insert_multiple([Document({"n": 40}, 40), Document({"n": 41}, 41)]) == [40, 41]
    assert db.insert({"n": 42}) == 42
    assert db.upsert(Document({"n": 50}, 50)) == [50]
    assert db.insert({"n": 51}) == 51


def test_an_explicit_doc_id_moves_the_counter_for_other_processes_too(data_dir, db):
    db.insert(Document({"n": 7}, 7))
    with Store(data_dir) as store:
        assert store.table("_default").insert({"n": 8}) == 8


# --------------------------------------------------------------------------- (b) persist_empty


def test_persist_empty_creates_the_table_and_it_survives_reopening(data_dir, db):
    db.table("persisted", persist_empty=True)
    db.table("not_persisted")
    assert "persisted" in db.tables() and "not_persisted" not in db.tables()
    with open_tinydb(data_dir) as again:
        assert "persisted" in again.tables()


def test_persist_empty_never_empties_an_existing_table(data_dir, db):
    db.table("kept").insert({"n": 1})
    with open_tinydb(data_dir) as again:
        assert len(again.table("kept", persist_empty=True)) == 1


@pytest.mark.parametrize("empty", [
    lambda t: t.remove(doc_ids=[1, 2]),
    lambda t: t.remove(where("n") < 10),
    lambda t: t.truncate(),
])
def test_an_emptied_table_stays_in_tables(data_dir, db, empty):
    table = db.table("t")
    table.insert_multiple([{"n": 1}, {"n": 2}])
    empty(table)
    assert "t" in db.tables() and len(table) == 0
    with open_tinydb(data_dir) as again:
        assert "t" in again.tables()


def test_a_dropped_table_leaves_tables_but_its_ids_continue(data_dir, db):
    db.table("t").insert_multiple([{"n": 1}, {"n": 2}])
    db.drop_table("t")
    assert "t" not in db.tables()
    with open_tinydb(data_dir) as again:
        assert "t" not in again.tables()
        assert again.table("t").insert({"n": 3}) == 3
        assert "t" in again.tables()
    db.drop_tables()
    assert db.tables() == set()
    assert db.table("t").insert({"n": 4}) == 4


# --------------------------------------------------------------------------- (c) what updates append


def test_update_by_query_appends_only_the_documents_it_changed(data_dir, db):
    """Issue 11: every document the condition looked at was appended (10 documents, 10 lines)."""
    db.insert_multiple({"n": n, "tags": []} for n in range(10))
    lines = journal_lines(data_dir)
    assert db.update({"seen": True}, where("n") == 99) == []
    assert journal_lines(data_dir) == lines
    assert db.update({"seen": True}, where("n") == 3) == [4]
    assert journal_lines(data_dir) == lines + 1
    assert db.update({"seen": True}, where("n") == 3) == [4]  # no change: nothing appended
    assert journal_lines(data_dir) == lines + 1
    assert db.update(add("tags", ["x"]), where("n") < 2) == [1, 2]
    assert journal_lines(data_dir) == lines + 3
    assert db.get(doc_id=1)["tags"] == ["x"]


def test_upsert_appends_one_line_whether_it_updates_or_inserts(data_dir, db):
    db.insert_multiple({"n": n} for n in range(10))
    lines = journal_lines(data_dir)
    assert db.upsert({"n": 5, "x": 1}, where("n") == 5) == [6]
    assert journal_lines(data_dir) == lines + 1
    assert db.upsert({"n": 77}, where("n") == 77) == [11]
    assert journal_lines(data_dir) == lines + 2


def test_a_type_change_is_a_change(data_dir, db):
    doc_id = db.insert({"flag": 1})
    db.update({"flag": True}, doc_ids=[doc_id])
    with open_tinydb(data_dir) as again:
        assert again.get(doc_id=doc_id)["flag"] is True


def test_update_multiple_appends_only_what_changed(data_dir, db):
    db.insert_multiple({"n": n} for n in range(10))
    lines = journal_lines(data_dir)
    assert db.update_multiple([({"a": 1}, where("n") == 1), ({"a": 2}, where("n") == 42)]) == [2]
    assert journal_lines(data_dir) == lines + 1


# --------------------------------------------------------------------------- (d) private copies


READS = {
    "get by id": lambda t: t.get(doc_id=1),
    "get by query": lambda t: t.get(where("n") == 1),
    "get by ids": lambda t: t.get(doc_ids=[1])[0],
    "all": lambda t: t.all()[0],
    "search": lambda t: t.search(where("n") == 1)[0],
    "iteration": lambda t: next(iter(t)),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS)
def test_returned_documents_share_nothing_with_the_stored_ones(db, read):
    """Issue 11: mutating a document from get changed later reads without any write."""
    db.insert({"n": 1, "skills": ["écoute"], "consent": {"version": "1"}})
    doc = read(db.table("_default"))
    doc["skills"].append("intrus")
    doc["consent"]["version"] = "intrus"
    assert db.get(doc_id=1) == {"n": 1, "skills": ["écoute"], "consent": {"version": "1"}}


def test_an_inserted_document_is_not_kept_by_reference(db):
    doc = {"n": 1, "skills": ["écoute"]}
    db.insert(doc)
    doc["skills"].append("intrus")
    assert db.get(doc_id=1)["skills"] == ["écoute"]


# --------------------------------------------------------------------------- safe on its own


def test_threads_inserting_and_updating_lose_nothing(db):
    def work(tag: int) -> None:
        for n in range(50):
            doc_id = db.insert({"tag": tag, "n": n, "hits": 0})
            db.update(add("hits", 1), doc_ids=[doc_id])
            db.search(Query().tag == tag)

    threads = [threading.Thread(target=work, args=(tag,)) for tag in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    docs = db.all()
    assert sorted(doc.doc_id for doc in docs) == list(range(1, 201))
    assert all(doc["hits"] == 1 for doc in docs)


SCRIPT = """
import sys
from forms_service.storage import open_tinydb
with open_tinydb(sys.argv[1]) as db:
    for n in range(int(sys.argv[2])):
        db.table("enrollments").insert({"tag": sys.argv[3], "n": n})
"""


def test_a_script_writes_beside_a_running_store_and_both_see_everything(data_dir):
    with Store(data_dir) as store:
        table = store.table("enrollments")
        script = subprocess.Popen([sys.executable, "-c", SCRIPT, str(data_dir), "150", "script"],
                                  cwd=ROOT)
        for n in range(150):
            table.insert({"tag": "service", "n": n})
        assert script.wait(timeout=60) == 0
        ids = [doc["id"] for doc in table.all()]
        assert sorted(ids) == list(range(1, 301))
        with open_tinydb(data_dir) as db:
            assert db.tables() == {"enrollments"}
            assert db.table("enrollments").count(where("tag") == "script") == 150
            table.insert({"tag": "service", "n": 150})
            assert len(db.table("enrollments")) == 301  # sees the service's new write


def test_reads_see_what_another_process_wrote(data_dir, db):
    table = db.table("enrollments")
    assert len(table) == 0
    subprocess.run([sys.executable, "-c", SCRIPT, str(data_dir), "3", "other"], cwd=ROOT,
                   check=True, timeout=60)
    assert [doc["n"] for doc in table.search(where("tag") == "other")] == [0, 1, 2]
    assert "enrollments" in db.tables()
