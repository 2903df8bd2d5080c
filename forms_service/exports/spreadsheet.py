"""Lay the programme's records out for a French spreadsheet: headers, labels, one value a cell.

CSV and XLSX exports go through here (JSON and JSON Lines keep the stored
codes and ids, for scripts). Each export is a list of rows, each row a dict
from a French column header to plain text: labels instead of codes, people
by name and address instead of ids, a coordinator by address, decimal
commas, lists joined with « ; », dates as ``AAAA-MM-JJ`` (a spreadsheet
sorts them). Nothing is ever JSON in a cell: the status history and the
checkpoints have their own exports, one row per event. No Flask here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from ..i18n import _
from ..records.anonymity import shown_anonymously
from ..vocabulary import CHOICE_LABELS, FORMATS, PAIR_STATE_LABELS, STATUS_LABELS
from .formats import iter_csv, neutralise

__all__ = ["ROW_BUILDERS", "rows", "to_xlsx", "LIST_SEPARATOR", "decimal"]

LIST_SEPARATOR = " ; "

ENROLLMENT_COLUMNS = [
    ("reference", _("Référence")), ("name", _("Nom")), ("email", _("Adresse e-mail")),
    ("role", _("Rôle")), ("track", _("Parcours")), ("status", _("Statut")),
    ("cohort", _("Cohorte")), ("department", _("Département")), ("site", _("Site")),
    ("job_title", _("Fonction")), ("experience", _("Expérience")),
    ("languages", _("Langues")), ("skills_offered", _("Compétences proposées")),
    ("skills_sought", _("Compétences recherchées")),
    ("skills_sought_other", _("Autre compétence recherchée")), ("goals", _("Objectifs")),
    ("format", _("Format")), ("rhythm", _("Rythme")), ("availability", _("Disponibilités")),
    ("department_preference", _("Mentor d'un autre département")),
    ("capacity", _("Mentorés au plus")), ("manager_email", _("Adresse du manager")),
    ("comment", _("Commentaire")), ("notice_version", _("Version de la notice")),
    ("consented_at", _("Notice lue le")), ("created_at", _("Reçue le")),
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


def decimal(value) -> str:
    """Write a number the French way: ``87,5``, ``3``."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else (_("oui") if value else _("non"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",") if value != int(value) else str(int(value))
    return str(value)


def day(value) -> str:
    """An ISO timestamp as ``AAAA-MM-JJ HH:MM`` (the date alone when there is no time)."""
    text = str(value or "")
    return text[:16].replace("T", " ") if "T" in text else text[:10]


def _cell(value, labels: dict | None = None) -> str:
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(_cell(item, labels) for item in value)
    if isinstance(value, dict):
        # Never JSON in a cell: a stray mapping becomes "key: value ; …".
        return LIST_SEPARATOR.join(f"{k}\u00a0: {_cell(v)}" for k, v in value.items())
    if labels and value in labels:
        return str(labels[value])
    return decimal(value)


def _labelled(record: dict, columns, labels: dict) -> dict:
    row = {}
    for key, header in columns:
        value = record.get(key)
        row[str(header)] = day(value) if key.endswith("_at") else _cell(value, labels.get(key))
    return row


def enrollment_rows(repo) -> list[dict]:
    labels = {**CHOICE_LABELS, "status": STATUS_LABELS}
    return [_labelled(record, ENROLLMENT_COLUMNS, labels) for record in repo.enrollments.all()]


def feedback_rows(repo) -> list[dict]:
    return [_labelled(_verified(record), FEEDBACK_COLUMNS, FEEDBACK_LABELS)
            for record in shown_anonymously(repo.feedback.all())]


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


def pair_rows(repo) -> list[dict]:
    people, who = _people(repo)
    found = []
    for pair in repo.all_pairs():
        mentor, mentee = people.get(pair["mentor_id"], {}), people.get(pair["mentee_id"], {})
        found.append({
            _("Binôme"): str(pair["id"]),
            _("Statut"): PAIR_STATE_LABELS.get(pair.get("status"), ""),
            _("Mentor"): mentor.get("name", ""), _("Adresse du mentor"): mentor.get("email", ""),
            _("Référence du mentor"): mentor.get("reference", ""),
            _("Mentoré·e"): mentee.get("name", ""),
            _("Adresse du mentoré"): mentee.get("email", ""),
            _("Référence du mentoré"): mentee.get("reference", ""),
            _("Parcours"): _cell(pair.get("track"), CHOICE_LABELS["track"]),
            _("Score"): decimal(pair.get("score")),
            _("Raisons"): _cell(pair.get("reasons") or []),
            _("Confirmé le"): day(pair.get("confirmed_at")),
            _("Confirmé par"): who(pair.get("confirmed_by")),
            _("Clos le"): day(pair.get("closed_at")),
            _("Clos par"): who(pair.get("closed_by")) if pair.get("closed_at") else "",
            _("Raison de la clôture"): pair.get("close_reason") or "",
            _("Points d'étape"): str(len(pair.get("checkpoints") or ())),
        })
    return found


def history_rows(repo) -> list[dict]:
    """One row per status change of each enrollment."""
    _people_by_id, who = _people(repo)
    return [{
        _("Référence"): record.get("reference", ""), _("Nom"): record.get("name", ""),
        _("Adresse e-mail"): record.get("email", ""),
        _("Statut"): str(STATUS_LABELS.get(entry.get("status"), entry.get("status", ""))),
        _("Le"): day(entry.get("at")), _("Par"): who(entry.get("by")),
    } for record in repo.enrollments.all() for entry in record.get("status_history") or ()]


def checkpoint_rows(repo) -> list[dict]:
    """One row per checkpoint of each pair: due date, reminders and answers of both."""
    people, _who = _people(repo)
    found = []
    for pair in repo.all_pairs():
        mentor, mentee = people.get(pair["mentor_id"], {}), people.get(pair["mentee_id"], {})
        for checkpoint in pair.get("checkpoints") or ():
            reminded, answered = checkpoint.get("reminded", {}), checkpoint.get("answered", {})
            found.append({
                _("Binôme"): str(pair["id"]), _("Mentor"): mentor.get("name", ""),
                _("Adresse du mentor"): mentor.get("email", ""),
                _("Mentoré·e"): mentee.get("name", ""),
                _("Adresse du mentoré"): mentee.get("email", ""),
                _("Point d'étape (mois)"): str(checkpoint.get("month", "")),
                _("Date prévue"): day(checkpoint.get("due")),
                _("Rappel au mentor le"): day(reminded.get(str(pair["mentor_id"]))),
                _("Rappel au mentoré le"): day(reminded.get(str(pair["mentee_id"]))),
                _("Réponse du mentor le"): day(
                    (answered.get(str(pair["mentor_id"])) or {}).get("at")),
                _("Réponse du mentoré le"): day(
                    (answered.get(str(pair["mentee_id"])) or {}).get("at")),
            })
    return found


def meeting_rows(repo) -> list[dict]:
    """One row per meeting a pair logged: when, how long, how, and which side noted it."""
    formats = dict(FORMATS)
    sides = {"mentor": _("le mentor"), "mentee": _("la personne mentorée")}
    return [{
        _("Binôme"): str(meeting["pair_id"]), _("Date"): day(meeting.get("date")),
        _("Durée (minutes)"): str(meeting.get("duration_minutes") or ""),
        _("Format"): str(formats.get(meeting.get("format"), "")),
        _("Noté par"): str(sides.get(meeting.get("logged_by"), "")),
    } for meeting in repo.meetings.all()]


ROW_BUILDERS = {
    "enrollment": enrollment_rows, "feedback": feedback_rows, "pairs": pair_rows,
    "history": history_rows, "checkpoints": checkpoint_rows, "meetings": meeting_rows,
}


def rows(repo, what: str) -> list[dict]:
    """The export's rows, French headers to text."""
    return [{str(k): v for k, v in row.items()} for row in ROW_BUILDERS[what](repo)]


def to_csv(table: Iterable[dict]) -> str:
    return "".join(iter_csv(table))


def to_xlsx(table: list[dict], title: str) -> bytes:
    """Write the rows as an XLSX workbook, every cell a text cell (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    headers = list(dict.fromkeys(key for row in table for key in row))
    for line, values in enumerate([headers] + [[row.get(h, "") for h in headers]
                                               for row in table], start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=column)
            # Setting the type after the value: openpyxl would read "=…" as a formula. Control
            # characters stored by an earlier version cannot go into XML at all.
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
            cell.data_type = TYPE_STRING
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
