"""``Store`` and ``Table``: the small interface the repository uses (ids in documents)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self

from .journal import copy_json, is_id
from .journal_storage import JournalStorage
from .layout import table_name_ok
from .tinydb_api import JournalDB, JournalTable, open_tinydb

__all__ = ["Store", "Table"]


def _without_id(doc: dict) -> dict:
    if not isinstance(doc, dict):
        raise TypeError("un document doit être un dict")
    return {key: value for key, value in doc.items() if key != "id"}


def _as_id(doc_id: Any) -> int:
    if not is_id(doc_id):
        raise TypeError(f"identifiant invalide : {doc_id!r}")
    return doc_id


def _with_id(doc: dict, doc_id: int) -> dict:
    """Return doc (already a private copy) as a plain dict with its "id"."""
    return {**doc, "id": int(doc_id)}


def _by_id(doc: dict) -> int:
    return doc["id"]


class Table:
    """One collection of documents (``Store.table(name)``); every method is thread-safe."""

    def __init__(self, tiny: JournalTable):
        self.name = tiny.name
        self._tiny = tiny
        self._storage: JournalStorage = tiny.storage

    def insert(self, doc: dict) -> int:
        """Store doc; return its new id once it is on disk. A key "id" is ignored."""
        return self._tiny.insert(_without_id(doc))

    def insert_unique(self, doc: dict, key: str) -> tuple[int, bool]:
        """Insert doc unless one with the same doc[key] exists (strings casefolded).

        Return (id, True) when inserted, (existing id, False) otherwise; the
        check and the insert run under one lock, so two workers never both insert.
        """
        doc = _without_id(doc)
        value = doc[key]
        with self._storage.lock:
            existing = self._storage.state(self.name).index(key).find(value)
            if existing is not None:
                return existing, False
            return self._tiny.insert(doc), True

    def find(self, key: str, value: Any) -> dict | None:
        """The document whose doc[key] equals value (strings casefolded), by index: O(1)."""
        with self._storage.lock.thread_lock:
            doc_id = self._storage.state(self.name).index(key).find(value)
            return None if doc_id is None else self.get(doc_id)

    def ids_having(self, key: str) -> list[int]:
        """The ids of the documents that hold the field key, in order, by index (no scan).

        Made for a field that only a few documents hold at a time, such as a
        mark set on creation and removed once handled.
        """
        with self._storage.lock.thread_lock:
            return self._storage.state(self.name).index(key).holders()

    def get(self, doc_id: int) -> dict | None:
        doc_id = _as_id(doc_id)
        doc = self._tiny.get(doc_id=doc_id)
        return None if doc is None else _with_id(doc, doc_id)

    def all(self) -> list[dict]:
        return sorted((_with_id(doc, doc.doc_id) for doc in self._tiny), key=_by_id)

    def search(self, predicate: Callable[[dict], bool]) -> list[dict]:
        """Return copies of the documents for which predicate(doc) is true, in id order.

        predicate sees each document with its "id" and must not modify it.
        """
        with self._storage.lock.thread_lock:
            found = []
            for key, doc in self._storage.docs(self.name).items():
                view = {**doc, "id": int(key)}  # shallow: only matches are copied deeply
                if predicate(view):
                    found.append(copy_json(view))
            return sorted(found, key=_by_id)

    def update(self, doc_id: int, changes: dict) -> dict:
        """Merge changes into the document; return its new version. KeyError if missing."""
        doc_id, changes = _as_id(doc_id), _without_id(changes)
        with self._storage.lock:
            if not self._tiny.has_id(doc_id):
                raise KeyError(doc_id)
            self._tiny.update(changes, doc_ids=[doc_id])
            return self.get(doc_id)

    def modify(self, doc_id: int, fn: Callable[[dict], dict]) -> dict:
        """Replace the document by fn(copy of it), all under the cross-process lock."""
        doc_id = _as_id(doc_id)
        with self._storage.lock:
            current = self.get(doc_id)
            if current is None:
                raise KeyError(doc_id)
            new = fn(current)
            if not isinstance(new, dict):
                raise TypeError("modify : la fonction doit renvoyer le nouveau document (dict)")
            new = _without_id(new)

            def replace(doc: dict) -> None:
                doc.clear()
                doc.update(new)

            self._tiny.update(replace, doc_ids=[doc_id])
            return self.get(doc_id)

    def remove(self, doc_id: int) -> None:
        """Erase the document: the table's journal is rewritten without it. KeyError if missing."""
        doc_id = _as_id(doc_id)
        with self._storage.lock:
            if not self._tiny.has_id(doc_id):
                raise KeyError(doc_id)
            self._tiny.remove(doc_ids=[doc_id])

    def __len__(self) -> int:
        return len(self._tiny)

    def __repr__(self) -> str:
        return f"<Table {self.name!r}>"


class Store:
    """The data directory: open it once per process (after forking), close it at exit."""

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir)
        self._tables: dict[str, Table] = {}
        self._db: JournalDB | None = open_tinydb(self.path)
        self._lock = self._db.storage.lock

    def table(self, name: str) -> Table:
        """Return the table called name (letters, digits, "_" and "-"), cached."""
        if not table_name_ok(name):
            raise ValueError(f"nom de table invalide : {name!r}")
        with self._lock.thread_lock:
            if name not in self._tables:
                self._tables[name] = Table(self._db.table(name))
            return self._tables[name]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Self]:
        """Hold the store's lock across several reads and writes, in any tables.

        What the block reads stays true while it writes: other threads of this
        process wait for it (reads included), other processes wait to write,
        and blocks nest. It is not a rollback: the writes inside reach the disk
        in order and are all durable when the block ends (the last one's fsync
        runs as the lock is released), an exception leaves the writes made
        before it, and other processes may read them before the block ends.
        """
        with self._lock:
            yield self

    def compact(self) -> None:
        """Rewrite every table's journal atomically, dropping superseded versions."""
        self._db.storage.compact()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}>"
