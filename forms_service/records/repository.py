"""The programme's records: what the rest of the service reads and writes.

Views, CLI and mail talk to this small interface, never to the storage
engine. Each record carries ``v`` (its format version) so later versions
can migrate old records on start-up.
"""

from __future__ import annotations

from pathlib import Path

from ..mail.mailqueue import MailQueue
from ..storage import Store
from ..vocabulary import STATUS_TRANSITIONS  # noqa: F401
from .accounts import AccountRecords
from .between import BetweenRecords
from .common import (
    AUDIT_ACTIONS,
    ENROLLMENT_STATUSES,
    FORMAT_VERSION,
    AlreadyHandled,
    InvalidTransition,
    PairingRefused,
    new_reference,
    now_iso,
    submission_key,
)
from .enrollments import EnrollmentRecords
from .meetings import Meetings
from .pairs import PairRecords

__all__ = ["Repository", "FORMAT_VERSION", "new_reference", "now_iso", "ENROLLMENT_STATUSES",
           "STATUS_TRANSITIONS", "InvalidTransition", "AUDIT_ACTIONS", "PairingRefused",
           "AlreadyHandled", "submission_key"]


class Repository(EnrollmentRecords, AccountRecords, PairRecords, BetweenRecords):
    """The records of one data directory, one part per concern (``repo_*`` modules)."""

    def __init__(self, data_dir: str | Path, *, mail_domain: str = "localhost"):
        self.store = Store(data_dir)
        self.enrollments = self.store.table("enrollments")
        self.feedback = self.store.table("feedback")
        # The messages records cause, queued in the same store (mailqueue).
        self.mail = MailQueue(self.store, mail_domain)
        self.meetings = Meetings(self.store)

    def close(self) -> None:
        self.store.close()

    def insert_record(self, table: str, record: dict) -> dict:
        """Store a complete record as given (fictitious demo data); return it with its id."""
        if table not in ("enrollments", "feedback"):
            raise ValueError(table)
        target = self.store.table(table)
        return target.get(target.insert({"v": FORMAT_VERSION, **record}))

    def holds_data(self) -> bool:
        """Tell whether any table of the data directory has a record."""
        return any(len(self.store.table(path.stem))
                   for path in sorted(self.store.path.glob("*.jsonl")))

    # What participants and their pairs leave; coordinator accounts, cohorts and the
    # audit log are the coordination's own.
    PARTICIPANT_TABLES = ("enrollments", "feedback", "pairs", "rejections")

    def holds_participant_data(self) -> bool:
        """Tell whether any participant, pair or feedback is stored."""
        return any(len(self.store.table(name)) for name in self.PARTICIPANT_TABLES
                   if (self.store.path / f"{name}.jsonl").exists())

    def _transaction(self):
        # Blocks nest: each table's own locking runs inside this one.
        return self.store.transaction()
