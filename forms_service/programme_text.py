"""Say the values ``programme.yml`` configures in French, once for pages and e-mails.

The guide's markers (``<!-- programme: points_etape -->``, rendered by the
build's hooks) and the messages the service sends use these functions, so a
page, a downloaded template and an e-mail word the same value the same way:
« 1, 3 et 6 mois », « au 3e mois », « 30 jours ». A number and its unit are
joined by a no-break space, so a line never starts with « jours ».

No Flask here: the MkDocs build imports this module.
"""

from __future__ import annotations

import re

from .i18n import _
from .typography import NBSP
from .vocabulary import CAPACITIES, RHYTHM_CHOICES

__all__ = ["MARKER", "PROGRAMME_KEYS", "OPTIONAL_CONTACTS", "programme_value", "marker_value",
           "french_list", "days",
           "months", "ordinal_month", "week_of_month", "checkpoint_months"]

# A marker in a page: ``<!-- programme: points_etape -->``, ``<!-- contact: dpo -->``; its
# kind and key are the two groups. The build's hooks (page, templates' files) share it.
MARKER = re.compile(r"<!--\s*(contact|programme)\s*:\s*([^\s>]*)\s*-->")
# Numbers people read as words: « trois points d'étape ».
_WORDS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
          "dix", "onze", "douze")


def french_list(items, conjunction: str = "et") -> str:
    """« a, b et c »: the French way of listing, without a comma before the last."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def days(count: int) -> str:
    """« 30 jours », « 1 jour »: a number of days, never split across lines."""
    return f"{count}{NBSP}{'jour' if count == 1 else 'jours'}"


def months(count: int) -> str:
    """« 6 mois »."""
    return f"{count}{NBSP}mois"


def ordinal_month(month: int) -> str:
    """« 1er mois », « 3e mois »: one checkpoint, as in « au 3e mois »."""
    return f"{month}{'er' if month == 1 else 'e'}{NBSP}mois"


def checkpoint_months(checkpoints) -> str:
    """« 1, 3 et 6 mois »: every checkpoint, the unit said once."""
    return f"{french_list(int(m) for m in checkpoints)}{NBSP}mois"


def _number_word(count: int) -> str:
    return _WORDS[count] if 0 <= count < len(_WORDS) else str(count)


def _lowercase_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def week_of_month(month: int) -> int:
    """The week after the pairing in which a checkpoint falls: 1 → 4, 3 → 13, 6 → 26."""
    return round(month * 52 / 12)


def _checkpoint(programme, which: str) -> str | None:
    checkpoints = programme.checkpoints
    if which == "nombre":
        return _number_word(len(checkpoints))
    rank, _dot, form = which.partition(".")
    if rank == "dernier":
        month = checkpoints[-1]
    elif rank.isdigit() and 1 <= int(rank) <= len(checkpoints):
        month = checkpoints[int(rank) - 1]
    else:
        return None
    if form == "semaine":
        return str(week_of_month(month))
    return ordinal_month(month) if not form else None


def _days_in(table: dict, key: str) -> str | None:
    value = table.get(key)
    return days(int(value)) if value is not None else None


# Contacts a small organisation may not have: ``<!-- programme: CLE -->`` shows the
# configured value, or where to ask when ``contacts`` leaves it out.
OPTIONAL_CONTACTS = {
    "referent_harcelement_cse": ("si votre CSE en a désigné une ; renseignez-vous auprès "
                                   "des ressources humaines ou des élus du CSE"),
    "alerte_professionnelle": ("renseignez-vous auprès des ressources humaines sur le "
                                 "dispositif de votre organisation, ou adressez-vous au "
                                 "Défenseur des droits"),
    "outils.ia": ("aucun outil d’intelligence artificielle n’est encore validé pour le "
                  "programme : demandez à la coordination avant d’en utiliser un, et n’y "
                  "mettez jamais de document interne"),
    "espace_partage": ("les outils de stockage de documents fournis par l’entreprise ; "
                       "demandez au support informatique lequel utiliser"),
    "support_informatique": ("le support informatique habituel de votre site ; la "
                             "coordination vous dira comment le joindre"),
}


# What ``<!-- programme: CLE -->`` accepts, for the build's error message and contribuer.md:
# each ``conservation.*`` and ``relances.*`` key of the file is accepted too.
PROGRAMME_KEYS = ("version_notice", "duree", "points_etape", "points_etape.N",
                  "points_etape.dernier", "points_etape.N.semaine", "points_etape.nombre",
                  "relances.CLE", "conservation.CLE", "capacites", "capacites.max", "rythmes",
                  "domaines_email", "selection", "temps", "temps.heures_par_mois",
                  "temps.responsable", *OPTIONAL_CONTACTS)


def programme_value(programme, key: str) -> str | None:
    """The text ``<!-- programme: key -->`` shows, or ``None`` for an unknown key.

    ``points_etape`` → « 1, 3 et 6 mois »; ``points_etape.2`` → « 3e mois » (the
    second checkpoint), ``points_etape.dernier`` → « 6e mois »,
    ``points_etape.2.semaine`` → « 13 » (its week after the pairing),
    ``points_etape.nombre`` → « trois »; ``duree`` → « 6 mois » (a relation lasts until
    its last checkpoint, the closing one); ``relances.silence_jours`` and each
    ``conservation.*`` → « 30 jours »; ``version_notice`` → « 2026-11 »;
    ``capacites`` → « 1, 2 ou 3 », ``capacites.max`` → « 3 », ``rythmes`` →
    « toutes les deux semaines, … ou une fois par mois » (the choices of the enrollment form);
    ``domaines_email`` → which addresses the enrollment accepts; ``selection`` → what a
    mentor goes through before being proposed; ``temps`` → the time rule as a sentence,
    ``temps.heures_par_mois`` → « 2 heures », ``temps.responsable`` → what the participant
    does about their manager, as a sentence.
    """
    section, _dot, rest = key.partition(".")
    if key == "version_notice":
        return programme.notice_version or None
    if key == "points_etape":
        return checkpoint_months(programme.checkpoints)
    if key == "duree":
        return months(programme.checkpoints[-1])
    if section == "points_etape" and rest:
        return _checkpoint(programme, rest)
    if section == "relances" and rest:
        return _days_in(programme.followup, rest)
    if section == "conservation" and rest:
        return _days_in(programme.retention, rest)
    if key == "capacites":
        return french_list((label for _code, label in CAPACITIES), "ou")
    if key == "capacites.max":
        return str(max(code for code, _label in CAPACITIES))
    if key == "rythmes":
        return french_list((_lowercase_first(str(label)) for _code, label in RHYTHM_CHOICES), "ou")
    if key == "domaines_email":
        return accepted_addresses(programme.email_domains)
    if key == "selection":
        return mentor_selection(programme.selection)
    if key == "temps":
        return time_rule(programme.time)
    if key == "temps.heures_par_mois":
        return hours(programme.time["heures_par_mois"])
    if key == "temps.responsable":
        return manager_rule(programme.time)
    if key in OPTIONAL_CONTACTS:
        value = str(programme.contacts.get(key) or "").strip()
        return value or _(OPTIONAL_CONTACTS[key])
    return None


def hours(count: int) -> str:
    """« 2 heures », « 1 heure »."""
    return f"{count}{NBSP}{'heure' if count == 1 else 'heures'}"


def time_rule(rule) -> str:
    """How much time the programme takes and when, as one sentence (``temps``)."""
    limit = hours(rule["heures_par_mois"])
    if rule["sur_temps_de_travail"]:
        return _("Le mentorat se pratique sur le temps de travail, dans la limite de "
                 "%(hours)s par mois, préparation comprise : une rencontre s’organise comme "
                 "une réunion de travail, à un horaire de bureau, dans une salle ou en "
                 "visio.") % {"hours": limit}
    return _("Le mentorat demande au plus %(hours)s par mois, préparation comprise ; dans "
             "ce déploiement, il ne se tient pas sur le temps de travail : convenez en "
             "binôme de créneaux qui respectent le repos de chacun.") % {"hours": limit}


def manager_rule(rule) -> str:
    """What the participant does about their manager, as one sentence (``temps.responsable``)."""
    if rule["accord_responsable"]:
        return _("Vous demandez le feu vert de votre responsable avant de vous inscrire.")
    if rule["sur_temps_de_travail"]:
        return _("Vous informez votre responsable de votre participation, comme de toute "
                 "réunion régulière de votre agenda, sans avoir à lui demander la "
                 "permission.")
    return _("Vous n’avez pas à informer votre responsable : les rencontres se tiennent "
             "hors du temps de travail.")


def mentor_selection(selection) -> str:
    """What a mentor goes through before being proposed, as one sentence (``selection``)."""
    steps = []
    if selection.get("entretien_mentors"):
        steps.append(_("un échange avec la coordination, qui le retient et le note sur sa "
                       "fiche"))
    if selection.get("formation_requise"):
        steps.append(_("sa formation : un atelier de la coordination, ou les pages de "
                       "formation du guide parcourues puis déclarées sur sa page « Mon "
                       "inscription »"))
    if not steps:
        return _("Ici, aucune étape n’est demandée : chaque mentor inscrit peut être proposé "
                 "aussitôt.")
    return _("Ici, un mentor n’est proposé pour un binôme qu’après %(steps)s.") % {
        "steps": french_list(steps)}


def accepted_addresses(domains) -> str:
    """Which addresses the enrollment accepts, as a sentence's end (the notice's table)."""
    if not domains:
        return _("le service accepte toute adresse : aucun domaine n’est imposé dans ce "
                 "déploiement")
    return _("seules les adresses de l’organisation sont acceptées (%(domains)s)") % {
        "domains": french_list((f"@{domain}" for domain in domains), "ou")}


def marker_value(programme, kind: str, key: str) -> str | None:
    """The plain text a page's marker stands for, or ``None`` when unknown or empty.

    ``kind`` is ``contact`` (``contacts`` of the file) or ``programme`` (above).
    """
    if kind == "programme":
        return programme_value(programme, key)
    value = programme.contacts.get(key)
    return str(value).strip() if value is not None and str(value).strip() else None
