"""Lay the programme's records out for a French spreadsheet: headers, labels, one value a cell.

CSV and XLSX exports go through here (JSON and JSON Lines keep the stored
codes and ids, for scripts). Each export is a ``Table``: its French column
headers (there even when no row is) and its rows of typed values (``cells``):
labels instead of codes, people by name and address instead of ids, a
coordinator by address, numbers as numbers, moments in the organisation's
time zone, lists joined with « ; ». Nothing is ever JSON in a cell: the
status history and the checkpoints have their own exports, one row per
event. CSV writes the values as French text, XLSX as typed cells
(``workbook``). No Flask here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..i18n import _
from ..records.anonymity import shown_anonymously
from ..records.closing import exported_answers
from ..records.pairs import end_category
from ..vocabulary import (
    CHOICE_LABELS,
    CLOSE_REASON_LABELS,
    END_CATEGORIES,
    END_CATEGORY_DERIVED,
    FORMATS,
    OTHER_SKILL,
    OTHER_SKILL_LABEL,
    PAIR_STATE_LABELS,
    STATUS_LABELS,
)
from .cells import decimal, moment, number, text
from .formats import iter_csv as iter_records_csv

__all__ = ["Table", "ROW_BUILDERS", "table", "rows", "iter_csv", "to_csv", "to_xlsx",
           "LIST_SEPARATOR", "decimal"]

LIST_SEPARATOR = " ; "


@dataclass(frozen=True)
class Table:
    """One export for a spreadsheet: its headers, and one list of typed values a row."""

    headers: list[str]
    rows: list[list]

    def records(self) -> list[dict]:
        """Each row as a dict from header to typed value."""
        return [dict(zip(self.headers, row, strict=True)) for row in self.rows]


ENROLLMENT_COLUMNS = [
    ("reference", _("Référence")), ("name", _("Nom")), ("email", _("Adresse e-mail")),
    ("role", _("Rôle")), ("track", _("Parcours")), ("status", _("Statut")),
    ("cohort", _("Cohorte")), ("department", _("Département")), ("site", _("Site")),
    ("job_title", _("Fonction")), ("experience", _("Expérience")),
    ("languages", _("Langues")), ("skills_offered", _("Compétences proposées")),
    ("skills_offered_other", _("Autre compétence proposée")),
    ("skills_sought", _("Compétences recherchées")),
    ("skills_sought_other", _("Autre compétence recherchée")), ("goals", _("Objectifs")),
    ("format", _("Format")), ("rhythm", _("Rythme")), ("availability", _("Disponibilités")),
    ("department_preference", _("Mentor d'un autre département")),
    ("capacity", _("Mentorés au plus")), ("manager_email", _("Adresse du manager")),
    ("agreed_with", _("Collègue avec qui un binôme est convenu")),
    ("comment", _("Commentaire")), ("notice_version", _("Version de la notice")),
    ("consented_at", _("Notice lue le")), ("created_at", _("Reçue le")),
    ("limited_at", _("Utilisation limitée depuis le")),
]
FEEDBACK_COLUMNS = [
    ("reference", _("Référence")), ("created_at", _("Reçu le")),
    ("checkpoint", _("Point d'étape (mois)")), ("role", _("Rôle")),
    ("identity", _("Identité")), ("name", _("Nom")), ("email", _("Adresse e-mail")),
    ("satisfaction", _("Satisfaction (sur 5)")), ("progress", _("Progrès (sur 5)")),
    ("meetings", _("Rencontres")), ("what_works", _("Ce qui fonctionne")),
    ("what_is_hard", _("Ce qui est difficile")), ("contact_requested", _("Contact demandé")),
    ("handled_at", _("Traité le")),
]
FEEDBACK_LABELS = {"role": {"mentor": _("Mentor"), "mentore": _("Mentoré·e")},
                   "identity": {"signe": _("signé"), "anonyme": _("anonyme"),
                                "signe_non_verifie": _("signé, non vérifié")}}
SKILL_LABELS = {OTHER_SKILL: OTHER_SKILL_LABEL}
ENROLLMENT_LABELS = {**CHOICE_LABELS, "status": STATUS_LABELS,
                     "skills_offered": SKILL_LABELS, "skills_sought": SKILL_LABELS}
# Columns holding counts, scores or ratings: numbers in XLSX, decimal commas in CSV.
NUMBER_FIELDS = frozenset({"capacity", "checkpoint", "satisfaction", "progress", "meetings"})


def _value(key: str, value, labels: dict | None = None):
    """One field of a record as a typed cell value."""
    if key.endswith("_at"):
        return moment(value)
    if key in NUMBER_FIELDS:
        return number(value)
    return _labelled(value, labels)


def _labelled(value, labels: dict | None = None):
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(text(_labelled(item, labels)) for item in value)
    if isinstance(value, dict):
        # Never JSON in a cell: a stray mapping becomes "key: value ; …".
        return LIST_SEPARATOR.join(f"{k}\u00a0: {text(_labelled(v))}" for k, v in value.items())
    if labels and isinstance(value, str) and value in labels:
        return str(labels[value])
    return value


def _table(columns, records, labels: dict) -> Table:
    return Table([str(header) for _key, header in columns],
                 [[_value(key, record.get(key), labels.get(key)) for key, _header in columns]
                  for record in records])


def _built(headers: list, rows: list[list]) -> Table:
    return Table([str(header) for header in headers], rows)


def enrollment_rows(repo) -> Table:
    return _table(ENROLLMENT_COLUMNS, repo.enrollments.all(), ENROLLMENT_LABELS)


def feedback_rows(repo) -> Table:
    return _table(FEEDBACK_COLUMNS, [_verified(f) for f in shown_anonymously(repo.feedback.all())],
                  FEEDBACK_LABELS)


def _verified(feedback: dict) -> dict:
    """A signed feedback is verified only when a personal link tied it to its author."""
    if feedback.get("identity") == "signe" and not feedback.get("person_id"):
        return {**feedback, "identity": "signe_non_verifie"}
    return feedback


def _people(repo) -> tuple[dict, Callable[[int | None], str]]:
    people = {person["id"]: person for person in repo.enrollments.all()}
    coordinators = {c["id"]: c["email"] for c in repo.list_coordinators()}

    def who(coordinator_id) -> str:
        if coordinator_id is None:
            return _("inscription ou système")
        return coordinators.get(coordinator_id, _("compte supprimé"))

    return people, who


# How a closed pair ended, as the round's report counts it.
END_LABELS = dict(END_CATEGORIES + END_CATEGORY_DERIVED)
PAIR_HEADERS = [
    _("Binôme"), _("Statut"), _("Mentor"), _("Adresse du mentor"), _("Référence du mentor"),
    _("Mentoré·e"), _("Adresse du mentoré"), _("Référence du mentoré"), _("Parcours"),
    _("Score"), _("Raisons"), _("Confirmé le"), _("Confirmé par"), _("Clos le"), _("Clos par"),
    _("Raison de la clôture"), _("Fin du binôme"), _("Points d'étape"),
]


def pair_rows(repo) -> Table:
    people, who = _people(repo)
    found = []
    for pair in repo.all_pairs():
        mentor, mentee = people.get(pair["mentor_id"], {}), people.get(pair["mentee_id"], {})
        reason = pair.get("close_reason") or ""
        found.append([
            pair["id"], str(PAIR_STATE_LABELS.get(pair.get("status"), "")),
            mentor.get("name", ""), mentor.get("email", ""), mentor.get("reference", ""),
            mentee.get("name", ""), mentee.get("email", ""), mentee.get("reference", ""),
            _labelled(pair.get("track"), CHOICE_LABELS["track"]), number(pair.get("score")),
            _labelled(pair.get("reasons") or []),
            moment(pair.get("confirmed_at")), who(pair.get("confirmed_by")),
            moment(pair.get("closed_at")),
            who(pair.get("closed_by")) if pair.get("closed_at") else "",
            str(CLOSE_REASON_LABELS.get(reason, reason)),
            str(END_LABELS.get(end_category(pair), "")), len(pair.get("checkpoints") or ()),
        ])
    return _built(PAIR_HEADERS, found)


HISTORY_HEADERS = [_("Référence"), _("Nom"), _("Adresse e-mail"), _("Statut"), _("Le"), _("Par")]


def history_rows(repo) -> Table:
    """One row per status change of each enrollment."""
    _people_by_id, who = _people(repo)
    return _built(HISTORY_HEADERS, [[
        record.get("reference", ""), record.get("name", ""), record.get("email", ""),
        str(STATUS_LABELS.get(entry.get("status"), entry.get("status", ""))),
        moment(entry.get("at")), who(entry.get("by")),
    ] for record in repo.enrollments.all() for entry in record.get("status_history") or ()])


CHECKPOINT_HEADERS = [
    _("Binôme"), _("Mentor"), _("Adresse du mentor"), _("Mentoré·e"), _("Adresse du mentoré"),
    _("Point d'étape (mois)"), _("Date prévue"), _("Rappel au mentor le"),
    _("Rappel au mentoré le"), _("Réponse du mentor le"), _("Réponse du mentoré le"),
]


def checkpoint_rows(repo) -> Table:
    """One row per checkpoint of each pair: due date, reminders and answers of both."""
    people, _who = _people(repo)
    found = []
    for pair in repo.all_pairs():
        mentor, mentee = people.get(pair["mentor_id"], {}), people.get(pair["mentee_id"], {})
        sides = (str(pair["mentor_id"]), str(pair["mentee_id"]))
        for checkpoint in pair.get("checkpoints") or ():
            reminded, answered = checkpoint.get("reminded", {}), checkpoint.get("answered", {})
            found.append([
                pair["id"], mentor.get("name", ""), mentor.get("email", ""),
                mentee.get("name", ""), mentee.get("email", ""),
                number(checkpoint.get("month")), moment(checkpoint.get("due")),
                *(moment(reminded.get(side)) for side in sides),
                *(moment((answered.get(side) or {}).get("at")) for side in sides),
            ])
    return _built(CHECKPOINT_HEADERS, found)


MEETING_HEADERS = [_("Binôme"), _("Date"), _("Durée (minutes)"), _("Format"), _("Noté par")]


def meeting_rows(repo) -> Table:
    """One row per meeting a pair logged: when, how long, how, and which side noted it."""
    formats = dict(FORMATS)
    sides = {"mentor": _("le mentor"), "mentee": _("la personne mentorée")}
    return _built(MEETING_HEADERS, [[
        meeting["pair_id"], moment(meeting.get("date")),
        number(meeting.get("duration_minutes") or None),
        str(formats.get(meeting.get("format"), "")), str(sides.get(meeting.get("logged_by"), "")),
    ] for meeting in repo.meetings.all()])


CLOSING_COLUMNS = [
    ("month", _("Mois")), ("created_at", _("Reçu le (signées)")), ("role", _("Rôle")),
    ("identity", _("Réponses")), ("name", _("Nom")), ("pair_id", _("Binôme")), ("progress_1", _("Objectif 1 (1 à 5)")),
    ("progress_2", _("Objectif 2 (1 à 5)")), ("progress_3", _("Objectif 3 (1 à 5)")),
    ("meetings", _("Rencontres")), ("changes", _("Ce qui a changé")),
    ("recommend", _("Recommandation (0 à 10)")), ("gained", _("Apport pour le mentor")),
    ("skill_listening", _("Écoute (1 à 5)")), ("skill_questions", _("Questions (1 à 5)")),
    ("skill_feedback", _("Feedback (1 à 5)")), ("skill_goals", _("Objectifs (1 à 5)")),
    ("comment", _("Commentaire")),
]
CLOSING_LABELS = {"role": FEEDBACK_LABELS["role"],
                  "identity": {"signe": _("signées"), "pseudonyme": _("non signées")}}
CLOSING_NUMBERS = frozenset({"progress_1", "progress_2", "progress_3", "recommend",
                             "skill_listening", "skill_questions", "skill_feedback",
                             "skill_goals", "pair_id"})


def closing_rows(repo) -> Table:
    """One row per closing questionnaire; an unsigned one carries no name, pair or day."""
    answers = exported_answers(repo.closing.all(), {
        r["id"]: r.get("name", "") for r in repo.enrollments.all()})
    return _built([str(header) for _key, header in CLOSING_COLUMNS], [[
        number(answer.get(key)) if key in CLOSING_NUMBERS
        else moment(answer.get(key)) if key == "month"
        else _value(key, answer.get(key), CLOSING_LABELS.get(key))
        for key, _header in CLOSING_COLUMNS] for answer in answers])


ROW_BUILDERS = {
    "enrollment": enrollment_rows, "feedback": feedback_rows, "pairs": pair_rows,
    "history": history_rows, "checkpoints": checkpoint_rows, "meetings": meeting_rows,
    "closing": closing_rows,
}


def table(repo, what: str) -> Table:
    """The export for a spreadsheet: French headers, rows of typed values."""
    return ROW_BUILDERS[what](repo)


def rows(repo, what: str) -> list[dict]:
    """The export's rows as CSV writes them: French headers to text."""
    return _texts(table(repo, what))


def _texts(found: Table) -> list[dict]:
    return [{header: text(value) for header, value in zip(found.headers, row, strict=True)}
            for row in found.rows]


def iter_csv(found: Table) -> Iterator[str]:
    """Yield the CSV piece by piece: the header (even with no row), then one row a piece."""
    return iter_records_csv(_texts(found), columns=found.headers)


def to_csv(found: Table) -> str:
    return "".join(iter_csv(found))


def to_xlsx(found: Table, title: str) -> bytes:
    """Write the export as an XLSX workbook of typed cells (see ``workbook``)."""
    from .workbook import workbook

    return workbook(found, title)
