"""Enrollments and feedback: what participants send, and what the coordination changes in it.

A part of ``Repository`` (``self.enrollments``, ``self.feedback``, ``self.mail``,
``self._transaction()`` come from there).
"""

from __future__ import annotations

import secrets

from ..vocabulary import STATUS_LABELS, STATUS_TRANSITIONS
from .common import FORMAT_VERSION, InvalidTransition, new_reference, now_iso, valid_id

__all__ = ["EnrollmentRecords", "PENDING_MAIL"]

# On a new enrollment until its confirmation is queued: the key of that job.
PENDING_MAIL = "pending_mail"


class EnrollmentRecords:
    """Enrollments and feedback: what participants send, and what the coordination changes in it."""

    def enroll(self, answers: dict, *, notice_version: str, cohort: str | None = None,
               submission: str | None = None) -> tuple[dict | None, str]:
        """Store an enrollment with its pending confirmation; return (new record, reference).

        One durable write: the confirmation to send is a mark on the record
        itself (``PENDING_MAIL``, the key of the job to come), so the record
        and its e-mail can never be kept one without the other; the sender
        turns marks into queued jobs (``queue_confirmations``).

        The record is ``None`` when nothing new was stored: the address is
        already enrolled (only an e-mail job is queued: the sender tells the
        owner), or the same post came twice (``submission`` seen: nothing more
        is stored or queued, and the first answer's reference is returned).
        """
        key = f"inscription:{submission or secrets.token_hex(16)}"
        with self._transaction():
            # A double post of the same page: its record still waits for its job, or
            # the job is queued (a confirmation, or "already enrolled").
            if (earlier := self.enrollments.find(PENDING_MAIL, key)) is not None:
                return None, earlier["reference"]
            if (job := self.mail.table.find("key", key)) is not None:
                return None, job["refs"]["reference"]
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
                PENDING_MAIL: key,
            }
            doc_id, created = self.enrollments.insert_unique(record, "email")
            if created:
                return self.enrollments.get(doc_id), record["reference"]
            # Already enrolled: the sender writes to the address's owner, who alone sees it.
            job = self.mail.job("inscription", email=answers["email"],
                                reference=record["reference"])
            self.mail.table.insert({**job, "key": key})
            return None, record["reference"]

    def queue_confirmations(self) -> int:
        """Turn each enrollment's pending confirmation into a queued job; return how many.

        Safe to repeat and to interrupt: the job is inserted under the mark's
        key (a second try finds it) before the mark is removed.
        """
        queued = 0
        for doc_id in self.enrollments.ids_having(PENDING_MAIL):
            with self._transaction():
                record = self.enrollments.get(doc_id)
                if record is None or PENDING_MAIL not in record:
                    continue  # erased, or queued by another process meanwhile
                key = record.pop(PENDING_MAIL)
                if self.mail.table.find("key", key) is None:
                    job = self.mail.job("inscription", email=record["email"],
                                        reference=record["reference"])
                    self.mail.table.insert({**job, "key": key})
                    queued += 1
                self.enrollments.modify(record["id"], lambda _current: record)  # called at once
        return queued

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

    def save_linked_feedback(self, answers: dict, pair_id: int, month: int, person_id: int
                             ) -> dict:
        """Store a link's feedback: one per person and checkpoint; a later post updates it."""
        key = _link_key(pair_id, month, person_id)
        record = {**answers, "v": FORMAT_VERSION, "reference": new_reference("feedback"),
                  "link_key": key, "created_at": now_iso()}
        with self._transaction():
            doc_id, created = self.feedback.insert_unique(record, "link_key")
            if not created:
                previous = self.feedback.get(doc_id)
                record = self.feedback.update(doc_id, {
                    **answers, "updated_at": now_iso()})
                record = record if record else previous
            self.mark_answered(pair_id, month, person_id, doc_id)
            return self.feedback.get(doc_id)

    def restore_answered_marks(self) -> int:
        """Give back its pair's « answered » mark to any linked feedback that lacks it.

        ``save_linked_feedback`` appends the answer, then the mark, in one
        transaction but to two journals (two tables): a process killed between
        the two keeps the answer alone. Safe to repeat; returns how many marks
        were missing.
        """
        restored = 0
        for record in self.feedback.all():
            if not record.get("link_key"):
                continue
            pair_id, month, person_id = _link_parts(record["link_key"])
            pair = self.pairs.get(pair_id)
            if pair is None or _answered(pair, month, person_id):
                continue
            if self.mark_answered(pair_id, month, person_id, record["id"],
                                  at=record.get("created_at")):
                restored += 1
        return restored

    def correct_enrollment(self, enrollment_id: int, answers: dict, *, notice_version: str,
                           new_email: str | None) -> dict:
        """Apply a participant's corrections (not the address); queue a new address's check."""
        now = now_iso()
        with self._transaction():
            if new_email:
                self.request_address_change(enrollment_id, new_email)

            def change(record: dict) -> dict:
                record.update({key: value for key, value in answers.items() if key != "email"})
                record.update(updated_at=now, notice_version=notice_version, consented_at=now)
                return record

            return self.enrollments.modify(enrollment_id, change)

    def change_email(self, enrollment_id: int, new_email: str) -> bool:
        """Give the enrollment a confirmed new address; False when another one holds it."""
        wanted = new_email.casefold()
        with self._transaction():
            holder = self.enrollment_by_email(new_email)
            if holder is not None and holder["id"] != enrollment_id:
                return False
            self.enrollments.update(enrollment_id, {"email": wanted, "updated_at": now_iso()})
            return True

    def set_pause(self, enrollment_id: int, *, pause: bool, resume: str | None,
                  capacity: int | None) -> dict:
        """A mentor's own availability: pause (until ``resume``, ISO date) and capacity."""
        changes = {"pause": pause, "reprise_le": resume if pause else None,
                   "updated_at": now_iso()}
        if capacity is not None:
            changes["capacity"] = capacity
        return self.enrollments.update(enrollment_id, changes)

    def set_preferences(self, enrollment_id: int, mentor_ids: list[int]) -> dict:
        """A mentee's ranking of up to three mentors (ids, first choice first)."""
        return self.enrollments.update(enrollment_id, {"preferences": list(mentor_ids)[:3],
                                                       "updated_at": now_iso()})

    def announce_notice(self, version: str) -> int:
        """Queue one e-mail to each enrolled person who accepted an older privacy notice.

        Once per person and version (``notice_announced``); people who left or
        whose enrollment is closed are not written to. Return how many.
        """
        queued = 0
        for record in self.enrollments.search(
                lambda r: r.get("notice_version") != version
                and r.get("notice_announced") != version
                and r.get("status") not in ("retire", "clos")):
            with self._transaction():
                self.mail.put("notice", enrollment_id=record["id"], version=version)
                self.enrollments.update(record["id"], {"notice_announced": version})
            queued += 1
        return queued

    def request_link(self, email: str) -> None:
        """Queue "send this address its personal link": the sender looks it up later."""
        self.mail.put("lien", email=email)

    def request_address_change(self, enrollment_id: int, new_email: str) -> None:
        """Queue the confirmation of a corrected address, to that address."""
        self.mail.put("adresse", enrollment_id=enrollment_id, new_email=new_email)

    def enrollment_by_email(self, email: str) -> dict | None:
        return self.enrollments.find("email", email)  # casefolded, as insert_unique compares

    # ------------------------------------------------------------- enrollments (coordination)

    def enrollment(self, doc_id: int) -> dict | None:
        """The enrollment, or ``None`` (also for an id no record can have, such as 0)."""
        return self.enrollments.get(doc_id) if valid_id(doc_id) else None

    def set_enrollment_status(self, doc_id: int, status: str, *, by: int | None,
                              force: bool = False) -> dict:
        """Move an enrollment to status, appending who and when to its history.

        Raises ``InvalidTransition`` when the lifecycle forbids the move (unless
        ``force``), ``KeyError`` when the enrollment does not exist.
        """
        if status not in STATUS_LABELS:
            raise InvalidTransition(status)

        def change(record: dict) -> dict:
            current = record.get("status", "nouveau")
            if not force and status not in STATUS_TRANSITIONS.get(current, ()):
                raise InvalidTransition(f"{current} -> {status}")
            record["status"] = status
            record.setdefault("status_history", []).append(
                {"status": status, "at": now_iso(), "by": by})
            return record

        return self.enrollments.modify(doc_id, change)

    def add_enrollment_note(self, doc_id: int, text: str, *, by: int) -> dict:
        """Append a private coordinator note to an enrollment (erased with it)."""

        def change(record: dict) -> dict:
            record.setdefault("notes", []).append({"text": text, "at": now_iso(), "by": by})
            return record

        return self.enrollments.modify(doc_id, change)

    def _set_status(self, person_id: int, status: str, *, at: str, by: int | None) -> None:
        def change(record: dict) -> dict:
            if record.get("status") != status:
                record["status"] = status
                record.setdefault("status_history", []).append(
                    {"status": status, "at": at, "by": by})
            return record

        self.enrollments.modify(person_id, change)


def _link_key(pair_id: int, month: int, person_id: int) -> str:
    """A linked feedback's key: one answer per person and checkpoint."""
    return f"{pair_id}:{month}:{person_id}"


def _link_parts(key: str) -> tuple[int, int, int]:
    pair_id, month, person_id = (int(part) for part in key.split(":"))
    return pair_id, month, person_id


def _answered(pair: dict, month: int, person_id: int) -> bool:
    return any(checkpoint["month"] == month and str(person_id) in checkpoint.get("answered", {})
               for checkpoint in pair.get("checkpoints", ()))
