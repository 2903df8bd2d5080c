"""Download the programme's data as CSV, JSON or JSON Lines; every export is audited."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template

from ..export import FORMATS, to_csv, to_json, to_jsonl
from ..i18n import _
from . import bp
from .auth import current_coordinator, login_required
from ..services import get_repo

__all__ = ["EXPORTS", "export_records", "MEDIA_TYPES"]

# What can be exported -> (table, French label).
EXPORTS = {
    "enrollment": ("enrollments", _("Inscriptions")),
    "feedback": ("feedback", _("Retours des points d'étape")),
    "pairs": ("pairs", _("Binômes")),
}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
FILE_NAMES = {"enrollment": "inscriptions", "feedback": "retours", "pairs": "binomes"}
# Private coordinator notes stay in the service: an export travels in e-mails and shares.
PRIVATE_FIELDS = ("notes",)


def export_records(repo, what: str) -> list[dict]:
    """Return the records of one export, without the coordinators' private notes."""
    table, _label = EXPORTS[what]
    return [{k: v for k, v in record.items() if k not in PRIVATE_FIELDS}
            for record in repo.store.table(table).all()]


@bp.get("/exports/")
@login_required
def exports():
    """List the downloads, with how many records each holds."""
    repo = get_repo()
    counts = {what: len(repo.store.table(table)) for what, (table, _label) in EXPORTS.items()}
    return render_template("coordination/exports.html", exports=EXPORTS, counts=counts,
                           formats=FORMATS)


@bp.get("/exports/<any(enrollment, feedback, pairs):what>.<any(csv, json, jsonl):fmt>")
@login_required
def export_download(what: str, fmt: str):
    """Send one export as a file; the audit log records who, what and when."""
    repo = get_repo()
    if what not in EXPORTS or fmt not in FORMATS:
        abort(404)
    records = export_records(repo, what)
    repo.audit(current_coordinator()["id"], "export", f"{what}.{fmt}")
    if fmt == "csv":
        body = to_csv(records)
    elif fmt == "json":
        body = to_json(records)
    else:
        body = "".join(to_jsonl(records))
    response = Response(body, mimetype=MEDIA_TYPES[fmt].split(";")[0])
    response.headers["Content-Type"] = MEDIA_TYPES[fmt]
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{FILE_NAMES[what]}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


AUDIT_LABELS = {
    "connexion": _("connexion"), "deconnexion": _("déconnexion"),
    "consultation": _("consultation d'une inscription"), "statut": _("changement de statut"),
    "note": _("note privée ajoutée"), "export": _("export"),
    "ouverture_inscriptions": _("ouverture des inscriptions"),
    "fermeture_inscriptions": _("fermeture des inscriptions"),
}
AUDIT_SHOWN = 500


@bp.get("/journal/")
@login_required
def audit():
    """Show the latest audit entries, newest first."""
    repo = get_repo()
    entries = list(reversed(repo.audit_log.all()))
    authors = {c["id"]: c["email"] for c in repo.list_coordinators()}
    return render_template("coordination/audit.html", entries=entries[:AUDIT_SHOWN],
                           more=len(entries) > AUDIT_SHOWN, authors=authors,
                           actions=AUDIT_LABELS)
