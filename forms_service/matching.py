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

import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from .explanations import french_key, mentee_reason, mentor_reason, mutual_reason
from .explanations import negative, pair_reasons, preference_reason, refusal
from .i18n import _
from .match_report import build_report
from .matching_encode import DEPARTMENT_WISHES, EXPERIENCE_BANDS, FORMATS, RHYTHMS, SLOTS, TRACKS
from .matching_encode import InvalidEnrollment, _encode, _Side
from .preferences import preference_bonus, preference_rank
from .vocabulary import MENTEE_ROLES, MENTOR_ROLES, WAITING_STATUSES

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

CRITERIA = ("competences", "disponibilites", "rythme", "departement", "experience")
# Not a criterion of the score: points the optimisation adds for a ranked mentor.
PREFERENCE = "preference"
# Two shared half-days leave room to reschedule; one is fragile.
FULL_AVAILABILITY = 2
# Beyond two bands the gap no longer helps: the pair loses common ground.
FULL_EXPERIENCE_GAP = 2
# A mentee whose wishes are all outside the skills list is neither helped nor
# hurt by the skills criterion.
UNKNOWN_SKILLS_SCORE = 0.5
# Tries at undoing "A mentors B while B mentors A" before keeping it.
MUTUAL_RETRIES = 3
# A suggestion under this score is flagged for a closer look.
LOW_SCORE = 50

_PRESENTIEL, _DISTANCE, _HYBRIDE = (FORMATS.index(f) for f in FORMATS)
_INVERSE = TRACKS.index("inverse")
_WISH_OTHER, _WISH_SAME, _WISH_ANY = (DEPARTMENT_WISHES.index(w) for w in DEPARTMENT_WISHES)
# Score by distance between rhythms, in RHYTHMS order.
_RHYTHM_SCORES = np.array([1.0, 0.5, 0.0, 0.0])



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
    weights = _checked_weights(weights)
    if mentor.get("role") not in MENTOR_ROLES or mentee.get("role") not in MENTEE_ROLES:
        return None
    mentors, mentees = _encode([mentor], [mentee])
    if not _feasible(_constraints(mentors, mentees, frozenset()))[0, 0]:
        return None
    score = _scores(mentors, mentees, weights)[0, 0]
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

    Only enrollments whose ``status`` is waiting (``nouveau``, ``en_attente``)
    take part, so a mentor with free places must keep a waiting status.
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
    weights = _checked_weights(weights)
    load = dict(existing_load or {})
    history = dict(history or {})
    pool = [person for person in enrollments if person.get("status") in WAITING_STATUSES]
    mentor_people = [person for person in pool if person.get("role") in MENTOR_ROLES]
    mentee_people = [person for person in pool if person.get("role") in MENTEE_ROLES]
    free = np.array(
        [max(_capacity(m) - int(load.get(m.get("id"), 0)), 0) for m in mentor_people],
        dtype=np.int64,
    )
    report(
        _(
            "Vivier\u00a0: mentorés en attente {mentees}, mentors en attente {mentors}, "
            "places libres {places}"
        ).format(mentees=len(mentee_people), mentors=len(mentor_people), places=int(free.sum()))
    )

    mentors, mentees = _encode(mentor_people, mentee_people)
    repeated = frozenset() if include_repeats else frozenset(history)
    stages = _constraints(mentors, mentees, frozenset(tuple(pair) for pair in rejected), repeated)
    feasible = _feasible(stages)
    report(_("Calcul des scores…"))
    scores = _scores(mentors, mentees, weights)
    report(_("Optimisation globale…"))
    kept, feasible, left = _keep_locked(locked, feasible, free, mentors.ids, mentees.ids)
    # Preferences weigh in the whole pool's optimum, never first come first served.
    objective = scores + preference_bonus(mentor_people, mentee_people, weights[PREFERENCE])
    pairs = _assign_avoiding_mutual(feasible, objective, left, mentors.ids, mentees.ids)

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
    weights = _checked_weights(weights)
    mentor_people = [m for m in mentor_people
                     if m.get("role") in MENTOR_ROLES and free.get(m.get("id"), 0) > 0]
    if not mentor_people or mentee.get("role") not in MENTEE_ROLES:
        return []
    mentors, mentees = _encode(mentor_people, [mentee])
    feasible = _feasible(_constraints(mentors, mentees, frozenset(forbidden)))[:, 0]
    scores = _scores(mentors, mentees, weights)[:, 0]
    found = [(mentor_people[row], round(float(scores[row]), 1))
             for row in np.flatnonzero(feasible)]
    found.sort(key=lambda item: (-item[1], french_key(item[0].get("name"))))
    return [(mentor, score, pair_reasons(mentor, mentee, weights)) for mentor, score in found]


def why_not(mentor: dict, mentee: dict, *, free: int | None = None) -> str | None:
    """Name the hard constraint this mentor fails for this mentee, or None if none."""
    if free is not None and free <= 0:
        return refusal("sans_place", mentor, mentee)
    mentors, mentees = _encode([{**mentor, "role": "mentor"}], [{**mentee, "role": "mentore"}])
    for stage, mask in _constraints(mentors, mentees, frozenset()):
        if not mask[0, 0]:
            return refusal(stage, mentor, mentee)
    return None


def _keep_locked(locked, feasible, free, mentor_ids, mentee_ids):
    """Take the feasible locked pairs out of the optimisation: their cells, the rest, the places."""
    rows, columns = _positions(mentor_ids), _positions(mentee_ids)
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
# Validation and encoding


def _checked_weights(weights: Mapping) -> dict[str, float]:
    unknown = set(weights) - set(CRITERIA) - {PREFERENCE}
    if unknown:
        raise ValueError(
            _("critère de poids inconnu\u00a0: {names}").format(
                names=", ".join(sorted(map(str, unknown)))
            )
        )
    checked = {}
    for criterion in CRITERIA:
        value = weights.get(criterion, 0)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
            raise ValueError(
                _("poids invalide pour {criterion}\u00a0: {value!r}").format(
                    criterion=criterion, value=value
                )
            )
        checked[criterion] = float(value)
    preference = weights.get(PREFERENCE, 0)
    if isinstance(preference, bool) or not isinstance(preference, numbers.Real) or preference < 0:
        raise ValueError(_("poids invalide pour {criterion}\u00a0: {value!r}").format(
            criterion=PREFERENCE, value=preference))
    checked[PREFERENCE] = float(preference)
    return checked


def _capacity(mentor: dict) -> int:
    # A mentor who left the field empty is trusted with the smallest load.
    capacity = mentor.get("capacity")
    return 1 if capacity is None else int(capacity)


# --------------------------------------------------------------------------
# Matrices: one row per mentor, one column per mentee


def _common(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Count shared members of boolean membership rows, for every mentor × mentee."""
    # float32 products of 0/1 are exact and go through BLAS.
    return left.astype(np.float32) @ right.astype(np.float32).T


def _constraints(
    mentors: _Side, mentees: _Side, rejected: frozenset, repeated: frozenset = frozenset()
) -> list[tuple[str, np.ndarray]]:
    """Return each hard constraint as a named mentor × mentee "allowed" mask.

    The order is the order in which an unmatched person's reason is looked for.
    """

    def outer_equal(a, b):
        return a[:, None] == b[None, :]

    same_email = outer_equal(mentors.email, mentees.email) & (mentors.email >= 0)[:, None]
    different_person = ~(outer_equal(mentors.person, mentees.person) | same_email)

    in_person = (mentors.format == _PRESENTIEL)[:, None] | (mentees.format == _PRESENTIEL)[None, :]
    remote = (mentors.format == _DISTANCE)[:, None] | (mentees.format == _DISTANCE)[None, :]
    same_site = outer_equal(mentors.site, mentees.site) & (mentors.site >= 0)[:, None]
    formats_meet = ~in_person | (~remote & same_site)

    manages_mentee = outer_equal(mentors.email, mentees.manager) & (mentees.manager >= 0)[None, :]
    managed_by_mentee = (
        outer_equal(mentors.manager, mentees.email) & (mentors.manager >= 0)[:, None]
    )

    allowed = _allowed(mentors, mentees, rejected)
    again = _allowed(mentors, mentees, repeated)

    return [
        ("personne", different_person),
        ("parcours", outer_equal(mentors.track, mentees.track)),
        ("langue", _common(mentors.languages, mentees.languages) > 0),
        ("format", formats_meet),
        ("hierarchie", ~(manages_mentee | managed_by_mentee)),
        ("refus", allowed),
        ("deja", again),
    ]


def _allowed(mentors: _Side, mentees: _Side, forbidden: frozenset) -> np.ndarray:
    allowed = np.ones((len(mentors.ids), len(mentees.ids)), dtype=bool)
    if forbidden:
        mentor_rows = _positions(mentors.ids)
        mentee_columns = _positions(mentees.ids)
        for mentor_id, mentee_id in forbidden:
            for row in mentor_rows.get(mentor_id, ()):
                allowed[row, mentee_columns.get(mentee_id, [])] = False
    return allowed


def _positions(ids: list) -> dict:
    positions: dict = {}
    for index, value in enumerate(ids):
        positions.setdefault(value, []).append(index)
    return positions


def _feasible(stages: list[tuple[str, np.ndarray]]) -> np.ndarray:
    return np.logical_and.reduce([mask for _name, mask in stages])


def _scores(mentors: _Side, mentees: _Side, weights: dict[str, float]) -> np.ndarray:
    """Return the weighted 0–100 score of every mentor × mentee, feasible or not."""
    shape = (len(mentors.ids), len(mentees.ids))
    total_weight = sum(weights[criterion] for criterion in CRITERIA)
    total = np.zeros(shape)
    if total_weight == 0:
        return total
    criteria = {
        "competences": _skills_score,
        "disponibilites": _availability_score,
        "rythme": _rhythm_score,
        "departement": _department_score,
        "experience": _experience_score,
    }
    for criterion in CRITERIA:
        if weights[criterion]:
            total += weights[criterion] * criteria[criterion](mentors, mentees)
    return total * (100.0 / total_weight)


def _skills_score(mentors: _Side, mentees: _Side) -> np.ndarray:
    common = _common(mentors.offered, mentees.sought).astype(np.float64)
    sought = mentees.sought_count[None, :]
    return np.where(sought > 0, common / np.maximum(sought, 1), UNKNOWN_SKILLS_SCORE)


def _availability_score(mentors: _Side, mentees: _Side) -> np.ndarray:
    common = _common(mentors.slots, mentees.slots).astype(np.float64)
    return np.minimum(common, FULL_AVAILABILITY) / FULL_AVAILABILITY


def _rhythm_score(mentors: _Side, mentees: _Side) -> np.ndarray:
    return _RHYTHM_SCORES[np.abs(mentors.rhythm[:, None] - mentees.rhythm[None, :])]


def _department_score(mentors: _Side, mentees: _Side) -> np.ndarray:
    same = mentors.department[:, None] == mentees.department[None, :]
    wish = mentees.wish[None, :]
    return np.where(wish == _WISH_OTHER, ~same, np.where(wish == _WISH_SAME, same, 0.5)).astype(
        np.float64
    )


def _experience_score(mentors: _Side, mentees: _Side) -> np.ndarray:
    gap = mentors.experience[:, None] - mentees.experience[None, :]
    # Reverse mentoring: the younger colleague teaches, so the gap counts the other way.
    direction = np.where(mentees.track == _INVERSE, -1, 1)[None, :]
    return np.clip(gap * direction, 0, FULL_EXPERIENCE_GAP) / FULL_EXPERIENCE_GAP


# --------------------------------------------------------------------------
# Global assignment


def _assign(feasible: np.ndarray, scores: np.ndarray, free: np.ndarray) -> list[tuple[int, int]]:
    """Return (mentor row, mentee column) pairs: most mentees matched, then best total."""
    # A place is useless beyond the number of mentees a mentor could take.
    places = np.minimum(free, feasible.sum(axis=1))
    rows = np.flatnonzero(places > 0)
    columns = np.flatnonzero(feasible[rows].any(axis=0)) if rows.size else rows
    if not rows.size or not columns.size:
        return []
    slot_rows = np.repeat(rows, places[rows])
    allowed = feasible[np.ix_(slot_rows, columns)]
    # Any feasible total is at most 100 per pair, so an impossible cell costing
    # more than all of them together is only used when nothing else is left:
    # the solver first maximises the number of real pairs, then their score.
    impossible = 100.0 * (min(allowed.shape) + 1)
    cost = np.where(allowed, -scores[np.ix_(slot_rows, columns)], impossible)
    slot_index, column_index = linear_sum_assignment(cost)
    kept = allowed[slot_index, column_index]
    mentor_rows = slot_rows[slot_index[kept]].tolist()
    mentee_columns = columns[column_index[kept]].tolist()
    return sorted(zip(mentor_rows, mentee_columns, strict=True))


def _mutual(pairs, mentor_ids, mentee_ids) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Return pairs of cells where two people mentor each other."""
    by_ids = {(mentor_ids[row], mentee_ids[column]): (row, column) for row, column in pairs}
    found = []
    for (mentor_id, mentee_id), cell in by_ids.items():
        other = by_ids.get((mentee_id, mentor_id))
        if other is not None and cell < other:
            found.append((cell, other))
    return found


def _assign_avoiding_mutual(feasible, scores, free, mentor_ids, mentee_ids):
    """Assign, then try to undo "A mentors B and B mentors A" without losing a pair."""
    pairs = _assign(feasible, scores, free)
    for _attempt in range(MUTUAL_RETRIES):
        mutual = _mutual(pairs, mentor_ids, mentee_ids)
        if not mutual:
            break
        # The pair interaction is outside a linear assignment, so forbid the
        # weaker half of each mutual pair and solve again; keep the new answer
        # only if nobody loses their proposal.
        feasible = feasible.copy()
        for first, second in mutual:
            weaker = min((first, second), key=lambda cell: (scores[cell], cell))
            feasible[weaker] = False
        retry = _assign(feasible, scores, free)
        if len(retry) < len(pairs):
            break
        pairs = retry
    return pairs


# --------------------------------------------------------------------------
# Building the result


def _suggestions(pairs, mentor_people, mentee_people, scores, weights, history, kept
                 ) -> list[Suggestion]:
    mutual_cells = {
        cell
        for couple in _mutual(
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
        past = tuple(history.get((mentor.get("id"), mentee.get("id")), ()))
        suggestions.append(Suggestion(mentor, mentee, round(float(scores[row, column]), 1),
                                      reasons, past, (row, column) in kept))
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
