"""Matching in the coordinators' area: a worklist of suggested pairs.

The page proposes pairs for the whole waiting pool at once
(``matching.suggest``), each with its score and reasons, in pages and
filtered groups (cohort, track, site, score band), what needs a closer look
first: low scores, negative reasons, repeats of an earlier pair. The
coordinator confirms a suggestion, rejects it (never suggested again),
locks it for the next runs, or picks another mentor from the mentors who
can take this mentee; a hand pick is shown for confirmation before anything
is mailed. Every action answers in place (JSON for ``fetch``) or returns to
the same row of the same page. A confirmed pair gets its checkpoints and
both people an introduction e-mail with only the positive reasons.
"""

from __future__ import annotations

import logging
from datetime import date
from math import ceil

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from ..eligibility import limited, selection_steps_left
from ..i18n import _
from ..matching.explain import positive
from ..matching.report import build_report
from ..matching.suggest import (
    LOW_SCORE,
    MENTEE_ROLES,
    MENTOR_ROLES,
    InvalidEnrollment,
    candidates,
    french_key,
    score_pair,
    suggest,
    why_not,
)
from ..records.checkpoints import checkpoint_schedule
from ..records.repository import AlreadyHandled, PairingRefused
from ..services import get_programme, get_repo
from ..text import ascii_number
from ..vocabulary import FORMATS, SELECTION_STEP_LABELS, TRACKS
from ..web.guards import wants_json
from .auth import current_coordinator, login_required
from .blueprint import bp

__all__ = ["confirm", "PAGE_SIZE", "SCORE_BANDS"]

log = logging.getLogger(__name__)

PAGE_SIZE = 20
# Score bands offered as a filter: code -> (label, lowest score, score above the band).
SCORE_BANDS = {
    "faible": (_("faible (moins de %(low)d)") % {"low": LOW_SCORE}, 0, LOW_SCORE),
    "moyen": (_("moyen (%(low)d à 79)") % {"low": LOW_SCORE}, LOW_SCORE, 80),
    "bon": (_("bon (80 et plus)"), 80, 101),
}
FILTERS = ("cohorte", "parcours", "site", "score", "repetitions")
# The manual choice shows the best mentors first; the others on request.
CHOICES_SHOWN = 20


# Art. 18: someone who limited the use of their data is in no pool until they lift it.
LIMITED_MENTOR = _("Ce mentor a limité l'utilisation de ses données : il n'est proposé à "
                   "personne tant qu'il n'a pas levé la limitation.")
LIMITED_MENTEE = _("Cette personne a limité l'utilisation de ses données : elle n'est pas "
                   "appariée tant qu'elle n'a pas levé la limitation.")


def _weights() -> dict:
    return get_programme().weights


def _run(repo, include_repeats: bool):
    """Run the matching on today's pool: pool, load, result."""
    pool, load = repo.matching_pool(selection=get_programme().selection)
    rejected = set() if include_repeats else repo.rejected_pairs()
    result = suggest(pool, _weights(), existing_load=load, rejected=rejected,
                     history=repo.pair_history(), include_repeats=include_repeats,
                     locked=repo.locked_pairs())
    return pool, load, result


def _filters() -> dict:
    return {key: request.args.get(key, "").strip() for key in FILTERS
            if request.args.get(key, "").strip()}


def _keep(suggestion, filters: dict) -> bool:
    mentee = suggestion.mentee
    if filters.get("cohorte") and str(mentee.get("cohort") or "") != filters["cohorte"]:
        return False
    if filters.get("parcours") and mentee.get("track") != filters["parcours"]:
        return False
    if filters.get("site") and mentee.get("site") != filters["site"]:
        return False
    band = SCORE_BANDS.get(filters.get("score", ""))
    return band is None or band[1] <= suggestion.score < band[2]


def _needs_decision(suggestion) -> tuple:
    """What to look at first: repeats, then low scores and warnings, then the rest by score."""
    flagged = bool(suggestion.history) or suggestion.low or bool(suggestion.warnings)
    return (not suggestion.locked, not flagged, -suggestion.score,
            french_key(suggestion.mentee.get("name")))


@bp.get("/appariement/")
@login_required
def pairs():
    """Show one page of the suggested pairs, the run's report, and who is left over."""
    repo = get_repo()
    filters = _filters()
    try:
        pool, load, result = _run(repo, include_repeats=filters.get("repetitions") == "1")
    except InvalidEnrollment as error:
        message = _("Une inscription du vivier est illisible pour l'appariement (%(error)s) : "
                    "corrigez-la depuis la liste des inscriptions.") % {"error": error}
        return render_template("coordination/error.html", message=message, status=500), 500
    listed = sorted((s for s in result.suggestions if _keep(s, filters)), key=_needs_decision)
    pages = max(1, ceil(len(listed) / PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    shown = listed[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    mentors = [p for p in pool if p.get("role") in MENTOR_ROLES]
    free = {m["id"]: (m.get("capacity") or 1) - load.get(m["id"], 0) for m in mentors}
    forbidden = repo.rejected_pairs()
    after = request.args.get("apres", type=int)
    return render_template(
        "coordination/pairs.html", result=result, shown=shown, listed=len(listed), page=page,
        after=after if any(s.mentee["id"] == after for s in shown) else None,
        pages=pages, filters=filters, free=free, report=build_report(result),
        bands=SCORE_BANDS, low_score=LOW_SCORE, pool_size=len(pool),
        choices=_filter_choices(pool),
        candidates=lambda mentee: candidates(mentee, mentors, _weights(), free=free,
                                             forbidden=forbidden),
        labels={"track": dict(TRACKS), "format": dict(FORMATS)},
        page_url=lambda number: url_for("coordination.pairs", **filters, page=number),
        here=url_for("coordination.pairs", **filters, page=page))


def _filter_choices(pool: list[dict]) -> dict:
    def values(key):
        return sorted({str(p.get(key)) for p in pool if p.get(key)}, key=french_key)

    return {"cohorte": values("cohort"), "site": values("site"), "parcours": TRACKS}


@bp.get("/appariement/choisir/<int:mentee_id>/")
@login_required
def pairs_choose(mentee_id: int):
    """List the mentors who can take this mentee; show one pick before it is confirmed."""
    repo = get_repo()
    # Every mentor who could take this mentee; those whose selection is not over are
    # listed apart, and picking one asks for an explicit confirmation.
    pool, load = repo.matching_pool(selection=None)
    people = {person["id"]: person for person in pool}
    mentee = people.get(mentee_id)
    if mentee is None and limited(repo.enrollment(mentee_id) or {}):
        abort(404, LIMITED_MENTEE)
    if mentee is None or mentee.get("role") not in MENTEE_ROLES:
        abort(404, _("Cette personne n'attend plus de mentor (déjà appariée ou sortie du "
                     "vivier)."))
    mentors = [p for p in pool if p.get("role") in MENTOR_ROLES]
    free = {m["id"]: (m.get("capacity") or 1) - load.get(m["id"], 0) for m in mentors}
    options = candidates(mentee, mentors, _weights(), free=free, forbidden=repo.rejected_pairs())
    selection = get_programme().selection
    steps_left = {m["id"]: [SELECTION_STEP_LABELS[step]
                            for step in selection_steps_left(m, selection)] for m in mentors}
    pending = [option for option in options if steps_left[option[0]["id"]]]
    options = [option for option in options if not steps_left[option[0]["id"]]]
    picked = None
    wanted = request.args.get("mentor_id", type=int)
    if wanted is not None:
        picked = next((option for option in options + pending if option[0]["id"] == wanted),
                      None)
        if picked is None:
            mentor = people.get(wanted) or (repo.enrollment(wanted) if wanted > 0 else None)
            flash(_refused(mentor, mentee, free), "error")
    repo.audit(current_coordinator()["id"], "consultation", mentee_id)
    everyone = request.args.get("tous") == "1"
    return render_template(
        "coordination/pairs_choose.html", mentee=mentee, picked=picked, total=len(options),
        options=options if everyone else options[:CHOICES_SHOWN], everyone=everyone,
        pending=pending, steps_left=steps_left,
        positive=positive, free=free, labels={"track": dict(TRACKS), "format": dict(FORMATS)},
        back=_safe_back(request.args.get("retour")))


def _refused(mentor: dict | None, mentee: dict, free: dict) -> str:
    if mentor is not None and limited(mentor):
        return LIMITED_MENTOR
    if mentor is None or mentor.get("role") not in MENTOR_ROLES:
        return _("Ce mentor n'est plus disponible (déjà apparié, complet ou sorti du vivier).")
    why = why_not(mentor, mentee, free=free.get(mentor["id"], 0)) \
        or _("la coordination a écarté ce mentor pour cette personne")
    return _("Binôme impossible : %(why)s.") % {"why": why}


def _safe_back(target: str | None) -> str:
    """Return to a matching page of this area only (never another site)."""
    base = url_for("coordination.pairs")
    if target and target.startswith(base) and "//" not in target and "\\" not in target:
        return target
    return base


def _posted_ids() -> tuple[int, int] | None:
    ids = ascii_number(request.form.get("mentor_id")), ascii_number(request.form.get("mentee_id"))
    # Record ids start at 1: anything else is a forged or broken form.
    return ids if None not in ids and min(ids) > 0 else None


def _answer(message: str, ok: bool, **extra):
    """Answer an action: JSON for ``fetch``, else back to the same row of the same page."""
    if wants_json():
        return jsonify({"ok": ok, "message": message, **extra}), 200 if ok else 409
    flash(message, "success" if ok else "error")
    back = _safe_back(request.form.get("retour"))
    row = request.form.get("suite", type=int)
    if "#" in back or not row:
        return redirect(back if "#" in back else back + "#propositions")
    # The message is shown just above that row, where the coordinator goes on.
    return redirect(f"{back}{'&' if '?' in back else '?'}apres={row}#proposition-{row}")


@bp.post("/appariement/confirmer")
@login_required
def pairs_confirm():
    """Confirm a suggested or hand-picked pair."""
    ids = _posted_ids()
    if ids is None:
        return _answer(_("Choisissez un mentor et un mentoré."), False)
    repo = get_repo()
    by = current_coordinator()["id"]
    try:
        pair = confirm(repo, *ids, by=by,
                       outside_selection=request.form.get("hors_selection") == "oui")
    except AlreadyHandled as done:
        return _answer(str(done), False, done=True)
    except PairingRefused as refused:
        return _answer(str(refused), False)
    replaced = request.form.get("remplace", type=int)
    repo.audit(by, "binome_confirme", pair["id"])
    if replaced and replaced != pair["mentor_id"]:
        repo.audit(by, "binome_remplace", pair["id"])
    mentor, mentee = repo.enrollment(pair["mentor_id"]), repo.enrollment(pair["mentee_id"])
    return _answer(_("Binôme confirmé : %(mentor)s accompagne %(mentee)s. Les e-mails de "
                     "présentation sont en attente d'envoi.")
                   % {"mentor": mentor["name"], "mentee": mentee["name"]}, True,
                   pair=url_for("coordination.followup_pair", pair_id=pair["id"]))


@bp.post("/appariement/refuser")
@login_required
def pairs_reject():
    """Turn a suggestion down: it will not be suggested again."""
    ids = _posted_ids()
    if ids is None:
        return _answer(_("Choisissez un mentor et un mentoré."), False)
    repo = get_repo()
    mentor, mentee = repo.enrollment(ids[0]), repo.enrollment(ids[1])
    if mentor is None or mentee is None:
        return _answer(_("Cette proposition n'existe plus."), False)
    if not repo.reject_pair(*ids, by=current_coordinator()["id"]):
        return _answer(_("Déjà traité : cette proposition a été confirmée ou écartée "
                         "entre-temps."), False, done=True)
    repo.audit(current_coordinator()["id"], "binome_ecarte", ids[1])
    return _answer(_("Proposition écartée : %(mentor)s ne sera plus proposé·e à %(mentee)s.")
                   % {"mentor": mentor["name"], "mentee": mentee["name"]}, True)


@bp.post("/appariement/verrouiller")
@login_required
def pairs_lock():
    """Keep (or release) a suggestion in every later run until it is confirmed."""
    ids = _posted_ids()
    if ids is None:
        return _answer(_("Choisissez un mentor et un mentoré."), False)
    repo = get_repo()
    by = current_coordinator()["id"]
    if request.form.get("action") == "liberer":
        repo.unlock_pair(ids[1])
        repo.audit(by, "binome_deverrouille", ids[1])
        return _answer(_("Proposition libérée : elle sera recalculée avec le reste."), True,
                       keep=True)
    if not repo.lock_pair(*ids, by=by):
        return _answer(_("Déjà traité : ce binôme a été confirmé entre-temps."), False,
                       done=True)
    repo.audit(by, "binome_verrouille", ids[1])
    return _answer(_("Proposition verrouillée : les prochains calculs la gardent telle quelle."),
                   True, keep=True)


def confirm(repo, mentor_id: int, mentee_id: int, *, by: int | None,
            outside_selection: bool = False,
            on: date | None = None) -> dict:
    """Check a pair against the hard constraints, store it and introduce both people.

    Raises ``PairingRefused`` with a French message saying why it cannot be
    (``AlreadyHandled`` when someone confirmed it a moment ago).
    """
    done = repo.active_pair_of(mentee_id)
    if done is not None:
        raise AlreadyHandled(_("Déjà traité : cette personne n'attend plus de mentor, son "
                               "binôme a été confirmé entre-temps (peut-être par un autre "
                               "coordinateur)."))
    selection = get_programme().selection
    pool, load = repo.matching_pool(selection=None)
    people = {person["id"]: person for person in pool}
    mentor, mentee = people.get(mentor_id), people.get(mentee_id)
    steps = selection_steps_left(mentor, selection) if mentor else []
    if steps and not outside_selection:
        raise PairingRefused(_("La sélection de ce mentor n'est pas terminée (%(steps)s) : "
                               "cochez la confirmation pour l'apparier quand même.")
                             % {"steps": ", ".join(SELECTION_STEP_LABELS[s] for s in steps)})
    for person, message in ((mentor_id, LIMITED_MENTOR), (mentee_id, LIMITED_MENTEE)):
        if limited(repo.enrollment(person) or {}):
            raise PairingRefused(message)
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
        why = why_not(mentor, mentee) or _("contrainte non respectée")
        raise PairingRefused(_("Binôme impossible : %(why)s.") % {"why": why})
    score, reasons = scored
    schedule = checkpoint_schedule(on or date.today(), get_programme().checkpoints)
    pair = repo.confirm_pair(mentor_id, mentee_id, by=by, score=score, reasons=reasons,
                             checkpoints=schedule)
    # Stored for the e-mail, rendered by the sender: only what participants may read.
    pair = repo.pairs.update(pair["id"], {"positive_reasons": positive(reasons)})
    # Both introductions were queued with the pair (Repository.confirm_pair).
    if steps:
        repo.audit(by, "appariement_hors_selection", pair["id"])
    log.info("binôme %s confirmé", pair["id"])
    return pair
