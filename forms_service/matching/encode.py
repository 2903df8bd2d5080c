"""Turn enrollment records into arrays for the matching: one row per person.

Each distinct string (site, department, language, skill, e-mail) gets a
small integer shared by both sides, so the matching compares integers and
boolean membership matrices instead of strings. Part of ``matching``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import vocabulary
from ..i18n import _
from ..vocabulary import codes
from .explain import fold, skill_list

__all__ = ["InvalidEnrollment", "EXPERIENCE_BANDS", "RHYTHMS", "SLOTS", "FORMATS", "TRACKS",
           "DEPARTMENT_WISHES"]

EXPERIENCE_BANDS = codes(vocabulary.EXPERIENCE)
RHYTHMS = codes(vocabulary.RHYTHMS)
SLOTS = codes(vocabulary.SLOTS)
FORMATS = codes(vocabulary.FORMATS)
TRACKS = codes(vocabulary.TRACKS)
DEPARTMENT_WISHES = codes(vocabulary.DEPARTMENT_PREFERENCES)
_WISH_ANY = DEPARTMENT_WISHES.index("indifferent")


class InvalidEnrollment(ValueError):
    """An enrollment holds a value the matching cannot interpret."""


def _choice(person: dict, key: str, choices: tuple[str, ...]) -> int:
    value = person.get(key)
    if value not in choices:
        raise InvalidEnrollment(
            _("inscription {id}\u00a0: valeur inconnue pour {key}\u00a0: {value!r}").format(
                id=person.get("id"), key=key, value=value
            )
        )
    return choices.index(value)


class _Vocabulary:
    """Give each distinct string a small integer, shared by both sides."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def code(self, value: str) -> int:
        return self.codes.setdefault(value, len(self.codes))

    def optional(self, value: str) -> int:
        return self.code(value) if value else -1


@dataclass
class Side:
    """One side of the pool (mentors or mentees) as arrays, one row per person."""

    ids: list
    person: np.ndarray
    email: np.ndarray
    manager: np.ndarray
    department: np.ndarray
    site: np.ndarray
    format: np.ndarray
    track: np.ndarray
    rhythm: np.ndarray
    experience: np.ndarray
    wish: np.ndarray
    languages: np.ndarray
    offered: np.ndarray
    sought: np.ndarray
    sought_count: np.ndarray
    slots: np.ndarray


def encode(mentor_people: list[dict], mentee_people: list[dict]) -> tuple[Side, Side]:
    people_ids, emails = _Vocabulary(), _Vocabulary()
    departments, sites = _Vocabulary(), _Vocabulary()
    languages, skills = _Vocabulary(), _Vocabulary()
    slot_codes = {slot: index for index, slot in enumerate(SLOTS)}

    def codes(people, key, vocabulary):
        return np.array([vocabulary.optional(fold(p.get(key))) for p in people], dtype=np.int64)

    def lists(people, read, vocabulary):
        return [[vocabulary.code(value) for value in read(p)] for p in people]

    def slot_list(person):
        try:
            return [slot_codes[slot] for slot in person.get("availability") or ()]
        except KeyError as error:
            raise InvalidEnrollment(
                _("inscription {id}\u00a0: demi-journée inconnue\u00a0: {slot!r}").format(
                    id=person.get("id"), slot=error.args[0]
                )
            ) from None

    raw = {}
    for side, people, is_mentee in (
        ("mentors", mentor_people, False),
        ("mentees", mentee_people, True),
    ):
        raw[side] = dict(
            ids=[p.get("id") for p in people],
            person=np.array([people_ids.code(p.get("id")) for p in people], dtype=np.int64),
            email=codes(people, "email", emails),
            manager=codes(people, "manager_email", emails),
            department=codes(people, "department", departments),
            site=codes(people, "site", sites),
            format=np.array([_choice(p, "format", FORMATS) for p in people], dtype=np.int64),
            track=np.array([_choice(p, "track", TRACKS) for p in people], dtype=np.int64),
            rhythm=np.array([_choice(p, "rhythm", RHYTHMS) for p in people], dtype=np.int64),
            experience=np.array(
                [_choice(p, "experience", EXPERIENCE_BANDS) for p in people], dtype=np.int64
            ),
            # Only mentees' wishes count; a mentor's own wish is about their own mentor.
            wish=np.array(
                [
                    _choice(p, "department_preference", DEPARTMENT_WISHES)
                    if is_mentee
                    else _WISH_ANY
                    for p in people
                ],
                dtype=np.int64,
            ),
            languages=lists(
                people,
                lambda p: [fold(v) for v in p.get("languages") or () if fold(v)],
                languages,
            ),
            offered=lists(
                people, lambda p: [fold(v) for v in skill_list(p.get("skills_offered"))], skills
            ),
            sought=lists(
                people, lambda p: [fold(v) for v in skill_list(p.get("skills_sought"))], skills
            ),
            slots=[slot_list(p) for p in people],
        )

    # Widths are known only once both sides have added their words.
    def side(fields) -> Side:
        sought = _membership(fields["sought"], len(skills.codes))
        return Side(
            ids=fields["ids"],
            person=fields["person"],
            email=fields["email"],
            manager=fields["manager"],
            department=fields["department"],
            site=fields["site"],
            format=fields["format"],
            track=fields["track"],
            rhythm=fields["rhythm"],
            experience=fields["experience"],
            wish=fields["wish"],
            languages=_membership(fields["languages"], len(languages.codes)),
            offered=_membership(fields["offered"], len(skills.codes)),
            sought=sought,
            sought_count=sought.sum(axis=1),
            slots=_membership(fields["slots"], len(SLOTS)),
        )

    return side(raw["mentors"]), side(raw["mentees"])


def _membership(rows: list[list[int]], width: int) -> np.ndarray:
    """Turn lists of codes into a boolean matrix, one row per list."""
    result = np.zeros((len(rows), width), dtype=bool)
    lengths = [len(row) for row in rows]
    if sum(lengths):
        codes = np.fromiter((code for row in rows for code in row), dtype=np.int64)
        result[np.repeat(np.arange(len(rows)), lengths), codes] = True
    return result
