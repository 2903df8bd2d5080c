"""Review enrollments: a filtered list, each person's answers, status and notes."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from .. import vocabulary
from ..dates import format_datetime
from ..eligibility import SELECTION_STEPS, selection_steps_left
from ..forms import definitions as public_forms
from ..i18n import _
from ..records import goals
from ..records.repository import ENROLLMENT_STATUSES, InvalidTransition
from ..services import get_programme, get_repo
from ..text import clean_multiline
from ..vocabulary import (
    FINAL_STATUSES,
    MENTOR_ROLES,
    SELECTION_STEP_LABELS,
    PairState,
    Status,
    sensible_transitions,
)
from .auth import current_coordinator, login_required
from .blueprint import bp, flash_fr

__all__ = ["filter_enrollments", "FILTERS", "PAGE_SIZE", "answer_rows"]

PAGE_SIZE = 50
NOTE_MAX = 4000
# Query parameter -> stored field, for the list's filters.
FILTERS = ("role", "track", "status", "department", "site", "format", "cohort")
CHOICE_LABELS = {**vocabulary.CHOICE_LABELS, "status": ENROLLMENT_STATUSES}


def _repo():
    return get_repo()


def filter_enrollments(records: list[dict], filters: dict, query: str = "") -> list[dict]:
    """Keep the records matching every filter, and the search in name, e-mail or reference."""
    wanted = {k: v for k, v in filters.items() if k in FILTERS and v}
    needle = query.strip().casefold()

    def keep(record: dict) -> bool:
        for key, value in wanted.items():
            if str(record.get(key) or "") != value:
                return False
        if needle:
            haystack = " ".join(str(record.get(key) or "")
                                for key in ("name", "email", "reference")).casefold()
            # A reference is read aloud or typed back with or without its dashes.
            return needle in haystack or needle.replace(" ", "") in haystack
        return True

    return [r for r in records if keep(r)]


def label(key: str, value) -> str:
    """The French label of a stored choice (the value itself when unknown)."""
    if isinstance(value, list):
        return ", ".join(label(key, v) for v in value)
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if value is None or value == "":
        return "—"
    return str(CHOICE_LABELS.get(key, {}).get(value, value))


def level_shown(record: dict, name: str) -> str:
    """A rating field's answer: a goal's path (« 2 → 3 (inscription → mi-parcours) »), a
    mentoring skill's level at enrollment, or « — »."""
    if name.startswith("level_goal_"):
        number = int(name.rsplit("_", 1)[1])
        path = next((p for p in goals.goal_paths(record) if p["objectif"] == number), None)
        return f"{path['parcours']} ({path['etapes']})" if path and path["parcours"] else "—"
    skill = name.removeprefix("level_")
    level = next((s["notes"].get("inscription") for s in goals.skill_levels(record)
                  if s["competence"] == skill), None)
    return "—" if level is None else str(level)


def answer_rows(record: dict) -> list[tuple[str, str]]:
    """(question, answer) for each answer of the enrollment, in the form's order."""
    form = public_forms.EnrollmentForm(programme=get_programme())
    rows = []
    for field in form:
        name = field.name
        if name in (public_forms.HONEYPOT, public_forms.RENDER_TOKEN):
            continue
        if name.startswith("level_"):
            rows.append((str(field.label.text), level_shown(record, name)))
            continue
        if name.startswith("goal_"):
            index = int(name[-1]) - 1
            goals = record.get("goals") or []
            rows.append((str(field.label.text), goals[index] if index < len(goals) else "—"))
            continue
        if name == "consent":
            rows.append((_("Notice lue (version, date)"),
                         f"{record.get('notice_version', '—')} — "
                         f"{format_datetime(record.get('consented_at'))}"))
            continue
        rows.append((str(field.label.text), label(name, record.get(name))))
    return rows


def _filter_choices(records: list[dict]) -> dict[str, list[tuple[str, str]]]:
    programme = get_programme()
    cohorts = sorted({r["cohort"] for r in records if r.get("cohort")})
    return {
        "role": list(vocabulary.ROLES), "track": list(vocabulary.TRACKS),
        "status": list(ENROLLMENT_STATUSES.items()),
        "department": [(d, d) for d in programme.departments],
        "site": [(s, s) for s in programme.sites],
        "format": list(vocabulary.FORMATS), "cohort": [(c, c) for c in cohorts],
    }


FILTER_LABELS = {
    "role": _("Rôle"), "track": _("Parcours"), "status": _("Statut"),
    "department": _("Département"), "site": _("Site"), "format": _("Format"),
    "cohort": _("Cohorte"),
}


@bp.get("/inscriptions/")
@login_required
def enrollments():
    """List enrollments, newest first, filtered and searched, 50 a page."""
    records = _repo().enrollments.all()
    filters = {key: request.args.get(key, "") for key in FILTERS}
    query = request.args.get("q", "")[:200]
    sort, order = request.args.get("tri", ""), request.args.get("ordre", "")
    waiting_steps = _waiting_for_selection(records)
    step = request.args.get("selection", "")
    if step in waiting_steps:
        records_shown = [r for r in records if r["id"] in waiting_steps[step]]
    else:
        step, records_shown = "", records
    found = _sorted(filter_enrollments(records_shown, filters, query), sort, order)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    shown = found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    args = {k: v for k, v in {**filters, "q": query, "selection": step}.items() if v}
    return render_template(
        "coordination/enrollments.html", enrollments=shown, total=len(found),
        overall=len(records), filters=filters, query=query, page=page, pages=pages, args=args,
        choices=_filter_choices(records), filter_labels=FILTER_LABELS, label=label,
        state=_repo().cohort_state(), sort=sort if sort in SORTS else "", order=order,
        sorts=SORTS, waiting_steps=waiting_steps, step=step, step_labels=SELECTION_STEP_LABELS)


def _waiting_for_selection(records: list[dict]) -> dict[str, set[int]]:
    """The mentors still enrolled who wait for each selection step the programme asks."""
    selection = get_programme().selection
    waiting: dict[str, set[int]] = {step: set() for step, flag in SELECTION_STEPS.items()
                                    if selection.get(flag)}
    for record in records:
        if record.get("role") in MENTOR_ROLES and record.get("status") not in FINAL_STATUSES:
            for step in selection_steps_left(record, selection):
                waiting[step].add(record["id"])
    return waiting


# Sortable columns: query value -> (label, stored field).
SORTS = {"nom": (_("Nom"), "name"), "statut": (_("Statut"), "status"),
         "site": (_("Site"), "site"), "departement": (_("Département"), "department"),
         "cohorte": (_("Cohorte"), "cohort"), "date": (_("Reçue le"), "created_at")}


def _sorted(records: list[dict], sort: str, order: str) -> list[dict]:
    """Newest first by default; else by the chosen column, names in French order."""
    from ..matching.explain import french_key

    if sort not in SORTS:
        return list(reversed(records))
    field = SORTS[sort][1]
    key = (lambda r: french_key(r.get(field))) if field != "created_at" else \
        (lambda r: (r.get(field) or "", ""))
    return sorted(records, key=key, reverse=order == "desc")


class StatusForm(FlaskForm):
    status = SelectField(_("Nouveau statut"), [InputRequired()], choices=[])


class NoteForm(FlaskForm):
    text = TextAreaField(_("Note de suivi (la personne la voit sur sa page)"), [
        DataRequired(_("Écrivez la note avant de l'enregistrer.")),
        Length(max=NOTE_MAX, message=_("%(max)d caractères au plus.") % {"max": NOTE_MAX})],
        filters=[clean_multiline])


def _enrollment_or_404(doc_id: int) -> dict:
    record = _repo().enrollment(doc_id)
    if record is None:
        abort(404)
    return record


def _status_form(record: dict) -> StatusForm:
    form = StatusForm(prefix="statut")
    in_pair = any(p.get("status") == PairState.ACTIVE for p in _repo().pairs_of(record["id"]))
    form.status.choices = [(s, ENROLLMENT_STATUSES[s]) for s in
                           sensible_transitions(record.get("status", Status.NOUVEAU), in_pair)]
    return form


@bp.get("/inscriptions/<int:doc_id>/")
@login_required
def enrollment_detail(doc_id: int):
    """Show every answer, the status with its history, and the private notes."""
    record = _enrollment_or_404(doc_id)
    _repo().audit(current_coordinator()["id"], "consultation", doc_id)
    return _detail_page(record, _status_form(record), NoteForm(prefix="note"))


def _detail_page(record: dict, status_form: StatusForm, note_form: NoteForm, code: int = 200):
    authors = {c["id"]: c["email"] for c in _repo().list_coordinators()}
    pairs = _repo().pairs_of(record["id"])
    partners = {pid: _repo().enrollment(pid) or {} for pair in pairs
                for pid in (pair["mentor_id"], pair["mentee_id"]) if pid != record["id"]}
    return render_template(
        "coordination/enrollment_detail.html", record=record, rows=answer_rows(record),
        pairs=pairs, partners=partners, selection=_selection_context(record),
        step_labels=SELECTION_STEP_LABELS,
        status_form=status_form, note_form=note_form, authors=authors, label=label,
        statuses=ENROLLMENT_STATUSES), code


@bp.post("/inscriptions/<int:doc_id>/statut")
@login_required
def enrollment_status(doc_id: int):
    """Move the enrollment along its lifecycle; the history keeps who and when."""
    record = _enrollment_or_404(doc_id)
    form = _status_form(record)
    if not form.validate_on_submit():
        return _detail_page(record, form, NoteForm(prefix="note"), 400)
    who = current_coordinator()["id"]
    try:
        _repo().set_enrollment_status(doc_id, form.status.data, by=who)
    except InvalidTransition:
        abort(400, _("Ce changement de statut n'est pas possible."))
    _repo().audit(who, "statut", doc_id)
    flash_fr(_("Statut changé : %(status)s.") % {"status": ENROLLMENT_STATUSES[form.status.data]})
    return redirect(url_for("coordination.enrollment_detail", doc_id=doc_id))


@bp.post("/inscriptions/<int:doc_id>/notes")
@login_required
def enrollment_note(doc_id: int):
    """Add a private note, seen by coordinators only."""
    record = _enrollment_or_404(doc_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _detail_page(record, _status_form(record), form, 400)
    who = current_coordinator()["id"]
    _repo().add_enrollment_note(doc_id, form.text.data.strip(), by=who)
    _repo().audit(who, "note", doc_id)
    flash_fr(_("Note enregistrée."))
    return redirect(url_for("coordination.enrollment_detail", doc_id=doc_id) + "#notes")


def _selection_context(record: dict) -> dict | None:
    """The mentor's selection steps on their record, when ``programme.yml`` asks for any."""
    selection = get_programme().selection
    if record.get("role") not in MENTOR_ROLES or not any(selection.values()):
        return None
    return {"asked": [step for step, flag in SELECTION_STEPS.items() if selection.get(flag)],
            "passed": record.get("selection") or {},
            "left": [SELECTION_STEP_LABELS[step]
                     for step in selection_steps_left(record, selection)]}


@bp.post("/inscriptions/<int:doc_id>/selection")
@login_required
def enrollment_selection(doc_id: int):
    """Record a mentor's selection step: the exchange (retained or not), the training."""
    record = _enrollment_or_404(doc_id)
    context = _selection_context(record)
    step = request.form.get("etape", "")
    if context is None or step not in (*context["asked"], "refus"):
        abort(400, _("Cette étape de sélection ne s'applique pas à cette inscription."))
    who = current_coordinator()["id"]
    if step == "refus":
        if request.form.get("confirme") != "oui":
            abort(400, _("Cochez la confirmation pour ne pas retenir ce mentor."))
        if record.get("status") in FINAL_STATUSES:
            abort(409, _("Cette inscription est déjà close ou retirée."))
        _repo().refuse_mentor(doc_id, by=who)
        _repo().audit(who, "selection_non_retenu", doc_id)
        flash_fr(_("Mentor non retenu : son inscription est close et un message l'en informe."))
    else:
        on = (request.form.get("le") or "").strip() or date.today().isoformat()
        try:
            date.fromisoformat(on)
        except ValueError:
            abort(400, _("La date doit s'écrire AAAA-MM-JJ."))
        _repo().pass_selection_step(doc_id, step, by=who, on=on,
                                    how="atelier" if step == "formation" else "")
        _repo().audit(who, f"selection_{step}", doc_id)
        flash_fr(_("Étape de sélection notée."))
    return redirect(url_for("coordination.enrollment_detail", doc_id=doc_id) + "#selection")

