"""Who may be proposed for a pair, and who is written to: one rule for the whole service.

The suggestions, ``mentorat match``, the mentor profiles shown to waiting
mentees and the manual pairing in the coordination area all read the pool
through these functions, so a pause or a limitation takes a person out of
every one of them at once. Plain functions on enrollment records (dicts):
no storage, no Flask, so the matching may import them too.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import date

from .vocabulary import MENTEE_ROLES, MENTOR_ROLES, PAIR_STATUSES, WAITING_STATUSES

__all__ = ["limited", "paused", "open_roles", "may_be_proposed", "may_be_reminded",
           "selection_steps_left", "SELECTION_STEPS"]

# The steps ``programme.yml``'s « selection » may ask of a mentor, in order, and the flag
# that asks for each. A passed step is stored on the enrollment: ``selection[step]``.
SELECTION_STEPS = {"entretien": "entretien_mentors", "formation": "formation_requise"}


def limited(person: Mapping) -> bool:
    """Whether the person asked to limit the use of their data (Art. 18) and has not lifted it."""
    return bool(person.get("limited_at"))


def paused(person: Mapping, on: date) -> bool:
    """Whether a mentor takes no new pair on ``on``: paused, and the resume date not reached."""
    if not person.get("pause"):
        return False
    resume = person.get("reprise_le")
    return not resume or on < date.fromisoformat(resume)


def selection_steps_left(person: Mapping, selection: Mapping | None) -> list[str]:
    """The selection steps (``SELECTION_STEPS``) the programme asks and this mentor has not
    passed yet; none when ``selection`` (``programme.yml``) asks for none."""
    passed = person.get("selection") or {}
    return [step for step, flag in SELECTION_STEPS.items()
            if (selection or {}).get(flag) and not passed.get(step)]


def open_roles(person: Mapping, load: Mapping[int, int], has_mentor: Container[int],
               on: date | None = None, selection: Mapping | None = None) -> tuple[bool, bool]:
    """Return whether the person may be proposed now as mentor, and as mentee.

    Only people waiting, or in a pair with a role still open (a mentor's
    free place, someone enrolled as both who has no mentor yet), take part;
    never someone who limited the use of their data; a paused mentor takes
    no new mentee, nor one with a selection step left (``selection``: the
    programme's « selection »). ``load`` maps a mentor's id to their running
    pairs, ``has_mentor`` holds the ids of mentees already in a running pair.
    """
    if limited(person) or person.get("status") not in WAITING_STATUSES | PAIR_STATUSES:
        return False, False
    capacity = person.get("capacity") or 1
    can_mentor = person.get("role") in MENTOR_ROLES and load.get(person.get("id"), 0) < capacity \
        and not paused(person, on or date.today()) \
        and not selection_steps_left(person, selection)
    can_be_mentee = person.get("role") in MENTEE_ROLES and person.get("id") not in has_mentor
    return can_mentor, can_be_mentee


def may_be_proposed(person: Mapping, on: date | None = None) -> bool:
    """Whether the matching may propose this pool entry: waiting, and a role open to them.

    The matching's pool (``Repository.matching_pool``) hands people in a pair
    as waiting for their open role; free places are counted by the matching.
    """
    return person.get("status") in WAITING_STATUSES and any(open_roles(person, {}, (), on))


def may_be_reminded(person: Mapping | None) -> bool:
    """Whether reminders and nudges may go to this person (still enrolled, not limited)."""
    return person is not None and not limited(person)
