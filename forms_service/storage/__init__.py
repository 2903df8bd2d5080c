"""Keep the service's records in TinyDB without ever losing one.

The rest of the service talks to ``Store`` / ``Table`` (the repository
interface) and to ``check``, ``backup`` and ``restore`` (used by the CLI);
scripts may use ``open_tinydb(directory)``, TinyDB's own API over the same
files, safe beside a running service.

Layout of ``<data_dir>``::

    <table>.jsonl   one append-only journal per table ("enrollments", "feedback")
    store.lock      cross-process write lock (fcntl.flock)
    append.intent   where the current append starts and whether it finished (no data)
    service.lock    every open Store holds a *shared* flock on it; restore()
                    needs it exclusively, so it cannot run under a live service
    secret_key, outbox/   owned by other modules; included in backups

Modules, in the order data flows: ``errors``; ``files`` (write, fsync, atomic
replace); ``journal`` (the line format, see there); ``state`` (one table in
memory, replay); ``locks``; ``journal_storage`` (the ``tinydb.Storage``);
``tinydb_api`` (``JournalTable``, ``open_tinydb``); ``store`` (``Store``,
``Table``); ``migration``, ``check``, ``backup`` (and restore).

Lock. Every read-modify-write runs under a ``threading.RLock`` and a
``fcntl.flock`` on ``store.lock``, and first replays whatever other
processes appended: threads and gunicorn workers never lose an update.
Reads take no file lock while the journal's (inode, size) is unchanged; when
it changed they catch up under the lock (the new tail, or the whole file after
another process compacted it). ``Store.transaction()`` holds the lock across
several calls.

Ids. Allocated under the lock as ``next_id``: the highest of the header's
``next_id`` and every id ever written, plus one. Compaction writes the current
``next_id`` into the new header, so an erased document's id is never reused.

Durability. Appends are one ``write`` then ``fsync`` before the call returns;
if either fails the file is truncated back to its previous length and memory
rolled back, so nothing stored before changes. The ``fsync`` of a hold's last
append runs just after the lock is released (still before the call returns),
so other writers never wait on the disk; an earlier append of the same hold
is synced before the next one is written, so appends reach the disk in order.
If that late ``fsync`` fails after another writer appended behind it, the
line cannot be cut out alone: it stays, and the call still fails. A process
killed inside a multi-page ``write`` can leave part of a line: ``append.intent`` says
"table, offset, pending" during each append, so the next opener recognises
that torn tail as never acknowledged and cuts it off; any other torn line is
damage (below). Whole-file rewrites (compaction, erasure, migration, repair)
write an anonymous ``O_TMPFILE`` (or a ``.<name>.tmp-<random>`` file), fsync
it, rename it over the journal and fsync the directory: a data file is never
rewritten in place. No write cache.

Compaction and erasure. Removing a document rewrites that table's journal
without it (and without the older versions of it), so no data file keeps its
values. Updates append the new versions of the documents that changed; a
table is compacted automatically once superseded lines outnumber live
documents (and 1,000), and ``Store.compact()`` rewrites every table.

Failing closed. Opening replays every journal strictly: a bad checksum, bad
JSON, a missing header or a torn last line raises ``CorruptData`` naming the
file, which is left byte for byte as it was; no write happens until it is
repaired. ``check(data_dir)`` reports what is wrong and counts the intact
records; ``check(data_dir, repair=True)`` rewrites each damaged journal from
its intact lines. Temporary files left by a crash are removed on open.
OS errors (disk full, read-only, permissions) become ``StorageUnavailable``.

Migration. A version-1 ``db.json`` (plain TinyDB JSONStorage) is converted
once on open, ids kept.

Processes must open their ``Store`` after forking (gunicorn without
``--preload``, or in ``post_fork``): an inherited lock would be shared.

Imports nothing else of the package: the bottom layer, usable by any script.
"""

from __future__ import annotations

from .backup import backup, restore
from .check import CheckReport, check
from .errors import CorruptData, StorageError, StorageUnavailable
from .journal_storage import JournalStorage
from .layout import (
    BACKUP_MANIFEST,
    FORMAT,
    INTENT_NAME,
    JOURNAL_SUFFIX,
    LOCK_NAME,
    MIGRATION_MARK,
    OUTBOX_NAME,
    SECRET_KEY_NAME,
    SERVICE_LOCK_NAME,
    SET_ASIDE_NAME,
    V1_NAME,
)
from .store import Store, Table
from .tinydb_api import JournalTable, open_tinydb

__all__ = [
    "BACKUP_MANIFEST",
    "FORMAT",
    "INTENT_NAME",
    "JOURNAL_SUFFIX",
    "LOCK_NAME",
    "MIGRATION_MARK",
    "OUTBOX_NAME",
    "SECRET_KEY_NAME",
    "SERVICE_LOCK_NAME",
    "SET_ASIDE_NAME",
    "V1_NAME",
    "CheckReport",
    "CorruptData",
    "JournalStorage",
    "JournalTable",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "Table",
    "backup",
    "check",
    "open_tinydb",
    "restore",
]
