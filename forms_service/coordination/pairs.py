"""Matching in the coordinators' area: suggested pairs, confirm, reject, replace.

The page proposes pairs for the whole waiting pool at once
(``matching.suggest``), each with its score and reasons. The coordinator
confirms a suggestion, rejects it (the pair is never suggested again) or
replaces its mentor by hand; a hand-picked pair is checked against the hard
constraints (``matching.score_pair``) before it is stored. A confirmed pair
gets its checkpoints and both people get an introduction e-mail.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for

from ..vocabulary import FORMATS, TRACKS
from ..i18n import _
from ..matching import MENTEE_ROLES, MENTOR_ROLES, InvalidEnrollment, score_pair, suggest
from ..reminders import checkpoint_schedule
from ..repository import PairingRefused
from . import bp
from .auth import current_coordinator, login_required
from ..services import get_repo

__all__ = ["confirm"]

log = logging.getLogger(__name__)


def _repo():
    return get_repo()


def _weights() -> dict:
    return current_app.config["PROGRAMME"].weights


@bp.get("/appariement/")
@login_required
def pairs():
    """Show the suggested pairs for the whole waiting pool, and who is left over."""
    repo = _repo()
    pool, load = repo.matching_pool()
    try:
        result = suggest(pool, _weights(), existing_load=load, rejected=repo.rejected_pairs())
    except InvalidEnrollment as error:
        message = _("Une inscription du vivier est illisible pour l'appariement (%(error)s) : "
                    "corrigez-la depuis la liste des inscriptions.") % {"error": error}
        return render_template("coordination/error.html", message=message, status=500), 500
    mentors = [p for p in pool if p.get("role") in MENTOR_ROLES]
    free = {m["id"]: (m.get("capacity") or 1) - load.get(m["id"], 0) for m in mentors}
    return render_template(
        "coordination/pairs.html", result=result, load=load, free=free,
        candidates=lambda mentee, exclude=None: _candidates(mentee, mentors, exclude),
        labels={"track": dict(TRACKS), "format": dict(FORMATS)},
        pool_size=len(pool))


def _candidates(mentee: dict, mentors: list[dict], exclude: int | None) -> list[dict]:
    """Mentors worth offering by hand: same track, a shared language (checked on post)."""
    spoken = {str(language).casefold() for language in mentee.get("languages") or ()}
    return sorted(
        (m for m in mentors
         if m["id"] not in (exclude, mentee["id"]) and m.get("track") == mentee.get("track")
         and spoken & {str(language).casefold() for language in m.get("languages") or ()}),
        key=lambda m: str(m.get("name", "")).casefold())


def _posted_ids() -> tuple[int, int] | None:
    try:
        return int(request.form["mentor_id"]), int(request.form["mentee_id"])
    except (KeyError, ValueError):
        return None


@bp.post("/appariement/confirmer")
@login_required
def pairs_confirm():
    """Confirm a suggested or hand-picked pair."""
    ids = _posted_ids()
    if ids is None:
        flash(_("Choisissez un mentor et un mentoré."))
        return redirect(url_for("coordination.pairs"))
    try:
        pair = confirm(_repo(), *ids, by=current_coordinator()["id"])
    except PairingRefused as refused:
        flash(str(refused))
        return redirect(url_for("coordination.pairs"))
    repo = _repo()
    mentor, mentee = repo.enrollment(pair["mentor_id"]), repo.enrollment(pair["mentee_id"])
    flash(_("Binôme confirmé : %(mentor)s accompagne %(mentee)s. Les deux e-mails de "
            "présentation sont en attente d'envoi.") % {"mentor": mentor["name"], "mentee": mentee["name"]})
    return redirect(url_for("coordination.pairs"))


@bp.post("/appariement/refuser")
@login_required
def pairs_reject():
    """Turn a suggestion down: it will not be suggested again."""
    ids = _posted_ids()
    if ids is not None:
        repo = _repo()
        repo.reject_pair(*ids, by=current_coordinator()["id"])
        mentor, mentee = repo.enrollment(ids[0]), repo.enrollment(ids[1])
        if mentor and mentee:
            flash(_("Proposition écartée : %(mentor)s ne sera plus proposé·e à %(mentee)s.")
                  % {"mentor": mentor["name"], "mentee": mentee["name"]})
    return redirect(url_for("coordination.pairs"))


def confirm(repo, mentor_id: int, mentee_id: int, *, by: int | None,
            on: date | None = None) -> dict:
    """Check a pair against the hard constraints, store it and introduce both people.

    Raises ``PairingRefused`` with a French message saying why it cannot be.
    """
    pool, _load = repo.matching_pool()
    people = {person["id"]: person for person in pool}
    mentor, mentee = people.get(mentor_id), people.get(mentee_id)
    if mentor is None or mentor.get("role") not in MENTOR_ROLES:
        raise PairingRefused(_("Ce mentor n'est plus disponible (déjà apparié, complet ou "
                               "sorti du vivier)."))
    if mentee is None or mentee.get("role") not in MENTEE_ROLES:
        raise PairingRefused(_("Cette personne n'attend plus de mentor (déjà appariée ou "
                               "sortie du vivier)."))
    try:
        scored = score_pair(mentor, mentee, _weights())
    except InvalidEnrollment as error:
        raise PairingRefused(str(error)) from None
    if scored is None:
        raise PairingRefused(_("Binôme impossible : %(why)s.") % {"why": _why_not(mentor, mentee)})
    score, reasons = scored
    schedule = checkpoint_schedule(on or date.today(), current_app.config["PROGRAMME"].checkpoints)
    pair = repo.confirm_pair(mentor_id, mentee_id, by=by, score=score, reasons=reasons,
                             checkpoints=schedule)
    # Both introductions were queued with the pair (Repository.confirm_pair).
    log.info("binôme %s confirmé", pair["id"])
    return pair


def _why_not(mentor: dict, mentee: dict) -> str:
    """Say which hard constraint a hand-picked pair breaks, in the matching's words."""
    if mentor.get("track") != mentee.get("track"):
        return _("parcours différents (classique et inversé)")
    left = suggest([{**mentor, "role": "mentor", "capacity": 1},
                    {**mentee, "role": "mentore"}], _weights()).unmatched
    reasons = [reason for person in left if person.role == "mentore" for reason in person.reasons]
    return "; ".join(reasons) or _("contrainte non respectée")

