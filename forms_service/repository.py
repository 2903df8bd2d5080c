"""The programme's records: what the rest of the service reads and writes.

Views, CLI and mail talk to this small interface, never to the storage
engine. Each record carries ``v`` (its format version) so later versions
can migrate old records on start-up.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timezone
from pathlib import Path

from .storage import Store

__all__ = ["Repository", "FORMAT_VERSION", "new_reference", "now_iso"]

FORMAT_VERSION = 1
# No 0/O or 1/I/L: a reference is read aloud and typed back by people.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIXES = {"enrollment": "M", "feedback": "R"}


def new_reference(kind: str) -> str:
    """Return a short random reference such as ``M-7K3Q-9XPA``; never a database id."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{PREFIXES[kind]}-{chars[:4]}-{chars[4:]}"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Repository:
    """Enrollments and feedback of one data directory."""

    def __init__(self, data_dir: str | Path):
        self.store = Store(data_dir)
        self.enrollments = self.store.table("enrollments")
        self.feedback = self.store.table("feedback")

    def close(self) -> None:
        self.store.close()

    def enroll(self, answers: dict, *, notice_version: str, cohort: str | None = None
               ) -> tuple[dict, bool]:
        """Store an enrollment unless its e-mail is already enrolled.

        Returns the stored record and whether it is new; the check and the
        insert happen under one lock, so two posts cannot both create it.
        """
        now = now_iso()
        record = {
            **answers,
            "v": FORMAT_VERSION,
            "reference": new_reference("enrollment"),
            "status": "nouveau",
            "status_history": [{"status": "nouveau", "at": now}],
            "cohort": cohort,
            "notice_version": notice_version,
            "consented_at": now,
            "created_at": now,
        }
        doc_id, created = self.enrollments.insert_unique(record, "email")
        return self.enrollments.get(doc_id), created

    def add_feedback(self, answers: dict, *, submission_key: str) -> tuple[dict, bool]:
        """Store a feedback once per submission key (a double post stores it once)."""
        record = {
            **answers,
            "v": FORMAT_VERSION,
            "reference": new_reference("feedback"),
            "submission": submission_key,
            "created_at": now_iso(),
        }
        doc_id, created = self.feedback.insert_unique(record, "submission")
        return self.feedback.get(doc_id), created

    def enrollment_by_email(self, email: str) -> dict | None:
        wanted = email.casefold()
        found = self.enrollments.search(lambda d: str(d.get("email", "")).casefold() == wanted)
        return found[0] if found else None


def submission_key(form_key: str, token: str, answers: dict) -> str:
    """Identify one submission: the same page's same answers give the same key."""
    canonical = json.dumps([form_key, token, answers], sort_keys=True, ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
