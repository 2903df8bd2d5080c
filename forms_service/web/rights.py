"""Two of the participant's rights on « Mon inscription » (a copy of their data, a
limitation), and a mentor's declaration of their training when the selection asks for it.

``GET /formulaires/mon-inscription/donnees.json?lien=…`` answers, as one
JSON file to download, everything the page shows (``records.personal_data``:
Art. 15 and 20), with the same signed link as the page. ``POST
/api/mon-inscription/limiter`` limits the use of the person's data (Art. 18),
or lifts it: the record stays, the pool's rule (``eligibility``) keeps them
out of matching, visible profiles, reminders and nudges meanwhile. Both
actions are audited by id, like the page's other actions.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, request

from ..eligibility import selection_steps_left
from ..i18n import _
from ..mail.links import Expired
from ..records.personal_data import held_about
from ..services import get_programme, get_repo
from .guards import PERSONAL_REFERRER_POLICY, Rejected
from .participant import EXPIRED_LINK, UNKNOWN_LINK, _record, _render, personal_action

__all__ = ["bp"]

bp = Blueprint("rights", __name__)
log = logging.getLogger(__name__)


@bp.get("/formulaires/mon-inscription/donnees.json")
def download():
    """Answer everything stored about the link's owner as one JSON file to download."""
    token = request.args.get("lien", "")
    try:
        record = _record(token) if isinstance(token, str) and token else None
    except Expired:
        return _render(None, status=403, error=EXPIRED_LINK)
    if record is None:
        return _render(None, status=404, error=UNKNOWN_LINK)
    data = held_about(get_repo(), record["id"])
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    response = Response(body, mimetype="application/json")
    reference = str(record.get("reference", "")).replace('"', "")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="mes-donnees-{reference}.json"'
    # The same care as the page: personal, never cached, never indexed, never referred.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = PERSONAL_REFERRER_POLICY
    get_repo().audit(None, "copie_participant", record["id"])
    return response


@bp.post("/api/mon-inscription/limiter")
@personal_action()
def limit(record: dict) -> str:
    """Limit the use of the person's data (``limiter=oui``) or lift the limitation (``non``)."""
    wanted = request.form.get("limiter", "")
    if wanted not in ("oui", "non"):
        raise Rejected(400, _("Choisissez de limiter l'utilisation de vos données ou de "
                              "lever la limitation."))
    repo = get_repo()
    repo.set_limited(record["id"], wanted == "oui")
    repo.audit(None, "limitation_participant" if wanted == "oui" else "limitation_levee",
               record["id"])
    log.info("inscription %s : utilisation %s par la personne inscrite", record["id"],
             "limitée" if wanted == "oui" else "de nouveau permise")
    return "limite" if wanted == "oui" else "limite_levee"


@bp.post("/api/mon-inscription/formation")
@personal_action()
def training_done(record: dict) -> str:
    """A mentor declares having worked through the guide's training pages, when the
    programme asks for training before a pair (``selection.formation_requise``)."""
    if "formation" not in selection_steps_left(record, get_programme().selection):
        raise Rejected(409, _("Aucune formation n'est attendue de votre part."))
    repo = get_repo()
    repo.pass_selection_step(record["id"], "formation", by=None, how="declaration")
    repo.audit(None, "selection_formation_declaree", record["id"])
    log.info("inscription %s : formation de mentor déclarée", record["id"])
    return "formation"
