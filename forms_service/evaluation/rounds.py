"""What belongs to a round (« session »), read once from the records.

An enrollment belongs to the round it was made in (its ``cohort``); those
made while no round was open form « hors session ». A pair belongs to the
round of its mentee's enrollment, and so do its meetings, its signed
checkpoint feedback and its closing questionnaires. Whether someone was
matched or went the whole way looks at all their pairs: a mentor of one
round may accompany a mentee of the next.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from ..i18n import _
from ..vocabulary import PairState

__all__ = ["OUTSIDE", "RoundData", "round_names", "latest_round", "previous_round",
           "round_label", "round_data", "pair_outcome"]

# The key of « hors session »: enrollments made while no round was open.
OUTSIDE = ""


@dataclass
class RoundData:
    """One round's records, and what the indicators need to read them."""

    name: str
    enrollments: list[dict]
    pairs: list[dict]
    meetings: list[dict]
    feedback: list[dict]
    closing: list[dict]
    today: date
    # Every pair of each person, whatever its round.
    pairs_of_person: dict[int, list[dict]] = field(default_factory=dict)
    enrollment_by_id: dict[int, dict] = field(default_factory=dict)

    @property
    def checkpoints(self) -> list[int]:
        return sorted({c["month"] for p in self.pairs for c in p.get("checkpoints", ())})


def round_names(cohorts: list[dict], enrollments: list[dict]) -> list[str]:
    """The rounds in the order they opened, « hors session » first when it has anyone."""
    names = [c["name"] for c in sorted(cohorts, key=lambda c: c.get("opened_at") or "")
             if c.get("name")]
    # A round named by an enrollment but absent from the rounds' table (imported data) still
    # has its report, after the known ones.
    names = list(dict.fromkeys(names + sorted({e["cohort"] for e in enrollments
                                               if e.get("cohort")} - set(names))))
    if any(not e.get("cohort") for e in enrollments):
        names.insert(0, OUTSIDE)
    return names


def latest_round(names: list[str]) -> str:
    return names[-1] if names else OUTSIDE


def previous_round(names: list[str], name: str) -> str | None:
    """The round opened just before ``name`` (« hors session » has none)."""
    rounds = [n for n in names if n != OUTSIDE]
    if name not in rounds or rounds.index(name) == 0:
        return None
    return rounds[rounds.index(name) - 1]


def round_label(name: str) -> str:
    return name or _("Hors session")


def round_data(repo, name: str, today: date | None = None) -> RoundData:
    """Gather round ``name``'s records from the repository."""
    enrollments = repo.enrollments.all()
    by_id = {e["id"]: e for e in enrollments}
    members = [e for e in enrollments if (e.get("cohort") or OUTSIDE) == name]
    all_pairs = repo.all_pairs()
    pairs_of_person: dict[int, list[dict]] = defaultdict(list)
    for pair in all_pairs:
        pairs_of_person[pair["mentor_id"]].append(pair)
        pairs_of_person[pair["mentee_id"]].append(pair)
    member_ids = {e["id"] for e in members}
    pairs = [p for p in all_pairs if p["mentee_id"] in member_ids]
    ids = {p["id"] for p in pairs}
    return RoundData(
        name=name, enrollments=members, pairs=pairs,
        meetings=[m for m in repo.meetings.all() if m.get("pair_id") in ids],
        feedback=[f for f in repo.feedback.all() if f.get("pair_id") in ids],
        closing=[a for a in repo.closing.all() if a.get("pair_id") in ids],
        today=today or date.today(), pairs_of_person=dict(pairs_of_person),
        enrollment_by_id=by_id)


def _last_due(pair: dict) -> str | None:
    dues = [c["due"] for c in pair.get("checkpoints", ())]
    return max(dues) if dues else None


def pair_outcome(pair: dict, today: date) -> str:
    """``termine``, ``arrete`` (ended early), ``decline`` (never started) or ``en_cours``.

    A pair went the whole way when the coordinator closed it as « arrivé à son
    terme », or when it reached its last checkpoint (still running, or closed
    after it without a category). Any other close ended it early.
    """
    if pair.get("status") == PairState.NON_DEMARRE:
        return "decline"
    last = _last_due(pair)
    if pair.get("status") == PairState.ACTIVE:
        return "termine" if last and last <= today.isoformat() else "en_cours"
    category = pair.get("end_category")
    if category:
        return "termine" if category == "terme" else "arrete"
    if pair.get("close_reason") not in ("retrait", "effacement") and last \
            and str(pair.get("closed_at") or "")[:10] >= last:
        return "termine"
    return "arrete"
