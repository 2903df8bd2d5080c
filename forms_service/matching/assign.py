"""Pick the set of pairs of a pool: most mentees matched, then the best total score.

SciPy is imported when an assignment runs, not with the package: the pages
and commands that only read the pool never pay for it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["assign", "assign_avoiding_mutual", "mutual_pairs"]

# Tries at undoing "A mentors B while B mentors A" before keeping it.
MUTUAL_RETRIES = 3


# --------------------------------------------------------------------------
# Global assignment


def assign(feasible: np.ndarray, scores: np.ndarray, free: np.ndarray, ceiling: float = 100.0
           ) -> list[tuple[int, int]]:
    """Return (mentor row, mentee column) pairs: most mentees matched, then best total.

    ``ceiling`` is the most an ordinary cell is worth (a score plus a ranking's
    points); only an agreed pair's bonus (``preferences.agreed_bonus``) goes above.
    """
    # A place is useless beyond the number of mentees a mentor could take.
    places = np.minimum(free, feasible.sum(axis=1))
    rows = np.flatnonzero(places > 0)
    columns = np.flatnonzero(feasible[rows].any(axis=0)) if rows.size else rows
    if not rows.size or not columns.size:
        return []
    slot_rows = np.repeat(rows, places[rows])
    allowed = feasible[np.ix_(slot_rows, columns)]
    # Any ordinary feasible cell is worth at most ``ceiling``, so an impossible cell
    # costing more than all of them together is only used when nothing else is left:
    # the solver first keeps agreed pairs, then maximises the number of pairs, then
    # their score.
    impossible = ceiling * (min(allowed.shape) + 1)
    cost = np.where(allowed, -scores[np.ix_(slot_rows, columns)], impossible)
    from scipy.optimize import linear_sum_assignment  # 0.6 s to import: only when matching runs

    slot_index, column_index = linear_sum_assignment(cost)
    kept = allowed[slot_index, column_index]
    mentor_rows = slot_rows[slot_index[kept]].tolist()
    mentee_columns = columns[column_index[kept]].tolist()
    return sorted(zip(mentor_rows, mentee_columns, strict=True))


def mutual_pairs(pairs, mentor_ids, mentee_ids) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Return pairs of cells where two people mentor each other."""
    by_ids = {(mentor_ids[row], mentee_ids[column]): (row, column) for row, column in pairs}
    found = []
    for (mentor_id, mentee_id), cell in by_ids.items():
        other = by_ids.get((mentee_id, mentor_id))
        if other is not None and cell < other:
            found.append((cell, other))
    return found


def assign_avoiding_mutual(feasible, scores, free, mentor_ids, mentee_ids, ceiling=100.0):
    """Assign, then try to undo "A mentors B and B mentors A" without losing a pair."""
    pairs = assign(feasible, scores, free, ceiling)
    for _attempt in range(MUTUAL_RETRIES):
        mutual = mutual_pairs(pairs, mentor_ids, mentee_ids)
        if not mutual:
            break
        # The pair interaction is outside a linear assignment, so forbid the
        # weaker half of each mutual pair and solve again; keep the new answer
        # only if nobody loses their proposal.
        feasible = feasible.copy()
        for first, second in mutual:
            weaker = min((first, second), key=lambda cell: (scores[cell], cell))
            feasible[weaker] = False
        retry = assign(feasible, scores, free, ceiling)
        if len(retry) < len(pairs):
            break
        pairs = retry
    return pairs
