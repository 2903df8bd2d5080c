"""``open_tinydb``: TinyDB's own API over the journals, safe across threads and processes.

``JournalTable`` is a ``tinydb.table.Table`` whose every public method takes
the store lock itself (the in-process half for reads, the whole lock for
writes), whose ``_read_table`` serves the replayed documents from memory and
whose ``_update_table`` hands TinyDB's updater a dict that records which
documents it touched, so only those that changed are appended: an insert
costs one line and one fsync whatever the table size (plain TinyDB rewrites
the whole file). Two differences from TinyDB, both on purpose: ids are never
reused (after ``remove``, ``truncate`` or ``drop_tables`` they continue), and
there is no query cache (another process may have written since).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document
from tinydb.table import Table as TinyTable

from .journal import copy_json
from .journal_storage import JournalStorage
from .layout import table_name_ok

__all__ = ["JournalDB", "JournalTable", "open_tinydb"]


def open_tinydb(directory: str | Path) -> TinyDB:
    """Open a data directory as a ``tinydb.TinyDB`` that is safe on its own.

    Every read and write takes the store lock itself, so threads, scripts and
    a running service's workers can all use the directory at once; reads see
    what other processes wrote. It behaves as TinyDB documents except that ids
    are never reused and there is no query cache. Documents returned are
    private copies. Close it (or use ``with``) to release the directory:
    ``restore`` waits for every open one.
    """
    return JournalDB(directory)


class _ChangeTracker(MutableMapping):
    """The dict TinyDB's updaters receive: int ids over the raw str-keyed table.

    It remembers every document the updater touches (with a copy of its old
    value), so the storage can append those that changed and undo them all if
    the disk refuses the write.
    """

    def __init__(self, docs: dict[str, dict]):
        self._docs = docs
        self.before: dict[int, dict | None] = {}

    def _touch(self, doc_id: int) -> None:
        if doc_id not in self.before:
            old = self._docs.get(str(doc_id))
            self.before[doc_id] = None if old is None else copy_json(old)

    def __getitem__(self, doc_id: int) -> dict:
        self._touch(doc_id)  # TinyDB updates documents in place through this
        return self._docs[str(doc_id)]

    def __setitem__(self, doc_id: int, doc: dict) -> None:
        self._touch(doc_id)
        self._docs[str(doc_id)] = doc

    def __delitem__(self, doc_id: int) -> None:
        self._touch(doc_id)
        del self._docs[str(doc_id)]

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self._docs

    def __iter__(self) -> Iterator[int]:
        return iter([int(key) for key in self._docs])

    def __len__(self) -> int:
        return len(self._docs)

    def rollback(self) -> None:
        for doc_id, old in self.before.items():
            if old is None:
                self._docs.pop(str(doc_id), None)
            else:
                self._docs[str(doc_id)] = old


def _detached(doc: Document) -> Document:
    """Return a copy sharing no list or dict with the stored document."""
    return Document(copy_json(doc), doc.doc_id)


class JournalTable(TinyTable):
    """A TinyDB table kept in memory and persisted by appending to its journal."""

    def __init__(self, storage: JournalStorage, name: str, cache_size: int = 0,
                 persist_empty: bool = False):
        # No query cache, whatever cache_size says: another process may have written.
        super().__init__(storage, name, cache_size=0)
        if persist_empty:
            # Create the table if it has no journal; unlike TinyDB 4.9, never
            # empty an existing one (its documentation: "store new table even
            # with no operations on it").
            self._update_table(lambda table: None)

    # reads: under the in-process lock, so no other thread changes memory meanwhile

    def get(self, cond=None, doc_id=None, doc_ids=None):
        with self._storage.lock.thread_lock:
            found = super().get(cond, doc_id, doc_ids)
        if isinstance(found, list):
            return [_detached(doc) for doc in found]
        return None if found is None else _detached(found)

    def search(self, cond) -> list[Document]:
        with self._storage.lock.thread_lock:
            found = super().search(cond)
        return [_detached(doc) for doc in found]

    def count(self, cond) -> int:
        with self._storage.lock.thread_lock:
            return sum(1 for doc in self._read_table().values() if cond(doc))

    def has_id(self, doc_id: int) -> bool:
        """Tell whether a document has this id, without copying it."""
        with self._storage.lock.thread_lock:
            return str(doc_id) in self._read_table()

    def __len__(self) -> int:
        with self._storage.lock.thread_lock:
            return len(self._read_table())

    def __iter__(self) -> Iterator[Document]:
        with self._storage.lock.thread_lock:
            found = list(super().__iter__())
        return iter([_detached(doc) for doc in found])

    # writes: under the whole lock, from reading the table to the fsync

    def insert(self, document) -> int:
        with self._storage.lock:
            return super().insert(document)

    def insert_multiple(self, documents) -> list[int]:
        with self._storage.lock:
            return super().insert_multiple(documents)

    def update(self, fields, cond=None, doc_ids=None) -> list[int]:
        with self._storage.lock:
            if doc_ids is None and cond is not None:
                # Only the matching documents reach the updater, which copies
                # each one it is handed (to compare and to roll back).
                doc_ids = self._matching(cond)
            return super().update(fields, cond, doc_ids)

    def update_multiple(self, updates) -> list[int]:
        with self._storage.lock:
            return super().update_multiple(updates)

    def upsert(self, document, cond=None) -> list[int]:
        with self._storage.lock:  # the update and the insert see the same table
            return super().upsert(document, cond)

    def remove(self, cond=None, doc_ids=None) -> list[int]:
        with self._storage.lock:
            if doc_ids is None and cond is not None:
                doc_ids = self._matching(cond)
            return super().remove(cond, doc_ids)

    def truncate(self) -> None:
        with self._storage.lock:
            super().truncate()

    # what TinyDB's methods call

    def _matching(self, cond) -> list[int]:
        return [int(key) for key, doc in self._read_table().items() if cond(doc)]

    def _read_table(self) -> dict[str, dict]:
        return self._storage.docs(self.name)

    def _get_next_id(self) -> int:
        return self._storage.allocate_id(self.name)

    def _update_table(self, updater: Callable[[dict[int, dict]], None]) -> None:
        storage: JournalStorage = self._storage
        with storage.lock:
            state = storage.state(self.name)
            tracker = _ChangeTracker(state.docs)
            try:
                updater(tracker)
                if tracker.before or not state.exists:  # TinyDB writes a table it updated
                    storage.commit(state, tracker.before)
            except BaseException:
                tracker.rollback()
                raise


class JournalDB(TinyDB):
    """The TinyDB that open_tinydb returns: tables are journals, names are file names."""

    table_class = JournalTable
    default_storage_class = JournalStorage

    def table(self, name: str, **kwargs: Any) -> JournalTable:
        if not table_name_ok(name):
            raise ValueError(f"nom de table invalide : {name!r}")
        with self.storage.lock.thread_lock:  # two threads asking get the same table
            return super().table(name, **kwargs)

    def drop_tables(self) -> None:
        with self.storage.lock:
            super().drop_tables()

    def drop_table(self, name: str) -> None:
        with self.storage.lock:
            self._tables.pop(name, None)
            self.storage.drop(name)
