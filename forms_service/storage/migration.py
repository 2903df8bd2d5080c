"""Convert a version-1 ``db.json`` (plain TinyDB JSONStorage) into journals, once, ids kept."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tinydb import TinyDB
from tinydb.storages import JSONStorage

from . import files
from .errors import CorruptData, os_errors, unavailable
from .journal import journal_lines
from .layout import MIGRATION_MARK, V1_NAME, journal_names, journal_path, table_name_ok

__all__ = ["migrate_v1", "read_v1"]

log = logging.getLogger(__name__)


def migrate_v1(directory: Path) -> None:
    """Convert a version-1 db.json into journals, once, then delete it (under the lock).

    A ``migration.pending`` mark is written first, the journals are written
    durably, then db.json and the mark are removed (no copy of the personal
    data lingers). A crash in between simply redoes the migration.
    """
    v1 = directory / V1_NAME
    mark = directory / MIGRATION_MARK
    if not v1.exists():
        if mark.exists():  # crashed after deleting db.json: the journals are complete
            with os_errors(directory):
                mark.unlink()
                files.fsync_dir(directory)
        return
    if not mark.exists() and journal_names(directory):
        raise CorruptData(
            v1,
            "un db.json de la version 1 côtoie des données au nouveau format ; "
            "déplacez-le avant de démarrer",
        )
    tables = read_v1(v1)
    with os_errors(directory):
        os.close(files.replace_file(mark, [b"migration de db.json en cours\n"]))
        for name, docs in tables.items():
            next_id = max((int(key) + 1 for key in docs), default=1)
            os.close(files.replace_file(journal_path(directory, name),
                                        journal_lines(name, next_id, docs)))
        v1.unlink()
        files.fsync_dir(directory)
        mark.unlink()
        files.fsync_dir(directory)
    log.info("migrated %s (%d tables)", v1, len(tables))


def read_v1(v1: Path) -> dict[str, dict[str, dict]]:
    """Read a v1 database with TinyDB's own JSONStorage, without writing to it."""
    try:
        db = TinyDB(v1, storage=JSONStorage, access_mode="r", encoding="utf-8")
    except OSError as exc:
        raise unavailable(exc, v1.parent) from exc
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
        if not isinstance(docs, dict) or not table_name_ok(name):
            raise CorruptData(v1, f"table illisible : {name!r}")
        for key, doc in docs.items():
            if not key.isdigit() or int(key) < 1 or not isinstance(doc, dict):
                raise CorruptData(v1, f"document illisible dans {name!r} : {key!r}")
        if docs:
            tables[name] = {str(int(key)): doc for key, doc in docs.items()}
    return tables
