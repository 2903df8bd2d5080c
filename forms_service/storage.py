"""Keep the service's records in TinyDB without ever losing one.

Nothing outside this module imports TinyDB: the rest of the service talks to
``Store`` / ``Table`` (the repository interface) and to ``check``, ``backup``
and ``restore`` (used by the CLI).

Layout of ``<data_dir>``::

    <table>.jsonl   one append-only journal per table ("enrollments", "feedback")
    store.lock      cross-process write lock (filelock, i.e. fcntl.flock)
    append.intent   where the current append starts and whether it finished (no data)
    service.lock    every open Store holds a *shared* flock on it; restore()
                    needs it exclusively, so it cannot run under a live service
    secret_key, outbox/   owned by other modules; included in backups

Journal format. One record per line, ``<crc32 of the JSON, 8 hex digits> <JSON>\\n``
(``cut -c10- enrollments.jsonl | jq`` reads it). Line 1 is a header
``{"op": "header", "format": 1, "table": "enrollments", "next_id": 42}``; every
other line is ``{"op": "put", "id": 7, "doc": {...}}``: a new document or the
new full version of one. Deletions are never appended (see erasure).

TinyDB. ``JournalStorage`` is a ``tinydb.Storage`` (``read()`` replays the
journals, ``write()`` rewrites them atomically). ``JournalTable`` is a
``tinydb.table.Table`` whose ``_read_table`` serves the replayed documents from
memory and whose ``_update_table`` hands TinyDB's updater a dict that records
which documents it touched, so only those are appended: an insert costs one
line and one fsync whatever the table size (plain TinyDB rewrites the whole
file). ``_JournalDB`` is a ``TinyDB`` wired to both; ``Store`` wraps it.

Lock. Every read-modify-write runs under a ``threading.RLock`` and a
``filelock.FileLock`` on ``store.lock``, and first replays whatever other
processes appended: threads and gunicorn workers never lose an update.
Reads take no file lock while the journal's (inode, size) is unchanged; when
it changed they catch up under the lock (the new tail, or the whole file after
another process compacted it).

Ids. Allocated under the lock as ``next_id``: the highest of the header's
``next_id`` and every id ever written, plus one. Compaction writes the current
``next_id`` into the new header, so an erased document's id is never reused.

Durability. Appends are one ``write`` then ``fsync`` before the call returns;
if either fails the file is truncated back to its previous length and memory
rolled back, so nothing stored before changes. A process killed inside a
multi-page ``write`` can leave part of a line: ``append.intent`` says
"table, offset, pending" during each append, so the next opener recognises
that torn tail as never acknowledged and cuts it off; any other torn line is
damage (below). Whole-file rewrites
(compaction, erasure, migration, repair) write an anonymous ``O_TMPFILE`` (or a
``.<name>.tmp-<random>`` file), fsync it, rename it over the journal and fsync
the directory: a data file is never rewritten in place. No write cache.

Compaction and erasure. ``Table.remove`` rewrites that table's journal
without the document (and without the older versions of it), so no data file
keeps its values. Updates append new versions; a table is compacted
automatically once superseded lines outnumber live documents (and 1,000), and
``Store.compact()`` rewrites every table.

Failing closed. Opening replays every journal strictly: a bad checksum, bad
JSON, a missing header or a torn last line raises ``CorruptData`` naming the
file, which is left byte for byte as it was; no write happens until it is
repaired. ``check(data_dir)`` reports what is wrong and counts the intact
records; ``check(data_dir, repair=True)`` rewrites each damaged journal from
its intact lines. Temporary files left by a crash are removed on open.
OS errors (disk full, read-only, permissions) become ``StorageUnavailable``.

Migration. A version-1 ``db.json`` (plain TinyDB JSONStorage) is converted
once on open, ids kept: a ``migration.pending`` mark is written, the journals
are written durably, then ``db.json`` and the mark are removed (no copy of the
personal data lingers). A crash in between simply redoes the migration.

Processes must open their ``Store`` after forking (gunicorn without
``--preload``, or in ``post_fork``): an inherited lock would be shared.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import logging
import os
import re
import secrets
import shutil
import tarfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import filelock
from tinydb import TinyDB
from tinydb.storages import JSONStorage, Storage
from tinydb.table import Table as TinyTable

__all__ = [
    "CheckReport",
    "CorruptData",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "Table",
    "backup",
    "check",
    "restore",
]

log = logging.getLogger(__name__)

FORMAT = 1
JOURNAL_SUFFIX = ".jsonl"
LOCK_NAME = "store.lock"
SERVICE_LOCK_NAME = "service.lock"
V1_NAME = "db.json"
MIGRATION_MARK = "migration.pending"
INTENT_NAME = "append.intent"
INTENT_SIZE = 128
BACKUP_MANIFEST = "mentorat-backup.json"
SECRET_KEY_NAME = "secret_key"
OUTBOX_NAME = "outbox"
TEMP_INFIX = ".tmp-"  # temp names are ".<final name>.tmp-<random>"
LOCK_POLL_SECONDS = 0.0005
LOCK_TIMEOUT = 30.0  # a stuck holder gives 503s, not hung workers
COMPACT_MIN_DEAD = 1000

_ANONYMOUS_TEMP = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")


# --------------------------------------------------------------------------- errors


class StorageError(Exception):
    """Base; str() is a French message for operators."""


class StorageUnavailable(StorageError):
    """Disk full, read-only dir, permission: the service answers 503."""


class CorruptData(StorageError):
    """Has .path (the damaged file)."""

    def __init__(self, path: str | Path, detail: str):
        self.path = Path(path)
        self.detail = detail
        super().__init__(
            f"Fichier de données endommagé : {self.path} ({detail}). Aucune écriture "
            "n'est faite. Sauvegardez le répertoire puis lancez « mentorat check --repair »."
        )


def _unavailable(exc: OSError, where: Path) -> StorageUnavailable:
    """Translate an OS error into the French message an operator can act on."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        message = f"Disque plein : impossible d'enregistrer dans {where}."
    elif exc.errno == errno.EROFS:
        message = f"Le répertoire de données est en lecture seule : {where}."
    elif exc.errno in (errno.EACCES, errno.EPERM):
        message = f"Accès refusé au répertoire de données : {where}."
    else:
        message = f"Stockage indisponible ({exc.strerror or exc}) : {where}."
    error = StorageUnavailable(message)
    error.__cause__ = exc
    return error


@contextlib.contextmanager
def _os_errors(where: Path) -> Iterator[None]:
    """Turn any OSError into StorageUnavailable (the web layer answers 503)."""
    try:
        yield
    except OSError as exc:
        raise _unavailable(exc, where) from exc


# --------------------------------------------------------------------------- system calls
# Every write, fsync and temp-file creation goes through these three functions so
# that tests can inject ENOSPC / EROFS / EIO exactly where the disk would fail.


def _write_all(fd: int, data: bytes) -> None:
    """Write all of data; os.write may write less on a nearly full disk."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync(fd: int) -> None:
    os.fsync(fd)


def _open_temp(directory: Path, final_name: str) -> tuple[int, Path | None]:
    """Open a new private file in directory; return (fd, its name or None if anonymous).

    An anonymous O_TMPFILE vanishes by itself if the process dies before it is
    complete, so no half-written copy of personal data is left behind.
    """
    flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
    if _ANONYMOUS_TEMP:
        try:
            return os.open(directory, flags | os.O_TMPFILE, 0o600), None
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    name = directory / _temp_name(final_name)
    return os.open(name, flags | os.O_CREAT | os.O_EXCL, 0o600), name


def _temp_name(final_name: str) -> str:
    return f".{final_name}{TEMP_INFIX}{secrets.token_hex(6)}"


def _is_temp_name(name: str) -> bool:
    return name.startswith(".") and TEMP_INFIX in name


def _fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in directory survive a power cut."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _fsync(fd)
    finally:
        os.close(fd)


def _replace_file(path: Path, chunks: Iterable[bytes]) -> int:
    """Durably replace path by a new file made of chunks; return its fd (O_APPEND, open).

    The old file is never modified: readers see either all of it or all of the
    new one. On failure the old file is untouched and the temp file is gone.
    """
    directory = path.parent
    fd, temp = _open_temp(directory, path.name)
    try:
        for chunk in chunks:
            _write_all(fd, chunk)
        _fsync(fd)
        if temp is None:  # name the anonymous file only now that it is complete
            temp = directory / _temp_name(path.name)
            _link_anonymous(fd, temp)
        os.replace(temp, path)
        temp = None
        _fsync_dir(directory)
    except BaseException:
        os.close(fd)
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise
    return fd


def _link_anonymous(fd: int, name: Path) -> None:
    dir_fd = os.open(name.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        # dst_dir_fd forces linkat(AT_SYMLINK_FOLLOW), which can name an O_TMPFILE
        os.link(f"/proc/self/fd/{fd}", name.name, dst_dir_fd=dir_fd, follow_symlinks=True)
    finally:
        os.close(dir_fd)


def _read_fd(fd: int, size: int, offset: int = 0) -> bytes:
    """Read exactly size bytes at offset (pread may return less on big reads)."""
    parts = []
    while size > 0:
        chunk = os.pread(fd, min(size, 1 << 24), offset)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _remove_temp_files(directory: Path) -> list[str]:
    """Delete temp files and dirs left by a crash; call only under the store lock."""
    removed = []
    for entry in os.scandir(directory):
        if not _is_temp_name(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
        removed.append(entry.name)
    if removed:
        _fsync_dir(directory)
    return removed


# --------------------------------------------------------------------------- journal lines


def _encode(record: dict) -> bytes:
    """Return one journal line; ValueError/TypeError if record is not plain JSON."""
    payload = json.dumps(
        record, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def _decode(line: bytes) -> dict:
    """Return the record of one journal line (without its newline); ValueError if damaged."""
    if len(line) < 10 or line[8:9] != b" ":
        raise ValueError("ligne mal formée")
    payload = line[9:]
    try:
        expected = int(line[:8], 16)
    except ValueError:
        raise ValueError("somme de contrôle illisible") from None
    if zlib.crc32(payload) != expected:
        raise ValueError("somme de contrôle incorrecte")
    try:
        record = json.loads(payload)
    except ValueError:
        raise ValueError("JSON invalide") from None
    _validate_record(record)
    return record


def _validate_record(record: Any) -> None:
    op = record.get("op") if isinstance(record, dict) else None
    if op == "header":
        if record.get("format") != FORMAT:
            raise ValueError(f"format de journal inconnu : {record.get('format')!r}")
        if not _is_id(record.get("next_id")) or not isinstance(record.get("table"), str):
            raise ValueError("en-tête invalide")
    elif op == "put":
        if not _is_id(record.get("id")) or not isinstance(record.get("doc"), dict):
            raise ValueError("enregistrement invalide")
    else:
        raise ValueError("opération inconnue")


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _header(name: str, next_id: int) -> bytes:
    return _encode({"op": "header", "format": FORMAT, "table": name, "next_id": next_id})


def _put(doc_id: int, doc: dict) -> bytes:
    return _encode({"op": "put", "id": doc_id, "doc": doc})


def _journal_lines(name: str, next_id: int, docs: dict[str, dict]) -> Iterator[bytes]:
    """Yield a whole compacted journal: header, then each live document in id order."""
    yield _header(name, next_id)
    batch = []
    for key in sorted(docs, key=int):
        batch.append(_put(int(key), docs[key]))
        if len(batch) >= 512:  # fewer syscalls than one write per line
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


def _parse_lines(
    data: bytes, first_lineno: int
) -> Iterator[tuple[int, bytes, dict | None, str | None]]:
    """Yield (line number, line, record or None, problem or None) for journal bytes."""
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when data ends with a newline, as a sound journal does
    for lineno, line in enumerate(lines, first_lineno):
        try:
            yield lineno, line, _decode(line), None
        except ValueError as exc:
            yield lineno, line, None, str(exc)
    if tail:
        problem = "dernière ligne incomplète (écriture interrompue)"
        yield first_lineno + len(lines), tail, None, problem


_DAMAGED_PUT = re.compile(rb'^[0-9a-f]{8} \{"op":"put","id":([0-9]{1,18})[,}]')


def _salvage_id(line: bytes) -> int:
    """Return the id a damaged put line was about (0 if unreadable), so it is never reused."""
    match = _DAMAGED_PUT.match(line)
    return int(match.group(1)) if match else 0


def _copy_json(value: Any) -> Any:
    """Deep-copy a JSON value (much faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value


def _unique_value(value: Any) -> tuple[str, str]:
    """Return the key insert_unique compares: strings casefolded, other values as JSON."""
    if isinstance(value, str):
        return ("s", value.casefold())
    return ("j", json.dumps(value, sort_keys=True))


# --------------------------------------------------------------------------- table state


class _UniqueIndex:
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
            value = _unique_value(doc[self.key])
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
        ids = self._ids.get(_unique_value(value))
        return min(ids) if ids else None


@dataclass
class _TableState:
    """What this process knows of one table: its documents and how far it read the journal."""

    name: str
    path: Path
    docs: dict[str, dict] = field(default_factory=dict)  # TinyDB's raw table: str(id) -> doc
    next_id: int = 1
    dead: int = 0  # superseded lines, drives automatic compaction
    lines: int = 0
    fd: int | None = None  # open on the journal replayed, used for appends
    identity: tuple[int, int] | None = None  # (st_dev, st_ino) of that journal
    offset: int = 0  # bytes replayed
    indexes: dict[str, _UniqueIndex] = field(default_factory=dict)

    def apply(self, record: dict, lineno: int) -> str | None:
        """Apply one decoded record; return a problem (French) instead of applying it."""
        if record["op"] == "header":
            if lineno != 1:
                return "en-tête inattendu au milieu du journal"
            if record["table"] != self.name:
                return f"en-tête d'une autre table ({record['table']!r})"
            self.next_id = max(self.next_id, record["next_id"])
            return None
        if lineno == 1:
            return "en-tête manquant"
        doc_id = record["id"]
        self.set_doc(doc_id, record["doc"])
        self.next_id = max(self.next_id, doc_id + 1)
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

    def index(self, key: str) -> _UniqueIndex:
        if key not in self.indexes:
            self.indexes[key] = _UniqueIndex(key, self.docs)
        return self.indexes[key]

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _replay_strict(state: _TableState, data: bytes) -> None:
    """Apply journal bytes to state; CorruptData at the first damaged line."""
    for lineno, _, record, problem in _parse_lines(data, state.lines + 1):
        if problem is None:
            problem = state.apply(record, lineno)
        if problem is not None:
            raise CorruptData(state.path, f"ligne {lineno} : {problem}")
    state.lines += data.count(b"\n")
    state.offset += len(data)


def _replay_lenient(state: _TableState, data: bytes) -> list[str]:
    """Apply every intact line of a journal; return the problems met (French)."""
    problems = []
    for lineno, line, record, problem in _parse_lines(data, 1):
        if record is None:
            state.next_id = max(state.next_id, _salvage_id(line) + 1)
        if problem is None:
            problem = state.apply(record, lineno)
            if problem == "en-tête manquant":  # keep the record, note the header
                state.apply(record, 2)
        if problem is not None:
            problems.append(f"{state.path.name}, ligne {lineno} : {problem}")
    if not data:
        problems.append(f"{state.path.name} : fichier vide (en-tête manquant)")
    return problems


def _pending_append(directory: Path) -> tuple[str, int] | None:
    """Return (table, offset) of an append that started and never finished, if any."""
    try:
        words = (directory / INTENT_NAME).read_bytes().split()
    except FileNotFoundError:
        return None
    if len(words) == 3 and words[2] == b"pending" and words[1].isdigit():
        return words[0].decode("ascii", "replace"), int(words[1])
    return None


def _table_name_ok(name: str) -> bool:
    return (
        0 < len(name) <= 64
        and name[0] != "."
        and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)
    )


def _journal_names(directory: Path) -> list[str]:
    names = []
    for entry in os.scandir(directory):
        if entry.name.endswith(JOURNAL_SUFFIX) and entry.is_file(follow_symlinks=False):
            name = entry.name[: -len(JOURNAL_SUFFIX)]
            if _table_name_ok(name):
                names.append(name)
    return sorted(names)


# --------------------------------------------------------------------------- locks


class _StoreLock:
    """A reentrant lock held across threads (RLock) and processes (FileLock on store.lock)."""

    def __init__(self, path: Path):
        self.path = path
        self._thread_lock = threading.RLock()
        # thread_local=False: the RLock already serialises threads; one flock per process
        self._file_lock = filelock.FileLock(str(path), timeout=LOCK_TIMEOUT, thread_local=False)
        self._depth = 0
        self._owner: int | None = None

    def held(self) -> bool:
        return self._depth > 0 and self._owner == threading.get_ident()

    def __enter__(self) -> Self:
        self._thread_lock.acquire()
        if self._depth == 0:
            try:
                # filelock polls a non-blocking flock; its default 50 ms nap made
                # every contended write between gunicorn workers wait 50 ms.
                self._file_lock.acquire(poll_interval=LOCK_POLL_SECONDS)
            except filelock.Timeout:
                self._thread_lock.release()
                raise StorageUnavailable(
                    f"Le verrou {self.path} est tenu depuis plus de {LOCK_TIMEOUT:.0f} s."
                ) from None
            except OSError as exc:
                self._thread_lock.release()
                raise _unavailable(exc, self.path.parent) from exc
            except BaseException:
                self._thread_lock.release()
                raise
            self._owner = threading.get_ident()
        self._depth += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                self._owner = None
                self._file_lock.release()
        finally:
            self._thread_lock.release()

    @property
    def thread_lock(self) -> threading.RLock:
        return self._thread_lock


def _service_lock(directory: Path, exclusive: bool) -> int | None:
    """Take service.lock shared (an open Store) or exclusive (restore); None if busy."""
    fd = os.open(directory / SERVICE_LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


# --------------------------------------------------------------------------- TinyDB storage


class JournalStorage(Storage):
    """TinyDB storage over one append-only journal per table (see the module docstring).

    ``read()`` and ``write()`` follow TinyDB's contract (whole database, ``None``
    when empty); ``JournalTable`` uses the incremental methods instead.
    """

    def __init__(self, directory: Path, lock: _StoreLock):
        self.directory = directory
        self.lock = lock
        self._tables: dict[str, _TableState] = {}
        self._closed = False
        self._intent_fd: int | None = None

    # TinyDB's contract --------------------------------------------------------

    def read(self) -> dict[str, dict[str, dict]] | None:
        """Return every table's documents (live, replayed from the journals)."""
        with self.lock.thread_lock:
            names = set(self._tables) | set(_journal_names(self.directory))
            tables = {name: self.docs(name) for name in sorted(names)}
            return {name: docs for name, docs in tables.items() if docs} or None

    def write(self, data: dict[str, dict[str, dict]]) -> None:
        """Rewrite every journal from data (a whole database), each atomically."""
        with self.lock:
            for name in sorted(set(data) | set(_journal_names(self.directory))):
                state = self.state(name)
                docs = {str(key): dict(doc) for key, doc in data.get(name, {}).items()}
                self.rewrite(state, docs)

    def close(self) -> None:
        with self.lock.thread_lock:
            self._closed = True
            for state in self._tables.values():
                state.close()
            if self._intent_fd is not None:
                os.close(self._intent_fd)
                self._intent_fd = None

    # what JournalTable and Store use -----------------------------------------

    def load_all(self) -> None:
        """Replay every journal now, so a damaged one fails the open."""
        with self.lock:
            for name in _journal_names(self.directory):
                self.state(name)

    def docs(self, name: str) -> dict[str, dict]:
        return self.state(name).docs

    def state(self, name: str) -> _TableState:
        """Return the table's state, caught up with what other processes wrote."""
        if self._closed:
            raise StorageError("Le stockage est fermé.")
        state = self._tables.get(name)
        if state is None:
            path = self.directory / f"{name}{JOURNAL_SUFFIX}"
            state = self._tables[name] = _TableState(name, path)
        if self.lock.held() or not self._matches_disk(state):
            with self.lock:
                self._catch_up(state)
        return state

    def allocate_id(self, name: str) -> int:
        """Return a fresh id; only under the lock, so no other process can take it."""
        assert self.lock.held(), "ids are allocated under the store lock"
        state = self.state(name)
        doc_id = state.next_id
        state.next_id += 1
        return doc_id

    def commit(self, state: _TableState, before: dict[int, dict | None]) -> None:
        """Make the touched documents' current versions durable (under the lock).

        before maps each touched id to its previous version (None: new). Only
        puts: append them. Any deletion: rewrite the table so the erased values
        leave the disk.
        """
        lines = self._canonicalise(state, before)
        if state.fd is None or len(lines) < len(before):
            self.rewrite(state)
        else:
            self._append(state, lines)
            state.dead += sum(old is not None for old in before.values())
            if state.dead > max(COMPACT_MIN_DEAD, len(state.docs)):
                self._compact_quietly(state)
        state.reindex(before)

    def rewrite(self, state: _TableState, docs: dict[str, dict] | None = None) -> None:
        """Compact: replace the journal by header + live documents, atomically."""
        docs = state.docs if docs is None else docs
        foreign = docs is not state.docs
        next_id = max([state.next_id, *(int(key) + 1 for key in docs)])
        with _os_errors(self.directory):
            fd = _replace_file(state.path, _journal_lines(state.name, next_id, docs))
            info = os.fstat(fd)
        state.close()
        state.fd, state.identity, state.offset = fd, (info.st_dev, info.st_ino), info.st_size
        state.docs, state.next_id, state.dead, state.lines = docs, next_id, 0, len(docs) + 1
        if foreign:
            state.indexes.clear()

    # internals -----------------------------------------------------------------

    @staticmethod
    def _canonicalise(state: _TableState, doc_ids: Iterable[int]) -> list[bytes]:
        """Encode the touched documents still present; return their journal lines.

        Encoding first makes a document that is not JSON fail before the disk is
        touched; memory then keeps exactly what a reload would give (lists, not
        tuples) and never the caller's own objects.
        """
        lines = []
        for doc_id in doc_ids:
            if str(doc_id) in state.docs:
                line = _put(doc_id, state.docs[str(doc_id)])
                state.docs[str(doc_id)] = json.loads(line[9:])["doc"]
                lines.append(line)
        return lines

    def _append(self, state: _TableState, lines: list[bytes]) -> None:
        data = b"".join(lines)
        with _os_errors(self.directory):
            self._declare(state, "pending")
            try:
                _write_all(state.fd, data)
                _fsync(state.fd)
            except BaseException:
                self._truncate_back(state)
                raise
            self._declare(state, "done")
        state.offset += len(data)
        state.lines += len(lines)

    def _declare(self, state: _TableState, status: str) -> None:
        """Record in append.intent where the next append starts, and whether it is over.

        If this process dies inside a multi-page write(), the kernel may have
        written part of the line; the next opener finds that torn tail exactly
        at a "pending" offset and knows it was never acknowledged. Any other
        torn line is damage and fails closed. No fsync: this covers process
        death; after a power cut a torn tail is reported and check repairs it.
        """
        if self._intent_fd is None:
            self._intent_fd = os.open(
                self.directory / INTENT_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
        record = f"{state.name} {state.offset} {status}".encode()
        os.pwrite(self._intent_fd, record.ljust(INTENT_SIZE - 1) + b"\n", 0)

    def _truncate_back(self, state: _TableState) -> None:
        """Drop a partial, unacknowledged append so the journal ends on a whole line."""
        try:
            os.ftruncate(state.fd, state.offset)
            _fsync(state.fd)
            self._declare(state, "done")
        except OSError:
            # "pending" stays: the next opener removes the partial line.
            log.exception("cannot truncate %s back after a failed write", state.path)

    def _drop_unacknowledged_tail(
        self, state: _TableState, fd: int, base: int, data: bytes
    ) -> bytes:
        """Cut a torn last line that append.intent shows was never acknowledged.

        data was read at offset base of fd, under the lock. Any other torn
        line is left for the strict replay to refuse.
        """
        if not data or data.endswith(b"\n"):
            return data
        cut = data.rfind(b"\n") + 1
        if _pending_append(self.directory) != (state.name, base + cut):
            return data
        with _os_errors(self.directory):
            os.ftruncate(fd, base + cut)
            _fsync(fd)
        log.warning("removed an unacknowledged partial line at the end of %s", state.path)
        return data[:cut]

    def _compact_quietly(self, state: _TableState) -> None:
        # The append is already durable; a failed compaction only delays the cleanup.
        try:
            self.rewrite(state)
        except StorageUnavailable:
            log.warning("compaction of %s postponed", state.path, exc_info=True)

    def _matches_disk(self, state: _TableState) -> bool:
        info = self._stat(state.path)
        if info is None:
            return state.identity is None
        return state.identity == (info.st_dev, info.st_ino) and info.st_size == state.offset

    def _stat(self, path: Path) -> os.stat_result | None:
        try:
            return os.stat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _unavailable(exc, self.directory) from exc

    def _catch_up(self, state: _TableState) -> None:
        """Replay what changed on disk since we last read (under the lock)."""
        info = self._stat(state.path)
        if info is None:
            if state.identity is not None:
                raise CorruptData(state.path, "le fichier a disparu pendant le fonctionnement")
            return
        if state.identity != (info.st_dev, info.st_ino):
            self._reload(state)
        elif info.st_size > state.offset:
            self._read_tail(state, info.st_size)
        elif info.st_size < state.offset:
            raise CorruptData(state.path, "le fichier a raccourci pendant le fonctionnement")

    def _read_tail(self, state: _TableState, size: int) -> None:
        with _os_errors(self.directory):
            data = _read_fd(state.fd, size - state.offset, state.offset)
        data = self._drop_unacknowledged_tail(state, state.fd, state.offset, data)
        try:
            _replay_strict(state, data)
        except CorruptData:
            state.identity = None  # force a full reload, which will refuse too
            raise

    def _reload(self, state: _TableState) -> None:
        """Replay a whole journal (first open, or another process rewrote it)."""
        with _os_errors(self.directory):
            fd = os.open(state.path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        try:
            with _os_errors(self.directory):
                info = os.fstat(fd)
                data = _read_fd(fd, info.st_size)
            data = self._drop_unacknowledged_tail(state, fd, 0, data)
            fresh = _TableState(state.name, state.path, next_id=state.next_id)
            if not data:
                raise CorruptData(state.path, "fichier vide (en-tête manquant)")
            _replay_strict(fresh, data)
        except BaseException:
            os.close(fd)
            raise
        state.close()
        state.docs, state.next_id, state.dead = fresh.docs, fresh.next_id, fresh.dead
        state.lines, state.offset, state.fd = fresh.lines, fresh.offset, fd
        state.identity = (info.st_dev, info.st_ino)
        state.indexes.clear()


class _ChangeTracker(MutableMapping):
    """The dict TinyDB's updaters receive: int ids over the raw str-keyed table.

    It remembers every document the updater touches (with a copy of its old
    value), so the storage appends only those and can undo them if the disk
    refuses the write.
    """

    def __init__(self, docs: dict[str, dict]):
        self._docs = docs
        self.before: dict[int, dict | None] = {}

    def _touch(self, doc_id: int) -> None:
        if doc_id not in self.before:
            old = self._docs.get(str(doc_id))
            self.before[doc_id] = None if old is None else _copy_json(old)

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


class JournalTable(TinyTable):
    """A TinyDB table kept in memory and persisted by appending to its journal."""

    def __init__(self, storage: JournalStorage, name: str, **_ignored: Any):
        # No query cache: predicates are arbitrary callables whose answer may change.
        super().__init__(storage, name, cache_size=0)

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
                if tracker.before:
                    storage.commit(state, tracker.before)
            except BaseException:
                tracker.rollback()
                raise


class _JournalDB(TinyDB):
    table_class = JournalTable
    default_storage_class = JournalStorage


# --------------------------------------------------------------------------- repository


def _without_id(doc: dict) -> dict:
    if not isinstance(doc, dict):
        raise TypeError("un document doit être un dict")
    return {key: value for key, value in doc.items() if key != "id"}


def _as_id(doc_id: Any) -> int:
    if not _is_id(doc_id):
        raise TypeError(f"identifiant invalide : {doc_id!r}")
    return doc_id


def _public(doc: dict, doc_id: int) -> dict:
    """Return a private copy of a stored document with its "id"."""
    copy = _copy_json(doc)
    copy["id"] = int(doc_id)
    return copy


class Table:
    """One collection of documents (``Store.table(name)``); every method is thread-safe."""

    def __init__(self, store: Store, tiny: JournalTable):
        self.name = tiny.name
        self._store = store
        self._tiny = tiny
        self._storage: JournalStorage = tiny.storage

    def insert(self, doc: dict) -> int:
        """Store doc; return its new id once it is on disk. A key "id" is ignored."""
        doc = _without_id(doc)
        with self._storage.lock:
            return self._tiny.insert(doc)

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

    def get(self, doc_id: int) -> dict | None:
        doc_id = _as_id(doc_id)
        with self._storage.lock.thread_lock:
            doc = self._tiny.get(doc_id=doc_id)
            return None if doc is None else _public(doc, doc_id)

    def all(self) -> list[dict]:
        with self._storage.lock.thread_lock:
            return sorted((_public(doc, doc.doc_id) for doc in self._tiny), key=_by_id)

    def search(self, predicate: Callable[[dict], bool]) -> list[dict]:
        """Return copies of the documents for which predicate(doc) is true, in id order.

        predicate sees each document with its "id" and must not modify it.
        """
        with self._storage.lock.thread_lock:
            found = []
            for doc in self._tiny:
                doc["id"] = doc.doc_id  # doc is TinyDB's shallow copy, not the stored dict
                if predicate(doc):
                    found.append(_copy_json(doc))
            return sorted(found, key=_by_id)

    def update(self, doc_id: int, changes: dict) -> dict:
        """Merge changes into the document; return its new version. KeyError if missing."""
        doc_id, changes = _as_id(doc_id), _without_id(changes)
        with self._storage.lock:
            if not self._tiny.update(changes, doc_ids=[doc_id]):
                raise KeyError(doc_id)
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
            if not self._tiny.remove(doc_ids=[doc_id]):
                raise KeyError(doc_id)

    def __len__(self) -> int:
        with self._storage.lock.thread_lock:
            return len(self._tiny)

    def __repr__(self) -> str:
        return f"<Table {self.name!r}>"


def _by_id(doc: dict) -> int:
    return doc["id"]


class Store:
    """The data directory: open it once per process (after forking), close it at exit."""

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir)
        self._tables: dict[str, Table] = {}
        self._service_fd: int | None = None
        self._db: _JournalDB | None = None
        with _os_errors(self.path):
            self.path.mkdir(parents=True, exist_ok=True)
            self._service_fd = _service_lock(self.path, exclusive=False)
        if self._service_fd is None:
            raise StorageUnavailable(f"Une restauration est en cours dans {self.path}.")
        self._lock = _StoreLock(self.path / LOCK_NAME)
        try:
            with self._lock:
                with _os_errors(self.path):
                    _remove_temp_files(self.path)
                _migrate_v1(self.path)
                self._db = _JournalDB(self.path, self._lock)
                self._db.storage.load_all()
        except BaseException:
            self.close()
            raise

    def table(self, name: str) -> Table:
        """Return the table called name (letters, digits, "_" and "-"), cached."""
        if not _table_name_ok(name):
            raise ValueError(f"nom de table invalide : {name!r}")
        with self._lock.thread_lock:
            if name not in self._tables:
                self._tables[name] = Table(self, self._db.table(name))
            return self._tables[name]

    def compact(self) -> None:
        """Rewrite every table's journal atomically, dropping superseded versions."""
        storage: JournalStorage = self._db.storage
        with self._lock:
            for name in _journal_names(self.path):
                storage.rewrite(storage.state(name))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._service_fd is not None:
            os.close(self._service_fd)
            self._service_fd = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}>"


# --------------------------------------------------------------------------- migration


def _migrate_v1(directory: Path) -> None:
    """Convert a version-1 db.json into journals, once, then delete it (under the lock)."""
    v1 = directory / V1_NAME
    mark = directory / MIGRATION_MARK
    if not v1.exists():
        if mark.exists():  # crashed after deleting db.json: the journals are complete
            with _os_errors(directory):
                mark.unlink()
                _fsync_dir(directory)
        return
    if not mark.exists() and _journal_names(directory):
        raise CorruptData(
            v1,
            "un db.json de la version 1 côtoie des données au nouveau format ; "
            "déplacez-le avant de démarrer",
        )
    tables = _read_v1(v1)
    with _os_errors(directory):
        os.close(_replace_file(mark, [b"migration de db.json en cours\n"]))
        for name, docs in tables.items():
            next_id = max((int(key) + 1 for key in docs), default=1)
            os.close(_replace_file(directory / f"{name}{JOURNAL_SUFFIX}",
                                   _journal_lines(name, next_id, docs)))
        v1.unlink()
        _fsync_dir(directory)
        mark.unlink()
        _fsync_dir(directory)
    log.info("migrated %s (%d tables)", v1, len(tables))


def _read_v1(v1: Path) -> dict[str, dict[str, dict]]:
    """Read a v1 database with TinyDB's own JSONStorage, without writing to it."""
    try:
        db = TinyDB(v1, storage=JSONStorage, access_mode="r", encoding="utf-8")
    except OSError as exc:
        raise _unavailable(exc, v1.parent) from exc
    try:
        raw = db.storage.read() or {}
    except ValueError as exc:  # JSONDecodeError, bad UTF-8
        raise CorruptData(v1, f"JSON illisible ({exc})") from exc
    finally:
        db.close()
    if not isinstance(raw, dict):
        raise CorruptData(v1, "contenu inattendu")
    tables = {}
    for name, docs in raw.items():
        if not isinstance(docs, dict) or not _table_name_ok(name):
            raise CorruptData(v1, f"table illisible : {name!r}")
        for key, doc in docs.items():
            if not key.isdigit() or int(key) < 1 or not isinstance(doc, dict):
                raise CorruptData(v1, f"document illisible dans {name!r} : {key!r}")
        if docs:
            tables[name] = {str(int(key)): doc for key, doc in docs.items()}
    return tables


# --------------------------------------------------------------------------- check


@dataclass
class CheckReport:
    """What check() found.

    ok: no problem found; problems: French, one per damaged line or file;
    records: intact documents; recovered: intact documents of damaged files
    (what repair keeps); repaired: repair=True rewrote the damaged files.
    """

    ok: bool = True
    problems: list[str] = field(default_factory=list)
    records: int = 0
    recovered: int = 0
    repaired: bool = False

    def __str__(self) -> str:
        if self.ok:
            return f"Données intactes : {self.records} enregistrement(s)."
        lines = [f"{len(self.problems)} problème(s) :", *(f"- {p}" for p in self.problems)]
        lines.append(f"{self.records} enregistrement(s) intact(s), dont {self.recovered} "
                     "dans des fichiers endommagés.")
        lines.append("Réparé." if self.repaired else "Relancez avec --repair pour réparer.")
        return "\n".join(lines)


def check(data_dir: str | Path, repair: bool = False) -> CheckReport:
    """Verify every data file; with repair, rewrite damaged journals from their intact lines."""
    directory = Path(data_dir)
    report = CheckReport()
    if not directory.is_dir():
        report.ok = False
        report.problems.append(f"Répertoire de données absent : {directory}")
        return report
    with _StoreLock(directory / LOCK_NAME), _os_errors(directory):
        _check_temp_files(directory, report, repair)
        _check_v1(directory, report)
        for name in _journal_names(directory):
            _check_journal(directory, name, report, repair)
    report.ok = not report.problems
    report.repaired = repair and not report.ok
    return report


def _check_temp_files(directory: Path, report: CheckReport, repair: bool) -> None:
    leftovers = [entry.name for entry in os.scandir(directory) if _is_temp_name(entry.name)]
    for name in leftovers:
        report.problems.append(f"{name} : fichier temporaire laissé par un arrêt brutal")
    if repair and leftovers:
        _remove_temp_files(directory)


def _check_v1(directory: Path, report: CheckReport) -> None:
    v1 = directory / V1_NAME
    if not v1.exists():
        return
    try:
        tables = _read_v1(v1)
    except CorruptData as exc:
        report.problems.append(f"{V1_NAME} : {exc.detail} ; restaurez une sauvegarde")
        return
    report.records += sum(len(docs) for docs in tables.values())


def _check_journal(directory: Path, name: str, report: CheckReport, repair: bool) -> None:
    state = _TableState(name, directory / f"{name}{JOURNAL_SUFFIX}")
    data = state.path.read_bytes()
    problems = _replay_lenient(state, data)
    report.records += len(state.docs)
    if not problems:
        return
    torn_at = data.rfind(b"\n") + 1
    if not data.endswith(b"\n") and _pending_append(directory) == (name, torn_at):
        problems[-1] += " ; jamais confirmée, elle sera retirée à la prochaine ouverture"
    report.problems.extend(problems)
    report.recovered += len(state.docs)
    if repair:
        next_id = max([state.next_id, *(int(key) + 1 for key in state.docs)])
        os.close(_replace_file(state.path, _journal_lines(name, next_id, state.docs)))


# --------------------------------------------------------------------------- backup / restore


def backup(data_dir: str | Path, dest: str | Path) -> Path:
    """Write one consistent .tar.gz of the data directory to dest (a file or a directory).

    Writers keep running: the journals are opened under the lock and read up
    to the length they had then (they only grow, and compaction replaces them
    by rename, so the open files keep that instant's content).
    """
    directory = Path(data_dir)
    dest = Path(dest)
    if not directory.is_dir():
        raise StorageError(f"Répertoire de données absent : {directory}.")
    if dest.is_dir():
        dest = dest / f"mentorat-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    with _os_errors(directory):
        snapshot = _snapshot(directory)
    try:
        with _os_errors(dest.parent):
            fd = _replace_file(dest, _archive_chunks(directory, snapshot))
            os.close(fd)
    finally:
        for _, fd, _ in snapshot:
            os.close(fd)
    return dest


def _snapshot(directory: Path) -> list[tuple[str, int, int]]:
    """Open every data file under the lock; return (archive name, fd, length) triples."""
    names = [f"{name}{JOURNAL_SUFFIX}" for name in _journal_names(directory)]
    names += [n for n in (V1_NAME, SECRET_KEY_NAME) if (directory / n).is_file()]
    snapshot = []
    with _StoreLock(directory / LOCK_NAME):
        try:
            for name in names:
                fd = os.open(directory / name, os.O_RDONLY | os.O_CLOEXEC)
                snapshot.append((name, fd, os.fstat(fd).st_size))
        except BaseException:
            for _, fd, _ in snapshot:
                os.close(fd)
            raise
    return snapshot


class _ChunkSink(io.RawIOBase):
    """A write-only file whose bytes are collected, so tarfile output can be streamed."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _archive_chunks(directory: Path, snapshot: list[tuple[str, int, int]]) -> Iterator[bytes]:
    sink = _ChunkSink()
    with tarfile.open(fileobj=sink, mode="w:gz", compresslevel=6) as tar:
        manifest = {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "files": [name for name, _, _ in snapshot]}
        _add_bytes(tar, BACKUP_MANIFEST, json.dumps(manifest, indent=1).encode())
        yield sink.take()
        for name, fd, size in snapshot:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = size, 0o600, int(time.time())
            with os.fdopen(os.dup(fd), "rb") as source:
                tar.addfile(info, source)
            yield sink.take()
        for path in _outbox_files(directory):
            with contextlib.suppress(FileNotFoundError):  # sent and moved meanwhile
                data = path.read_bytes()
                _add_bytes(tar, path.relative_to(directory).as_posix(), data)
            yield sink.take()
    yield sink.take()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _outbox_files(directory: Path) -> list[Path]:
    outbox = directory / OUTBOX_NAME
    if not outbox.is_dir():
        return []
    return sorted(p for p in outbox.rglob("*") if p.is_file() and not p.is_symlink())


def restore(src: str | Path, data_dir: str | Path, force: bool = False) -> None:
    """Replace the data directory's content by a backup archive (service stopped).

    Refuses (StorageError) while a Store is open on data_dir, or when data
    exists and force is false. The archive is verified before anything is replaced.
    """
    src, directory = Path(src), Path(data_dir)
    with _os_errors(directory):
        directory.mkdir(parents=True, exist_ok=True)
        service_fd = _service_lock(directory, exclusive=True)
    if service_fd is None:
        raise StorageError(
            f"Le service utilise {directory} : arrêtez-le avant de restaurer une sauvegarde."
        )
    try:
        with _StoreLock(directory / LOCK_NAME):
            if _has_data(directory) and not force:
                raise StorageError(
                    f"{directory} contient déjà des données : relancez avec --force "
                    "pour les remplacer par la sauvegarde."
                )
            staging = directory / _temp_name("restore")
            try:
                with _os_errors(directory):
                    staging.mkdir(mode=0o700)
                    _extract(src, staging)
                _verify_staged(staging)
                with _os_errors(directory):
                    _install(staging, directory)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    finally:
        os.close(service_fd)


def _has_data(directory: Path) -> bool:
    return bool(_journal_names(directory)) or (directory / V1_NAME).exists()


def _extract(src: Path, staging: Path) -> None:
    """Extract the archive's expected members only, refusing anything else.

    Members are copied one by one (no extractall): nothing outside staging,
    no links or devices, only the names a backup contains.
    """
    if not src.is_file():
        raise StorageError(f"Archive de sauvegarde introuvable : {src}.")
    seen_manifest = False
    try:
        with tarfile.open(src, mode="r:gz") as tar:
            for member in tar:
                target = _member_target(staging, member, src)
                if target is not None:
                    seen_manifest |= member.name == BACKUP_MANIFEST
                    _copy_member(tar, member, target)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise StorageError(f"Archive de sauvegarde illisible : {src} ({exc}).") from exc
    if not seen_manifest:
        raise StorageError(f"{src} n'est pas une sauvegarde du service (manifeste absent).")


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    source = tar.extractfile(member)
    os.close(_replace_file(target, iter(lambda: source.read(1 << 20), b"")))


def _member_target(staging: Path, member: tarfile.TarInfo, src: Path) -> Path | None:
    """Return where a member goes, None for a directory entry; StorageError if unexpected."""
    parts = Path(member.name).parts
    safe = parts and not Path(member.name).is_absolute() and ".." not in parts
    if safe and member.isdir() and parts[0] == OUTBOX_NAME:
        return None
    top = parts[0] if safe else ""
    expected = (
        member.name in (BACKUP_MANIFEST, SECRET_KEY_NAME, V1_NAME)
        or (len(parts) == 1 and top.endswith(JOURNAL_SUFFIX)
            and _table_name_ok(top[: -len(JOURNAL_SUFFIX)]))
        or (top == OUTBOX_NAME and len(parts) > 1)
    )
    if not (safe and expected and member.isfile()):
        raise StorageError(f"Élément inattendu dans la sauvegarde {src} : {member.name!r}.")
    return staging.joinpath(*parts)


def _verify_staged(staging: Path) -> None:
    """Replay every journal of the archive strictly: never install damaged data."""
    for name in _journal_names(staging):
        state = _TableState(name, staging / f"{name}{JOURNAL_SUFFIX}")
        data = state.path.read_bytes()
        if not data:
            raise CorruptData(state.path, "fichier vide (en-tête manquant)")
        _replay_strict(state, data)
    if (staging / V1_NAME).exists():
        _read_v1(staging / V1_NAME)


def _install(staging: Path, directory: Path) -> None:
    """Move the staged files into place, removing data the archive does not have."""
    staged = {p.name for p in staging.iterdir()} - {BACKUP_MANIFEST}
    for name in _journal_names(directory):
        if f"{name}{JOURNAL_SUFFIX}" not in staged:
            (directory / f"{name}{JOURNAL_SUFFIX}").unlink()
    for name in (V1_NAME, SECRET_KEY_NAME, INTENT_NAME):
        if name not in staged and (directory / name).exists():
            (directory / name).unlink()
    old_outbox = directory / OUTBOX_NAME
    if old_outbox.exists():
        parked = directory / _temp_name(OUTBOX_NAME)  # removed below, or on next open
        old_outbox.rename(parked)
        shutil.rmtree(parked)
    for name in sorted(staged):
        os.replace(staging / name, directory / name)
    _fsync_dir(directory)
