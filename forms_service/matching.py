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
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import vocabulary
from .i18n import _
from .i18n import ngettext as _n
from .vocabulary import MENTEE_ROLES, MENTOR_ROLES, OTHER_SKILL, WAITING_STATUSES, codes

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
    "score_pair",
    "suggest",
]

CRITERIA = ("competences", "disponibilites", "rythme", "departement", "experience")
EXPERIENCE_BANDS = codes(vocabulary.EXPERIENCE)
RHYTHMS = codes(vocabulary.RHYTHMS)
SLOTS = codes(vocabulary.SLOTS)
FORMATS = codes(vocabulary.FORMATS)
TRACKS = codes(vocabulary.TRACKS)
DEPARTMENT_WISHES = codes(vocabulary.DEPARTMENT_PREFERENCES)
# Two shared half-days leave room to reschedule; one is fragile.
FULL_AVAILABILITY = 2
# Beyond two bands the gap no longer helps: the pair loses common ground.
FULL_EXPERIENCE_GAP = 2
# A mentee whose wishes are all outside the skills list is neither helped nor
# hurt by the skills criterion.
UNKNOWN_SKILLS_SCORE = 0.5
# Tries at undoing "A mentors B while B mentors A" before keeping it.
MUTUAL_RETRIES = 3

_PRESENTIEL, _DISTANCE, _HYBRIDE = (FORMATS.index(f) for f in FORMATS)
_INVERSE = TRACKS.index("inverse")
_WISH_OTHER, _WISH_SAME, _WISH_ANY = (DEPARTMENT_WISHES.index(w) for w in DEPARTMENT_WISHES)
# Score by distance between rhythms, in RHYTHMS order.
_RHYTHM_SCORES = np.array([1.0, 0.5, 0.0, 0.0])

_EXPERIENCE_LABELS = {
    "moins_2": "moins de 2 ans",
    "2_5": "2 à 5 ans",
    "5_10": "5 à 10 ans",
    "10_20": "10 à 20 ans",
    "plus_20": "plus de 20 ans",
}
_RHYTHM_LABELS = {
    "hebdomadaire": "chaque semaine",
    "bimensuel": "toutes les deux semaines",
    "trois_semaines": "toutes les trois semaines",
    "mensuel": "chaque mois",
}
_FORMAT_LABELS = {"presentiel": "présentiel", "distance": "à distance", "hybride": "hybride"}
_TRACK_LABELS = {"classique": "classique", "inverse": "inversé"}


class InvalidEnrollment(ValueError):
    """An enrollment holds a value the matching cannot interpret."""


@dataclass(frozen=True)
class Suggestion:
    """A proposed pair, its 0–100 score and why it was proposed."""

    mentor: dict
    mentee: dict
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class Unmatched:
    """Someone left without a proposal, as ``"mentore"`` or ``"mentor"``, and why."""

    person: dict
    role: str
    reasons: list[str]


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
                }
                for s in self.suggestions
            ],
            "unmatched": [
                {**_identity(u.person), "role": u.role, "reasons": list(u.reasons)}
                for u in self.unmatched
            ],
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
    return round(float(score), 1), _reasons(mentor, mentee, weights)


def suggest(
    enrollments: Iterable[dict],
    weights: Mapping,
    *,
    existing_load: Mapping[int, int] | None = None,
    rejected: Iterable[tuple[int, int]] = frozenset(),
    progress: Callable[[str], None] | None = None,
) -> MatchResult:
    """Propose the best set of pairs for everyone waiting, and explain who is left.

    Only enrollments whose ``status`` is waiting (``nouveau``, ``en_attente``)
    take part, so a mentor with free places must keep a waiting status.
    ``existing_load`` maps a mentor id to the mentees they already have;
    ``rejected`` holds ``(mentor_id, mentee_id)`` pairs the coordinator
    turned down. ``progress`` receives short French messages for the CLI.

    Mentors without a single mentee (new or existing) are reported too.
    """
    report = progress or (lambda message: None)
    weights = _checked_weights(weights)
    load = dict(existing_load or {})
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
    stages = _constraints(mentors, mentees, frozenset(tuple(pair) for pair in rejected))
    feasible = _feasible(stages)
    report(_("Calcul des scores…"))
    scores = _scores(mentors, mentees, weights)
    report(_("Optimisation globale…"))
    pairs = _assign_avoiding_mutual(feasible, scores, free, mentors.ids, mentees.ids)

    report(_("Rédaction des raisons…"))
    suggestions = _suggestions(pairs, mentor_people, mentee_people, scores, weights)
    unmatched = _unmatched_mentees(pairs, mentee_people, stages)
    unmatched += _unmatched_mentors(pairs, mentor_people, stages, free, load)
    report(
        _("Binômes proposés\u00a0: {pairs}, mentorés sans proposition\u00a0: {left}").format(
            pairs=len(suggestions), left=sum(u.role == "mentore" for u in unmatched)
        )
    )
    return MatchResult(suggestions, unmatched)


# --------------------------------------------------------------------------
# Validation and encoding


def _checked_weights(weights: Mapping) -> dict[str, float]:
    unknown = set(weights) - set(CRITERIA)
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
    return checked


def _capacity(mentor: dict) -> int:
    # A mentor who left the field empty is trusted with the smallest load.
    capacity = mentor.get("capacity")
    return 1 if capacity is None else int(capacity)


def _choice(person: dict, key: str, choices: tuple[str, ...]) -> int:
    value = person.get(key)
    if value not in choices:
        raise InvalidEnrollment(
            _("inscription {id}\u00a0: valeur inconnue pour {key}\u00a0: {value!r}").format(
                id=person.get("id"), key=key, value=value
            )
        )
    return choices.index(value)


def _fold(value) -> str:
    return str(value or "").strip().casefold()


def _skills(values) -> list[str]:
    """Return distinct skills in their given order, without the free "autre"."""
    seen: dict[str, str] = {}
    for value in values or ():
        key = _fold(value)
        if key and key != OTHER_SKILL:
            seen.setdefault(key, str(value).strip())
    return list(seen.values())


class _Vocabulary:
    """Give each distinct string a small integer, shared by both sides."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def code(self, value: str) -> int:
        return self.codes.setdefault(value, len(self.codes))

    def optional(self, value: str) -> int:
        return self.code(value) if value else -1


@dataclass
class _Side:
    """One side of the pool (mentors or mentees) as arrays, one row per person."""

    ids: list
    person: np.ndarray
    email: np.ndarray
    manager: np.ndarray
    department: np.ndarray
    site: np.ndarray
    format: np.ndarray
    track: np.ndarray
    rhythm: np.ndarray
    experience: np.ndarray
    wish: np.ndarray
    languages: np.ndarray
    offered: np.ndarray
    sought: np.ndarray
    sought_count: np.ndarray
    slots: np.ndarray


def _encode(mentor_people: list[dict], mentee_people: list[dict]) -> tuple[_Side, _Side]:
    people_ids, emails = _Vocabulary(), _Vocabulary()
    departments, sites = _Vocabulary(), _Vocabulary()
    languages, skills = _Vocabulary(), _Vocabulary()
    slot_codes = {slot: index for index, slot in enumerate(SLOTS)}

    def codes(people, key, vocabulary):
        return np.array([vocabulary.optional(_fold(p.get(key))) for p in people], dtype=np.int64)

    def lists(people, read, vocabulary):
        return [[vocabulary.code(value) for value in read(p)] for p in people]

    def slot_list(person):
        try:
            return [slot_codes[slot] for slot in person.get("availability") or ()]
        except KeyError as error:
            raise InvalidEnrollment(
                _("inscription {id}\u00a0: demi-journée inconnue\u00a0: {slot!r}").format(
                    id=person.get("id"), slot=error.args[0]
                )
            ) from None

    raw = {}
    for side, people, is_mentee in (
        ("mentors", mentor_people, False),
        ("mentees", mentee_people, True),
    ):
        raw[side] = dict(
            ids=[p.get("id") for p in people],
            person=np.array([people_ids.code(p.get("id")) for p in people], dtype=np.int64),
            email=codes(people, "email", emails),
            manager=codes(people, "manager_email", emails),
            department=codes(people, "department", departments),
            site=codes(people, "site", sites),
            format=np.array([_choice(p, "format", FORMATS) for p in people], dtype=np.int64),
            track=np.array([_choice(p, "track", TRACKS) for p in people], dtype=np.int64),
            rhythm=np.array([_choice(p, "rhythm", RHYTHMS) for p in people], dtype=np.int64),
            experience=np.array(
                [_choice(p, "experience", EXPERIENCE_BANDS) for p in people], dtype=np.int64
            ),
            # Only mentees' wishes count; a mentor's own wish is about their own mentor.
            wish=np.array(
                [
                    _choice(p, "department_preference", DEPARTMENT_WISHES)
                    if is_mentee
                    else _WISH_ANY
                    for p in people
                ],
                dtype=np.int64,
            ),
            languages=lists(
                people,
                lambda p: [_fold(v) for v in p.get("languages") or () if _fold(v)],
                languages,
            ),
            offered=lists(
                people, lambda p: [_fold(v) for v in _skills(p.get("skills_offered"))], skills
            ),
            sought=lists(
                people, lambda p: [_fold(v) for v in _skills(p.get("skills_sought"))], skills
            ),
            slots=[slot_list(p) for p in people],
        )

    # Widths are known only once both sides have added their words.
    def side(fields) -> _Side:
        sought = _membership(fields["sought"], len(skills.codes))
        return _Side(
            ids=fields["ids"],
            person=fields["person"],
            email=fields["email"],
            manager=fields["manager"],
            department=fields["department"],
            site=fields["site"],
            format=fields["format"],
            track=fields["track"],
            rhythm=fields["rhythm"],
            experience=fields["experience"],
            wish=fields["wish"],
            languages=_membership(fields["languages"], len(languages.codes)),
            offered=_membership(fields["offered"], len(skills.codes)),
            sought=sought,
            sought_count=sought.sum(axis=1),
            slots=_membership(fields["slots"], len(SLOTS)),
        )

    return side(raw["mentors"]), side(raw["mentees"])


def _membership(rows: list[list[int]], width: int) -> np.ndarray:
    """Turn lists of codes into a boolean matrix, one row per list."""
    result = np.zeros((len(rows), width), dtype=bool)
    lengths = [len(row) for row in rows]
    if sum(lengths):
        codes = np.fromiter((code for row in rows for code in row), dtype=np.int64)
        result[np.repeat(np.arange(len(rows)), lengths), codes] = True
    return result


# --------------------------------------------------------------------------
# Matrices: one row per mentor, one column per mentee


def _common(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Count shared members of boolean membership rows, for every mentor × mentee."""
    # float32 products of 0/1 are exact and go through BLAS.
    return left.astype(np.float32) @ right.astype(np.float32).T


def _constraints(
    mentors: _Side, mentees: _Side, rejected: frozenset
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

    allowed = np.ones((len(mentors.ids), len(mentees.ids)), dtype=bool)
    if rejected:
        mentor_rows = _positions(mentors.ids)
        mentee_columns = _positions(mentees.ids)
        for mentor_id, mentee_id in rejected:
            for row in mentor_rows.get(mentor_id, ()):
                allowed[row, mentee_columns.get(mentee_id, [])] = False

    return [
        ("personne", different_person),
        ("parcours", outer_equal(mentors.track, mentees.track)),
        ("langue", _common(mentors.languages, mentees.languages) > 0),
        ("format", formats_meet),
        ("hierarchie", ~(manages_mentee | managed_by_mentee)),
        ("refus", allowed),
    ]


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
    total_weight = sum(weights.values())
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


def _suggestions(pairs, mentor_people, mentee_people, scores, weights) -> list[Suggestion]:
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
        reasons = _reasons(mentor, mentee, weights)
        if (row, column) in mutual_cells:
            reasons.append(_("mentorat croisé\u00a0: chacun accompagne aussi l'autre"))
        suggestions.append(
            Suggestion(mentor, mentee, round(float(scores[row, column]), 1), reasons)
        )
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
        reasons = [_mentee_reason(stage, person)]
        if person["track"] == "inverse" and stage not in ("personne", "parcours"):
            reasons.append(
                _("mentorat inversé\u00a0: seuls les mentors du même parcours sont envisagés")
            )
        result.append(Unmatched(person, "mentore", reasons))
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
        reasons = [_mentor_reason(stage, person)]
        if person["track"] == "inverse" and stage not in ("sans_place", "personne", "parcours"):
            reasons.append(
                _("mentorat inversé\u00a0: seuls les mentorés du même parcours sont envisagés")
            )
        result.append(Unmatched(person, "mentor", reasons))
    return result


def _format_wish(person: dict) -> str:
    if person.get("format") == "presentiel":
        return _("présentiel sur le site de {site}").format(site=person.get("site") or "?")
    return _FORMAT_LABELS[person["format"]]


def _mentee_reason(stage: str, person: dict) -> str:
    if stage == "personne":
        return _("aucun mentor en attente dans le vivier")
    if stage == "parcours":
        return _("aucun mentor du parcours {track} disponible").format(
            track=_TRACK_LABELS[person["track"]]
        )
    if stage == "langue":
        return _("aucun mentor avec une langue commune ({languages})").format(
            languages=", ".join(person.get("languages") or ()) or "?"
        )
    if stage == "format":
        return _("aucun mentor compatible pour le format {format}").format(
            format=_format_wish(person)
        )
    if stage == "hierarchie":
        return _("les seuls mentors compatibles sont dans sa ligne hiérarchique directe")
    if stage == "refus":
        return _("mentors compatibles écartés par la coordination")
    return _("capacité des mentors compatibles atteinte")


def _mentor_reason(stage: str, person: dict) -> str:
    if stage == "sans_place":
        return _("aucune place de mentorat libre (capacité {capacity})").format(
            capacity=_capacity(person)
        )
    if stage == "personne":
        return _("aucun mentoré compatible\u00a0: aucun mentoré en attente dans le vivier")
    if stage == "parcours":
        return _(
            "aucun mentoré compatible\u00a0: aucun mentoré du parcours {track} en attente"
        ).format(track=_TRACK_LABELS[person["track"]])
    if stage == "langue":
        return _("aucun mentoré compatible\u00a0: aucune langue commune ({languages})").format(
            languages=", ".join(person.get("languages") or ()) or "?"
        )
    if stage == "format":
        return _("aucun mentoré compatible pour le format {format}").format(
            format=_format_wish(person)
        )
    if stage == "hierarchie":
        return _("les seuls mentorés compatibles sont dans sa ligne hiérarchique directe")
    if stage == "refus":
        return _("mentorés compatibles écartés par la coordination")
    return _("mentorés compatibles tous proposés à d'autres mentors, au meilleur score d'ensemble")


# --------------------------------------------------------------------------
# Reasons for one pair


def _reasons(mentor: dict, mentee: dict, weights: dict[str, float]) -> list[str]:
    """Explain a feasible pair in French, strongest signals first.

    Language and format are hard constraints, always shown; a criterion with
    weight 0 is ignored by the score and so left out.
    """
    reasons = []
    if weights["competences"]:
        reasons += _skills_reasons(mentor, mentee)
    reasons.append(_language_reason(mentor, mentee))
    reasons.append(_format_reason(mentor, mentee))
    if weights["departement"]:
        reasons.append(_department_reason(mentor, mentee))
    if weights["disponibilites"]:
        reasons.append(_availability_reason(mentor, mentee))
    if weights["rythme"]:
        reasons.append(_rhythm_reason(mentor, mentee))
    if weights["experience"]:
        reasons.append(_experience_reason(mentor, mentee))
    return reasons


def _skills_reasons(mentor: dict, mentee: dict) -> list[str]:
    sought = _skills(mentee.get("skills_sought"))
    offered = {_fold(skill) for skill in _skills(mentor.get("skills_offered"))}
    common = [skill for skill in sought if _fold(skill) in offered]
    reasons = []
    if common:
        reasons.append(
            _("compétences recherchées\u00a0: {sought} ↔ proposées\u00a0: {common}").format(
                sought=", ".join(sought), common=", ".join(common)
            )
        )
    elif sought:
        reasons.append(
            _("aucune compétence recherchée n'est proposée\u00a0: {sought}").format(
                sought=", ".join(sought)
            )
        )
    if any(_fold(skill) == OTHER_SKILL for skill in mentee.get("skills_sought") or ()):
        reasons.append(_("compétence «\u00a0autre\u00a0» à préciser avec la coordination"))
    elif not sought:
        reasons.append(_("aucune compétence recherchée précisée"))
    return reasons


def _language_reason(mentor: dict, mentee: dict) -> str:
    spoken = {_fold(language) for language in mentor.get("languages") or ()}
    common = list(
        dict.fromkeys(
            language for language in mentee.get("languages") or () if _fold(language) in spoken
        )
    )
    return _n(
        "langue commune\u00a0: {languages}", "langues communes\u00a0: {languages}", len(common)
    ).format(languages=", ".join(common))


def _format_reason(mentor: dict, mentee: dict) -> str:
    mentor_format, mentee_format = mentor["format"], mentee["format"]
    if mentor_format == mentee_format:
        reason = _("même format\u00a0: {format}").format(format=_FORMAT_LABELS[mentor_format])
    else:
        reason = _("format compatible\u00a0: {mentor} et {mentee}").format(
            mentor=_FORMAT_LABELS[mentor_format], mentee=_FORMAT_LABELS[mentee_format]
        )
    meet = "distance" not in (mentor_format, mentee_format)
    if meet and mentor.get("site") and _fold(mentor.get("site")) == _fold(mentee.get("site")):
        reason += _(", site de {site}").format(site=mentor["site"])
    return reason


def _department_reason(mentor: dict, mentee: dict) -> str:
    same = _fold(mentor.get("department")) == _fold(mentee.get("department"))
    wish = mentee["department_preference"]
    if wish == "indifferent":
        return _("pas de préférence de département")
    if wish == "autre":
        return (
            _("départements différents, comme souhaité")
            if not same
            else _("même département alors qu'un autre était souhaité")
        )
    return (
        _("même département, comme souhaité")
        if same
        else _("départements différents alors que le même était souhaité")
    )


def _slot_label(slot: str) -> str:
    day, half = slot.split("_", 1)
    return "{day} {half}".format(day=day, half=_("matin") if half == "matin" else _("après-midi"))


def _availability_reason(mentor: dict, mentee: dict) -> str:
    theirs = set(mentor.get("availability") or ())
    common = [
        slot for slot in SLOTS if slot in theirs and slot in set(mentee.get("availability") or ())
    ]
    if not common:
        return _("aucune demi-journée commune")
    return _n(
        "{count} demi-journée commune\u00a0: {slots}",
        "{count} demi-journées communes\u00a0: {slots}",
        len(common),
    ).format(count=len(common), slots=", ".join(_slot_label(slot) for slot in common))


def _rhythm_reason(mentor: dict, mentee: dict) -> str:
    mentor_rhythm, mentee_rhythm = mentor["rhythm"], mentee["rhythm"]
    if mentor_rhythm == mentee_rhythm:
        return _("même rythme\u00a0: {rhythm}").format(rhythm=_RHYTHM_LABELS[mentor_rhythm])
    labels = dict(mentor=_RHYTHM_LABELS[mentor_rhythm], mentee=_RHYTHM_LABELS[mentee_rhythm])
    if abs(RHYTHMS.index(mentor_rhythm) - RHYTHMS.index(mentee_rhythm)) == 1:
        return _("rythmes proches\u00a0: {mentor} et {mentee}").format(**labels)
    return _("rythmes éloignés\u00a0: {mentor} et {mentee}").format(**labels)


def _experience_reason(mentor: dict, mentee: dict) -> str:
    gap = EXPERIENCE_BANDS.index(mentor["experience"]) - EXPERIENCE_BANDS.index(
        mentee["experience"]
    )
    labels = dict(
        mentor=_EXPERIENCE_LABELS[mentor["experience"]],
        mentee=_EXPERIENCE_LABELS[mentee["experience"]],
    )
    if gap == 0:
        return _("même tranche d'expérience ({mentor})").format(**labels)
    if mentee["track"] == "inverse":
        if gap < 0:
            return _(
                "écart d'expérience adapté au mentorat inversé (mentor {mentor}, mentoré {mentee})"
            ).format(**labels)
        return _(
            "en mentorat inversé, mentor plus expérimenté que le mentoré "
            "(mentor {mentor}, mentoré {mentee})"
        ).format(**labels)
    if gap > 0:
        return _("mentor plus expérimenté (mentor {mentor}, mentoré {mentee})").format(**labels)
    return _("mentor moins expérimenté que le mentoré (mentor {mentor}, mentoré {mentee})").format(
        **labels
    )
