"""The registry of what the service stores: each category, what it holds, how long.

One table, read three ways: ``mentorat purge`` erases each category whose
period has run out (``records.retention`` has one selector per ``purged``
name and a test holds the two together), the privacy notice's retention
table is rendered from it (``<!-- registre: conservation -->``, by the
guide's build), and ``purge --dry-run`` counts by its names. A period is a
key of ``programme.yml``'s ``conservation`` (or ``relances``), so the notice,
the purge and the backups' rotation cannot say different things.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import _

__all__ = ["Kept", "KEPT", "PURGED", "PURPOSES", "WARNING_DAYS", "retention_text",
           "stored_tables"]

# Someone still waiting hears this many days before their record would be erased; their
# personal link lets them stay (the answer counts as activity).
WARNING_DAYS = 28


@dataclass(frozen=True)
class Kept:
    """One category of data: where it lives, what it holds, when it goes."""

    label: str
    contents: str
    where: str  # the store's table, file or folder
    period: str | None = None  # a key of « conservation » (days), when a timer erases it
    event: str = ""  # what the period counts from
    purged: str | None = None  # the purge's name for it (counts, --dry-run, selectors)
    otherwise: str = ""  # how long, when no period of its own applies


def retention_text(kept: Kept, retention: dict) -> str:
    """The notice's « Durée de conservation » cell, from the programme's periods."""
    if kept.period is None:
        return kept.otherwise
    days = retention[kept.period]
    text = _("%(days)d jours %(event)s") % {"days": days, "event": kept.event}
    return f"{text} ; {kept.otherwise}" if kept.otherwise else text


WAITING_EVENT = _("après votre dernière activité (inscription, correction, changement de statut "
                  "— retour dans la liste d’attente compris — ou réponse « je reste » au "
                  "message envoyé %(weeks)d semaines avant l’effacement)") % {
                      "weeks": WARNING_DAYS // 7}

KEPT: tuple[Kept, ...] = (
    Kept(_("Inscription en attente d’un binôme"),
         _("vos réponses au formulaire, la version de la notice lue et l’heure, l’historique "
           "des statuts, les notes de suivi de la coordination, vos choix et votre profil "
           "visible"),
         "enrollments", "inscriptions_jours", WAITING_EVENT, "inscriptions_en_attente"),
    Kept(_("Inscription dans un binôme en cours"), _("les mêmes informations"), "enrollments",
         otherwise=_("tant que le binôme dure, puis selon ce que devient l’inscription (en "
                     "attente, close ou retirée)")),
    Kept(_("Inscription retirée"), _("les mêmes informations"), "enrollments",
         "inscriptions_jours", _("après le retrait"), "inscriptions_retirees"),
    Kept(_("Inscription close"), _("les mêmes informations"), "enrollments",
         "inscriptions_jours", _("après la clôture"), "inscriptions_closes"),
    Kept(_("Historique des statuts"),
         _("chaque changement d’état de votre inscription (nouveau, en attente, apparié, actif, "
           "clos, retiré), sa date et le compte qui l’a fait"),
         "enrollments", otherwise=_("comme l’inscription")),
    Kept(_("Notes de suivi de la coordination"),
         _("de courtes notes factuelles sur le suivi (une relance faite, une disponibilité "
           "signalée)"),
         "enrollments", otherwise=_("comme l’inscription ; vous les voyez sur votre page "
                                    "personnelle")),
    Kept(_("Profil visible et choix"),
         _("si un mentor le choisit : son prénom, son poste, son département, son "
           "site, ses compétences et sa présentation, montrés aux personnes mentorées en "
           "attente qui peuvent l’avoir pour binôme ; les choix classés par une personne "
           "mentorée (trois au plus), vus par la coordination et l’appariement, jamais par les "
           "mentors"),
         "enrollments", otherwise=_("comme l’inscription ; décocher la case retire le profil "
                                    "aussitôt")),
    Kept(_("Disponibilités de mentor"),
         _("le nombre de personnes accompagnées, une pause et sa date de reprise"),
         "enrollments", otherwise=_("comme l’inscription")),
    Kept(_("Binôme terminé, avec score et raisons"),
         _("le binôme, le score calculé par l’appariement et les raisons affichées "
           "(compétences communes, langue, site…), les dates de point d’étape et de clôture"),
         "pairs", "inscriptions_jours", _("après la fin du binôme, avec ses rencontres et "
                                          "les retours de ses points d’étape"),
         "binomes_clos"),
    Kept(_("Binôme non démarré (décliné)"),
         _("qui a décliné la présentation et la raison facultative, lue par la coordination "
           "seule (le ou la partenaire reçoit un message neutre)"),
         "pairs", "inscriptions_jours", _("après le refus"), "binomes_non_demarres"),
    Kept(_("Relances d’un binôme silencieux"),
         _("le début de chaque période sans nouvelles et la date de la relance ou de l’alerte "
           "à la coordination, pour ne jamais écrire deux fois"),
         "pairs", otherwise=_("comme le binôme")),
    Kept(_("Rencontres notées"),
         _("pour chaque rencontre signalée par le lien « Nous nous sommes vus » : la date, la "
           "durée et le format s’ils sont indiqués, et qui des deux l’a notée — jamais le "
           "contenu des échanges"),
         "meetings", otherwise=_("comme le binôme ; effacées avec la personne qui demande "
                                 "l’effacement")),
    Kept(_("Retours des points d’étape"),
         _("vos réponses aux points d’étape envoyées par votre lien personnel, rattachées à "
           "votre binôme et au point d’étape"),
         "feedback", otherwise=_("comme le binôme ; effacés avec vous si vous demandez "
                                 "l’effacement")),
    Kept(_("Questionnaires de bilan"),
         _("vos réponses au questionnaire de fin de binôme envoyé par votre lien personnel "
           "(progrès sur chaque objectif, rencontres, ce qui a changé, recommandation, pour les "
           "mentors ce qu’ils en retirent et leur auto-évaluation, commentaire), rattachées à "
           "votre binôme, et votre choix de les signer ou non"),
         "closing", otherwise=_("comme le binôme ; effacées avec vous si vous demandez "
                                "l’effacement")),
    Kept(_("Suggestions écartées"),
         _("les propositions d’appariement refusées par la coordination ou déclinées, pour ne "
           "pas les reproposer (les deux numéros d’inscription, sans autre valeur)"),
         "rejections", otherwise=_("effacées avec l’une ou l’autre des deux inscriptions")),
    Kept(_("Binômes réservés"),
         _("les propositions qu’une personne de la coordination garde de côté (qui, quand)"),
         "locks", otherwise=_("jusqu’à la confirmation ou l’abandon de la réservation")),
    Kept(_("Retours signés"),
         _("vos réponses au formulaire de retour public, avec votre nom et votre adresse"),
         "feedback", "inscriptions_jours", _("après leur réception"), "retours_signes",
         _("effacés plus tôt avec votre inscription")),
    Kept(_("Retours anonymes"),
         _("les réponses seules, sans nom ni adresse ; leur texte libre peut parfois laisser "
           "deviner qui écrit"),
         "feedback", "retours_anonymes_jours", _("après leur réception"), "retours_anonymes"),
    Kept(_("Messages électroniques"),
         _("chaque message à envoyer, mis en file d’envoi avec l’enregistrement qui le cause ; "
           "une fois envoyé, gardé sans l’adresse saisie comme trace d’envoi ; un message en "
           "échec garde son adresse jusqu’à son effacement"),
         "mail, outbox/sent", "courriels_envoyes_jours",
         _("après l’envoi ou l’abandon de l’envoi"), "messages"),
    Kept(_("Journal des consultations"),
         _("quel compte de la coordination a ouvert quelle fiche ou fait quel export, et "
           "quand ; aucune de vos réponses"),
         "audit", "journal_jours", _("après l’action"), "journal"),
    Kept(_("Sessions d’inscription"),
         _("l’ouverture et la fermeture des vagues d’inscription, et le compte qui les a "
           "faites"),
         "cohorts", otherwise=_("durée du programme")),
    Kept(_("Bilans des sessions"),
         _("pour chaque session, ses chiffres agrégés (tout groupe de moins de trois personnes "
           "masqué), figés avant le premier effacement de l’une de ses données, et les "
           "enseignements et décisions écrits par la coordination ; aucune réponse "
           "individuelle"),
         "round_reports", otherwise=_("durée du programme")),
    Kept(_("Comptes de la coordination"),
         _("l’adresse et l’empreinte du mot de passe des personnes de la coordination, le "
           "secret de leur second facteur et l’empreinte de leurs codes de secours, leurs "
           "sessions, un témoin d’appareil signé, les tentatives de connexion échouées (sous "
           "une empreinte, sans adresse)"),
         "coordinators, coordination.sqlite3",
         otherwise=_("tant que la personne fait partie de la coordination ; les tentatives "
                     "échouées, un jour")),
    Kept(_("Clés de limitation des envois"),
         _("une empreinte, calculée avec une clé secrète, de l’adresse réseau qui envoie un "
           "formulaire, ou de l’adresse électronique qui reçoit un message, pour bloquer les "
           "envois en rafale ; jamais l’adresse elle-même"),
         "limites.sqlite3, destinataires.sqlite3", otherwise=_("une heure à un jour")),
    Kept(_("Sauvegardes"), _("une copie de l’ensemble, chaque nuit, pour réparer une panne"),
         "sauvegardes", "sauvegardes_jours",
         _("après la sauvegarde (chaque nouvelle sauvegarde efface les plus anciennes)")),
    Kept(_("Lignes écartées par une réparation"),
         _("les lignes abîmées qu’une réparation a mises de côté, pour les examiner"),
         "lignes-ecartees", "sauvegardes_jours", _("après la réparation"), "lignes_ecartees"),
    Kept(_("Registre des effacements"),
         _("pour chaque effacement, une empreinte calculée avec une clé secrète de l’adresse "
           "et du numéro d’inscription — jamais l’adresse — pour refaire l’effacement si une "
           "sauvegarde plus ancienne était restaurée"),
         "effacements.txt", "sauvegardes_jours", _("après l’effacement"), "effacements"),
)

# The names ``mentorat purge`` erases by (``records.retention`` selects each).
PURGED = tuple(kept.purged for kept in KEPT if kept.purged)

# Why the service processes personal data, and on which ground (GDPR Art. 6): the notice
# and the record of processing (Art. 30) both render this table.
PURPOSES: tuple[tuple[str, str], ...] = (
    (_("Recevoir votre inscription, former les binômes, vous les présenter"),
     _("intérêt légitime de l’organisation à offrir un programme de développement volontaire")),
    (_("Suivre les binômes : points d’étape, rappels, retours signés, notes de suivi"),
     _("intérêt légitime (même programme)")),
    (_("Évaluer le programme par des chiffres agrégés et des retours anonymes"),
     _("intérêt légitime à améliorer le programme")),
    (_("Tracer les consultations et exports faits par la coordination, sauvegarder, limiter "
       "les envois abusifs"),
     _("intérêt légitime à sécuriser le service (article 32 du RGPD)")),
)


def stored_tables() -> set[str]:
    """Every table the registry describes (its ``where``), to hold against the code's."""
    return {where.strip() for kept in KEPT for where in kept.where.split(",")}
