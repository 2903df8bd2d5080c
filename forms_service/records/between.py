"""Between checkpoints: meetings logged, introductions declined, silent periods.

A part of ``Repository``.
"""

from __future__ import annotations

from ..i18n import _
from .common import PairingRefused, now_iso

__all__ = ["BetweenRecords"]


class BetweenRecords:
    """Between checkpoints: meetings logged, introductions declined, silent periods."""

    # ------------------------------------------------------------ between checkpoints

    def log_meeting(self, pair_id: int, person_id: int, on, *, duration_minutes=None,
                    format=None) -> tuple[dict, bool]:
        """Record that an active pair met on a day (once per day); both people become « actif »."""
        with self._transaction():
            pair = self.pairs.get(pair_id)
            if pair is None or pair.get("status") != "active" or \
                    person_id not in (pair["mentor_id"], pair["mentee_id"]):
                raise PairingRefused(_("Ce binôme n’est plus en cours : rien n’est noté."))
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
                raise PairingRefused(_("Ce binôme n’est plus en cours : il ne peut plus être "
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

