"""Errors of the storage layer, with the French messages operators read."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CorruptData", "StorageError", "StorageUnavailable", "os_errors", "unavailable"]


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


def unavailable(exc: OSError, where: Path) -> StorageUnavailable:
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
def os_errors(where: Path) -> Iterator[None]:
    """Turn any OSError into StorageUnavailable (the web layer answers 503)."""
    try:
        yield
    except OSError as exc:
        raise unavailable(exc, where) from exc
