"""Pairs: suggestions turned down, locks, the waiting pool, confirming, closing, checkpoints.

A part of ``Repository``: it holds the ``pairs``, ``rejections`` and ``locks``
tables, moves people on through ``EnrollmentRecords`` and queues the
messages a pair's changes cause (``mail.mailqueue``).
"""

from __future__ import annotations

from ..eligibility import open_roles
from ..i18n import _
from ..mail.mailqueue import MailKind, MailQueue, without_pending
from ..storage import Store
from ..vocabulary import (
    MENTEE_ROLES,
    MENTOR_ROLES,
    PAIR_END_STATUSES,
    PAIR_STATUSES,
    WAITING_STATUSES,
    PairState,
    Status,
)
from .closing import closing_key
from .common import (
    FORMAT_VERSION,
    AlreadyHandled,
    PairingRefused,
    new_reference,
    now_iso,
    valid_id,
)
from .enrollments import EnrollmentRecords
from .goals import merged

__all__ = ["PairRecords", "end_category"]


class PairRecords:
    """Pairs: suggestions turned down, locks, the waiting pool, confirming, closing, checkpoints."""

    def __init__(self, store: Store, mail: MailQueue, people: EnrollmentRecords):
        self.store = store
        self.mail = mail
        self.people = people
        self.pairs = store.table("pairs")
        self.rejections = store.table("rejections")
        self.locks = store.table("locks")

    # ------------------------------------------------------------------ pairs (matching, follow-up)

    def pair(self, doc_id: int) -> dict | None:
        return self.pairs.get(doc_id) if valid_id(doc_id) else None

    def all_pairs(self) -> list[dict]:
        return self.pairs.all()

    def active_pairs(self) -> list[dict]:
        return self.pairs.search(lambda d: d.get("status") == PairState.ACTIVE)

    def rejected_pairs(self) -> set[tuple[int, int]]:
        """Return the (mentor id, mentee id) pairs the coordination turned down."""
        return {(d["mentor_id"], d["mentee_id"]) for d in self.rejections.all()}

    def reject_pair(self, mentor_id: int, mentee_id: int, *, by: int | None) -> bool:
        """Remember that this mentor must not be suggested to this mentee again.

        Returns False when it was already turned down or confirmed (by someone
        else, a moment ago): the caller says « déjà traité ».
        """
        with self.store.transaction():
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
        found = self.pairs.search(lambda d: d.get("status") == PairState.ACTIVE
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
            if pair.get("status") == PairState.ACTIVE:
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

    def locked_pairs(self) -> list[tuple[int, int]]:
        """Return the pairs coordinators locked for the next runs, oldest first."""
        return [(d["mentor_id"], d["mentee_id"]) for d in self.locks.all()]

    def lock_pair(self, mentor_id: int, mentee_id: int, *, by: int | None) -> bool:
        """Keep this pair in every run until it is confirmed; one lock per mentee."""
        with self.store.transaction():
            if self.active_pair_of(mentee_id) is not None:
                return False
            self._unlock(mentee_id)
            self.locks.insert({"v": FORMAT_VERSION, "mentor_id": mentor_id,
                               "mentee_id": mentee_id, "at": now_iso(), "by": by})
            return True

    def unlock_pair(self, mentee_id: int) -> bool:
        with self.store.transaction():
            return self._unlock(mentee_id)

    def _unlock(self, mentee_id: int) -> bool:
        found = self.locks.search(lambda d: d.get("mentee_id") == mentee_id)
        for lock in found:
            self.locks.remove(lock["id"])
        return bool(found)

    def matching_pool(self, *, selection: dict | None) -> tuple[list[dict], dict[int, int]]:
        """Return the enrollments as the matching must see them, and each mentor's load.

        Someone enrolled as both ("les_deux") who already has a mentor takes
        part only as mentor, and one whose places are all taken only as
        mentee: the copies handed to the matching carry the role still open.
        ``selection`` is ``programme.yml``'s « selection »: a mentor with a step
        left is not in the pool (every caller says which programme applies).
        """
        with self.store.transaction():
            return self._pool_view(selection)

    def _pool_view(self, selection: dict | None) -> tuple[list[dict], dict[int, int]]:
        load, has_mentor = self._loads()
        pool = []
        for person in self.people.enrollments.all():
            # The one rule (``eligibility``): waiting or a role still open, no pause, no limit,
            # no selection step left.
            can_mentor, can_be_mentee = open_roles(person, load, has_mentor,
                                                   selection=selection)
            status = person.get("status")
            # Someone « apparié » or « actif » takes part only with a role still open (a
            # mentor's free place); the matching sees them as waiting for that role.
            seen = person if status in WAITING_STATUSES else {**person, "status": Status.EN_ATTENTE}
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
        with self.store.transaction():
            # The selection is the coordination's check (it may pair a mentor by hand
            # before it ends, after an explicit confirmation): not repeated here.
            pool, load = self._pool_view(None)
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
            mentor = self.people.enrollments.get(mentor_id)
            pair = {
                "v": FORMAT_VERSION, "mentor_id": mentor_id, "mentee_id": mentee_id,
                "track": mentor.get("track"), "score": score, "reasons": list(reasons),
                "confirmed_at": at, "confirmed_by": by, "status": PairState.ACTIVE,
                "closed_at": None, "closed_by": None, "close_reason": None,
                "checkpoints": checkpoints,
            }
            # The pair and both introductions: one append.
            for person_id in (mentor_id, mentee_id):
                self.mail.attach(pair, MailKind.PRESENTATION, mentor_id=mentor_id,
                                 mentee_id=mentee_id, person_id=person_id)
            doc_id = self.pairs.insert(pair)
            self._unlock(mentee_id)
            for person_id in (mentor_id, mentee_id):
                # A confirmed pair makes both « apparié » (a mentor's free places keep them
                # in the pool all the same); someone already « actif » stays so.
                if self.people.enrollments.get(person_id).get("status") != Status.ACTIF:
                    self.people.set_status(person_id, Status.APPARIE, at=at, by=by)
            return without_pending(self.pairs.get(doc_id))

    def close_pair(self, pair_id: int, *, reason: str, by: int | None,
                   mentor_status: str, mentee_status: str, at: str | None = None,
                   leaving: int | None = None, category: str | None = None) -> dict:
        """End an active pair with a reason; put each person back in the pool or close them.

        ``mentor_status`` / ``mentee_status`` are ``en_attente`` (can be
        matched again) or ``clos``. Someone who still has another active
        pair keeps the status that pair gives (``apparie`` or ``actif``).
        ``leaving`` is the person whose withdrawal or erasure ends the pair:
        the other one alone is told (``pair_ended``). ``category`` is how it
        ended (``vocabulary.END_CATEGORIES``), picked by the coordinator; the
        service's own closes leave it ``None``. Raises ``PairingRefused``
        when the pair is not active, ``KeyError`` when it does not exist.
        """
        if {mentor_status, mentee_status} - set(PAIR_END_STATUSES):
            raise ValueError("statut de fin inconnu")
        at = at or now_iso()
        with self.store.transaction():
            pair = self.pairs.get(pair_id)
            if pair is None:
                raise KeyError(pair_id)
            if pair.get("status") != PairState.ACTIVE:
                raise PairingRefused(_("Ce binôme est déjà clos."))
            # Read before the pair records its end: who was already invited to the closing
            # questionnaire (at its last checkpoint) is not invited again.
            told = self.pair_ended(pair, reason=reason, leaving=leaving)
            pair = self.pairs.update(pair_id, {
                "status": PairState.CLOSED, "closed_at": at, "closed_by": by,
                "close_reason": reason, "end_category": category, "closing_invited": {
                    **pair.get("closing_invited", {}),
                    **{str(refs["person_id"]): at for messages in told.values()
                       for kind, refs in messages if kind == MailKind.BILAN}}})
            load, has_mentor = self._loads()
            for person_id, wanted in ((pair["mentor_id"], mentor_status),
                                      (pair["mentee_id"], mentee_status)):
                busy = load.get(person_id, 0) > 0 or person_id in has_mentor
                if busy:
                    # Still in another running pair: their status follows that one.
                    current = self.people.enrollments.get(person_id).get("status")
                    wanted = current if current in PAIR_STATUSES else Status.APPARIE
                self.people.set_status(person_id, wanted, at=at, by=by,
                                       messages=told.get(person_id, ()))
            return pair

    def pair_ended(self, pair: dict, *, reason: str, leaving: int | None = None,
                   declined_by: int | None = None) -> dict[int, list[tuple[MailKind, dict]]]:
        """The messages a pair's end causes, by the person each goes to: « a pair ended ».

        Every way a pair ends (closed by the coordination, declined, a
        withdrawal, an erasure) comes here, so what an ending tells people is
        decided in one place. Each person who stays (not ``leaving``) is told,
        and the calendar events the pair's messages carried are cancelled; when
        someone's withdrawal or erasure ends it, the coordination is told too; the
        refs hold all the message needs, so it is written even once the pair or
        the other person's record is gone. When the coordination closes it (no one
        leaving, not declined), each person not yet invited gets the closing
        questionnaire's link (``records.closing``): the caller records them in
        the pair's ``closing_invited``.
        """
        calendar = {"id": pair["id"], "confirmed_at": pair.get("confirmed_at"),
                    "checkpoints": [{"month": c["month"], "due": c["due"]}
                                    for c in pair.get("checkpoints", ())]}
        told = {}
        for person_id in (pair["mentor_id"], pair["mentee_id"]):
            if person_id == leaving:
                continue
            declined_by_other = declined_by is not None and declined_by != person_id
            kind = MailKind.REFUS_PARTENAIRE if declined_by_other else MailKind.FIN_BINOME
            told[person_id] = [(kind, {"pair_id": pair["id"], "person_id": person_id,
                                       "reason": reason, "calendar": calendar})]
            if leaving is None and declined_by is None and reason != "refus" \
                    and str(person_id) not in pair.get("closing_invited", {}):
                told[person_id].append((MailKind.BILAN, {
                    "key": f"{MailKind.BILAN}:{closing_key(pair['id'], person_id)}",
                    "pair_id": pair["id"], "person_id": person_id}))
            if leaving is not None:
                # The coordination did not end it: it hears (riding on the record that stays).
                told[person_id].append((MailKind.FIN_COORDINATION, {
                    "pair_id": pair["id"], "person_id": person_id, "reason": reason,
                    "leaving_role": "mentor" if leaving == pair["mentor_id"] else "mentore"}))
        return told

    def claim_reminder(self, pair_id: int, month: int, person_id: int,
                       at: str | None = None) -> bool:
        """Queue a checkpoint's reminder to this person, once; False if it already went.

        The claim and the reminder are one append to the pair's record. The last
        checkpoint's reminder comes with the closing questionnaire's link, unless
        the person was invited already (``closing_invited``).
        """
        claimed = []

        def change(pair: dict) -> dict:
            for checkpoint in pair.get("checkpoints", ()):
                reminded = checkpoint.setdefault("reminded", {})
                if checkpoint["month"] == month and str(person_id) not in reminded:
                    reminded[str(person_id)] = at or now_iso()
                    claimed.append(True)
            if claimed:
                self.mail.attach(pair, MailKind.RAPPEL,
                                 key=f"{MailKind.RAPPEL}:{pair_id}:{month}:{person_id}",
                                 pair_id=pair_id, month=month, person_id=person_id)
                last = max(c["month"] for c in pair.get("checkpoints", ()))
                invited = pair.setdefault("closing_invited", {})
                if month == last and str(person_id) not in invited:
                    invited[str(person_id)] = at or now_iso()
                    self.mail.attach(pair, MailKind.BILAN,
                                     key=f"{MailKind.BILAN}:{closing_key(pair_id, person_id)}",
                                     pair_id=pair_id, person_id=person_id)
            return pair

        with self.store.transaction():
            if self.pairs.get(pair_id) is None:
                return False
            self.pairs.modify(pair_id, change)
        return bool(claimed)

    def save_linked_feedback(self, answers: dict, pair_id: int, month: int, person_id: int
                             ) -> dict:
        """Store a link's feedback: one per person and checkpoint; a later post updates it.

        The mentee's ratings of their goals (``goal_ratings``) go to their enrollment,
        beside the enrollment's own, so each goal's path reads in one place.
        """
        key = _link_key(pair_id, month, person_id)
        rated = answers.get("goal_ratings") if answers.get("role") == "mentore" else None
        if rated:
            answers = {k: v for k, v in answers.items() if k != "goal_ratings"}
        record = {**answers, "v": FORMAT_VERSION, "reference": new_reference("feedback"),
                  "link_key": key, "created_at": now_iso()}
        with self.store.transaction():
            doc_id, created = self.people.feedback.insert_unique(record, "link_key")
            if not created:
                previous = self.people.feedback.get(doc_id)
                record = self.people.feedback.update(doc_id, {
                    **answers, "updated_at": now_iso()})
                record = record if record else previous
            self.mark_answered(pair_id, month, person_id, doc_id)
            if rated:
                self.people.enrollments.modify(person_id, lambda mentee: {
                    **mentee, "goal_ratings": merged(mentee.get("goal_ratings"), rated,
                                                     now_iso())})
            return self.people.feedback.get(doc_id)

    def restore_answered_marks(self) -> int:
        """Give back its pair's « answered » mark to any linked feedback that lacks it.

        ``save_linked_feedback`` appends the answer, then the mark, in one
        transaction but to two journals (two tables): a process killed between
        the two keeps the answer alone. Safe to repeat; returns how many marks
        were missing.
        """
        restored = 0
        for record in self.people.feedback.all():
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
        with self.store.transaction():
            self.pairs.modify(pair_id, change)
            if found and pair.get("status") == PairState.ACTIVE:
                # The first feedback shows the pair is under way: both become « actif ».
                for someone in (pair["mentor_id"], pair["mentee_id"]):
                    record = self.people.enrollments.get(someone)
                    if record and record.get("status") == Status.APPARIE:
                        self.people.set_status(someone, Status.ACTIF, at=at or now_iso(), by=None)
        return bool(found)

    def mark_feedback_handled(self, feedback_id: int, *, by: int | None) -> bool:
        """Record that the coordination dealt with a feedback's alert; False if unknown."""
        if self.people.feedback.get(feedback_id) is None:
            return False
        self.people.feedback.update(feedback_id, {"handled_at": now_iso(), "handled_by": by})
        return True


def end_category(pair: dict) -> str | None:
    """How a closed pair ended (``vocabulary.END_CATEGORIES``, or a derived one): the
    coordinator's choice, else a withdrawal or erasure, else « non renseigné » (closed
    before the choice existed). ``None`` for a pair that is not closed."""
    if pair.get("status") != PairState.CLOSED:
        return None
    if pair.get("end_category"):
        return pair["end_category"]
    if pair.get("close_reason") in ("retrait", "effacement"):
        return "retrait"
    return "non_renseigne"


def _link_key(pair_id: int, month: int, person_id: int) -> str:
    """A linked feedback's key: one answer per person and checkpoint."""
    return f"{pair_id}:{month}:{person_id}"


def _link_parts(key: str) -> tuple[int, int, int]:
    pair_id, month, person_id = (int(part) for part in key.split(":"))
    return pair_id, month, person_id


def _answered(pair: dict, month: int, person_id: int) -> bool:
    return any(checkpoint["month"] == month and str(person_id) in checkpoint.get("answered", {})
               for checkpoint in pair.get("checkpoints", ()))
