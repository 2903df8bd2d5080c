"""Mentees who choose: how a ranking of mentors weighs in the whole pool's matching.

A waiting mentee ranks up to three mentors (``preferences``, mentor ids,
first choice first). The optimisation adds points for a ranked mentor —
the whole ``poids.preference`` for the first choice, two thirds for the
second, one third for the third — so choices count without letting the
earliest mentees take every mentor. No Flask here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RANK_SHARE", "preference_rank", "preference_bonus"]

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
