"""Say in French why a pair was proposed, why someone is left over, why a pair cannot be.

The matching (``suggest``) decides; this module only explains. Each
reason about a pair is a :class:`Reason`: a plain ``str`` (so templates,
JSON and stored pairs see text) that also knows its ``tone``. Only the
positive ones may go into the participants' introduction e-mail; the
negative ones are flagged to the coordination. No Flask, no storage.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..i18n import _
from ..i18n import ngettext as _n
from ..vocabulary import EXPERIENCE, OTHER_SKILL, RHYTHMS, SLOTS, codes

__all__ = [
    "Reason", "POSITIVE", "NEUTRAL", "NEGATIVE", "positive", "negative", "pair_reasons",
    "mutual_reason", "agreed_reason", "wish_reasons", "french_key", "mentee_reason", "mentor_reason", "refusal", "CONSTRAINT_LABELS",
]

POSITIVE, NEUTRAL, NEGATIVE = "positif", "neutre", "negatif"

EXPERIENCE_BANDS = codes(EXPERIENCE)
RHYTHM_CODES = codes(RHYTHMS)
SLOT_CODES = codes(SLOTS)

_EXPERIENCE_LABELS = {
    "moins_2": "moins de 2 ans",
    "2_5": "2 à 5 ans",
    "5_10": "5 à 10 ans",
    "10_20": "10 à 20 ans",
    "plus_20": "plus de 20 ans",
}
_RHYTHM_LABELS = {
    "hebdomadaire": "chaque semaine",
    "bimensuel": "toutes les deux semaines",
    "trois_semaines": "toutes les trois semaines",
    "mensuel": "chaque mois",
}
_FORMAT_LABELS = {"presentiel": "présentiel", "distance": "à distance", "hybride": "hybride"}
_TRACK_LABELS = {"classique": "classique", "inverse": "inversé"}

# The hard constraints, by the matching's stage names, as a coordinator reads them.
CONSTRAINT_LABELS = {
    "personne": _("personne en face dans le vivier"),
    "parcours": _("parcours"),
    "langue": _("langue commune"),
    "format": _("format et site"),
    "hierarchie": _("lien hiérarchique"),
    "refus": _("écarté par la coordination"),
    "deja": _("déjà apparié auparavant"),
    "capacite": _("capacité des mentors"),
    "sans_place": _("aucune place libre"),
    "pris": _("proposé à d'autres"),
}


class Reason(str):
    """One French reason about a pair, with its ``tone``: positif, neutre or négatif."""

    tone: str

    def __new__(cls, text: str, tone: str = POSITIVE) -> Reason:
        reason = super().__new__(cls, text)
        reason.tone = tone
        return reason

    @property
    def negative(self) -> bool:
        return self.tone == NEGATIVE


def positive(reasons: Iterable[str]) -> list[str]:
    """Keep the reasons a participant may read: only the positive ones, as plain text."""
    return [str(r) for r in reasons if getattr(r, "tone", None) == POSITIVE]


def negative(reasons: Iterable[str]) -> list[str]:
    return [str(r) for r in reasons if getattr(r, "tone", None) == NEGATIVE]


def french_key(name) -> tuple[str, str]:
    """Sort names as a French reader does: accents and case second, not last."""
    text = str(name or "")
    plain = "".join(c for c in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(c))
    return plain.casefold(), text


def fold(value) -> str:
    return str(value or "").strip().casefold()


def skill_list(values) -> list[str]:
    """Return distinct skills in their given order, without the free "autre"."""
    seen: dict[str, str] = {}
    for value in values or ():
        key = fold(value)
        if key and key != OTHER_SKILL:
            seen.setdefault(key, str(value).strip())
    return list(seen.values())


# -------------------------------------------------------------------------- left over


def _format_wish(person: dict) -> str:
    if person.get("format") == "presentiel":
        return _("présentiel sur le site de {site}").format(site=person.get("site") or "?")
    return _FORMAT_LABELS[person["format"]]


def _capacity(person: dict) -> int:
    capacity = person.get("capacity")
    return 1 if capacity is None else int(capacity)


def mentee_reason(stage: str, person: dict) -> str:
    """Why a mentee got no proposal, from the first constraint that left nobody."""
    if stage == "personne":
        return _("aucun mentor en attente dans le vivier")
    if stage == "parcours":
        return _("aucun mentor du parcours {track} disponible").format(
            track=_TRACK_LABELS[person["track"]]
        )
    if stage == "langue":
        return _("aucun mentor avec une langue commune ({languages})").format(
            languages=", ".join(person.get("languages") or ()) or "?"
        )
    if stage == "format":
        return _("aucun mentor compatible pour le format {format}").format(
            format=_format_wish(person)
        )
    if stage == "hierarchie":
        return _("les seuls mentors compatibles sont dans sa ligne hiérarchique directe")
    if stage == "refus":
        return _("mentors compatibles écartés par la coordination")
    if stage == "deja":
        return _("les seuls mentors compatibles ont déjà formé un binôme avec cette personne")
    return _("capacité des mentors compatibles atteinte")


def mentor_reason(stage: str, person: dict) -> str:
    """Why a mentor got no mentee, from the first constraint that left nobody."""
    if stage == "sans_place":
        return _("aucune place de mentorat libre (capacité {capacity})").format(
            capacity=_capacity(person)
        )
    if stage == "personne":
        return _("aucun mentoré compatible\u00a0: aucun mentoré en attente dans le vivier")
    if stage == "parcours":
        return _(
            "aucun mentoré compatible\u00a0: aucun mentoré du parcours {track} en attente"
        ).format(track=_TRACK_LABELS[person["track"]])
    if stage == "langue":
        return _("aucun mentoré compatible\u00a0: aucune langue commune ({languages})").format(
            languages=", ".join(person.get("languages") or ()) or "?"
        )
    if stage == "format":
        return _("aucun mentoré compatible pour le format {format}").format(
            format=_format_wish(person)
        )
    if stage == "hierarchie":
        return _("les seuls mentorés compatibles sont dans sa ligne hiérarchique directe")
    if stage == "refus":
        return _("mentorés compatibles écartés par la coordination")
    if stage == "deja":
        return _("les seuls mentorés compatibles ont déjà formé un binôme avec cette personne")
    return _("mentorés compatibles tous proposés à d'autres mentors, au meilleur score d'ensemble")


# -------------------------------------------------------------------------- one pair refused


def refusal(stage: str, mentor: dict, mentee: dict) -> str:
    """Say which hard constraint *this* mentor fails for *this* mentee, naming both sides."""
    names = {"mentor": mentor.get("name") or "?", "mentee": mentee.get("name") or "?"}
    if stage == "personne":
        return _("{mentor} et {mentee} sont la même personne").format(**names)
    if stage == "parcours":
        return _("{mentor} est en mentorat {mentor_track}, {mentee} en mentorat {mentee_track}"
                 ).format(mentor_track=_TRACK_LABELS.get(mentor.get("track"), "?"),
                          mentee_track=_TRACK_LABELS.get(mentee.get("track"), "?"), **names)
    if stage == "langue":
        return _("aucune langue commune\u00a0: {mentor} parle {mentor_languages}, "
                 "{mentee} parle {mentee_languages}").format(
            mentor_languages=", ".join(mentor.get("languages") or ()) or "?",
            mentee_languages=", ".join(mentee.get("languages") or ()) or "?", **names)
    if stage == "format":
        return _("formats incompatibles\u00a0: {mentor} souhaite {mentor_format}, "
                 "{mentee} souhaite {mentee_format}").format(
            mentor_format=_format_wish(mentor), mentee_format=_format_wish(mentee), **names)
    if stage == "hierarchie":
        return _("lien hiérarchique direct entre {mentor} et {mentee}").format(**names)
    if stage == "refus":
        return _("la coordination a déjà écarté {mentor} pour {mentee}").format(**names)
    if stage == "sans_place":
        return _("{mentor} n'a plus de place libre (capacité {capacity})").format(
            capacity=_capacity(mentor), **names)
    return _("contrainte non respectée")


# -------------------------------------------------------------------------- reasons for one pair


def pair_reasons(mentor: dict, mentee: dict, weights: dict[str, float]) -> list[Reason]:
    """Explain a feasible pair in French, strongest signals first.

    Language and format are hard constraints, always shown; a criterion with
    weight 0 is ignored by the score and so left out.
    """
    reasons = []
    if weights["competences"]:
        reasons += _skills_reasons(mentor, mentee)
    reasons.append(_language_reason(mentor, mentee))
    reasons.append(_format_reason(mentor, mentee))
    if weights["departement"]:
        reasons.append(_department_reason(mentor, mentee))
    if weights["disponibilites"]:
        reasons.append(_availability_reason(mentor, mentee))
    if weights["rythme"]:
        reasons.append(_rhythm_reason(mentor, mentee))
    if weights["experience"]:
        reasons.append(_experience_reason(mentor, mentee))
    return reasons


# How a mentee's ranking reads on the worklist; neutral, so never mailed (a mentor
# must not learn who ranked them).
PREFERENCE_REASONS = {
    1: _("choisi en premier par la personne mentorée"),
    2: _("choisi en deuxième par la personne mentorée"),
    3: _("choisi en troisième par la personne mentorée"),
}


def preference_reason(rank: int) -> Reason:
    return Reason(PREFERENCE_REASONS[rank], NEUTRAL)


def mutual_reason() -> Reason:
    return Reason(_("mentorat croisé\u00a0: chacun accompagne aussi l'autre"), NEUTRAL)


def agreed_reason() -> Reason:
    """Both named each other: the worklist marks the pair, the coordinator still confirms."""
    return Reason(_("Binôme convenu entre eux"), POSITIVE)


def wish_reasons(mentor: dict, mentee: dict) -> list[Reason]:
    """A colleague named by one side only, or not this pair: shown to the coordination only."""
    found = []
    for person in (mentee, mentor):
        wish = str(person.get("agreed_with") or "").strip().casefold()
        if wish:
            found.append(Reason(_("{name} souhaite travailler avec {address}").format(
                name=person.get("name") or "", address=wish), NEUTRAL))
    return found


def _skills_reasons(mentor: dict, mentee: dict) -> list[Reason]:
    sought = skill_list(mentee.get("skills_sought"))
    offered = {fold(skill) for skill in skill_list(mentor.get("skills_offered"))}
    common = [skill for skill in sought if fold(skill) in offered]
    reasons = []
    if common:
        reasons.append(Reason(
            _("compétences recherchées\u00a0: {sought} ↔ proposées\u00a0: {common}").format(
                sought=", ".join(sought), common=", ".join(common)
            )
        ))
    elif sought:
        reasons.append(Reason(
            _("aucune compétence recherchée n'est proposée\u00a0: {sought}").format(
                sought=", ".join(sought)
            ), NEGATIVE
        ))
    if any(fold(skill) == OTHER_SKILL for skill in mentee.get("skills_sought") or ()):
        reasons.append(Reason(_("compétence «\u00a0autre\u00a0» à préciser avec la coordination"),
                              NEUTRAL))
    elif not sought:
        reasons.append(Reason(_("aucune compétence recherchée précisée"), NEUTRAL))
    return reasons


def _language_reason(mentor: dict, mentee: dict) -> Reason:
    spoken = {fold(language) for language in mentor.get("languages") or ()}
    common = list(
        dict.fromkeys(
            language for language in mentee.get("languages") or () if fold(language) in spoken
        )
    )
    return Reason(_n(
        "langue commune\u00a0: {languages}", "langues communes\u00a0: {languages}", len(common)
    ).format(languages=", ".join(common)))


def _format_reason(mentor: dict, mentee: dict) -> Reason:
    mentor_format, mentee_format = mentor["format"], mentee["format"]
    if mentor_format == mentee_format:
        reason = _("même format\u00a0: {format}").format(format=_FORMAT_LABELS[mentor_format])
    else:
        reason = _("format compatible\u00a0: {mentor} et {mentee}").format(
            mentor=_FORMAT_LABELS[mentor_format], mentee=_FORMAT_LABELS[mentee_format]
        )
    meet = "distance" not in (mentor_format, mentee_format)
    if meet and mentor.get("site") and fold(mentor.get("site")) == fold(mentee.get("site")):
        reason += _(", site de {site}").format(site=mentor["site"])
    return Reason(reason)


def _department_reason(mentor: dict, mentee: dict) -> Reason:
    same = fold(mentor.get("department")) == fold(mentee.get("department"))
    wish = mentee["department_preference"]
    if wish == "indifferent":
        return Reason(_("pas de préférence de département"), NEUTRAL)
    if wish == "autre":
        return (
            Reason(_("départements différents, comme souhaité"))
            if not same
            else Reason(_("même département alors qu'un autre était souhaité"), NEGATIVE)
        )
    return (
        Reason(_("même département, comme souhaité"))
        if same
        else Reason(_("départements différents alors que le même était souhaité"), NEGATIVE)
    )


def _slot_label(slot: str) -> str:
    day, half = slot.split("_", 1)
    return "{day} {half}".format(day=day, half=_("matin") if half == "matin" else _("après-midi"))


def _availability_reason(mentor: dict, mentee: dict) -> Reason:
    theirs = set(mentor.get("availability") or ())
    common = [
        slot for slot in SLOT_CODES
        if slot in theirs and slot in set(mentee.get("availability") or ())
    ]
    if not common:
        return Reason(_("aucune demi-journée commune"), NEGATIVE)
    return Reason(_n(
        "{count} demi-journée commune\u00a0: {slots}",
        "{count} demi-journées communes\u00a0: {slots}",
        len(common),
    ).format(count=len(common), slots=", ".join(_slot_label(slot) for slot in common)))


def _rhythm_reason(mentor: dict, mentee: dict) -> Reason:
    mentor_rhythm, mentee_rhythm = mentor["rhythm"], mentee["rhythm"]
    if mentor_rhythm == mentee_rhythm:
        return Reason(_("même rythme\u00a0: {rhythm}").format(
            rhythm=_RHYTHM_LABELS[mentor_rhythm]))
    labels = dict(mentor=_RHYTHM_LABELS[mentor_rhythm], mentee=_RHYTHM_LABELS[mentee_rhythm])
    if abs(RHYTHM_CODES.index(mentor_rhythm) - RHYTHM_CODES.index(mentee_rhythm)) == 1:
        return Reason(_("rythmes proches\u00a0: {mentor} et {mentee}").format(**labels))
    return Reason(_("rythmes éloignés\u00a0: {mentor} et {mentee}").format(**labels), NEGATIVE)


def _experience_reason(mentor: dict, mentee: dict) -> Reason:
    gap = EXPERIENCE_BANDS.index(mentor["experience"]) - EXPERIENCE_BANDS.index(
        mentee["experience"]
    )
    labels = dict(
        mentor=_EXPERIENCE_LABELS[mentor["experience"]],
        mentee=_EXPERIENCE_LABELS[mentee["experience"]],
    )
    if gap == 0:
        return Reason(_("même tranche d'expérience ({mentor})").format(**labels), NEUTRAL)
    if mentee["track"] == "inverse":
        if gap < 0:
            return Reason(_(
                "écart d'expérience adapté au mentorat inversé (mentor {mentor}, mentoré {mentee})"
            ).format(**labels))
        return Reason(_(
            "en mentorat inversé, mentor plus expérimenté que le mentoré "
            "(mentor {mentor}, mentoré {mentee})"
        ).format(**labels), NEGATIVE)
    if gap > 0:
        return Reason(_("mentor plus expérimenté (mentor {mentor}, mentoré {mentee})").format(
            **labels))
    return Reason(_(
        "mentor moins expérimenté que le mentoré (mentor {mentor}, mentoré {mentee})"
    ).format(**labels), NEGATIVE)
