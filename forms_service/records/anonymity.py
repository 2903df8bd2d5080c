"""What the coordination may see of an anonymous feedback: never enough to tell who.

An anonymous answer keeps no name, address or pair; what could still single
someone out is the moment it came and who could have sent it (a mentor at
the 6-month checkpoint, when three pairs are there). So wherever anonymous
answers are shown one by one (the exports), the moment is the month only,
and the role and checkpoint are shown only when at least ``MIN_GROUP``
anonymous answers share them that month; averages elsewhere hide groups
under ``MIN_GROUP`` too (``coordination.dashboard``). Their words are shown
as written: the form says not to write anything that gives oneself away.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

__all__ = ["MIN_GROUP", "is_anonymous", "shown_anonymously"]

MIN_GROUP = 3


def is_anonymous(feedback: dict) -> bool:
    """Sent through the public form as « anonyme »: no name, no address, no link."""
    return feedback.get("identity") == "anonyme" and not feedback.get("link_key") and \
        not feedback.get("person_id")


def _group(feedback: dict) -> tuple:
    return (str(feedback.get("created_at") or "")[:7], feedback.get("role"),
            feedback.get("checkpoint"))


def shown_anonymously(feedback: Iterable[dict]) -> list[dict]:
    """The feedback as it may be shown: anonymous answers coarsened (k ≥ ``MIN_GROUP``)."""
    feedback = list(feedback)
    sizes = Counter(_group(f) for f in feedback if is_anonymous(f))
    shown = []
    for answer in feedback:
        if is_anonymous(answer):
            month = str(answer.get("created_at") or "")[:7]
            answer = {**answer, "created_at": month, "submission": None}
            if sizes[_group(answer)] < MIN_GROUP:
                answer.update(role=None, checkpoint=None)
        shown.append(answer)
    return shown
