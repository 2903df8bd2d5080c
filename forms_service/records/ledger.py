"""The ledger of erasures, so that restoring an older backup cannot bring anyone back.

Each erasure appends one line: when, and a keyed hash (HMAC with the
service's secret key) of the address and of the enrollment's reference —
never the values. The ledger lives beside the data but outside the backups
(``storage.backup`` archives the tables, the key and the outbox only) and a
restore leaves it in place; ``replay`` then erases again every restored
enrollment the ledger names. Lines older than the backups' period go with
``mentorat purge``: no backup that old is kept.
"""

from __future__ import annotations

import hmac
import os
from datetime import datetime, timezone
from pathlib import Path

from ..storage.files import private_directory

__all__ = ["Ledger", "LEDGER_NAME"]

LEDGER_NAME = "effacements.txt"


def _fingerprint(secret: str, value: str) -> str:
    return hmac.new(secret.encode("utf-8"), b"effacement\0" + value.casefold().encode("utf-8"),
                    "sha256").hexdigest()


class Ledger:
    """The data directory's ledger of erasures."""

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / LEDGER_NAME

    def record(self, secret: str, record: dict, at: datetime | None = None) -> None:
        """Note that this enrollment was erased (hashes only), durably."""
        at = (at or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        marks = [_fingerprint(secret, str(record.get(key) or "")) for key in ("email", "reference")]
        private_directory(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, f"{at} {marks[0]} {marks[1]}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def _lines(self) -> list[str]:
        try:
            return self.path.read_text(encoding="ascii").splitlines()
        except FileNotFoundError:
            return []

    def names(self, secret: str, record: dict) -> bool:
        """Whether this enrollment (by its address or its reference) was erased."""
        marks = {_fingerprint(secret, str(record.get(key) or "")) for key in ("email", "reference")
                 if record.get(key)}
        return any(marks & set(line.split()[1:]) for line in self._lines())

    def older_than(self, limit: datetime) -> list[str]:
        return [line for line in self._lines() if datetime.fromisoformat(line.split()[0]) < limit]

    def forget(self, lines: list[str]) -> int:
        """Drop these lines (past the backups' period); return how many went."""
        gone = set(lines)
        kept = [line for line in self._lines() if line not in gone]
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, "".join(f"{line}\n" for line in kept).encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        return len(gone)
