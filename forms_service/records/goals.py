"""Goals measured: where a mentee stands on each goal, from enrollment to the end.

A goal rating is ``{"goal": n, "value": 1…5, "moment": …, "at": …}`` in the
mentee's enrollment (``goal_ratings``), ``moment`` one of ``RATING_MOMENTS``:
« inscription » (the enrollment form, correctable on the personal page),
« mi-parcours » and « fin » (the linked feedback of the checkpoints that
``rating_moment`` names). A mentor's self-rating of a mentoring skill is
``{"skill": key, "value", "moment", "at"}`` (``skill_ratings``). A mentor's
view of their partner's goals at a checkpoint stays in the mentor's own
feedback (its ``goal_ratings``): it is the mentor's answer, and the mentee's
page never shows the partner's answers.

Ratings are keyed by the goal's position (1 to 3), never by its text, so a
goal whose wording is corrected on the personal page keeps its path.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..vocabulary import MENTORING_SKILLS, RATING_MOMENTS

__all__ = ["GOAL_SLOTS", "rating_moment", "merged", "renumbered", "corrected", "goal_paths",
           "skill_levels", "form_levels", "shown_path"]

GOAL_SLOTS = 3
ORDER = {moment: index for index, (moment, _label) in enumerate(RATING_MOMENTS)}


def rating_moment(month: int, checkpoints: Iterable[int]) -> str | None:
    """The moment a checkpoint rates the goals at: « fin » for the last one,
    « mi-parcours » for the earlier one nearest half the last one's month (the
    earlier of two as near), ``None`` for any other."""
    months = sorted(checkpoints)
    if not months:
        return None
    if month == months[-1]:
        return "fin"
    earlier = months[:-1]
    if not earlier:
        return None
    middle = months[-1] / 2
    return "mi-parcours" if month == min(earlier, key=lambda m: (abs(m - middle), m)) else None


def _key(rating: dict, kind: str) -> tuple:
    return rating.get(kind), ORDER.get(rating.get("moment"), len(ORDER))


def merged(existing: Iterable[dict] | None, new: Iterable[dict], now: str,
           kind: str = "goal") -> list[dict]:
    """``existing`` with each of ``new`` in place of the rating of the same goal (or skill,
    ``kind``) and moment; a rating given again unchanged keeps its date."""
    kept = {_key(r, kind): r for r in existing or ()}
    for rating in new:
        before = kept.get(_key(rating, kind))
        at = before["at"] if before and before.get("value") == rating["value"] else now
        kept[_key(rating, kind)] = {**rating, "at": at}
    return [kept[key] for key in sorted(kept, key=lambda k: (str(k[0]), k[1]))]


def renumbered(ratings: Iterable[dict], slots: Iterable[int]) -> list[dict]:
    """Goal ratings after a correction that kept the goals the form numbered ``slots``, in
    order: each follows its goal to its new position; an emptied goal's ratings go.

    The form numbers goals as stored (the personal page fills goal n from position n),
    so a goal's slot is its position before the correction. A mentor's ratings, kept in
    the mentor's feedback, are not renumbered: they name the positions of their day."""
    moves = {slot: position for position, slot in enumerate(slots, 1)}
    return [{**r, "goal": moves[r["goal"]]} for r in ratings if r.get("goal") in moves]


def corrected(existing: Iterable[dict] | None, inscription: Iterable[dict], now: str,
              kind: str = "goal", slots: Iterable[int] | None = None) -> list[dict]:
    """The ratings after a correction of the enrollment: its « inscription » ratings are
    the corrected form's (one left blank goes), the checkpoints' ones stay (following
    their goal, when ``slots`` says where each went)."""
    existing = list(existing or ())
    if slots is not None:
        existing = renumbered(existing, slots)
    later = [r for r in existing if r.get("moment") != "inscription"]
    earlier = [r for r in existing if r.get("moment") == "inscription"]
    inscription = list(inscription)
    wanted = {_key(r, kind) for r in inscription}
    return merged([*later, *(r for r in earlier if _key(r, kind) in wanted)], inscription,
                  now, kind)


def shown_path(ratings: Iterable[dict]) -> str:
    """« 2 → 3 → 4 »: one goal's values in the order of their moments."""
    ordered = sorted(ratings, key=lambda r: ORDER.get(r.get("moment"), len(ORDER)))
    return " → ".join(str(r["value"]) for r in ordered)


def _moments(ratings: Iterable[dict]) -> str:
    """« inscription → mi-parcours »: the moments of ``shown_path``, in the same order."""
    labels = dict(RATING_MOMENTS)
    ordered = sorted(ratings, key=lambda r: ORDER.get(r.get("moment"), len(ORDER)))
    return " → ".join(str(labels.get(r["moment"], r["moment"])) for r in ordered)


def goal_paths(record: dict) -> list[dict]:
    """Each goal of the enrollment with its ratings, moment by moment, and its path."""
    ratings = record.get("goal_ratings") or []
    paths = []
    for number, text in enumerate(record.get("goals") or [], 1):
        mine = [r for r in ratings if r.get("goal") == number]
        paths.append({"objectif": number, "texte": text,
                      "notes": {r["moment"]: r["value"] for r in mine},
                      "parcours": shown_path(mine), "etapes": _moments(mine)})
    return paths


def skill_levels(record: dict) -> list[dict]:
    """A mentor's self-ratings, in the order of ``MENTORING_SKILLS``."""
    ratings = record.get("skill_ratings") or []
    return [{"competence": key, "libelle": str(label),
             "notes": {r["moment"]: r["value"] for r in ratings if r.get("skill") == key}}
            for key, label in MENTORING_SKILLS
            if any(r.get("skill") == key for r in ratings)]


def form_levels(record: dict) -> dict:
    """The enrollment form's rating fields filled from the record's « inscription » ratings."""
    data = {}
    for rating in record.get("goal_ratings") or ():
        if rating.get("moment") == "inscription":
            data[f"level_goal_{rating['goal']}"] = rating["value"]
    for rating in record.get("skill_ratings") or ():
        if rating.get("moment") == "inscription":
            data[f"level_{rating['skill']}"] = rating["value"]
    return data
