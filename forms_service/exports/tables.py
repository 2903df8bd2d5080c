"""What can be exported, and the whole of one export in one format.

The coordinator area's exports page and ``mentorat export`` both come here:
the spreadsheet formats go through ``spreadsheet`` (French headers and
labels), the script formats keep the stored codes and ids. Private notes never
leave the service.
"""

from __future__ import annotations

from ..i18n import _
from ..mail.mailqueue import PENDING
from ..records.anonymity import shown_anonymously
from ..records.closing import exported_answers
from . import spreadsheet
from .formats import to_json, to_jsonl

__all__ = ["EXPORTS", "FORMATS", "MEDIA_TYPES", "FILE_NAMES", "export_records", "export_body"]

# What can be exported -> (table, French label).
EXPORTS = {
    "enrollment": ("enrollments", _("Inscriptions")),
    "feedback": ("feedback", _("Retours des points d'étape")),
    "pairs": ("pairs", _("Binômes")),
    "history": ("enrollments", _("Historique des statuts (une ligne par changement)")),
    "checkpoints": ("pairs", _("Points d'étape (une ligne par point d'étape)")),
    "meetings": ("meetings", _("Rencontres notées par les binômes (une ligne par rencontre)")),
    "closing": ("closing", _("Questionnaires de bilan (non signés : sans nom ni binôme)")),
}
FORMATS = ("csv", "xlsx", "json", "jsonl")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
FILE_NAMES = {"enrollment": "inscriptions", "feedback": "retours", "pairs": "binomes",
              "history": "historique-statuts", "checkpoints": "points-etape",
              "meetings": "rencontres", "closing": "bilans"}
# Private coordinator notes stay in the service: an export travels in e-mails and shares.
# The messages a record has not yet handed to the queue are bookkeeping, not data.
PRIVATE_FIELDS = ("notes", PENDING)


def export_records(repo, what: str) -> list[dict]:
    """Return the records of one export for a script (codes and ids), without private notes."""
    if what == "history":
        return [{"enrollment_id": r["id"], "reference": r.get("reference"), **entry}
                for r in repo.enrollments.all() for entry in r.get("status_history") or ()]
    if what == "checkpoints":
        return [{"pair_id": p["id"], "mentor_id": p["mentor_id"], "mentee_id": p["mentee_id"],
                 **checkpoint} for p in repo.all_pairs() for checkpoint in p.get("checkpoints") or ()]
    if what == "meetings":
        return [{key: meeting.get(key) for key in
                 ("pair_id", "date", "duration_minutes", "format", "logged_by")}
                for meeting in repo.meetings.all()]
    if what == "closing":
        return exported_answers(repo.closing.all(), {
            r["id"]: r.get("name", "") for r in repo.enrollments.all()})
    table, _label = EXPORTS[what]
    records = repo.store.table(table).all()
    if what == "feedback":
        records = shown_anonymously(records)
    return [{k: v for k, v in record.items() if k not in PRIVATE_FIELDS}
            for record in records]


def export_body(repo, what: str, fmt: str) -> str | bytes:
    """The whole export in one format: str for text formats, bytes for XLSX."""
    if fmt == "csv":
        return spreadsheet.to_csv(spreadsheet.table(repo, what))
    if fmt == "xlsx":
        return spreadsheet.to_xlsx(spreadsheet.table(repo, what), FILE_NAMES[what])
    records = export_records(repo, what)
    return to_json(records) if fmt == "json" else "".join(to_jsonl(records))
