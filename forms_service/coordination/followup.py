"""Follow-up of confirmed pairs: alerts, checkpoints due, silent pairs, closing.

At the top, every feedback that asks to be contacted or reports a
satisfaction or progress of 2 or less. Then the checkpoints due soon, due
and overdue, the active pairs nobody has answered for, and each pair's page
where the coordination closes it with a reason.

Anonymous feedback shows in the alerts with its words but not its exact
scores ("2 or less"): the dashboard's averages per checkpoint could
otherwise be taken apart answer by answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for

from ..dates import format_date
from ..i18n import _
from ..records.repository import PairingRefused
from ..services import get_repo
from ..text import clean_text
from ..vocabulary import END_CATEGORIES, PAIR_END_STATUSES, PairState
from .auth import current_coordinator, login_required
from .blueprint import bp

__all__ = ["alerts", "checkpoint_rows", "silent_pairs", "LOW", "SOON_DAYS", "LATE_DAYS"]

LOW = 2  # a satisfaction or progress at or under this asks for a call
SOON_DAYS = 14  # checkpoints this close are listed before they fall due
LATE_DAYS = 14  # a checkpoint unanswered this long after its date is overdue
REASON_MAX = 1000
END_STATUSES = PAIR_END_STATUSES


def _repo():
    return get_repo()


def alerts(feedback: Iterable[dict]) -> list[dict]:
    """Return the feedback asking for attention and not yet handled, newest first."""
    def low(value) -> bool:
        return isinstance(value, int) and value <= LOW

    found = [f for f in feedback if not f.get("handled_at") and (
        f.get("contact_requested") or low(f.get("satisfaction")) or low(f.get("progress")))]
    return sorted(found, key=lambda f: f.get("created_at", ""), reverse=True)


def checkpoint_rows(pairs: Iterable[dict], today: date) -> list[dict]:
    """Return the active pairs' checkpoints due soon or past and not answered by both.

    Each row is ``{"pair", "month", "due", "state", "waiting"}``: ``state``
    is ``a_venir``, ``echu`` or ``en_retard``; ``waiting`` lists the ids of
    those who have not answered yet.
    """
    rows = []
    for pair in pairs:
        if pair.get("status") != PairState.ACTIVE:
            continue
        for checkpoint in pair.get("checkpoints", ()):
            due = date.fromisoformat(checkpoint["due"])
            answered = checkpoint.get("answered", {})
            waiting = [pid for pid in (pair["mentor_id"], pair["mentee_id"])
                       if str(pid) not in answered]
            if not waiting or due > today + timedelta(days=SOON_DAYS):
                continue
            state = ("a_venir" if due > today else
                     "en_retard" if due < today - timedelta(days=LATE_DAYS) else "echu")
            rows.append({"pair": pair, "month": checkpoint["month"], "due": due, "state": state,
                         "waiting": waiting,
                         "reminded": sorted(checkpoint.get("reminded", {}).values())})
    order = {"en_retard": 0, "echu": 1, "a_venir": 2}
    return sorted(rows, key=lambda r: (order[r["state"]], r["due"]))


def silent_pairs(pairs: Iterable[dict], today: date | None = None) -> list[dict]:
    """Return the active pairs without a single signed feedback, oldest first.

    With ``today``, only pairs whose first checkpoint has fallen due: a pair
    confirmed this morning is not "silent" yet.
    """
    def due(pair) -> bool:
        return today is None or any(date.fromisoformat(c["due"]) <= today
                                    for c in pair.get("checkpoints", ()))

    silent = [p for p in pairs if p.get("status") == PairState.ACTIVE and due(p)
              and not any(c.get("answered") for c in p.get("checkpoints", ()))]
    return sorted(silent, key=lambda p: p.get("confirmed_at", ""))


# The sections of the page, as the « Afficher » filter names them.
SECTIONS = {
    "sans_nouvelles": _("Sans nouvelles malgré la relance"),
    "alertes": _("À contacter"),
    "points": _("Échéances des points d'étape"),
    "silencieux": _("Sans aucun retour"),
    "actifs": _("Binômes actifs"),
    "clos": _("Binômes clos"),
}
# The overview shows this many rows per section; a section on its own is paged.
OVERVIEW_ROWS = 10
PAGE_SIZE = 25


def _matches(pair: dict, people: dict, query: str, site: str) -> bool:
    both = [people.get(pair.get("mentor_id"), {}), people.get(pair.get("mentee_id"), {})]
    if site and not any(person.get("site") == site for person in both):
        return False
    if not query:
        return True
    text = " ".join(str(person.get(key) or "") for person in both
                    for key in ("name", "email", "reference")).casefold()
    return query.casefold() in text


@bp.get("/suivi/")
@login_required
def followup():
    """Show what needs the coordination's attention in the running pairs, filtered and paged."""
    repo = _repo()
    people = {person["id"]: person for person in repo.enrollments.all()}
    query = (request.args.get("q") or "").strip()[:200]
    site = (request.args.get("site") or "").strip()
    view = request.args.get("vue", "")
    view = view if view in SECTIONS else ""
    pairs = [p for p in repo.all_pairs() if _matches(p, people, query, site)]
    kept = {p["id"] for p in pairs}
    feedback = repo.feedback.all()
    today = date.today()
    active = [p for p in pairs if p["status"] == PairState.ACTIVE]
    closed = sorted((p for p in pairs if p["status"] != PairState.ACTIVE),
                    key=lambda p: p.get("closed_at") or "", reverse=True)
    found = {
        # mentorat remind flagged them: silent past relances.alerte_jours, nudged for nothing.
        "sans_nouvelles": [p for p in active if p.get("silence", {}).get("alerted")],
        "alertes": [f for f in alerts(feedback) if not (query or site)
                    or f.get("pair_id") in kept],
        "points": checkpoint_rows(pairs, today), "silencieux": silent_pairs(pairs, today),
        "actifs": active, "clos": closed,
    }
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pages = max(1, -(-len(found[view]) // PAGE_SIZE)) if view else 1
    page = min(page, pages)

    def shown(name: str) -> list:
        if view:
            return found[name][(page - 1) * PAGE_SIZE:page * PAGE_SIZE] if name == view else []
        return found[name][:OVERVIEW_ROWS]

    args = {key: value for key, value in (("q", query), ("site", site)) if value}
    return render_template(
        "coordination/followup.html", found=found, shown=shown, view=view, sections=SECTIONS,
        page=page, pages=pages, args=args, query=query, site=site,
        sites=sorted({p.get("site") for p in people.values() if p.get("site")}),
        handled=sum(bool(f.get("handled_at")) for f in feedback),
        active=active, closed=closed, people=people, overview_rows=OVERVIEW_ROWS,
        format_date=format_date, low=LOW, late_days=LATE_DAYS,
        meetings=meeting_summary(repo.meetings.all()))


def meeting_summary(meetings: Iterable[dict]) -> dict[int, dict]:
    """Per pair: how many meetings were logged and the date of the last one."""
    found: dict[int, dict] = {}
    for meeting in meetings:
        entry = found.setdefault(meeting["pair_id"], {"count": 0, "last": ""})
        entry["count"] += 1
        entry["last"] = max(entry["last"], meeting["date"])
    return found


@bp.post("/suivi/retours/<int:feedback_id>/traite")
@login_required
def followup_handled(feedback_id: int):
    """Take a feedback off the alerts: the coordination has dealt with it."""
    repo = _repo()
    if not repo.mark_feedback_handled(feedback_id, by=current_coordinator()["id"]):
        abort(404)
    repo.audit(current_coordinator()["id"], "retour_traite", feedback_id)
    flash(_("Retour marqué comme traité."), "success")
    return redirect(url_for("coordination.followup") + "#alertes")


@bp.get("/suivi/binomes/<int:pair_id>/")
@login_required
def followup_pair(pair_id: int):
    """Show one pair: both people, why, its checkpoints, its signed feedback; close it."""
    repo = _repo()
    pair = repo.pair(pair_id) or abort(404)
    feedback = repo.feedback.search(lambda f: f.get("pair_id") == pair_id)
    # The page shows both people's addresses: a view of personal data.
    repo.audit(current_coordinator()["id"], "binome_consulte", pair_id)
    return render_template(
        "coordination/followup_pair.html", pair=pair, feedback=feedback,
        mentor=repo.enrollment(pair["mentor_id"]) or {},
        mentee=repo.enrollment(pair["mentee_id"]) or {}, format_date=format_date,
        today=date.today().isoformat(), reason_max=REASON_MAX, categories=END_CATEGORIES,
        meetings=repo.meetings.of_pair(pair_id))


@bp.post("/suivi/binomes/<int:pair_id>/clore")
@login_required
def followup_close(pair_id: int):
    """Close a pair with a reason, once confirmed; each person goes back to the pool or closes."""
    # Typed by a coordinator, read in the area, the log and the exports: cleaned like the rest.
    reason = clean_text(request.form.get("reason") or "")
    statuses = request.form.get("mentor_status"), request.form.get("mentee_status")
    category = request.form.get("end_category")
    back = redirect(url_for("coordination.followup_pair", pair_id=pair_id) + "#clore")
    if not reason or len(reason) > REASON_MAX:
        flash(_("Indiquez la raison de la clôture (%(max)d caractères au maximum).")
              % {"max": REASON_MAX}, "error")
        return back
    if category not in dict(END_CATEGORIES):
        flash(_("Choisissez comment le binôme s'est terminé : le bilan de la session le "
                "compte."), "error")
        return back
    if any(status not in END_STATUSES for status in statuses):
        flash(_("Choisissez ce que devient chaque personne."), "error")
        return back
    repo = _repo()
    pair = repo.pair(pair_id) or abort(404)
    if request.form.get("confirme") != "1":
        # A second step: closing ends a relationship and cannot be undone.
        return render_template(
            "coordination/followup_close.html", pair=pair, reason=reason, statuses=statuses,
            category=category, categories=dict(END_CATEGORIES),
            mentor=repo.enrollment(pair["mentor_id"]) or {},
            mentee=repo.enrollment(pair["mentee_id"]) or {})
    try:
        repo.close_pair(pair_id, reason=reason, by=current_coordinator()["id"],
                        mentor_status=statuses[0], mentee_status=statuses[1], category=category)
    except KeyError:
        abort(404)
    except PairingRefused as refused:
        flash(str(refused), "error")
        return back
    repo.audit(current_coordinator()["id"], "binome_clos", pair_id)
    flash(_("Binôme clos."), "success")
    return back
