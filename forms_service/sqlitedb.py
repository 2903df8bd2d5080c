"""Open the small SQLite files the workers share (sessions, counters).

Switching a new database to WAL needs a moment of exclusive access, and
SQLite answers "database is locked" at once, without waiting its busy
timeout, when another connection (a thread, or another gunicorn worker)
is doing the same: the set-up is serialised in the process and retried.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["connect"]

_setup_lock = threading.Lock()
ATTEMPTS = 50


def connect(path: Path, schema: Iterable[str]) -> sqlite3.Connection:
    """Return an autocommit connection in WAL mode with the schema created."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Created for its owner only; SQLite gives its -wal and -shm files the same mode.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    statements = ["PRAGMA journal_mode=WAL", *schema]
    with _setup_lock:
        for attempt in range(ATTEMPTS):
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
            try:
                for statement in statements:
                    db.execute(statement)
                return db
            except sqlite3.OperationalError as error:
                db.close()
                if "locked" not in str(error) or attempt == ATTEMPTS - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")
