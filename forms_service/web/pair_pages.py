"""The one-button pages of a pair's personal links: « Nous nous sommes vus », decline.

Every e-mail to a pair member carries ``/formulaires/rencontre/?lien=…``;
the introduction also carries ``/formulaires/refus/?lien=…``. A GET only
shows the page and its button (mail scanners follow links); the POST acts,
behind the origin check and the shared rate limit, like every public post.
Opened with no link at all (from the sitemap, a bookmark, a search engine),
a page says where its link comes from and how to get one again (200); a link
that does not check out is refused (4xx). Pages that show no link are
compressed, like any page of the guide.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for

from ..errors import Rejected
from ..i18n import _
from ..mail.links import Expired, read_pair_token
from ..records.meetings import MEETING_FORMATS, coordination_recipients, within
from ..records.repository import PairingRefused
from ..services import get_limiter, get_programme, get_repo
from ..templating import template_environment
from ..text import ascii_number, clean_multiline
from ..vocabulary import PairState
from .guards import check_origin, refusal, wants_json
from .participant import personal_page, template_filters

__all__ = ["bp"]

bp = Blueprint("pair_pages", __name__)
log = logging.getLogger(__name__)
_env = template_environment()
template_filters(_env)

PAGES = {"rencontre": "formulaires/rencontre/index.html", "refus": "formulaires/refus/index.html"}
DONE = {
    "rencontre": _("C’est noté : merci ! La date de votre rencontre est enregistrée, rien de "
                   "plus."),
    "refus": _("C’est fait : ce binôme ne démarrera pas. Vous retrouvez la liste d’attente, et "
               "votre binôme en est informé sans votre raison."),
}
UNKNOWN = _("Ce lien ne correspond à aucun binôme en cours.")


def _page(action: str, status: int = 200, **context) -> Response:
    content = _env.get_template("participant/pair_action.html").render(
        action=action, today=date.today().isoformat(), **context)
    # A page holding no link echoes nothing personal: compressed (no side channel to read).
    return personal_page(content, status, page=PAGES[action], compress=not context.get("token"))


def _pair_of(action: str, token: str) -> tuple[dict, int]:
    """The active pair and person a link opens; ``Rejected`` otherwise."""
    try:
        found = read_pair_token(current_app.secret_key, token, action)
    except Expired:
        raise Rejected(403, _("Ce lien a expiré.")) from None
    pair = get_repo().pair(found[0]) if found else None
    if pair is None or pair.get("status") != PairState.ACTIVE or \
            found[1] not in (pair["mentor_id"], pair["mentee_id"]):
        raise Rejected(404, UNKNOWN)
    if action == "refus" and not within(
            pair, date.today(), get_programme().followup["refus_jours"]):
        raise Rejected(409, _("Le délai pour décliner ce binôme est passé. Si quelque chose ne "
                              "va pas, écrivez à la coordination : elle vous aidera."))
    return pair, found[1]


def _show(action: str):
    token = request.args.get("lien", "")
    if not token:  # no link at all: say where it comes from, not « unknown link »
        return _page(action, without_link=True)
    try:
        _pair_of(action, token)
    except Rejected as refused:
        return _page(action, refused.status, error=refused.message)
    return _page(action, token=token)


def _answer(action: str, token: str):
    if wants_json():
        return jsonify(ok=True, message=DONE[action]), 200
    endpoint = "pair_pages.meeting_page" if action == "rencontre" else "pair_pages.decline_page"
    return redirect(url_for(endpoint, fait="oui"), code=303)


def _refused(action: str, refused: Rejected, token: str = ""):
    return refusal(refused.status, refused.message, retry_after=refused.retry_after,
                   page=lambda message: _page(action, refused.status, error=message,
                                              token=token if refused.status == 400 else ""))


@bp.get("/formulaires/rencontre/")
def meeting_page():
    """Show the « Nous nous sommes vus » button (a GET never records anything)."""
    if request.args.get("fait"):
        return _page("rencontre", message=DONE["rencontre"])
    return _show("rencontre")


@bp.post("/formulaires/rencontre/")
def meeting():
    """Record one meeting of the pair: a date (today unless told), optional duration, format."""
    token = request.form.get("lien", "")
    try:
        check_origin()
        get_limiter().hit()
        pair, person_id = _pair_of("rencontre", token)
        on, minutes, how = _meeting_answers(pair)
        get_repo().log_meeting(pair["id"], person_id, on, duration_minutes=minutes, format=how)
    except PairingRefused as refused:
        return _refused("rencontre", Rejected(409, str(refused)))
    except Rejected as refused:
        return _refused("rencontre", refused, token)
    log.info("binôme %s : rencontre notée", pair["id"])
    return _answer("rencontre", token)


def _meeting_answers(pair: dict) -> tuple[date, int | None, str | None]:
    raw = (request.form.get("date") or "").strip()
    try:
        on = date.fromisoformat(raw) if raw else date.today()
    except ValueError:
        raise Rejected(400, _("Indiquez la date au format AAAA-MM-JJ.")) from None
    confirmed = date.fromisoformat(str(pair["confirmed_at"])[:10])
    if not confirmed <= on <= date.today():
        raise Rejected(400, _("La date doit se situer entre la confirmation du binôme et "
                              "aujourd'hui."))
    raw = (request.form.get("duree") or "").strip()
    minutes = ascii_number(raw)
    if raw and not (minutes is not None and 5 <= minutes <= 480):
        raise Rejected(400, _("Indiquez une durée entre 5 et 480 minutes, ou laissez vide."))
    how = request.form.get("format") or None
    if how is not None and how not in MEETING_FORMATS:
        raise Rejected(400, _("Choisissez un des formats proposés, ou aucun."))
    return on, minutes, how


@bp.get("/formulaires/refus/")
def decline_page():
    """Show the button that declines the pair (a GET never declines anything)."""
    if request.args.get("fait"):
        return _page("refus", message=DONE["refus"])
    return _show("refus")


@bp.post("/formulaires/refus/")
def decline():
    """Decline the introduction: the pair never starts, both go back to the pool."""
    token = request.form.get("lien", "")
    try:
        check_origin()
        get_limiter().hit()
        pair, person_id = _pair_of("refus", token)
        reason = clean_multiline(request.form.get("raison", "")) or ""
        if len(reason) > 500:
            raise Rejected(400, _("500 caractères au maximum."))
        get_repo().decline_pair(pair["id"], person_id, reason, coordination_recipients(
            get_programme(), get_repo()))
    except PairingRefused as refused:
        return _refused("refus", Rejected(409, str(refused)))
    except Rejected as refused:
        return _refused("refus", refused, token)
    log.info("binôme %s décliné par l'une des deux personnes", pair["id"])
    return _answer("refus", token)
