"""Sum up one matching run: score distribution, who is blocked by what, counts per group.

Pure logic over a :class:`matching.MatchResult`; shown on the matching page
and written as ``report`` by ``mentorat match --format json``. Codes, not
labels, as keys: scripts read this.
"""

from __future__ import annotations

from collections import Counter

from .explain import CONSTRAINT_LABELS

__all__ = ["build_report", "SCORE_BANDS"]

# Lower bounds of the score bands, 0–100.
# A suggestion under this score is flagged for a closer look.
LOW_SCORE = 50
SCORE_BANDS = (0, 20, 40, 60, 80)
GROUPS = {"by_site": "site", "by_track": "track", "by_cohort": "cohort"}


def _band(score: float) -> str:
    low = max(bound for bound in SCORE_BANDS if score >= bound)
    high = 100 if low == SCORE_BANDS[-1] else low + 19
    return f"{low}-{high}"


def build_report(result) -> dict:
    """Return the run's report as JSON-ready data."""

    scores = sorted(float(s.score) for s in result.suggestions)
    bands = Counter(_band(score) for score in scores)
    distribution = {
        "bands": {_band(bound): bands.get(_band(bound), 0) for bound in SCORE_BANDS},
        "min": scores[0] if scores else None,
        "max": scores[-1] if scores else None,
        "mean": round(sum(scores) / len(scores), 1) if scores else None,
        "median": scores[len(scores) // 2] if scores else None,
        "low": sum(score < LOW_SCORE for score in scores),
        "low_threshold": LOW_SCORE,
    }
    blocked: dict[str, dict] = {}
    for left in result.unmatched:
        entry = blocked.setdefault(left.constraint, {
            "label": str(CONSTRAINT_LABELS.get(left.constraint, left.constraint)),
            "mentees": [], "mentors": []})
        entry["mentees" if left.role == "mentore" else "mentors"].append(left.person.get("id"))
    report = {
        "scores": distribution,
        "unmatched_by_constraint": blocked,
        "pairs": len(result.suggestions),
        "warnings": sum(bool(s.warnings) or s.low for s in result.suggestions),
        "repeats": sum(bool(s.history) for s in result.suggestions),
        "locked": sum(s.locked for s in result.suggestions),
    }
    for key, field in GROUPS.items():
        report[key] = _counts(result, field)
    return report


def _counts(result, field: str) -> dict:
    """Per value of a mentee's field: pairs proposed, mentees and mentors left over."""
    counts: dict[str, dict] = {}

    def row(person) -> dict:
        value = person.get(field)
        return counts.setdefault("" if value is None else str(value),
                                 {"pairs": 0, "unmatched_mentees": 0, "unmatched_mentors": 0})

    for suggestion in result.suggestions:
        row(suggestion.mentee)["pairs"] += 1
    for left in result.unmatched:
        row(left.person)["unmatched_mentees" if left.role == "mentore"
                         else "unmatched_mentors"] += 1
    return dict(sorted(counts.items()))
