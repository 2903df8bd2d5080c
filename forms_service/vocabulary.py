"""The programme's words, defined once: roles, tracks, choices, statuses, forms.

Every module (forms, repository, matching, coordination, participant page,
the MkDocs hooks) imports its codes and labels from here, so a code never
means two things and a label is written in one place. No Flask, no
WTForms: the build imports this too.

Codes are stored in records and never change; labels are what people read
(msgids of the message catalogue). Statuses and pair states are ``StrEnum``
members: each one equals, hashes and is written to JSON as its plain code, so
records read back as strings compare equal to them.
"""

from __future__ import annotations

from enum import StrEnum

from .i18n import _

__all__ = [
    "END_CATEGORIES", "END_CATEGORY_DERIVED",
    "ROLES", "MENTOR_ROLES", "MENTEE_ROLES", "FEEDBACK_ROLES", "TRACKS", "FORMATS", "RHYTHMS",
    "CAPACITIES", "RHYTHM_CHOICES", "LEGACY_RHYTHMS", "EXPERIENCE", "LEVELS", "MENTORING_SKILLS", "RATING_MOMENTS", "DAYS", "HALVES", "SLOTS", "DEPARTMENT_PREFERENCES", "OTHER_SKILL",
    "Status", "PairState", "STATUSES", "STATUS_LABELS", "PARTICIPANT_STATUS_LABELS",
    "STATUS_TRANSITIONS", "WAITING_STATUSES", "FINAL_STATUSES", "PAIR_END_STATUSES",
    "PAIR_STATUSES", "PAIR_STATE_LABELS", "CLOSE_REASON_LABELS", "OTHER_SKILL_LABEL",
    "CHOICE_LABELS", "sensible_transitions",
    "FORM_NAMES", "DEFAULT_FORM_PAGES", "ROLE_MEANINGS", "codes", "SENSITIVE_HINTS",
    "SELECTION_STEP_LABELS",
]

# ---------------------------------------------------------------------------- who enrolls

ROLES = [("mentor", _("Mentor")), ("mentore", _("Mentoré·e")), ("les_deux", _("Les deux"))]
# "Les deux" counts on both sides of the pool.
MENTOR_ROLES = frozenset({"mentor", "les_deux"})
MENTEE_ROLES = frozenset({"mentore", "les_deux"})
# Feedback is given from one side of a pair.
FEEDBACK_ROLES = [("mentor", _("Mentor")), ("mentore", _("Mentoré·e"))]
# Where someone stands, 1 to 5: on a goal (the mentee; the mentor of their partner's) or
# on a mentoring skill (a mentor, of themself). Only the ends are named.
LEVELS = [(1, _("1 · je débute")), (2, "2"), (3, "3"), (4, "4"), (5, _("5 · je maîtrise"))]
# The skills the training pages teach, which a mentor rates at enrollment.
MENTORING_SKILLS = [("listening", _("L’écoute active")), ("questions", _("Les questions ouvertes")),
                    ("feedback", _("Les retours")),
                    ("goals", _("La définition d’objectifs"))]
# When a goal is rated: its order is the path shown to the person.
RATING_MOMENTS = [("inscription", _("inscription")), ("mi-parcours", _("mi-parcours")),
                  ("fin", _("fin"))]
TRACKS = [("classique", _("Mentorat classique")), ("inverse", _("Mentorat inversé"))]
# What each role means in each track, shown beside the role at enrollment: in the
# reverse track the mentor is the one with less seniority, which a senior would
# not guess from the word alone.
ROLE_MEANINGS = {
    "mentor": {
        "classique": _("vous accompagnez une personne qui a moins d’expérience que vous et "
                       "partagez la vôtre"),
        "inverse": _("vous êtes la personne la plus récente dans le métier et partagez vos "
                     "usages numériques et vos pratiques avec un·e collègue plus expérimenté·e"),
    },
    "mentore": {
        "classique": _("vous êtes accompagné·e par une personne plus expérimentée"),
        "inverse": _("vous avez de l’expérience et êtes accompagné·e par un·e collègue plus "
                     "récent·e dans le métier, sur les outils et les pratiques nouvelles"),
    },
    "les_deux": {
        "classique": _("vous accompagnez une personne et êtes accompagné·e par une autre"),
        "inverse": _("vous accompagnez une personne et êtes accompagné·e par une autre, dans "
                     "les deux sens du mentorat inversé"),
    },
}

# ---------------------------------------------------------------------------- how they meet

FORMATS = [("presentiel", _("En présentiel")), ("distance", _("À distance")),
           ("hybride", _("Hybride"))]
# Every rhythm a stored enrollment may hold, fastest first: the matching scores their
# distance in this order, pages and exports label them. « hebdomadaire » is no longer
# offered (the guide's rhythm is every two to four weeks) but older enrollments keep it.
RHYTHMS = [("hebdomadaire", _("Chaque semaine")), ("bimensuel", _("Toutes les deux semaines")),
           ("trois_semaines", _("Toutes les trois semaines")), ("mensuel", _("Une fois par mois"))]
LEGACY_RHYTHMS = {"hebdomadaire"}
# The rhythms the enrollment form offers (and accepts).
RHYTHM_CHOICES = [(code, label) for code, label in RHYTHMS if code not in LEGACY_RHYTHMS]
# How many people a mentor may accompany at once: the choices of the enrollment form.
CAPACITIES = [(1, "1"), (2, "2"), (3, "3")]
EXPERIENCE = [("moins_2", _("Moins de 2 ans")), ("2_5", _("De 2 à 5 ans")),
              ("5_10", _("De 5 à 10 ans")), ("10_20", _("De 10 à 20 ans")),
              ("plus_20", _("Plus de 20 ans"))]
DAYS = [("lundi", _("Lundi")), ("mardi", _("Mardi")), ("mercredi", _("Mercredi")),
        ("jeudi", _("Jeudi")), ("vendredi", _("Vendredi"))]
HALVES = [("matin", _("matin")), ("apres_midi", _("après-midi"))]
SLOTS = [(f"{d}_{h}", f"{day} {half}") for d, day in DAYS for h, half in HALVES]
DEPARTMENT_PREFERENCES = [
    ("autre", _("Oui, d’un autre département")),
    ("meme", _("Non, plutôt de mon département")),
    ("indifferent", _("Peu importe")),
]
# The choice "another skill, typed in": never one of programme.yml's skills.
OTHER_SKILL = "autre"

# ---------------------------------------------------------------------------- lifecycle


class Status(StrEnum):
    """An enrollment's status, as stored."""

    NOUVEAU = "nouveau"
    EN_ATTENTE = "en_attente"
    APPARIE = "apparie"
    ACTIF = "actif"
    CLOS = "clos"
    RETIRE = "retire"


class PairState(StrEnum):
    """A pair's state, as stored: running, ended, or declined before it started."""

    ACTIVE = "active"
    CLOSED = "closed"
    NON_DEMARRE = "non_demarre"


# An enrollment's status -> the label coordinators read.
STATUSES = [(Status.NOUVEAU, _("nouveau")), (Status.EN_ATTENTE, _("en attente")),
            (Status.APPARIE, _("apparié")), (Status.ACTIF, _("actif")),
            (Status.CLOS, _("clos")), (Status.RETIRE, _("retiré"))]
STATUS_LABELS = dict(STATUSES)
# The same statuses, as the participant reads them on their own page.
PARTICIPANT_STATUS_LABELS = {
    Status.NOUVEAU: _("reçue, en attente d’étude par la coordination"),
    Status.EN_ATTENTE: _("en attente d’un binôme"),
    Status.APPARIE: _("un binôme vous a été proposé"),
    Status.ACTIF: _("binôme en cours"),
    Status.CLOS: _("accompagnement terminé"),
    Status.RETIRE: _("retirée à votre demande"),
}
# Where a coordinator may move an enrollment from each status (clos and retiré are final).
STATUS_TRANSITIONS = {
    Status.NOUVEAU: (Status.EN_ATTENTE, Status.APPARIE, Status.RETIRE),
    Status.EN_ATTENTE: (Status.NOUVEAU, Status.APPARIE, Status.RETIRE),
    Status.APPARIE: (Status.EN_ATTENTE, Status.ACTIF, Status.RETIRE),
    Status.ACTIF: (Status.EN_ATTENTE, Status.CLOS, Status.RETIRE),
    Status.CLOS: (),
    Status.RETIRE: (),
}
# Who the matching may propose.
WAITING_STATUSES = frozenset({Status.NOUVEAU, Status.EN_ATTENTE})
# Where a participant may no longer change anything (the coordination closed it, or they left).
FINAL_STATUSES = frozenset({Status.RETIRE, Status.CLOS})
# What a person becomes when their pair closes: back to the pool, or done.
PAIR_END_STATUSES = (Status.EN_ATTENTE, Status.CLOS)
# Statuses that follow a pair: a confirmed pair makes people « apparié », the first feedback
# « actif ». Nobody without a pair is put there by hand.
PAIR_STATUSES = frozenset({Status.APPARIE, Status.ACTIF})


def sensible_transitions(status: str, in_pair: bool) -> tuple[Status, ...]:
    """The moves a coordinator may make by hand from status, given whether a pair is running.

    Without a running pair, « apparié » and « actif » make no sense; with one,
    going back to « nouveau », « en attente » or on to « clos » goes through
    closing the pair.
    """
    options = STATUS_TRANSITIONS.get(status, ())
    if in_pair:
        return tuple(s for s in options
                     if s not in (Status.NOUVEAU, Status.EN_ATTENTE, Status.CLOS))
    return tuple(s for s in options if s not in PAIR_STATUSES)


# A pair's state -> its label in the spreadsheet exports.
PAIR_STATE_LABELS = {PairState.ACTIVE: _("en cours"), PairState.CLOSED: _("clos"),
                     PairState.NON_DEMARRE: _("non démarré")}
# The reasons the service itself records when it closes a pair (a coordinator types theirs).
CLOSE_REASON_LABELS = {
    "refus": _("déclinée par l’une des deux personnes avant de commencer"),
    "retrait": _("inscription retirée par l’une des deux personnes"),
    "effacement": _("données effacées à la demande de l’une des deux personnes"),
}
# How a pair ended, as the coordinator picks it when closing (« Suivi » → « Clore ») and
# the round's report counts it: « terme » is a pair that went the whole way, every other
# one ended early. ``END_CATEGORY_DERIVED`` are never picked: a close by a withdrawal or an
# erasure, and a close from before the field existed (« non renseigné »).
END_CATEGORIES = [
    ("terme", _("Arrivé à son terme")),
    ("objectifs_atteints", _("Objectifs atteints avant le terme")),
    ("disponibilite", _("Manque de temps ou de disponibilité")),
    ("changement_poste", _("Changement de poste ou départ de l’organisation")),
    ("relation", _("La relation ne fonctionnait pas")),
    ("personnel", _("Raisons personnelles")),
    ("autre", _("Autre raison")),
]
END_CATEGORY_DERIVED = [
    ("retrait", _("Retrait ou effacement à la demande d’une personne")),
    ("non_renseigne", _("Non renseigné")),
]
# How a list of skills names the choice « another skill, typed in » (the typed one has its own
# field, ``skills_sought_other`` or ``skills_offered_other``).
OTHER_SKILL_LABEL = _("Autre")

# The label people saw for each stored choice of an enrollment, by field.
CHOICE_LABELS = {
    "role": dict(ROLES), "track": dict(TRACKS), "format": dict(FORMATS),
    "rhythm": dict(RHYTHMS), "experience": dict(EXPERIENCE), "availability": dict(SLOTS),
    "department_preference": dict(DEPARTMENT_PREFERENCES),
}

# ---------------------------------------------------------------------------- forms

# The name a coordinator writes in a page (`<!-- formulaire: inscription -->`) -> form key.
FORM_NAMES = {"inscription": "enrollment", "retour": "feedback", "bilan": "closing"}
# The page that holds each form in the shipped guide; the build says which pages really do.
DEFAULT_FORM_PAGES = {"enrollment": "formulaires/inscription/", "feedback": "formulaires/retour/",
                      "closing": "formulaires/bilan/"}


def codes(pairs) -> tuple[str, ...]:
    """The codes of a (code, label) list, in order."""
    return tuple(code for code, _label in pairs)


# Under every free-text field: what a participant or a coordinator types there may reach
# the coordination, HR or an export, so health and other sensitive data stay out; the
# well-being page gives the right contacts for them instead.
SENSITIVE_HINTS = {
    "participant": _("N’écrivez ici aucune information sur votre santé ni aucune autre donnée "
                     "sensible (origine, religion, opinions, vie privée). Pour en parler, la page "
                     "« Bien-être et épuisement » du guide donne les bons contacts : médecine du "
                     "travail, référent·e harcèlement."),
    "coordination": _("Aucune information de santé ni autre donnée sensible ici : pour cela, "
                      "orientez vers la médecine du travail ou le ou la référente harcèlement "
                      "(page « Bien-être et épuisement » du guide)."),
}

# A mentor's selection step still to pass (``eligibility.SELECTION_STEPS``), as the
# coordination's screens say it.
SELECTION_STEP_LABELS = {"entretien": _("entretien à faire"), "formation": _("formation à noter")}
