"""Hide every figure about fewer than ``MIN_GROUP`` people, everywhere.

A count of 1 or 2 is hidden (0 says nothing about anyone); an average, a
median or a share is hidden when fewer than ``MIN_GROUP`` people are behind
it. Where a breakdown is shown next to its total, more cells are hidden
(complementary suppression) until the hidden people together are none or at
least ``MIN_GROUP``: one hidden cell could otherwise be worked out as the
total minus the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from ..records.anonymity import MIN_GROUP

__all__ = ["MIN_GROUP", "hide_counts", "shown_mean", "shown_median", "shown_share"]


def hide_counts(counts: dict[str, int], *, with_total: bool,
                minimum: int = MIN_GROUP) -> dict[str, int | None]:
    """The counts with those about 1 to ``minimum - 1`` people replaced by ``None``."""
    hidden = {key for key, n in counts.items() if 0 < n < minimum}
    if with_total:
        visible = sorted((key for key, n in counts.items() if key not in hidden and n),
                         key=lambda key: counts[key])
        while 0 < sum(counts[key] for key in hidden) < minimum and visible:
            hidden.add(visible.pop(0))
    return {key: None if key in hidden else n for key, n in counts.items()}


def shown_total(total: int, minimum: int = MIN_GROUP) -> int | None:
    return None if 0 < total < minimum else total


def shown_mean(values: Sequence[float], decimals: int = 1, *, people: int | None = None,
               minimum: int = MIN_GROUP) -> float | None:
    """The mean, or ``None`` under ``minimum`` people (``people`` when values are not one
    per person, e.g. several goals each)."""
    if not values or (len(values) if people is None else people) < minimum:
        return None
    return round(sum(values) / len(values), decimals)


def shown_median(values: Sequence[float], minimum: int = MIN_GROUP) -> float | None:
    return None if len(values) < minimum else float(median(values))


def shown_share(part: int | None, whole: int | None, minimum: int = MIN_GROUP
                ) -> float | None:
    """``part / whole`` in percent, hidden when either count is hidden or too small."""
    if part is None or whole is None or whole < minimum or 0 < part < minimum:
        return None
    return round(100 * part / whole, 1)
