"""Closing questionnaires (« bilan »): one answer per person and pair, in the ``closing`` table.

When a pair ends (closed by the coordination, or reaching its last
checkpoint, whichever comes first) each of its two people gets, once, a
personal link to ``/formulaires/bilan/`` (``mail.links.pair_link``, purpose
``bilan``). The pair's record keeps who was invited (``closing_invited``:
person id as a string -> when), so the second of those two events sends
nothing more; the message's key (``closing_key``) makes even a repeated
queueing one job.

An answer is ``{"key": "<pair>:<person>", "pair_id", "person_id", "role",
"identity" ("pseudonyme" | "signe"), the answers, "created_at",
"updated_at"}``: a later post through the same link updates it. It is erased
with the person (``records.purge.erase_person``) and with its pair
(``_erase_pair``). Pseudonymous answers are shown to the coordination only
in figures over at least ``anonymity.MIN_GROUP`` answers
(``closing_figures``).
"""

from __future__ import annotations

from ..storage import Store
from .anonymity import MIN_GROUP
from .common import FORMAT_VERSION, new_reference, now_iso

__all__ = ["SCORES", "ClosingRecords", "closing_figures", "closing_key", "exported_answers"]

# The answers averaged in the coordination's figures (1–5 or 0–10 scales).
SCORES = ("progress_1", "progress_2", "progress_3", "recommend", "skill_listening",
          "skill_questions", "skill_feedback", "skill_goals")


def closing_key(pair_id: int, person_id: int) -> str:
    """One answer (and one invitation) per person and pair."""
    return f"{pair_id}:{person_id}"


class ClosingRecords:
    """The ``closing`` table: save an answer, read them, forget a person's or a pair's."""

    def __init__(self, store: Store):
        self.store = store
        self.table = store.table("closing")

    def save_closing(self, answers: dict, *, pair_id: int, person_id: int, role: str) -> dict:
        """Store this person's answer for this pair; a later post updates it. Return it."""
        key = closing_key(pair_id, person_id)
        with self.store.transaction():
            doc_id, created = self.table.insert_unique({
                **answers, "v": FORMAT_VERSION, "key": key, "pair_id": pair_id,
                "person_id": person_id, "role": role, "reference": new_reference("closing"),
                "created_at": now_iso(), "updated_at": None}, "key")
            if not created:
                self.table.update(doc_id, {**answers, "updated_at": now_iso()})
            return self.table.get(doc_id)

    def closing_answer(self, pair_id: int, person_id: int) -> dict | None:
        return self.table.find("key", closing_key(pair_id, person_id))

    def all(self) -> list[dict]:
        return self.table.all()

    def forget_person(self, person_id: int) -> int:
        """Erase every answer this person gave; return how many."""
        found = self.table.search(lambda d: d.get("person_id") == person_id)
        for answer in found:
            self.table.remove(answer["id"])
        return len(found)

    def forget_pair(self, pair_id: int) -> int:
        """Erase both answers about this pair; return how many."""
        found = self.table.search(lambda d: d.get("pair_id") == pair_id)
        for answer in found:
            self.table.remove(answer["id"])
        return len(found)


def closing_figures(answers: list[dict]) -> dict:
    """What the coordination sees: how many answered, and averages over at least MIN_GROUP.

    Returns ``{"count", "signed", "averages": {score: float | None}}``; an
    average over fewer than ``MIN_GROUP`` answers is ``None`` (hidden), and so
    is the count itself under ``MIN_GROUP`` (then ``count`` is ``None``).
    """
    averages = {}
    for score in SCORES:
        values = [a[score] for a in answers if isinstance(a.get(score), int)]
        averages[score] = (round(sum(values) / len(values), 1)
                           if len(values) >= MIN_GROUP else None)
    count = len(answers)
    return {"count": count if count >= MIN_GROUP else None,
            "signed": sum(1 for a in answers if a.get("identity") == "signe"),
            "averages": averages}


# What an export carries of each answer; an unsigned one loses what would tell who wrote it.
SIGNED_ONLY = ("pair_id", "person_id", "name", "reference", "updated_at")


def exported_answers(answers: list[dict], names: dict[int, str]) -> list[dict]:
    """The answers as an export shows them, oldest first.

    Each carries the month it came (``month``). A signed answer also carries the
    person's name, pair and moments; an unsigned (« pseudonyme ») one only its
    role and its answers.
    """
    shown = []
    for answer in sorted(answers, key=lambda a: a.get("created_at") or ""):
        row = {k: v for k, v in answer.items() if k not in ("v", "key", "id")}
        row["month"] = str(answer.get("created_at") or "")[:7]
        if answer.get("identity") == "signe":
            row["name"] = names.get(answer.get("person_id"), "")
        else:
            row = {k: v for k, v in row.items() if k not in (*SIGNED_ONLY, "created_at")}
        shown.append(row)
    return shown
