"""Name the files of a data directory and find its journals."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "BACKUP_MANIFEST",
    "FORMAT",
    "INTENT_NAME",
    "INTENT_SIZE",
    "JOURNAL_SUFFIX",
    "LOCK_NAME",
    "MIGRATION_MARK",
    "OUTBOX_NAME",
    "SECRET_KEY_NAME",
    "SERVICE_LOCK_NAME",
    "SET_ASIDE_NAME",
    "TEMP_INFIX",
    "V1_NAME",
    "journal_names",
    "journal_path",
    "table_name_ok",
]

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
# Where ``check --repair`` sets damaged journal lines aside (personal data: erased and purged).
SET_ASIDE_NAME = "lignes-ecartees"
TEMP_INFIX = ".tmp-"  # temp names are ".<final name>.tmp-<random>"


def table_name_ok(name: str) -> bool:
    """Tell whether name can be a table: it becomes a file name, so no path tricks."""
    return (
        0 < len(name) <= 64
        and name[0] != "."
        and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)
    )


def journal_path(directory: Path, name: str) -> Path:
    return directory / f"{name}{JOURNAL_SUFFIX}"


def journal_names(directory: Path) -> list[str]:
    """Return the names of the tables that have a journal in directory, sorted."""
    names = []
    for entry in os.scandir(directory):
        if entry.name.endswith(JOURNAL_SUFFIX) and entry.is_file(follow_symlinks=False):
            name = entry.name[: -len(JOURNAL_SUFFIX)]
            if table_name_ok(name):
                names.append(name)
    return sorted(names)
