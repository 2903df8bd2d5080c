"""Mentees who choose: how a ranking of mentors weighs in the whole pool's matching.

A waiting mentee ranks up to three mentors (``preferences``, mentor ids,
first choice first). The optimisation adds points for a ranked mentor —
the whole ``poids.preference`` for the first choice, two thirds for the
second, one third for the third — so choices count without letting the
earliest mentees take every mentor.

Two colleagues who agreed to work together name each other (``agreed_with``):
when both do, one as mentor and the other as mentee in the same track, their
pair gets a bonus larger than anything else the optimisation weighs, so they
are paired unless a hard constraint (or the pool rule) keeps them apart. A
wish only one of them wrote gets no bonus: the coordination only sees it.
No Flask here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RANK_SHARE", "preference_rank", "preference_bonus", "agreed", "agreed_bonus",
           "wished_partner"]

RANK_SHARE = {1: 1.0, 2: 2 / 3, 3: 1 / 3}


def preference_rank(mentee: dict, mentor: dict) -> int | None:
    """1, 2 or 3 when the mentee ranked this mentor among their choices, else ``None``."""
    ranked = mentee.get("preferences") or []
    return ranked.index(mentor.get("id")) + 1 if mentor.get("id") in ranked[:3] else None


def preference_bonus(mentor_people: list[dict], mentee_people: list[dict], weight: float
                      ) -> np.ndarray:
    """Points added to the objective for each (mentor, mentee) the mentee ranked."""
    bonus = np.zeros((len(mentor_people), len(mentee_people)))
    if not weight:
        return bonus
    row_of = {mentor.get("id"): row for row, mentor in enumerate(mentor_people)}
    for column, mentee in enumerate(mentee_people):
        for rank, mentor_id in enumerate((mentee.get("preferences") or [])[:3], start=1):
            if mentor_id in row_of:
                bonus[row_of[mentor_id], column] = weight * RANK_SHARE[rank]
    return bonus


def wished_partner(person: dict) -> str:
    """The address this person named as the colleague they agreed with, case-folded, or ""."""
    return str(person.get("agreed_with") or "").strip().casefold()


def agreed(mentor: dict, mentee: dict) -> bool:
    """Whether these two named each other, in the same track (one mentor, one mentee)."""
    mentor_address = str(mentor.get("email") or "").casefold()
    mentee_address = str(mentee.get("email") or "").casefold()
    return (bool(mentor_address) and bool(mentee_address) and mentor_address != mentee_address
            and wished_partner(mentor) == mentee_address
            and wished_partner(mentee) == mentor_address
            and mentor.get("track") == mentee.get("track"))


def agreed_bonus(mentor_people: list[dict], mentee_people: list[dict], ceiling: float
                 ) -> np.ndarray:
    """Points added to the objective for each pair of colleagues who named each other.

    ``ceiling`` is the most any other cell of the objective is worth. The bonus
    outweighs every other pair's score, and every person left without a pair
    (``assign`` charges ``ceiling`` times the pool for each), taken together: an
    agreed pair a hard constraint allows is always kept.
    """
    bonus = np.zeros((len(mentor_people), len(mentee_people)))
    if not mentor_people or not mentee_people:
        return bonus
    weight = ceiling * (len(mentee_people) + 2) ** 2
    column_of = {str(m.get("email") or "").casefold(): c for c, m in enumerate(mentee_people)}
    for row, mentor in enumerate(mentor_people):
        column = column_of.get(wished_partner(mentor))
        if column is not None and agreed(mentor, mentee_people[column]):
            bonus[row, column] = weight
    return bonus
