"""Download the programme's data: CSV or XLSX for a spreadsheet, JSON or JSON Lines for a script.

The spreadsheet files (``spreadsheet.rows``) carry French headers, labels and
names; the script files keep the stored codes and ids. Every export is audited.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request

from ..exports.tables import EXPORTS, FILE_NAMES, FORMATS, MEDIA_TYPES, export_body, export_records
from ..i18n import _
from ..services import get_repo
from .auth import current_coordinator, login_required
from .blueprint import bp

__all__ = ["exports", "export_download", "audit", "attachment"]

# How the exports page names each format for HR.
FORMAT_LABELS = {"csv": _("CSV pour un tableur"), "xlsx": _("XLSX pour un tableur"),
                 "json": _("JSON pour un script"), "jsonl": _("JSON Lines pour un script")}


def _count(repo, what: str) -> int:
    if what in ("history", "checkpoints"):
        return len(export_records(repo, what))
    return len(repo.store.table(EXPORTS[what][0]))


@bp.get("/exports/")
@login_required
def exports():
    """List the downloads, with how many records each holds."""
    repo = get_repo()
    counts = {what: _count(repo, what) for what in EXPORTS}
    return render_template("coordination/exports.html", exports=EXPORTS, counts=counts,
                           formats=FORMATS, format_labels=FORMAT_LABELS)


# The addresses follow the exports declared once (``exports.tables``): a new one is served.
@bp.get(f"/exports/<any({', '.join(EXPORTS)}):what>.<any({', '.join(FORMATS)}):fmt>")
@login_required
def export_download(what: str, fmt: str):
    """Send one export as a file; the audit log records who, what and when."""
    repo = get_repo()
    if what not in EXPORTS or fmt not in FORMATS:
        abort(404)
    body = export_body(repo, what, fmt)
    repo.audit(current_coordinator()["id"], "export", f"{what}.{fmt}")
    return attachment(body, MEDIA_TYPES[fmt], f"{FILE_NAMES[what]}.{fmt}")


def attachment(body, media_type: str, file_name: str) -> Response:
    """A download of the area: never cached, never sniffed into something else."""
    response = Response(body, mimetype=media_type.split(";")[0])
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


AUDIT_LABELS = {
    "connexion": _("connexion"), "deconnexion": _("déconnexion"),
    "consultation": _("consultation d'une inscription"), "statut": _("changement de statut"),
    "note": _("note privée ajoutée"), "export": _("export"),
    "ouverture_inscriptions": _("ouverture des inscriptions"),
    "fermeture_inscriptions": _("fermeture des inscriptions"),
    "binome_confirme": _("binôme confirmé"), "binome_ecarte": _("proposition écartée"),
    "binome_remplace": _("mentor choisi à la main"), "binome_clos": _("binôme clos"),
    "binome_consulte": _("consultation d'un binôme"),
    "binome_verrouille": _("proposition verrouillée"),
    "binome_deverrouille": _("proposition libérée"), "retour_traite": _("retour traité"),
    # What participants and the command line did to the data.
    "adresse_changee": _("adresse changée par la personne inscrite"),
    "retrait_participant": _("inscription retirée par la personne inscrite"),
    "effacement_participant": _("données effacées à la demande de la personne"),
    "restauration": _("sauvegarde restaurée"), "reparation": _("données réparées"),
    "reparation_forcee": _("données réparées en revenant à des versions précédentes"),
    # The accounts: logins, their second factor, the command line's changes.
    "connexion_echec": _("échec de connexion (mot de passe)"),
    "code_echec": _("échec de connexion (code de vérification)"),
    "verrouillage": _("connexion bloquée après des échecs répétés"),
    "verrouillage_appareil": _("connexion bloquée sur un appareil connu après des échecs"),
    "code_secours_utilise": _("code de secours utilisé"),
    "codes_secours_renouveles": _("nouveaux codes de secours"),
    "mfa_active": _("double authentification activée"),
    "mfa_desactive": _("double authentification désactivée"),
    "mfa_reinitialise": _("double authentification retirée"),
    "compte_cree": _("compte créé"), "compte_supprime": _("compte supprimé"),
    "mot_de_passe_change": _("mot de passe changé"),
    # The round's report: figures only, no one's answers.
    "bilan_modifie": _("enseignements et décisions du bilan modifiés"),
    "bilan_exporte": _("bilan de session téléchargé"),
}
AUDIT_PAGE = 100
# Where the audit page links an entry's record.
PERSON_ACTIONS = ("consultation", "statut", "note", "binome_ecarte", "binome_verrouille",
                  "binome_deverrouille")
PAIR_ACTIONS = ("binome_confirme", "binome_remplace", "binome_clos", "binome_consulte")
# Done from the command line to the account whose id is the entry's record.
ACCOUNT_ACTIONS = ("compte_cree", "compte_supprime", "mot_de_passe_change", "mfa_reinitialise")


@bp.get("/journal/")
@login_required
def audit():
    """Show the audit entries, newest first, a hundred a page."""
    repo = get_repo()
    entries = list(reversed(repo.audit_log.all()))
    pages = max(1, -(-len(entries) // AUDIT_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    authors = {c["id"]: c["email"] for c in repo.list_coordinators()}
    cohorts = {c["id"]: c.get("name") for c in repo.cohorts.all()}
    return render_template("coordination/audit.html",
                           entries=entries[(page - 1) * AUDIT_PAGE:page * AUDIT_PAGE],
                           page=page, pages=pages, authors=authors, actions=AUDIT_LABELS,
                           cohorts=cohorts, person_actions=PERSON_ACTIONS,
                           pair_actions=PAIR_ACTIONS, account_actions=ACCOUNT_ACTIONS)
