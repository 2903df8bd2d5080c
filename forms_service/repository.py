"""The programme's records: what the rest of the service reads and writes.

Views, CLI and mail talk to this small interface, never to the storage
engine. Each record carries ``v`` (its format version) so later versions
can migrate old records on start-up.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, datetime, timezone
from pathlib import Path

from .i18n import _
from .mailqueue import MailQueue
from .meetings import Meetings
from .storage import Store
from .vocabulary import (
    MENTEE_ROLES, MENTOR_ROLES, PAIR_END_STATUSES, PAIR_STATUSES, STATUS_LABELS,
    STATUS_TRANSITIONS, WAITING_STATUSES,
)

__all__ = ["Repository", "FORMAT_VERSION", "new_reference", "now_iso", "ENROLLMENT_STATUSES",
           "STATUS_TRANSITIONS", "InvalidTransition", "AUDIT_ACTIONS", "PairingRefused",
           "AlreadyHandled"]

FORMAT_VERSION = 1
# No 0/O or 1/I/L: a reference is read aloud and typed back by people.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIXES = {"enrollment": "M", "feedback": "R"}


# Kept importable from here for the coordinator area.
ENROLLMENT_STATUSES = STATUS_LABELS
# What the audit log records: actions, never the values seen or exported.
AUDIT_ACTIONS = ("connexion", "deconnexion", "consultation", "statut", "note", "export",
                 "ouverture_inscriptions", "fermeture_inscriptions", "binome_confirme",
                 "binome_ecarte", "binome_remplace", "binome_clos", "binome_consulte",
                 "binome_verrouille", "binome_deverrouille", "retour_traite")


_AUDIT_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}(\.[a-z0-9]{1,10})?")


class InvalidTransition(ValueError):
    """The enrollment cannot move to that status from its current one."""


def new_reference(kind: str) -> str:
    """Return a short random reference such as ``M-7K3Q-9XPA``; never a database id."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{PREFIXES[kind]}-{chars[:4]}-{chars[4:]}"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Repository:
    """Enrollments and feedback of one data directory."""

    def __init__(self, data_dir: str | Path, *, mail_domain: str = "localhost"):
        self.store = Store(data_dir)
        self.enrollments = self.store.table("enrollments")
        self.feedback = self.store.table("feedback")
        # The messages records cause, queued in the same store (mailqueue).
        self.mail = MailQueue(self.store, mail_domain)
        self.meetings = Meetings(self.store)

    def close(self) -> None:
        self.store.close()

    def enroll(self, answers: dict, *, notice_version: str, cohort: str | None = None,
               submission: str | None = None) -> tuple[dict | None, str]:
        """Store an enrollment and queue its e-mail; return (new record, reference to show).

        The record is ``None`` when nothing new was stored: the address is
        already enrolled (only the e-mail job is queued: the sender tells the
        owner), or the same post came twice (``submission`` seen: nothing more
        is stored or queued, and the first answer's reference is returned).
        The job is appended before the record: a crash between the two leaves
        a job that finds no record and sends nothing, never a record without
        its confirmation.
        """
        now = now_iso()
        reference = new_reference("enrollment")
        job = self.mail.job("inscription", email=answers["email"], reference=reference)
        job["key"] = f"inscription:{submission or secrets.token_hex(16)}"
        with self._transaction():
            job_id, queued = self.mail.table.insert_unique(job, "key")
            if not queued:  # a double post of the same page
                return None, self.mail.table.get(job_id)["refs"].get("reference", reference)
            record = {
                **answers,
                "v": FORMAT_VERSION,
                "reference": reference,
                "status": "nouveau",
                "status_history": [{"status": "nouveau", "at": now}],
                "cohort": cohort,
                "notice_version": notice_version,
                "consented_at": now,
                "created_at": now,
            }
            doc_id, created = self.enrollments.insert_unique(record, "email")
            return (self.enrollments.get(doc_id) if created else None), reference

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
        """Store a personal link's feedback: one per person and checkpoint, a later post updates it."""
        key = f"{pair_id}:{month}:{person_id}"
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

    def request_link(self, email: str) -> None:
        """Queue "send this address its personal link": the sender looks it up later."""
        self.mail.put("lien", email=email)

    def request_address_change(self, enrollment_id: int, new_email: str) -> None:
        """Queue the confirmation of a corrected address, to that address."""
        self.mail.put("adresse", enrollment_id=enrollment_id, new_email=new_email)

    def enrollment_by_email(self, email: str) -> dict | None:
        wanted = email.casefold()
        found = self.enrollments.search(lambda d: str(d.get("email", "")).casefold() == wanted)
        return found[0] if found else None

    # ------------------------------------------------------------- enrollments (coordination)

    def enrollment(self, doc_id: int) -> dict | None:
        """The enrollment, or ``None`` (also for an id no record can have, such as 0)."""
        return self.enrollments.get(doc_id) if _valid_id(doc_id) else None

    def set_enrollment_status(self, doc_id: int, status: str, *, by: int | None,
                              force: bool = False) -> dict:
        """Move an enrollment to status, appending who and when to its history.

        Raises ``InvalidTransition`` when the lifecycle forbids the move (unless
        ``force``), ``KeyError`` when the enrollment does not exist.
        """
        if status not in ENROLLMENT_STATUSES:
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

    # ------------------------------------------------------------------------- coordinators

    @property
    def coordinators(self):
        return self.store.table("coordinators")

    def add_coordinator(self, email: str, password_hash: str) -> tuple[dict, bool]:
        """Create a coordinator account unless the e-mail has one; return it and whether new."""
        now = now_iso()
        doc_id, created = self.coordinators.insert_unique({
            "v": FORMAT_VERSION, "email": email.strip().casefold(),
            "password_hash": password_hash, "created_at": now, "password_changed_at": now,
        }, "email")
        return self.coordinators.get(doc_id), created

    def coordinator(self, doc_id: int) -> dict | None:
        return self.coordinators.get(doc_id)

    def coordinator_by_email(self, email: str) -> dict | None:
        wanted = (email or "").strip().casefold()
        found = self.coordinators.search(lambda d: d.get("email") == wanted)
        return found[0] if found else None

    def list_coordinators(self) -> list[dict]:
        return sorted(self.coordinators.all(), key=lambda d: d["email"])

    def remove_coordinator(self, email: str) -> bool:
        """Delete the account (its sessions stop working at their next request)."""
        record = self.coordinator_by_email(email)
        if record is None:
            return False
        self.coordinators.remove(record["id"])
        return True

    def set_coordinator_password(self, doc_id: int, password_hash: str) -> dict:
        return self.coordinators.update(doc_id, {"password_hash": password_hash,
                                                 "password_changed_at": now_iso()})

    # ---------------------------------------------------------------------------- audit log

    @property
    def audit_log(self):
        return self.store.table("audit")

    def audit(self, coordinator_id: int | None, action: str, record: int | str | None = None
              ) -> None:
        """Record that a coordinator (None: the command line) did action on record.

        Only ids and action names are kept, never a personal value.
        """
        # Identifiers only: a value typed by a person (a name, an address) cannot pass.
        if not _AUDIT_WORD.fullmatch(action) or not (
                record is None or (isinstance(record, int) and not isinstance(record, bool))
                or (isinstance(record, str) and _AUDIT_WORD.fullmatch(record))):
            raise ValueError(_("entrée d'audit refusée : identifiants seulement"))
        self.audit_log.insert({"v": FORMAT_VERSION, "coordinator": coordinator_id,
                               "action": action, "record": record, "at": now_iso()})

    # ------------------------------------------------------------------------------ cohorts

    @property
    def cohorts(self):
        return self.store.table("cohorts")

    def cohort_state(self) -> dict:
        """Return ``{"open", "name", "next_opening"}`` of enrollment now.

        With no cohort ever opened, enrollment is open without a cohort name.
        """
        records = self.cohorts.all()
        if not records:
            return {"open": True, "name": None, "next_opening": None}
        latest = records[-1]
        return {"open": latest.get("closed_at") is None, "name": latest["name"],
                "next_opening": latest.get("next_opening")}

    def open_cohort(self, name: str, *, by: int | None) -> dict:
        """Open enrollment for cohort name, closing the one open before."""
        state = self.cohort_state()
        if state["open"] and state["name"]:
            self.close_cohort(by=by, next_opening=None)
        doc_id = self.cohorts.insert({"v": FORMAT_VERSION, "name": name, "opened_at": now_iso(),
                                      "opened_by": by, "closed_at": None, "closed_by": None,
                                      "next_opening": None})
        return self.cohorts.get(doc_id)

    def close_cohort(self, *, by: int | None, next_opening: str | None) -> dict:
        """Close enrollment, saying when the next round opens (ISO date or None)."""
        records = self.cohorts.all()
        if records:
            latest = records[-1]
            changes = {"next_opening": next_opening}
            if latest.get("closed_at") is None:
                changes.update(closed_at=now_iso(), closed_by=by)
            return self.cohorts.update(latest["id"], changes)
        # Closing before any cohort was opened: a closed round with no name.
        doc_id = self.cohorts.insert({"v": FORMAT_VERSION, "name": None, "opened_at": None,
                                      "opened_by": None, "closed_at": now_iso(),
                                      "closed_by": by, "next_opening": next_opening})
        return self.cohorts.get(doc_id)

    # ------------------------------------------------------------------ pairs (matching, follow-up)

    @property
    def pairs(self):
        return self.store.table("pairs")

    @property
    def rejections(self):
        return self.store.table("rejections")

    def pair(self, doc_id: int) -> dict | None:
        return self.pairs.get(doc_id) if _valid_id(doc_id) else None

    def all_pairs(self) -> list[dict]:
        return self.pairs.all()

    def active_pairs(self) -> list[dict]:
        return self.pairs.search(lambda d: d.get("status") == "active")

    def rejected_pairs(self) -> set[tuple[int, int]]:
        """Return the (mentor id, mentee id) pairs the coordination turned down."""
        return {(d["mentor_id"], d["mentee_id"]) for d in self.rejections.all()}

    def reject_pair(self, mentor_id: int, mentee_id: int, *, by: int | None) -> bool:
        """Remember that this mentor must not be suggested to this mentee again.

        Returns False when it was already turned down or confirmed (by someone
        else, a moment ago): the caller says « déjà traité ».
        """
        with self._transaction():
            if self.active_pair_of(mentee_id) is not None:
                return False
            _doc_id, created = self.rejections.insert_unique({
                "v": FORMAT_VERSION, "key": f"{mentor_id}-{mentee_id}", "mentor_id": mentor_id,
                "mentee_id": mentee_id, "at": now_iso(), "by": by}, "key")
            if created:
                self._unlock(mentee_id)
            return created

    def active_pair_of(self, mentee_id: int) -> dict | None:
        """Return the active pair where this person is the mentee, if any."""
        found = self.pairs.search(lambda d: d.get("status") == "active"
                                  and d.get("mentee_id") == mentee_id)
        return found[0] if found else None

    def pairs_of(self, person_id: int) -> list[dict]:
        """Return every pair (active or closed) this person was part of, newest first."""
        found = self.pairs.search(lambda d: person_id in (d.get("mentor_id"), d.get("mentee_id")))
        return sorted(found, key=lambda d: d.get("confirmed_at") or "", reverse=True)

    def pair_history(self) -> dict[tuple[int, int], list[dict]]:
        """Map (mentor id, mentee id) to the earlier pairs of those two people.

        A closed pair counts both ways round (the same two people, whoever
        mentored); a rejection only as it was turned down.
        """
        history: dict[tuple[int, int], list[dict]] = {}
        for pair in self.pairs.all():
            if pair.get("status") == "active":
                continue
            event = {"kind": "clos", "pair_id": pair["id"], "at": pair.get("closed_at"),
                     "confirmed_at": pair.get("confirmed_at"),
                     "reason": pair.get("close_reason")}
            for key in ((pair["mentor_id"], pair["mentee_id"]),
                        (pair["mentee_id"], pair["mentor_id"])):
                history.setdefault(key, []).append(event)
        for rejection in self.rejections.all():
            history.setdefault((rejection["mentor_id"], rejection["mentee_id"]), []).append(
                {"kind": "ecarte", "at": rejection.get("at"), "pair_id": None,
                 "confirmed_at": None, "reason": None})
        return history

    # ------------------------------------------------------------------ locks (what if)

    @property
    def locks(self):
        return self.store.table("locks")

    def locked_pairs(self) -> list[tuple[int, int]]:
        """Return the pairs coordinators locked for the next runs, oldest first."""
        return [(d["mentor_id"], d["mentee_id"]) for d in self.locks.all()]

    def lock_pair(self, mentor_id: int, mentee_id: int, *, by: int | None) -> bool:
        """Keep this pair in every run until it is confirmed; one lock per mentee."""
        with self._transaction():
            if self.active_pair_of(mentee_id) is not None:
                return False
            self._unlock(mentee_id)
            self.locks.insert({"v": FORMAT_VERSION, "mentor_id": mentor_id,
                               "mentee_id": mentee_id, "at": now_iso(), "by": by})
            return True

    def unlock_pair(self, mentee_id: int) -> bool:
        with self._transaction():
            return self._unlock(mentee_id)

    def _unlock(self, mentee_id: int) -> bool:
        found = self.locks.search(lambda d: d.get("mentee_id") == mentee_id)
        for lock in found:
            self.locks.remove(lock["id"])
        return bool(found)

    def matching_pool(self) -> tuple[list[dict], dict[int, int]]:
        """Return the enrollments as the matching must see them, and each mentor's load.

        Someone enrolled as both ("les_deux") who already has a mentor takes
        part only as mentor, and one whose places are all taken only as
        mentee: the copies handed to the matching carry the role still open.
        """
        with self._transaction():
            return self._pool_view()

    def _pool_view(self) -> tuple[list[dict], dict[int, int]]:
        load, has_mentor = self._loads()
        pool = []
        for person in self.enrollments.all():
            status = person.get("status")
            if status not in WAITING_STATUSES and status not in PAIR_STATUSES:
                continue
            can_mentor, can_be_mentee = _open_roles(person, load, has_mentor)
            # Someone « apparié » or « actif » takes part only with a role still open (a
            # mentor's free place); the matching sees them as waiting for that role.
            seen = person if status in WAITING_STATUSES else {**person, "status": "en_attente"}
            if can_mentor and can_be_mentee:
                pool.append(seen)
            elif can_mentor or can_be_mentee:
                pool.append({**seen, "role": "mentor" if can_mentor else "mentore"})
        return pool, load

    def _loads(self) -> tuple[dict[int, int], set[int]]:
        load: dict[int, int] = {}
        has_mentor: set[int] = set()
        for pair in self.active_pairs():
            load[pair["mentor_id"]] = load.get(pair["mentor_id"], 0) + 1
            has_mentor.add(pair["mentee_id"])
        return load, has_mentor

    def confirm_pair(self, mentor_id: int, mentee_id: int, *, by: int | None, score: float,
                     reasons: list[str], checkpoints: list[dict], at: str | None = None) -> dict:
        """Store a confirmed pair and move both enrollments on; return the pair.

        Raises ``PairingRefused`` (French message) when one of them is no
        longer waiting, the mentee already has a mentor or the mentor has no
        free place: checked and written under one lock, so two coordinators
        confirming at once cannot overfill a mentor. Both become ``apparie``
        (whoever keeps an open role, a mentor with free places, stays in the
        pool for it). The caller checks the hard constraints
        (``matching.score_pair``) and computes ``checkpoints``.
        """
        at = at or now_iso()
        with self._transaction():
            pool, load = self._pool_view()
            roles = {person["id"]: person["role"] for person in pool}
            done = self.active_pair_of(mentee_id)
            if done is not None:
                raise AlreadyHandled(_("Déjà traité : cette personne n'attend plus de mentor, "
                                       "son binôme a été confirmé entre-temps (peut-être par "
                                       "un autre coordinateur)."))
            if mentor_id == mentee_id:
                raise PairingRefused(_("Une personne ne peut pas être son propre mentor."))
            if roles.get(mentor_id) not in MENTOR_ROLES:
                raise PairingRefused(_("Ce mentor n'est plus disponible (déjà apparié, "
                                       "complet ou sorti du vivier)."))
            if roles.get(mentee_id) not in MENTEE_ROLES:
                raise PairingRefused(_("Cette personne n'attend plus de mentor (déjà appariée "
                                       "ou sortie du vivier)."))
            mentor = self.enrollments.get(mentor_id)
            # The introductions first: a crash before the pair leaves jobs that find no
            # pair and send nothing, never a pair nobody was told about.
            for person_id in (mentor_id, mentee_id):
                self.mail.put("presentation", mentor_id=mentor_id, mentee_id=mentee_id,
                              person_id=person_id)
            doc_id = self.pairs.insert({
                "v": FORMAT_VERSION, "mentor_id": mentor_id, "mentee_id": mentee_id,
                "track": mentor.get("track"), "score": score, "reasons": list(reasons),
                "confirmed_at": at, "confirmed_by": by, "status": "active",
                "closed_at": None, "closed_by": None, "close_reason": None,
                "checkpoints": checkpoints,
            })
            self._unlock(mentee_id)
            for person_id in (mentor_id, mentee_id):
                # A confirmed pair makes both « apparié » (a mentor's free places keep them
                # in the pool all the same); someone already « actif » stays so.
                if self.enrollments.get(person_id).get("status") != "actif":
                    self._set_status(person_id, "apparie", at=at, by=by)
            return self.pairs.get(doc_id)

    # ------------------------------------------------------------ between checkpoints

    def log_meeting(self, pair_id: int, person_id: int, on, *, duration_minutes=None,
                    format=None) -> tuple[dict, bool]:
        """Record that an active pair met on a day (once per day); both people become « actif »."""
        with self._transaction():
            pair = self.pairs.get(pair_id)
            if pair is None or pair.get("status") != "active" or \
                    person_id not in (pair["mentor_id"], pair["mentee_id"]):
                raise PairingRefused(_("Ce binôme n'est plus en cours : rien n'est noté."))
            role = "mentor" if person_id == pair["mentor_id"] else "mentee"
            meeting, created = self.meetings.log(pair_id, on, person_id=person_id,
                                                 logged_by=role,
                                                 duration_minutes=duration_minutes,
                                                 format=format)
            if created:
                for someone in (pair["mentor_id"], pair["mentee_id"]):
                    if (self.enrollments.get(someone) or {}).get("status") == "apparie":
                        self._set_status(someone, "actif", at=now_iso(), by=None)
            return meeting, created

    def decline_pair(self, pair_id: int, person_id: int, reason: str,
                     coordination: list[dict]) -> dict:
        """Close a pair one person declined: « non démarré », both back in the pool, never again.

        ``coordination`` lists the job refs that reach the coordination (its
        address, or each coordinator account). The private reason stays in the
        pair's record, for the coordination only.
        """
        at = now_iso()
        with self._transaction():
            pair = self.pairs.get(pair_id)
            if pair is None or pair.get("status") != "active" or \
                    person_id not in (pair["mentor_id"], pair["mentee_id"]):
                raise PairingRefused(_("Ce binôme n'est plus en cours : il ne peut plus être "
                                       "décliné."))
            partner = pair["mentee_id"] if person_id == pair["mentor_id"] else pair["mentor_id"]
            self.mail.put("refus_partenaire", pair_id=pair_id, person_id=partner)
            for refs in coordination:
                self.mail.put("refus_coordination", pair_id=pair_id, **refs)
            pair = self.pairs.update(pair_id, {
                "status": "non_demarre", "closed_at": at, "closed_by": None,
                "close_reason": "refus", "declined_by": person_id, "decline_reason": reason})
            self.reject_pair(pair["mentor_id"], pair["mentee_id"], by=None)
            for someone in (pair["mentor_id"], pair["mentee_id"]):
                self._set_status(someone, "en_attente", at=at, by=None)
            return pair

    def mark_silence(self, pair_id: int, what: str, period: str, jobs: list[tuple]) -> bool:
        """Queue the nudge or alert of a silent period once; False when it already went."""
        with self._transaction():
            pair = self.pairs.get(pair_id)
            if pair is None or pair.get("silence", {}).get(what) == period:
                return False
            for kind, refs in jobs:
                self.mail.put(kind, pair_id=pair_id, **refs)
            silence = {**pair.get("silence", {}), what: period}
            self.pairs.update(pair_id, {"silence": silence})
            return True

    def close_pair(self, pair_id: int, *, reason: str, by: int | None,
                   mentor_status: str, mentee_status: str, at: str | None = None) -> dict:
        """End an active pair with a reason; put each person back in the pool or close them.

        ``mentor_status`` / ``mentee_status`` are ``en_attente`` (can be
        matched again) or ``clos``. Someone who still has another active
        pair keeps the status that pair gives (``apparie`` or ``actif``). Raises ``PairingRefused``
        when the pair is not active, ``KeyError`` when it does not exist.
        """
        if {mentor_status, mentee_status} - set(PAIR_END_STATUSES):
            raise ValueError("statut de fin inconnu")
        at = at or now_iso()
        with self._transaction():
            pair = self.pairs.get(pair_id)
            if pair is None:
                raise KeyError(pair_id)
            if pair.get("status") != "active":
                raise PairingRefused(_("Ce binôme est déjà clos."))
            pair = self.pairs.update(pair_id, {"status": "closed", "closed_at": at,
                                               "closed_by": by, "close_reason": reason})
            load, has_mentor = self._loads()
            for person_id, wanted in ((pair["mentor_id"], mentor_status),
                                      (pair["mentee_id"], mentee_status)):
                busy = load.get(person_id, 0) > 0 or person_id in has_mentor
                if busy:
                    # Still in another running pair: their status follows that one.
                    current = self.enrollments.get(person_id).get("status")
                    wanted = current if current in PAIR_STATUSES else "apparie"
                self._set_status(person_id, wanted, at=at, by=by)
            return pair

    def claim_reminder(self, pair_id: int, month: int, person_id: int,
                       at: str | None = None) -> bool:
        """Queue a checkpoint's reminder to this person, once; False if it already went.

        The job (keyed by pair, month and person) is appended before the claim,
        so a crash between the two is redone by the next run without a second job.
        """
        claimed = []

        def change(pair: dict) -> dict:
            for checkpoint in pair.get("checkpoints", ()):
                reminded = checkpoint.setdefault("reminded", {})
                if checkpoint["month"] == month and str(person_id) not in reminded:
                    reminded[str(person_id)] = at or now_iso()
                    claimed.append(True)
            return pair

        with self._transaction():
            pair = self.pairs.get(pair_id)
            already = pair is None or any(
                str(person_id) in c.get("reminded", {}) for c in pair.get("checkpoints", ())
                if c["month"] == month)
            if already:
                return False
            job = self.mail.job("rappel", pair_id=pair_id, month=month, person_id=person_id)
            job["key"] = f"rappel:{pair_id}:{month}:{person_id}"
            self.mail.table.insert_unique(job, "key")
            self.pairs.modify(pair_id, change)
        return bool(claimed)

    def mark_answered(self, pair_id: int, month: int, person_id: int, feedback_id: int,
                      at: str | None = None) -> bool:
        """Record that this person answered the pair's checkpoint; False if unknown."""
        found = []

        def change(pair: dict) -> dict:
            for checkpoint in pair.get("checkpoints", ()):
                if checkpoint["month"] == month:
                    checkpoint.setdefault("answered", {})[str(person_id)] = {
                        "at": at or now_iso(), "feedback_id": feedback_id}
                    found.append(True)
            return pair

        pair = self.pairs.get(pair_id)
        if pair is None or person_id not in (pair["mentor_id"], pair["mentee_id"]):
            return False
        with self._transaction():
            self.pairs.modify(pair_id, change)
            if found and pair.get("status") == "active":
                # The first feedback shows the pair is under way: both become « actif ».
                for someone in (pair["mentor_id"], pair["mentee_id"]):
                    record = self.enrollments.get(someone)
                    if record and record.get("status") == "apparie":
                        self._set_status(someone, "actif", at=at or now_iso(), by=None)
        return bool(found)

    def mark_feedback_handled(self, feedback_id: int, *, by: int | None) -> bool:
        """Record that the coordination dealt with a feedback's alert; False if unknown."""
        if self.feedback.get(feedback_id) is None:
            return False
        self.feedback.update(feedback_id, {"handled_at": now_iso(), "handled_by": by})
        return True

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

    def _set_status(self, person_id: int, status: str, *, at: str, by: int | None) -> None:
        def change(record: dict) -> dict:
            if record.get("status") != status:
                record["status"] = status
                record.setdefault("status_history", []).append(
                    {"status": status, "at": at, "by": by})
            return record

        self.enrollments.modify(person_id, change)

    def _transaction(self):
        # Blocks nest: each table's own locking runs inside this one.
        return self.store.transaction()


class PairingRefused(ValueError):
    """A pair cannot be confirmed or closed; ``str()`` is a French message."""


class AlreadyHandled(PairingRefused):
    """Someone else already decided on this suggestion (« déjà traité »)."""


def _open_roles(person: dict, load: dict[int, int], has_mentor: set[int]) -> tuple[bool, bool]:
    """Return whether the person can still take a mentee, and still needs a mentor."""
    capacity = person.get("capacity") or 1
    can_mentor = person.get("role") in MENTOR_ROLES and load.get(person["id"], 0) < capacity \
        and not paused(person, date.today())
    can_be_mentee = person.get("role") in MENTEE_ROLES and person["id"] not in has_mentor
    return can_mentor, can_be_mentee


def paused(person: dict, on: date) -> bool:
    """Whether a mentor takes no new pair on ``on``: paused, and the resume date not reached."""
    if not person.get("pause"):
        return False
    resume = person.get("reprise_le")
    return not resume or on < date.fromisoformat(resume)


def _valid_id(doc_id) -> bool:
    return isinstance(doc_id, int) and not isinstance(doc_id, bool) and doc_id > 0


def submission_key(form_key: str, token: str, answers: dict) -> str:
    """Identify one submission: the same page's same answers give the same key."""
    canonical = json.dumps([form_key, token, answers], sort_keys=True, ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
