"""Suggest mentor–mentee pairs for the whole waiting pool at once.

Pure logic: enrollment records (plain dicts, as stored) in, suggestions with
a score and French reasons out. No Flask, no storage; the coordinator area
and the ``mentorat match`` command call :func:`suggest` and show the result.

How a pair is judged:

* **Hard constraints** make a pair impossible: no common language, formats
  that cannot meet (in person needs the same site, in person with remote
  cannot work), different tracks (classic / reverse), the same person, a
  direct line-management link in either direction, a pair the coordinator
  rejected, and the mentor's capacity.
* **Soft criteria**, each scored in [0, 1], are weighted by the programme's
  ``poids`` and normalised to 0–100: skills, availability, rhythm,
  department wish and experience gap (reversed for reverse mentoring).

The pool is optimised globally: every mentor is expanded into its free
places and :func:`scipy.optimize.linear_sum_assignment` picks the set of
pairs that matches as many mentees as possible and, among those, has the
highest total score. A first-come greedy pass would let early mentees take
mentors that later ones needed more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..eligibility import may_be_proposed
from ..i18n import _
from ..vocabulary import MENTEE_ROLES, MENTOR_ROLES, WAITING_STATUSES
from .assign import assign_avoiding_mutual, mutual_pairs
from .encode import (
    EXPERIENCE_BANDS,
    RHYTHMS,
    SLOTS,
    InvalidEnrollment,
    encode,
)
from .explain import (
    french_key,
    mentee_reason,
    mentor_reason,
    agreed_reason,
    mutual_reason,
    negative,
    pair_reasons,
    preference_reason,
    refusal,
    wish_reasons,
)
from .preferences import agreed, agreed_bonus, preference_bonus, preference_rank
from .report import LOW_SCORE, build_report
from .scores import (
    CRITERIA,
    PREFERENCE,
    capacity,
    checked_weights,
    constraints,
    feasible_cells,
    positions,
    score_matrix,
)

__all__ = [
    "CRITERIA",
    "EXPERIENCE_BANDS",
    "InvalidEnrollment",
    "MatchResult",
    "RHYTHMS",
    "SLOTS",
    "Suggestion",
    "Unmatched",
    "WAITING_STATUSES",
    "LOW_SCORE",
    "candidates",
    "french_key",
    "score_pair",
    "suggest",
    "why_not",
]



@dataclass(frozen=True)
class Suggestion:
    """A proposed pair, its 0–100 score and why it was proposed."""

    mentor: dict
    mentee: dict
    score: float
    reasons: list[str]
    # Earlier pairs of these two people (closed, rejected), when repeats were asked for.
    history: tuple = ()
    locked: bool = False
    # Both named each other as the colleague they agreed to work with.
    agreed: bool = False

    @property
    def warnings(self) -> list[str]:
        """The negative reasons, and a low score: what the coordinator must look at."""
        return negative(self.reasons)

    @property
    def low(self) -> bool:
        return self.score < LOW_SCORE


@dataclass(frozen=True)
class Unmatched:
    """Someone left without a proposal, as ``"mentore"`` or ``"mentor"``, and why."""

    person: dict
    role: str
    reasons: list[str]
    # The matching's name for the constraint that blocks them (see CONSTRAINT_LABELS).
    constraint: str = field(default="", compare=False)


@dataclass(frozen=True)
class MatchResult:
    """Everything :func:`suggest` proposes for one pool."""

    suggestions: list[Suggestion]
    unmatched: list[Unmatched]

    def to_json(self) -> dict:
        """Return the result as JSON-ready data, with only who, score and reasons."""
        return {
            "pairs": [
                {
                    "mentor": _identity(s.mentor),
                    "mentee": _identity(s.mentee),
                    "score": float(s.score),
                    "reasons": list(s.reasons),
                    "warnings": s.warnings,
                    "locked": s.locked,
                    "agreed": s.agreed,
                    "history": [dict(event) for event in s.history],
                }
                for s in self.suggestions
            ],
            "unmatched": [
                {**_identity(u.person), "role": u.role, "reasons": list(u.reasons)}
                for u in self.unmatched
            ],
            "report": build_report(self),
        }


def _identity(person: dict) -> dict:
    return {"id": person.get("id"), "name": person.get("name"), "email": person.get("email")}


# --------------------------------------------------------------------------
# Public entry points


def score_pair(mentor: dict, mentee: dict, weights: Mapping) -> tuple[float, list[str]] | None:
    """Score one pair out of 100 with its reasons, or return ``None`` if impossible.

    Checks roles and every pairwise hard constraint; capacity and the
    coordinator's rejections belong to the pool and are checked by
    :func:`suggest`. Raises :class:`InvalidEnrollment` on an unknown value
    and ``ValueError`` on bad weights.
    """
    weights = checked_weights(weights)
    if mentor.get("role") not in MENTOR_ROLES or mentee.get("role") not in MENTEE_ROLES:
        return None
    mentors, mentees = encode([mentor], [mentee])
    if not feasible_cells(constraints(mentors, mentees, frozenset()))[0, 0]:
        return None
    score = score_matrix(mentors, mentees, weights)[0, 0]
    return round(float(score), 1), pair_reasons(mentor, mentee, weights)


def suggest(
    enrollments: Iterable[dict],
    weights: Mapping,
    *,
    existing_load: Mapping[int, int] | None = None,
    rejected: Iterable[tuple[int, int]] = frozenset(),
    history: Mapping[tuple[int, int], list[dict]] | None = None,
    include_repeats: bool = False,
    locked: Iterable[tuple[int, int]] = (),
    progress: Callable[[str], None] | None = None,
) -> MatchResult:
    """Propose the best set of pairs for everyone waiting, and explain who is left.

    Only enrollments the pool's rule lets in take part (``eligibility``: a
    waiting status, a role open, no pause, no limitation), so a mentor with
    free places must keep a waiting status.
    ``existing_load`` maps a mentor id to the mentees they already have;
    ``rejected`` holds ``(mentor_id, mentee_id)`` pairs that must never be
    proposed. ``history`` maps ``(mentor_id, mentee_id)`` to the earlier
    pairs of those two people: they are not proposed again unless
    ``include_repeats``, and then carry that history. ``locked`` pairs (the
    coordinators' picks) are kept as they are when still feasible; the rest
    of the pool is optimised around them. ``progress`` receives short
    French messages for the CLI.

    Mentors without a single mentee (new or existing) are reported too.
    """
    report = progress or (lambda message: None)
    weights = checked_weights(weights)
    load = dict(existing_load or {})
    history = dict(history or {})
    pool = [person for person in enrollments if may_be_proposed(person)]
    mentor_people = [person for person in pool if person.get("role") in MENTOR_ROLES]
    mentee_people = [person for person in pool if person.get("role") in MENTEE_ROLES]
    free = np.array(
        [max(capacity(m) - int(load.get(m.get("id"), 0)), 0) for m in mentor_people],
        dtype=np.int64,
    )
    report(
        _(
            "Vivier\u00a0: mentorés en attente {mentees}, mentors en attente {mentors}, "
            "places libres {places}"
        ).format(mentees=len(mentee_people), mentors=len(mentor_people), places=int(free.sum()))
    )

    mentors, mentees = encode(mentor_people, mentee_people)
    repeated = frozenset() if include_repeats else frozenset(history)
    stages = constraints(mentors, mentees, frozenset(tuple(pair) for pair in rejected), repeated)
    feasible = feasible_cells(stages)
    report(_("Calcul des scores…"))
    scores = score_matrix(mentors, mentees, weights)
    report(_("Optimisation globale…"))
    kept, feasible, left = _keep_locked(locked, feasible, free, mentors.ids, mentees.ids)
    # Preferences weigh in the whole pool's optimum, never first come first served;
    # colleagues who named each other outweigh everything a hard constraint allows.
    ordinary = scores + preference_bonus(mentor_people, mentee_people, weights[PREFERENCE])
    ceiling = max(100.0, float(ordinary.max(initial=0.0)))
    objective = ordinary + agreed_bonus(mentor_people, mentee_people, ceiling)
    pairs = assign_avoiding_mutual(feasible, objective, left, mentors.ids, mentees.ids, ceiling)

    report(_("Rédaction des raisons…"))
    suggestions = _suggestions(sorted(pairs + kept), mentor_people, mentee_people, scores,
                               weights, history, set(kept))
    unmatched = _unmatched_mentees(pairs + kept, mentee_people, stages)
    unmatched += _unmatched_mentors(pairs + kept, mentor_people, stages, free, load)
    report(
        _("Binômes proposés\u00a0: {pairs}, mentorés sans proposition\u00a0: {left}").format(
            pairs=len(suggestions), left=sum(u.role == "mentore" for u in unmatched)
        )
    )
    return MatchResult(suggestions, unmatched)


def candidates(mentee: dict, mentor_people: list[dict], weights: Mapping, *,
               free: Mapping[int, int], forbidden: Iterable[tuple[int, int]] = ()
               ) -> list[tuple[dict, float, list[str]]]:
    """Return the mentors who can take this mentee, as (mentor, score, reasons).

    Only mentors with a free place who pass every hard constraint (and are
    not ``forbidden`` for this mentee) are listed, best score first, then by
    name in French order (accents do not send a name to the end).
    """
    weights = checked_weights(weights)
    mentor_people = [m for m in mentor_people
                     if m.get("role") in MENTOR_ROLES and free.get(m.get("id"), 0) > 0]
    if not mentor_people or mentee.get("role") not in MENTEE_ROLES:
        return []
    mentors, mentees = encode(mentor_people, [mentee])
    feasible = feasible_cells(constraints(mentors, mentees, frozenset(forbidden)))[:, 0]
    scores = score_matrix(mentors, mentees, weights)[:, 0]
    found = [(mentor_people[row], round(float(scores[row]), 1))
             for row in np.flatnonzero(feasible)]
    found.sort(key=lambda item: (-item[1], french_key(item[0].get("name"))))
    return [(mentor, score, pair_reasons(mentor, mentee, weights)) for mentor, score in found]


def why_not(mentor: dict, mentee: dict, *, free: int | None = None) -> str | None:
    """Name the hard constraint this mentor fails for this mentee, or None if none."""
    if free is not None and free <= 0:
        return refusal("sans_place", mentor, mentee)
    mentors, mentees = encode([{**mentor, "role": "mentor"}], [{**mentee, "role": "mentore"}])
    for stage, mask in constraints(mentors, mentees, frozenset()):
        if not mask[0, 0]:
            return refusal(stage, mentor, mentee)
    return None


def _keep_locked(locked, feasible, free, mentor_ids, mentee_ids):
    """Take the feasible locked pairs out of the optimisation: their cells, the rest, the places."""
    rows, columns = positions(mentor_ids), positions(mentee_ids)
    feasible, free = feasible.copy(), free.copy()
    kept = []
    for mentor_id, mentee_id in locked:
        for row in rows.get(mentor_id, ()):
            column = next(iter(columns.get(mentee_id, ())), None)
            if column is not None and feasible[row, column] and free[row] > 0 \
                    and feasible[:, column].any():
                kept.append((row, column))
                free[row] -= 1
                feasible[:, column] = False
                break
    return kept, feasible, free


# --------------------------------------------------------------------------
# Building the result


def _suggestions(pairs, mentor_people, mentee_people, scores, weights, history, kept
                 ) -> list[Suggestion]:
    mutual_cells = {
        cell
        for couple in mutual_pairs(
            pairs, [p.get("id") for p in mentor_people], [p.get("id") for p in mentee_people]
        )
        for cell in couple
    }
    suggestions = []
    for row, column in pairs:
        mentor, mentee = mentor_people[row], mentee_people[column]
        reasons = pair_reasons(mentor, mentee, weights)
        rank = preference_rank(mentee, mentor)
        if rank:
            reasons.insert(0, preference_reason(rank))
        if (row, column) in mutual_cells:
            reasons.append(mutual_reason())
        together = agreed(mentor, mentee)
        if together:
            reasons.insert(0, agreed_reason())
        else:
            reasons.extend(wish_reasons(mentor, mentee))
        past = tuple(history.get((mentor.get("id"), mentee.get("id")), ()))
        suggestions.append(Suggestion(mentor, mentee, round(float(scores[row, column]), 1),
                                      reasons, past, (row, column) in kept, together))
    suggestions.sort(
        key=lambda s: (-s.score, str(s.mentee.get("name") or ""), str(s.mentee.get("id")))
    )
    return suggestions


def _first_failure(stages, axis: int) -> tuple[list[str], np.ndarray]:
    """Return stage names and, per person on the other axis, the first stage leaving nobody.

    The index equals ``len(stages)`` when candidates survive every constraint.
    """
    names = [name for name, _mask in stages]
    alive = np.ones_like(stages[0][1])
    survivors = []
    for _name, mask in stages:
        alive &= mask
        survivors.append(alive.any(axis=axis))
    survived = np.array(survivors)
    # argmin finds the first False; a column with none left gets len(stages).
    return names, np.where(survived.all(axis=0), len(stages), survived.argmin(axis=0))


def _unmatched_mentees(pairs, mentee_people, stages) -> list[Unmatched]:
    matched = {column for _row, column in pairs}
    if not mentee_people:
        return []
    names, failures = _first_failure(stages, axis=0)
    result = []
    for column, person in enumerate(mentee_people):
        if column in matched:
            continue
        stage = names[failures[column]] if failures[column] < len(names) else "capacite"
        reasons = [mentee_reason(stage, person)]
        if person["track"] == "inverse" and stage not in ("personne", "parcours"):
            reasons.append(
                _("mentorat inversé\u00a0: seuls les mentors du même parcours sont envisagés")
            )
        result.append(Unmatched(person, "mentore", reasons, stage))
    return result


def _unmatched_mentors(pairs, mentor_people, stages, free, load) -> list[Unmatched]:
    matched = {row for row, _column in pairs}
    if not mentor_people:
        return []
    names, failures = _first_failure(stages, axis=1)
    result = []
    for row, person in enumerate(mentor_people):
        if row in matched or int(load.get(person.get("id"), 0)) > 0:
            continue
        if free[row] == 0:
            stage = "sans_place"
        elif failures[row] < len(names):
            stage = names[failures[row]]
        else:
            stage = "pris"
        reasons = [mentor_reason(stage, person)]
        if person["track"] == "inverse" and stage not in ("sans_place", "personne", "parcours"):
            reasons.append(
                _("mentorat inversé\u00a0: seuls les mentorés du même parcours sont envisagés")
            )
        result.append(Unmatched(person, "mentor", reasons, stage))
    return result
