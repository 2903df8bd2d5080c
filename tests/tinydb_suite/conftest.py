"""Run TinyDB 4.9's own tests against ``open_tinydb``.

The test files beside this one are TinyDB's, unchanged (MIT, see LICENSE).
Upstream's ``db`` fixture is parametrised over its storages ('memory',
'json'); here it has one parameter, 'journal': a fresh data directory opened
with ``open_tinydb``, prepared exactly as upstream prepares it. Tests that
build their own ``TinyDB(path)`` or ``TinyDB(storage=MemoryStorage)`` get
``open_tinydb`` too (the same path reopens the same directory; each memory
database is a new directory); a test handing TinyDB some other storage class
(a custom Storage, a middleware) keeps plain TinyDB, since it tests that class.

``SKIPPED`` lists the tests left out, each with its reason: they check the two
documented differences (ids are never reused, there is no query cache) or
the class names that ``repr`` and ``.storage`` show.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from tinydb import TinyDB
from tinydb.storages import JSONStorage, MemoryStorage

from forms_service.storage import open_tinydb

IDS_NEVER_REUSED = "ids are never reused: after drop_tables/truncate ids continue, not from 1"
NO_QUERY_CACHE = "no query cache: another process may have written since the last query"
CLASS_NAME = "checks a class name (JournalDB, JournalStorage), not behaviour"

SKIPPED = {
    "test_tinydb.py::test_insert_ids": IDS_NEVER_REUSED,
    "test_tinydb.py::test_insert_with_doc_id": IDS_NEVER_REUSED,
    "test_tinydb.py::test_insert_with_duplicate_doc_id": IDS_NEVER_REUSED,
    "test_tinydb.py::test_insert_multiple_with_ids": IDS_NEVER_REUSED,
    "test_tinydb.py::test_update_returns_ids": IDS_NEVER_REUSED,
    "test_tinydb.py::test_doc_ids_json": IDS_NEVER_REUSED,
    "test_tables.py::test_next_id": IDS_NEVER_REUSED,
    "test_tables.py::test_truncate_table": IDS_NEVER_REUSED,
    "test_tinydb.py::test_search": NO_QUERY_CACHE,
    "test_tinydb.py::test_search_path": NO_QUERY_CACHE,
    "test_tinydb.py::test_query_cache": NO_QUERY_CACHE,
    "test_tables.py::test_query_cache": NO_QUERY_CACHE,
    "test_tables.py::test_query_cache_size": NO_QUERY_CACHE,
    "test_tables.py::test_lru_cache": NO_QUERY_CACHE,
    "test_tinydb.py::test_repr": CLASS_NAME,
    "test_tables.py::test_table_repr": CLASS_NAME,
    "test_tinydb.py::test_access_storage": CLASS_NAME,
    "test_tinydb.py::test_storage_access": CLASS_NAME,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        key = f"{item.path.name}::{item.originalname}"
        if item.path.parent == Path(__file__).parent and key in SKIPPED:
            item.add_marker(pytest.mark.skip(reason=SKIPPED[key]))


@pytest.fixture(params=["journal"])
def db(request, tmp_path: Path):
    db_ = open_tinydb(tmp_path / "data")
    db_.drop_tables()
    db_.insert_multiple({"int": 1, "char": c} for c in "abc")
    yield db_
    db_.close()


@pytest.fixture(autouse=True)
def tinydb_opens_journals(request, monkeypatch, tmp_path: Path):
    """Make the suite's own ``TinyDB(...)`` calls open data directories instead."""
    if getattr(request.module, "TinyDB", None) is not TinyDB:
        yield
        return
    memory_dirs = (tmp_path / f"memory-{n}" for n in itertools.count())
    opened = []

    def opener(*args, storage=None, **_options):
        if storage not in (None, JSONStorage, MemoryStorage):
            return TinyDB(*args, storage=storage, **_options)
        directory = Path(f"{args[0]}.d") if args else next(memory_dirs)
        opened.append(open_tinydb(directory))
        return opened[-1]

    monkeypatch.setattr(request.module, "TinyDB", opener)
    yield
    for db_ in opened:  # the suite leaves some open; a closed one closes again harmlessly
        db_.close()
