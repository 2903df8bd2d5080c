"""Between checkpoints: meetings logged, introductions declined, silent periods.

A part of ``Repository``: it writes to a pair (through ``PairRecords``), its
meetings (``Meetings``) and its people (``EnrollmentRecords``), and queues
the messages those changes cause.
"""

from __future__ import annotations

from ..i18n import _
from ..mail.mailqueue import MailKind, MailQueue, without_pending
from ..storage import Store
from ..vocabulary import PairState, Status
from .common import PairingRefused, now_iso
from .enrollments import EnrollmentRecords
from .meetings import Meetings
from .pairs import PairRecords

__all__ = ["BetweenRecords"]


class BetweenRecords:
    """Between checkpoints: meetings logged, introductions declined, silent periods."""

    def __init__(self, store: Store, mail: MailQueue, meetings: Meetings,
                 people: EnrollmentRecords, pairing: PairRecords):
        self.store = store
        self.mail = mail
        self.meetings = meetings
        self.people = people
        self.pairing = pairing
        self.pairs = pairing.pairs

    def log_meeting(self, pair_id: int, person_id: int, on, *, duration_minutes=None,
                    format=None) -> tuple[dict, bool]:
        """Record that an active pair met on a day (once per day); both people become « actif »."""
        with self.store.transaction():
            pair = self.pairs.get(pair_id)
            if pair is None or pair.get("status") != PairState.ACTIVE or \
                    person_id not in (pair["mentor_id"], pair["mentee_id"]):
                raise PairingRefused(_("Ce binôme n’est plus en cours : rien n’est noté."))
            role = "mentor" if person_id == pair["mentor_id"] else "mentee"
            meeting, created = self.meetings.log(pair_id, on, person_id=person_id,
                                                 logged_by=role,
                                                 duration_minutes=duration_minutes,
                                                 format=format)
            if created:
                for someone in (pair["mentor_id"], pair["mentee_id"]):
                    if (self.people.enrollments.get(someone) or {}).get("status") == Status.APPARIE:
                        self.people.set_status(someone, Status.ACTIF, at=now_iso(), by=None)
            return meeting, created

    def decline_pair(self, pair_id: int, person_id: int, reason: str,
                     coordination: list[dict]) -> dict:
        """Close a pair one person declined: « non démarré », both back in the pool, never again.

        ``coordination`` lists the job refs that reach the coordination (its
        address, or each coordinator account). The private reason stays in the
        pair's record, for the coordination only.
        """
        at = now_iso()
        with self.store.transaction():
            pair = self.pairs.get(pair_id)
            if pair is None or pair.get("status") != PairState.ACTIVE or \
                    person_id not in (pair["mentor_id"], pair["mentee_id"]):
                raise PairingRefused(_("Ce binôme n’est plus en cours : il ne peut plus être "
                                       "décliné."))
            def declined(current: dict) -> dict:
                current.update(status=PairState.NON_DEMARRE, closed_at=at, closed_by=None,
                               close_reason="refus", declined_by=person_id,
                               decline_reason=reason)
                for refs in coordination:
                    self.mail.attach(current, MailKind.REFUS_COORDINATION, pair_id=pair_id,
                                     **refs)
                return current

            pair = without_pending(self.pairs.modify(pair_id, declined))
            self.pairing.reject_pair(pair["mentor_id"], pair["mentee_id"], by=None)
            told = self.pairing.pair_ended(pair, reason="refus", declined_by=person_id)
            for someone in (pair["mentor_id"], pair["mentee_id"]):
                self.people.set_status(someone, Status.EN_ATTENTE, at=at, by=None,
                                       messages=told[someone])
            return pair

    def mark_silence(self, pair_id: int, what: str, period: str, jobs: list[tuple]) -> bool:
        """Queue the nudge or alert of a silent period once; False when it already went."""
        with self.store.transaction():
            pair = self.pairs.get(pair_id)
            if pair is None or pair.get("silence", {}).get(what) == period:
                return False
            def silent(current: dict) -> dict:
                current["silence"] = {**current.get("silence", {}), what: period}
                for kind, refs in jobs:
                    self.mail.attach(current, kind, pair_id=pair_id, **refs)
                return current

            self.pairs.modify(pair_id, silent)
            return True

