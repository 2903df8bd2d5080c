"""Each round's review, kept with the round: the coordination's lessons and decisions,
and the snapshot of its figures.

A record of the ``round_reports`` table is ``{"cohort": key, "lessons": [3 texts],
"decisions": [3 texts], "updated_at", "updated_by", "figures": snapshot | None,
"frozen_at"}``; ``key`` is the round's name, ``""`` for the enrollments made
outside any round (« hors session »).

The snapshot holds the round's figures as the report shows them: aggregates
with every group of fewer than three people already hidden, never a record.
``mentorat purge`` takes it before it erases a record of the round, so erasing
old records never changes a past round's report.
"""

from __future__ import annotations

from ..storage import Store
from .common import FORMAT_VERSION, now_iso

__all__ = ["REVIEW_ITEMS", "RoundReports"]

# Three lessons and three decisions for the next round, as the guide promises.
REVIEW_ITEMS = 3


class RoundReports:
    """The ``round_reports`` table: one review per round."""

    def __init__(self, store: Store):
        self.store = store
        self.table = store.table("round_reports")

    def review(self, cohort: str) -> dict:
        """The round's review; an empty one when nothing was written yet."""
        return self.table.find("cohort", cohort) or {
            "cohort": cohort, "lessons": [""] * REVIEW_ITEMS, "decisions": [""] * REVIEW_ITEMS,
            "figures": None, "frozen_at": None, "updated_at": None, "updated_by": None}

    def _upsert(self, cohort: str, changes: dict) -> dict:
        with self.store.transaction():
            doc_id, created = self.table.insert_unique(
                {**self.review(cohort), "v": FORMAT_VERSION, **changes}, "cohort")
            if not created:
                self.table.update(doc_id, changes)
            return self.table.get(doc_id)

    def save_review(self, cohort: str, *, lessons: list[str], decisions: list[str],
                    by: int | None) -> dict:
        """Keep the coordination's lessons and decisions for this round."""
        return self._upsert(cohort, {"lessons": list(lessons), "decisions": list(decisions),
                                     "updated_at": now_iso(), "updated_by": by})

    def freeze(self, cohort: str, figures: dict, at: str | None = None) -> bool:
        """Keep the round's figures as they are now, once; False if they already were."""
        if self.review(cohort).get("figures") is not None:
            return False
        self._upsert(cohort, {"figures": figures, "frozen_at": at or now_iso()})
        return True

    def all(self) -> list[dict]:
        return self.table.all()
