"""What one process knows of one table, and how journal bytes are replayed into it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CorruptData
from .journal import parse_lines, salvage_id, unique_value
from .layout import INTENT_NAME

__all__ = ["TableState", "UniqueIndex", "pending_append", "replay_lenient", "replay_strict"]


class UniqueIndex:
    """Map a field's normalised value to the ids holding it, so insert_unique stays O(1)."""

    def __init__(self, key: str, docs: dict[str, dict]):
        self.key = key
        self._ids: dict[tuple[str, str], set[int]] = {}
        self._value_of: dict[int, tuple[str, str]] = {}
        for doc_key, doc in docs.items():
            self.set(int(doc_key), doc)

    def set(self, doc_id: int, doc: dict | None) -> None:
        self.discard(doc_id)
        if doc is not None and self.key in doc:
            value = unique_value(doc[self.key])
            self._ids.setdefault(value, set()).add(doc_id)
            self._value_of[doc_id] = value

    def discard(self, doc_id: int) -> None:
        value = self._value_of.pop(doc_id, None)
        if value is not None:
            ids = self._ids[value]
            ids.discard(doc_id)
            if not ids:
                del self._ids[value]

    def find(self, value: Any) -> int | None:
        ids = self._ids.get(unique_value(value))
        return min(ids) if ids else None

    def holders(self) -> list[int]:
        """The ids of every document holding the field, in id order."""
        return sorted(self._value_of)


@dataclass
class TableState:
    """What this process knows of one table: its documents and how far it read the journal."""

    name: str
    path: Path
    docs: dict[str, dict] = field(default_factory=dict)  # TinyDB's raw table: str(id) -> doc
    next_id: int = 1
    dropped: bool = False  # the header says drop_table dropped it and no put followed
    dead: int = 0  # superseded lines, drives automatic compaction
    lines: int = 0
    fd: int | None = None  # open on the journal replayed, used for appends
    identity: tuple[int, int] | None = None  # (st_dev, st_ino) of that journal
    offset: int = 0  # bytes replayed
    indexes: dict[str, UniqueIndex] = field(default_factory=dict)
    caught_up_in: int | None = None  # the StoreLock hold it was last caught up in

    @property
    def exists(self) -> bool:
        """Tell whether TinyDB's tables() lists it: a journal exists and it is not dropped."""
        return self.identity is not None and not self.dropped

    def apply(self, record: dict, lineno: int) -> str | None:
        """Apply one decoded record; return a problem (French) instead of applying it."""
        if record["op"] == "header":
            if lineno != 1:
                return "en-tête inattendu au milieu du journal"
            if record["table"] != self.name:
                return f"en-tête d'une autre table ({record['table']!r})"
            self.next_id = max(self.next_id, record["next_id"])
            self.dropped = record.get("dropped", False)
            return None
        if lineno == 1:
            return "en-tête manquant"
        doc_id = record["id"]
        self.set_doc(doc_id, record["doc"])
        self.next_id = max(self.next_id, doc_id + 1)
        self.dropped = False
        return None

    def set_doc(self, doc_id: int, doc: dict) -> None:
        key = str(doc_id)
        if key in self.docs:
            self.dead += 1
        self.docs[key] = doc
        for index in self.indexes.values():
            index.set(doc_id, doc)

    def reindex(self, doc_ids: Iterable[int]) -> None:
        for index in self.indexes.values():
            for doc_id in doc_ids:
                index.set(doc_id, self.docs.get(str(doc_id)))

    def index(self, key: str) -> UniqueIndex:
        if key not in self.indexes:
            self.indexes[key] = UniqueIndex(key, self.docs)
        return self.indexes[key]

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def replay_strict(state: TableState, data: bytes) -> None:
    """Apply journal bytes to state; CorruptData at the first damaged line."""
    for lineno, _, record, problem in parse_lines(data, state.lines + 1):
        if problem is None:
            problem = state.apply(record, lineno)
        if problem is not None:
            raise CorruptData(state.path, f"ligne {lineno} : {problem}")
    state.lines += data.count(b"\n")
    state.offset += len(data)


def replay_lenient(state: TableState, data: bytes) -> list[str]:
    """Apply every intact line of a journal; return the problems met (French)."""
    problems = []
    for lineno, line, record, problem in parse_lines(data, 1):
        if record is None:
            state.next_id = max(state.next_id, salvage_id(line) + 1)
        if problem is None:
            problem = state.apply(record, lineno)
            if problem == "en-tête manquant":  # keep the record, note the header
                state.apply(record, 2)
        if problem is not None:
            problems.append(f"{state.path.name}, ligne {lineno} : {problem}")
    if not data:
        problems.append(f"{state.path.name} : fichier vide (en-tête manquant)")
    return problems


def pending_append(directory: Path) -> tuple[str, int] | None:
    """Return (table, offset) of an append that started and never finished, if any."""
    try:
        words = (directory / INTENT_NAME).read_bytes().split()
    except FileNotFoundError:
        return None
    if len(words) == 3 and words[2] == b"pending" and words[1].isdigit():
        return words[0].decode("ascii", "replace"), int(words[1])
    return None
