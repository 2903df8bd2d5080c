"""Score every mentor × mentee of a pool and mark which pairs are possible.

Pure numpy over the arrays of :mod:`.encode`: one row per mentor, one column
per mentee. :mod:`.suggest` combines these matrices; nothing here decides.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from ..i18n import _
from .encode import DEPARTMENT_WISHES, FORMATS, TRACKS, Side

__all__ = ["CRITERIA", "PREFERENCE", "checked_weights", "capacity", "constraints",
           "feasible_cells", "positions", "score_matrix"]

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

_PRESENTIEL, _DISTANCE, _HYBRIDE = (FORMATS.index(f) for f in FORMATS)
_INVERSE = TRACKS.index("inverse")
_WISH_OTHER, _WISH_SAME, _WISH_ANY = (DEPARTMENT_WISHES.index(w) for w in DEPARTMENT_WISHES)
# Score by distance between rhythms, in RHYTHMS order.
_RHYTHM_SCORES = np.array([1.0, 0.5, 0.0, 0.0])


# --------------------------------------------------------------------------
# Validation and encoding


def checked_weights(weights: Mapping) -> dict[str, float]:
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


def capacity(mentor: dict) -> int:
    # A mentor who left the field empty is trusted with the smallest load.
    capacity = mentor.get("capacity")
    return 1 if capacity is None else int(capacity)


# --------------------------------------------------------------------------
# Matrices: one row per mentor, one column per mentee


def _common(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Count shared members of boolean membership rows, for every mentor × mentee."""
    # float32 products of 0/1 are exact and go through BLAS.
    return left.astype(np.float32) @ right.astype(np.float32).T


def constraints(
    mentors: Side, mentees: Side, rejected: frozenset, repeated: frozenset = frozenset()
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


def _allowed(mentors: Side, mentees: Side, forbidden: frozenset) -> np.ndarray:
    allowed = np.ones((len(mentors.ids), len(mentees.ids)), dtype=bool)
    if forbidden:
        mentor_rows = positions(mentors.ids)
        mentee_columns = positions(mentees.ids)
        for mentor_id, mentee_id in forbidden:
            for row in mentor_rows.get(mentor_id, ()):
                allowed[row, mentee_columns.get(mentee_id, [])] = False
    return allowed


def positions(ids: list) -> dict:
    positions: dict = {}
    for index, value in enumerate(ids):
        positions.setdefault(value, []).append(index)
    return positions


def feasible_cells(stages: list[tuple[str, np.ndarray]]) -> np.ndarray:
    return np.logical_and.reduce([mask for _name, mask in stages])


def score_matrix(mentors: Side, mentees: Side, weights: dict[str, float]) -> np.ndarray:
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


def _skills_score(mentors: Side, mentees: Side) -> np.ndarray:
    common = _common(mentors.offered, mentees.sought).astype(np.float64)
    sought = mentees.sought_count[None, :]
    return np.where(sought > 0, common / np.maximum(sought, 1), UNKNOWN_SKILLS_SCORE)


def _availability_score(mentors: Side, mentees: Side) -> np.ndarray:
    common = _common(mentors.slots, mentees.slots).astype(np.float64)
    return np.minimum(common, FULL_AVAILABILITY) / FULL_AVAILABILITY


def _rhythm_score(mentors: Side, mentees: Side) -> np.ndarray:
    return _RHYTHM_SCORES[np.abs(mentors.rhythm[:, None] - mentees.rhythm[None, :])]


def _department_score(mentors: Side, mentees: Side) -> np.ndarray:
    same = mentors.department[:, None] == mentees.department[None, :]
    wish = mentees.wish[None, :]
    return np.where(wish == _WISH_OTHER, ~same, np.where(wish == _WISH_SAME, same, 0.5)).astype(
        np.float64
    )


def _experience_score(mentors: Side, mentees: Side) -> np.ndarray:
    gap = mentors.experience[:, None] - mentees.experience[None, :]
    # Reverse mentoring: the younger colleague teaches, so the gap counts the other way.
    direction = np.where(mentees.track == _INVERSE, -1, 1)[None, :]
    return np.clip(gap * direction, 0, FULL_EXPERIENCE_GAP) / FULL_EXPERIENCE_GAP
