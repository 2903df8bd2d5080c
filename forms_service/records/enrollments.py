"""Enrollments and feedback: what participants send, and what the coordination changes in it.

A part of ``Repository``: it holds the ``enrollments`` and ``feedback``
tables and queues the messages their changes cause (``mail.mailqueue``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from ..eligibility import may_be_reminded
from ..mail.mailqueue import MailKind, MailQueue, without_pending
from ..storage import Store
from ..vocabulary import STATUS_LABELS, STATUS_TRANSITIONS, WAITING_STATUSES, Status
from .common import (
    FORMAT_VERSION,
    InvalidTransition,
    StaleLink,
    new_reference,
    now_iso,
    valid_id,
)
from .goals import corrected, merged
from .registry import WARNING_DAYS

__all__ = ["EnrollmentRecords"]

# The ratings an enrollment holds, each with the key of what it rates (``records.goals``).
RATINGS = (("goal_ratings", "goal"), ("skill_ratings", "skill"))


class EnrollmentRecords:
    """Enrollments and feedback: what participants send, and what the coordination changes in it."""

    def __init__(self, store: Store, mail: MailQueue):
        self.store = store
        self.mail = mail
        self.enrollments = store.table("enrollments")
        self.feedback = store.table("feedback")

    def enroll(self, answers: dict, *, notice_version: str, cohort: str | None = None,
               submission: str | None = None) -> tuple[dict | None, str]:
        """Store an enrollment with its confirmation to send; return (new record, reference).

        One durable write: the confirmation rides on the record
        (``MailQueue.attach``), so the record and its e-mail are never kept one
        without the other.

        The record is ``None`` when nothing new was stored: the address is
        already enrolled (the existing record carries the message: the sender
        tells the owner), or the same post came twice (``submission`` seen:
        nothing more is stored or queued, and the first answer's reference is
        returned).
        """
        key = f"{MailKind.INSCRIPTION}:{submission or secrets.token_hex(16)}"
        with self.store.transaction():
            # A double post of the same page: its message is pending or queued already.
            if (earlier := self.mail.known(key, [self.enrollments])) is not None:
                return None, earlier["reference"]
            now = now_iso()
            answers = {k: v for k, v in answers.items() if k != "goal_slots"}
            record = {
                **answers,
                **{kind: merged((), answers.get(kind) or (), now, key)
                   for kind, key in RATINGS if kind in answers},
                "v": FORMAT_VERSION,
                "reference": new_reference("enrollment"),
                "status": Status.NOUVEAU,
                "status_history": [{"status": Status.NOUVEAU, "at": now}],
                "cohort": cohort,
                "notice_version": notice_version,
                "consented_at": now,
                "created_at": now,
            }
            # The message names the new reference: the sender confirms the enrollment that
            # holds it, or tells the address's owner that someone enrolled it again.
            refs = {"email": answers["email"], "reference": record["reference"]}
            self.mail.attach(record, MailKind.INSCRIPTION, key=key, **refs)
            doc_id, created = self.enrollments.insert_unique(record, "email")
            if created:
                return without_pending(self.enrollments.get(doc_id)), record["reference"]
            # Already enrolled: the message rides on the existing record.
            self.enrollments.modify(doc_id, lambda existing: self.mail.attach(
                existing, MailKind.INSCRIPTION, key=key, **refs))
            return None, record["reference"]

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

    def correct_enrollment(self, enrollment_id: int, answers: dict, *, notice_version: str,
                           new_email: str | None) -> dict:
        """Apply a participant's corrections (not the address); queue a new address's check."""
        now = now_iso()
        answers = dict(answers)
        slots = answers.pop("goal_slots", None)

        def change(record: dict) -> dict:
            ratings = {kind: corrected(record.get(kind), answers[kind], now, key,
                                       slots if kind == "goal_ratings" else None)
                       for kind, key in RATINGS if kind in answers}
            record.update({key: value for key, value in answers.items() if key != "email"})
            record.update(ratings)  # the checkpoints' ratings stay (``records.goals``)
            record.update(updated_at=now, notice_version=notice_version, consented_at=now)
            if new_email:
                self.mail.attach(record, MailKind.ADRESSE, enrollment_id=enrollment_id,
                                 new_email=new_email)
            return record

        return self.enrollments.modify(enrollment_id, change)

    def change_email(self, enrollment_id: int, new_email: str, *, version: int) -> bool:
        """Give the enrollment a confirmed new address; False when another one holds it.

        ``version`` is the address version the confirmation link was issued
        for; a link of an earlier version raises ``StaleLink``. The change moves
        the version on (voiding every other address link) and tells the
        previous address, in the same write.
        """
        wanted = new_email.casefold()
        with self.store.transaction():
            holder = self.enrollment_by_email(new_email)
            if holder is not None and holder["id"] != enrollment_id:
                return False

            def change(record: dict) -> dict:
                if record.get("address_version", 0) != version:
                    raise StaleLink(enrollment_id)
                previous = record.get("email")
                now = now_iso()
                # The link was sent to the new address and used: it is its owner's.
                record.update(email=wanted, updated_at=now, address_version=version + 1,
                              address_proven_at=now)
                if previous and previous.casefold() != wanted:
                    self.mail.attach(record, MailKind.ADRESSE_CHANGEE,
                                     enrollment_id=enrollment_id, address=previous)
                return record

            self.enrollments.modify(enrollment_id, change)
            return True

    def prove_address(self, enrollment_id: int) -> None:
        """Record that a personal link sent to the enrollment's address was used: it is theirs.

        Until then, messages to that address carry nothing typed in a form.
        """
        record = self.enrollments.get(enrollment_id)
        if record is not None and not record.get("address_proven_at"):
            self.enrollments.update(enrollment_id, {"address_proven_at": now_iso()})

    def set_pause(self, enrollment_id: int, *, pause: bool, resume: str | None,
                  capacity: int | None) -> dict:
        """A mentor's own availability: pause (until ``resume``, ISO date) and capacity."""
        changes = {"pause": pause, "reprise_le": resume if pause else None,
                   "updated_at": now_iso()}
        if capacity is not None:
            changes["capacity"] = capacity
        return self.enrollments.update(enrollment_id, changes)

    def set_limited(self, enrollment_id: int, limited: bool) -> dict:
        """Limit the use of someone's data (Art. 18), or lift it: ``limited_at`` is set or cleared.

        The record stays as it is; the pool's rule (``eligibility``) keeps the
        person out of matching, visible profiles, reminders and nudges while
        ``limited_at`` is set.
        """
        def change(record: dict) -> dict:
            if limited and not record.get("limited_at"):
                record["limited_at"] = now_iso()
            elif not limited:
                record["limited_at"] = None
            return record

        return self.enrollments.modify(enrollment_id, change)

    def set_preferences(self, enrollment_id: int, mentor_ids: list[int]) -> dict:
        """A mentee's ranking of up to three mentors (ids, first choice first)."""
        return self.enrollments.update(enrollment_id, {"preferences": list(mentor_ids)[:3],
                                                       "updated_at": now_iso()})

    def announce_notice(self, version: str) -> int:
        """Queue one e-mail to each enrolled person who read an older privacy notice.

        Once per person and version (``notice_announced``); people who left or
        whose enrollment is closed are not written to. Return how many.
        """
        queued = 0
        for record in self.enrollments.search(
                lambda r: r.get("notice_version") != version
                and r.get("notice_announced") != version
                and r.get("status") not in (Status.RETIRE, Status.CLOS)):
            self.enrollments.modify(record["id"], lambda current: self.mail.attach(
                {**current, "notice_announced": version}, MailKind.NOTICE,
                enrollment_id=record["id"], version=version))
            queued += 1
        return queued

    def request_link(self, email: str) -> None:
        """Queue "send this address its personal link": the sender looks it up later."""
        self.mail.put(MailKind.LIEN, email=email)

    def request_address_change(self, enrollment_id: int, new_email: str) -> None:
        """Queue the confirmation of a corrected address, to that address."""
        self.mail.put(MailKind.ADRESSE, enrollment_id=enrollment_id, new_email=new_email)

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
            current = record.get("status", Status.NOUVEAU)
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

    def set_status(self, person_id: int, status: str, *, at: str, by: int | None,
                   messages: Iterable[tuple[MailKind, dict]] = ()) -> None:
        """Move someone to status as a pair's life does (no lifecycle check), with history.

        ``messages`` (kind, refs) go to this person and are written with the change.
        """
        def change(record: dict) -> dict:
            if record.get("status") != status:
                record["status"] = status
                record.setdefault("status_history", []).append(
                    {"status": status, "at": at, "by": by})
            for kind, refs in messages:
                self.mail.attach(record, kind, **refs)
            return record

        self.enrollments.modify(person_id, change)

    def pass_selection_step(self, person_id: int, step: str, *, by: int | None,
                            on: str | None = None, how: str = "") -> dict:
        """Note that a mentor passed a selection step (``eligibility.SELECTION_STEPS``):
        ``by`` the coordinator who recorded it (``None``: the mentor's own declaration)."""
        at = now_iso()

        def change(record: dict) -> dict:
            steps = dict(record.get("selection") or {})
            steps[step] = {"le": on or at[:10], "par": by, "comment": how, "note_le": at}
            return {**record, "selection": steps}

        return self.enrollments.modify(person_id, change)

    def refuse_mentor(self, person_id: int, *, by: int) -> None:
        """The exchange with the coordination did not lead to mentoring: the enrollment
        closes, and the person gets a kind message that says so without a reason."""
        self.set_status(person_id, Status.CLOS, at=now_iso(), by=by, messages=[
            (MailKind.MENTOR_NON_RETENU, {"enrollment_id": person_id})])

    def warn_of_erasure(self, person_id: int, *, at: str) -> None:
        """Tell someone still waiting that their record will soon be erased (``purge``)."""
        self.enrollments.modify(person_id, lambda current: self.mail.attach(
            {**current, "retention_warned_at": at}, MailKind.CONSERVATION,
            key=f"{MailKind.CONSERVATION}:{person_id}:{at[:10]}", enrollment_id=person_id,
            weeks=WARNING_DAYS // 7))

    def stay(self, person_id: int) -> dict:
        """« Je reste » : an activity, so the retention period starts again."""
        return self.enrollments.update(person_id, {"stayed_at": now_iso()})

    def tell_unmatched(self, on, days: int) -> int:
        """Queue one message to each person waiting ``days`` in the pool since they last came
        into it (enrollment, or back after a pair): what happens next. Return how many."""
        told = 0
        for record in self.enrollments.search(lambda r: r.get("status") in WAITING_STATUSES
                                              and may_be_reminded(r)):
            since = _in_pool_since(record)
            if since is None or (on - since).days < days or \
                    record.get("unmatched_told_for") == since.isoformat():
                continue
            self.enrollments.modify(record["id"], lambda current: self.mail.attach(
                {**current, "unmatched_told_for": since.isoformat()}, MailKind.SANS_BINOME,
                key=f"{MailKind.SANS_BINOME}:{record['id']}:{since.isoformat()}",
                enrollment_id=record["id"], days=days))
            told += 1
        return told


def _in_pool_since(record: dict):
    """The day someone last came into the waiting pool (their enrollment, or a pair's end)."""
    from datetime import date

    history = [entry for entry in record.get("status_history") or () if isinstance(entry, dict)]
    since = None
    for entry in history:
        waiting = entry.get("status") in WAITING_STATUSES
        if waiting and since is None:
            since = str(entry.get("at", ""))[:10]
        elif not waiting:
            since = None
    try:
        return date.fromisoformat(since) if since else None
    except ValueError:
        return None
