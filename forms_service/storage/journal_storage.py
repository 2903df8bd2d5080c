"""``JournalStorage``: a ``tinydb.Storage`` over one append-only journal per table.

It owns everything below TinyDB's API: opening a data directory (locks,
crash leftovers, migration), catching up with what other processes appended,
allocating ids, and making each change durable before the call returns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tinydb.storages import Storage

from . import files
from .errors import CorruptData, StorageError, StorageUnavailable, os_errors, unavailable
from .journal import copy_json, journal_lines, put_line, same_json
from .layout import INTENT_NAME, INTENT_SIZE, LOCK_NAME, journal_names, journal_path
from .locks import StoreLock, service_lock
from .migration import migrate_v1
from .state import TableState, pending_append, replay_strict

__all__ = ["COMPACT_MIN_DEAD", "JournalStorage"]

log = logging.getLogger(__name__)

COMPACT_MIN_DEAD = 1000


class JournalStorage(Storage):
    """TinyDB storage over one append-only journal per table (see the package docstring).

    Opening takes a shared flock on service.lock (restore waits for every
    holder to close), removes crash leftovers, migrates a version-1 db.json and
    replays every journal, so a damaged one fails the open (CorruptData).
    ``read()`` and ``write()`` follow TinyDB's contract (whole database, ``None``
    when empty); ``JournalTable`` uses the incremental methods instead.
    """

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._tables: dict[str, TableState] = {}
        self._closed = False
        self._intent_fd: int | None = None
        self._service_fd: int | None = None
        with os_errors(self.directory):
            files.private_directory(self.directory)
            self._service_fd = service_lock(self.directory, exclusive=False)
        if self._service_fd is None:
            raise StorageUnavailable(f"Une restauration est en cours dans {self.directory}.")
        self.lock = StoreLock(self.directory / LOCK_NAME)
        self._unsynced: _Unsynced | None = None
        self.lock.on_release = self._take_unsynced
        try:
            with self.lock:
                with os_errors(self.directory):
                    files.remove_temp_files(self.directory)
                migrate_v1(self.directory)
            # Replaying is the long part (1.5 s at 20,000 enrollments): without the
            # lock, so a worker starting never holds up the others' writes. What
            # they append meanwhile is caught up under the lock just after.
            for name in journal_names(self.directory):
                self._replay_unlocked(name)
            with self.lock:
                for name in journal_names(self.directory):
                    self.state(name)
        except BaseException:
            self.close()
            raise

    # TinyDB's contract --------------------------------------------------------

    def read(self) -> dict[str, dict[str, dict]] | None:
        """Return a copy of every existing table's documents, caught up with the disk."""
        with self.lock.thread_lock:
            names = sorted(set(self._tables) | set(journal_names(self.directory)))
            states = [self.state(name) for name in names]
            return {s.name: copy_json(s.docs) for s in states if s.exists} or None

    def write(self, data: dict[str, dict[str, dict]]) -> None:
        """Make the database exactly data: tables that differ are rewritten, absent ones dropped."""
        with self.lock:
            for name in sorted(set(data) | set(journal_names(self.directory))):
                state = self.state(name)
                if name not in data:
                    self.drop(name)
                    continue
                docs = {str(key): copy_json(dict(doc)) for key, doc in data[name].items()}
                if not state.exists or not same_json(docs, state.docs):
                    self.rewrite(state, docs)

    def close(self) -> None:
        lock = getattr(self, "lock", None)
        if lock is not None:
            lock.thread_lock.acquire()
        try:
            self._closed = True
            for state in self._tables.values():
                state.close()
            for name in ("_intent_fd", "_service_fd"):
                if getattr(self, name) is not None:
                    os.close(getattr(self, name))
                    setattr(self, name, None)
        finally:
            if lock is not None:
                lock.thread_lock.release()

    # what JournalTable and Store use -----------------------------------------

    def docs(self, name: str) -> dict[str, dict]:
        """Return the table's live documents; the caller holds lock.thread_lock and copies."""
        return self.state(name).docs

    def state(self, name: str) -> TableState:
        """Return the table's state, caught up with what other processes wrote."""
        if self._closed:
            raise StorageError("Le stockage est fermé.")
        state = self._tables.get(name)
        if state is None:
            state = self._tables[name] = TableState(name, journal_path(self.directory, name))
        if self.lock.held():
            # Caught up once per hold: while we hold the lock, only we write.
            if state.caught_up_in != self.lock.hold:
                self._catch_up(state)
                state.caught_up_in = self.lock.hold
        elif not self._matches_disk(state):
            with self.lock:
                self._catch_up(state)
                state.caught_up_in = self.lock.hold
        return state

    def allocate_id(self, name: str) -> int:
        """Return a fresh id; the caller holds the lock until the document is written."""
        with self.lock:
            state = self.state(name)
            doc_id = state.next_id
            state.next_id += 1
            return doc_id

    def commit(self, state: TableState, before: dict[int, dict | None]) -> None:
        """Make the documents that changed durable (under the lock).

        before maps each touched id to its previous version (None: new);
        documents equal to their previous version are not written again. Only
        puts: append them. Any deletion: rewrite the table so the erased values
        leave the disk. A table without a journal, or a dropped one, gets one.
        """
        changed = [doc_id for doc_id, old in before.items()
                   if not same_json(state.docs.get(str(doc_id)), old)]
        for doc_id in changed:
            if before[doc_id] is None:  # an explicit doc_id moves the counter past it
                state.next_id = max(state.next_id, doc_id + 1)
        lines = self._canonicalise(state, changed)
        if not state.exists or len(lines) < len(changed):
            self.rewrite(state)
        elif lines:
            self._append(state, lines)
            state.dead += sum(before[doc_id] is not None for doc_id in changed)
            if state.dead > max(COMPACT_MIN_DEAD, len(state.docs)):
                self._compact_quietly(state)
        state.reindex(changed)

    def drop(self, name: str) -> None:
        """Empty the table and drop it from tables(); its journal keeps the id counter."""
        with self.lock:
            state = self.state(name)
            if state.exists:
                self.rewrite(state, {}, dropped=True)

    def compact(self) -> None:
        """Rewrite every table's journal atomically, dropping superseded versions."""
        with self.lock:
            for name in journal_names(self.directory):
                state = self.state(name)
                self.rewrite(state, dropped=state.dropped)

    def rewrite(
        self, state: TableState, docs: dict[str, dict] | None = None, dropped: bool = False
    ) -> None:
        """Compact: replace the journal by header + live documents, atomically."""
        docs = state.docs if docs is None else docs
        foreign = docs is not state.docs
        next_id = max([state.next_id, *(int(key) + 1 for key in docs)])
        with os_errors(self.directory):
            self._sync_unsynced()  # what was appended before is durable before this rewrite
            lines = journal_lines(state.name, next_id, docs, dropped)
            fd = files.replace_file(state.path, lines)
            info = os.fstat(fd)
        state.close()
        state.fd, state.identity, state.offset = fd, (info.st_dev, info.st_ino), info.st_size
        state.docs, state.next_id, state.dead, state.lines = docs, next_id, 0, len(docs) + 1
        state.dropped = dropped
        if foreign:
            state.indexes.clear()

    # internals -----------------------------------------------------------------

    @staticmethod
    def _canonicalise(state: TableState, doc_ids: Iterable[int]) -> list[bytes]:
        """Encode the touched documents still present; return their journal lines.

        Encoding first makes a document that is not JSON fail before the disk is
        touched; memory then keeps exactly what a reload would give (lists, not
        tuples) and never the caller's own objects.
        """
        lines = []
        for doc_id in doc_ids:
            if str(doc_id) in state.docs:
                line = put_line(doc_id, state.docs[str(doc_id)])
                state.docs[str(doc_id)] = _loads_doc(line)
                lines.append(line)
        return lines

    def _append(self, state: TableState, lines: list[bytes]) -> None:
        """Write lines at the journal's end; their fsync waits for the lock's release.

        An append of this hold still unsynced is synced first, so appends
        reach the disk in the order they were made.
        """
        data = b"".join(lines)
        with os_errors(self.directory):
            self._sync_unsynced()
            self._declare(state, "pending")
            try:
                files.write_all(state.fd, data)
            except BaseException:
                self._truncate_back(state)
                raise
            # Whole in the page cache: a process dying now leaves whole lines.
            self._declare(state, "done")
            unsynced = _Unsynced(state, os.dup(state.fd), state.offset,
                                 state.offset + len(data), state.identity)
        state.offset += len(data)
        state.lines += len(lines)
        self._unsynced = unsynced

    # The last append of a hold is fsynced just after the lock is released, before
    # the call returns: other writers do not wait on the disk (an enrollment's
    # fsync took half of its time under the lock), and what the call promised is
    # durable when it returns, as before.

    def _take_unsynced(self):
        """StoreLock.on_release: hand the hold's unsynced append to its thread."""
        unsynced, self._unsynced = self._unsynced, None
        if unsynced is None:
            return None

        def sync_released() -> None:
            with os_errors(self.directory):
                self._sync(unsynced)

        return sync_released

    def _sync_unsynced(self) -> None:
        """Sync the hold's pending append now, under the lock (callers map OS errors)."""
        unsynced, self._unsynced = self._unsynced, None
        if unsynced is not None:
            self._sync(unsynced)

    def _sync(self, unsynced: _Unsynced) -> None:
        """fsync an append; on failure undo it (under the lock, taken or reentered), raise."""
        try:
            files.fsync(unsynced.fd)
        except OSError:
            with self.lock:
                self._undo(unsynced)
            raise
        finally:
            os.close(unsynced.fd)

    def _undo(self, unsynced: _Unsynced) -> None:
        """Take back an append whose fsync failed, if nothing was appended after it.

        Under the lock. The table is then reloaded from disk on next use, so
        memory forgets the documents too. If another writer appended after it,
        it stays (it cannot be cut out alone): the caller is still told that
        the write failed.
        """
        state = unsynced.state
        with contextlib.suppress(StorageError):
            self._catch_up(state)
        if state.identity != unsynced.identity or state.offset != unsynced.end:
            log.error("an append to %s failed to sync and is followed by others: left in place",
                      state.path)
            return
        try:
            os.ftruncate(unsynced.fd, unsynced.start)
            files.fsync(unsynced.fd)
        except OSError:
            log.exception("cannot truncate %s back after a failed sync", state.path)
        state.identity = None  # reload from disk on next use
        state.caught_up_in = None

    def _declare(self, state: TableState, status: str) -> None:
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

    def _truncate_back(self, state: TableState) -> None:
        """Drop a partial, unacknowledged append so the journal ends on a whole line."""
        try:
            os.ftruncate(state.fd, state.offset)
            files.fsync(state.fd)
            self._declare(state, "done")
        except OSError:
            # "pending" stays: the next opener removes the partial line.
            log.exception("cannot truncate %s back after a failed write", state.path)

    def _drop_unacknowledged_tail(
        self, state: TableState, fd: int, base: int, data: bytes
    ) -> bytes:
        """Cut a torn last line that append.intent shows was never acknowledged.

        data was read at offset base of fd, under the lock. Any other torn
        line is left for the strict replay to refuse.
        """
        if not data or data.endswith(b"\n"):
            return data
        cut = data.rfind(b"\n") + 1
        if pending_append(self.directory) != (state.name, base + cut):
            return data
        with os_errors(self.directory):
            os.ftruncate(fd, base + cut)
            files.fsync(fd)
        log.warning("removed an unacknowledged partial line at the end of %s", state.path)
        return data[:cut]

    def _compact_quietly(self, state: TableState) -> None:
        # The append is already durable; a failed compaction only delays the cleanup.
        try:
            self.rewrite(state)
        except StorageUnavailable:
            log.warning("compaction of %s postponed", state.path, exc_info=True)

    def _matches_disk(self, state: TableState) -> bool:
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
            raise unavailable(exc, self.directory) from exc

    def _catch_up(self, state: TableState) -> None:
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

    def _read_tail(self, state: TableState, size: int) -> None:
        with os_errors(self.directory):
            data = files.read_fd(state.fd, size - state.offset, state.offset)
        data = self._drop_unacknowledged_tail(state, state.fd, state.offset, data)
        try:
            replay_strict(state, data)
        except CorruptData:
            state.identity = None  # force a full reload, which will refuse too
            raise

    def _replay_unlocked(self, name: str) -> None:
        """Replay a journal's whole lines without the lock (opening only).

        A journal is only ever appended to or replaced by a rename, so every
        whole line read is a record: the next ``state()`` under the lock
        catches up from there (or reloads if the file was replaced). A torn
        tail, an empty file, anything unusual is left to that strict pass.
        """
        state = self._tables[name] = TableState(name, journal_path(self.directory, name))
        try:
            fd = os.open(state.path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        except OSError:
            return  # the locked pass reports it
        try:
            with os_errors(self.directory):
                info = os.fstat(fd)
                data = files.read_fd(fd, info.st_size)
            whole = data[: data.rfind(b"\n") + 1]
            if whole:
                replay_strict(state, whole)
        except BaseException:
            os.close(fd)
            raise
        if not whole:
            os.close(fd)
            return
        state.fd, state.identity = fd, (info.st_dev, info.st_ino)

    def _reload(self, state: TableState) -> None:
        """Replay a whole journal (first open, or another process rewrote it)."""
        with os_errors(self.directory):
            fd = os.open(state.path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        try:
            with os_errors(self.directory):
                info = os.fstat(fd)
                data = files.read_fd(fd, info.st_size)
            data = self._drop_unacknowledged_tail(state, fd, 0, data)
            fresh = TableState(state.name, state.path, next_id=state.next_id)
            if not data:
                raise CorruptData(state.path, "fichier vide (en-tête manquant)")
            replay_strict(fresh, data)
        except BaseException:
            os.close(fd)
            raise
        state.close()
        state.docs, state.next_id, state.dead = fresh.docs, fresh.next_id, fresh.dead
        state.lines, state.offset, state.fd = fresh.lines, fresh.offset, fd
        state.dropped = fresh.dropped
        state.identity = (info.st_dev, info.st_ino)
        state.indexes.clear()


@dataclass
class _Unsynced:
    """An append written but not yet fsynced, with a descriptor of its own.

    The descriptor is a dup: a compaction may close the table's own before
    the sync runs.
    """

    state: TableState
    fd: int
    start: int
    end: int
    identity: tuple[int, int] | None


def _loads_doc(line: bytes) -> dict:
    """Return the document of a put line just encoded (what a reload would read)."""
    return json.loads(line[9:])["doc"]
