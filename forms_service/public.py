"""The public side: pages holding a form, the form endpoint, the confirmation.

Endpoint contract (`POST /api/formulaires/<form>`): a client asking for
JSON gets ``201 {"ok", "reference", "message"}`` or ``400 {"ok": false,
"errors"}``; a browser without JavaScript gets ``303`` to the confirmation
page, or ``400`` with the page re-rendered, errors next to the fields.
"""

from __future__ import annotations

import logging
import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    url_for,
)
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeSerializer
from markupsafe import escape

from .forms import FORMS, RENDER_TOKEN, PublicForm
from .guards import Rejected, check_origin, origin_of, wants_json
from .i18n import _
from .mail import compose
from .participant import personal_link
from .reminders import linked_answers, linked_feedback_form
from .render import RENDER_PLACEHOLDER, render_form, replace_form_region
from .repository import new_reference, submission_key
from .typography import french_spacing, typeset
from .vocabulary import CHOICE_LABELS
from .services import get_limiter, get_outbox, get_pages, get_repo

__all__ = ["bp"]

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)

FORM_PAGES = {"inscription": "enrollment", "retour": "feedback"}
PAGE_OF = {key: page for page, key in FORM_PAGES.items()}
MAX_PAGE_AGE = 24 * 3600  # a page left open longer than a day must be reloaded
REFERENCE_MARKER = "<!-- mentorat:reference -->"


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.secret_key, salt="mentorat-rendu")


def _reference_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="mentorat-reference")


def _page(page: str) -> str:
    html = get_pages().get(f"formulaires/{page}/index.html")
    if html is None:
        abort(503, _("Le site n'est pas construit : lancez « mentorat build »."))
    return html


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _fresh_token(key: str) -> str:
    return _signer().sign(key).decode("ascii")


@bp.get("/formulaires/<any(inscription, retour):page>/")
def form_page(page: str):
    """Serve a page holding a form, with a freshly signed render time."""
    token = request.args.get("lien") if page == "retour" else None
    linked = linked_feedback_form(current_app, token) if token else None
    if linked is not None:  # a reminder's personal link: the form comes pre-filled
        return _page_with_errors(linked, 200)
    html = _page(page).replace(RENDER_PLACEHOLDER, _fresh_token(FORM_PAGES[page]))
    return _no_store(Response(html, mimetype="text/html"))


@bp.get("/formulaires/merci/")
def thanks():
    """Show the confirmation page with the reference of the submission."""
    html = get_pages().get("formulaires/merci/index.html") or ""
    try:
        reference = _reference_signer().loads(request.args.get("ref", ""))
    except BadSignature:
        reference = None
    block = ""
    if reference:
        block = (f'<p class="mentorat-confirmation">{escape(_("Votre référence"))}\u00a0: '
                 f'<strong class="mentorat-reference">{escape(reference)}</strong></p>')
    return _no_store(Response(html.replace(REFERENCE_MARKER, block), mimetype="text/html"))


@bp.get("/healthz")
def healthz():
    """Answer 200 when the data directory accepts writes."""
    data_dir = current_app.config["SETTINGS"].data_dir
    probe = data_dir / f".healthz-{time.monotonic_ns()}"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError:
        return jsonify(ok=False, message=_("Le répertoire de données n'accepte pas d'écriture.")), 503
    return jsonify(ok=True)


@bp.after_request
def allow_preview_origin(response: Response) -> Response:
    """Let `make preview` pages (another port) read the endpoint's JSON answers."""
    preview = current_app.config["SETTINGS"].preview_origin
    if preview and request.path.startswith("/api/") and \
            origin_of(request.headers.get("Origin", "")) == origin_of(preview):
        response.headers["Access-Control-Allow-Origin"] = preview
        response.headers["Vary"] = "Origin"
    return response


def _check_render_time(key: str, token: str) -> None:
    """Refuse posts sent faster than a person could, or from a stale page."""
    minimum = current_app.config["SETTINGS"].min_fill_seconds
    if not token or token == RENDER_PLACEHOLDER:
        if minimum > 0:
            raise Rejected(400, _("Cette page a expiré ou n'a pas été chargée correctement : "
                                  "rechargez-la, puis envoyez à nouveau le formulaire."))
        return
    try:
        value, signed_at = _signer().unsign(token, max_age=MAX_PAGE_AGE, return_timestamp=True)
    except SignatureExpired:
        raise Rejected(400, _("Cette page est ouverte depuis plus d'un jour : rechargez-la, "
                              "puis envoyez à nouveau le formulaire.")) from None
    except BadSignature:
        raise Rejected(400, _("Cette page a expiré ou n'a pas été chargée correctement : "
                              "rechargez-la, puis envoyez à nouveau le formulaire.")) from None
    if value.decode() != key:
        raise Rejected(400, _("Ce formulaire ne correspond pas à la page : rechargez-la."))
    if minimum > 0 and time.time() - signed_at.timestamp() < minimum:
        # The answers are kept (re-rendered page, or left in place by the script):
        # sending again is enough, no reload (which would lose them).
        raise Rejected(400, _("Envoi trop rapide : prenez le temps de vérifier vos réponses, "
                              "puis envoyez à nouveau le formulaire."))


@bp.errorhandler(413)
def too_large(error):
    """Answer a too large post in the form's page too, for browsers without JavaScript."""
    key = (request.view_args or {}).get("key")
    if key not in FORMS or wants_json():
        return _too_large_json()
    form = FORMS[key](programme=current_app.config["PROGRAMME"])
    return _rejected(form, Rejected(413, TOO_LARGE))


TOO_LARGE = _("Le formulaire envoyé est trop volumineux : raccourcissez vos réponses.")


def _too_large_json():
    message = french_spacing(TOO_LARGE)
    return jsonify(ok=False, message=message, errors={"__form__": [message]}), 413


@bp.post("/api/formulaires/<key>")
def submit(key: str):
    """Validate and store one submission of a public form."""
    if key not in FORMS:
        abort(404)
    form = FORMS[key](request.form, programme=current_app.config["PROGRAMME"])
    token = request.form.get(RENDER_TOKEN, "")
    try:
        check_origin()
        get_limiter().hit()
        _check_render_time(key, token)
    except Rejected as rejected:
        if rejected.status == 400:
            form.validate()  # show the field errors too, so one resend fixes everything
        return _rejected(form, rejected)
    if form.is_bot:
        log.info("formulaire %s : champ piège rempli, rien n'est enregistré", key)
        return _success(key, new_reference(key), _message(key))
    if not form.validate():
        return _invalid(form)
    reference = _store(form, token)
    return _success(key, reference, _message(key))


def _message(key: str) -> str:
    if key == "enrollment":
        return _("Merci ! Votre inscription est enregistrée. Un e-mail de confirmation part vers "
                 "l'adresse indiquée.")
    return _("Merci ! Votre retour est enregistré. La coordination le lira avant le prochain "
             "point d'étape.")


def _store(form: PublicForm, token: str) -> str:
    repo = get_repo()
    answers = form.cleaned()
    if form.key == "enrollment":
        return _store_enrollment(repo, answers)
    answers, link = linked_answers(current_app, answers)
    record, created = repo.add_feedback(answers, submission_key=submission_key(
        form.key, token, answers))
    if created:
        log.info("retour %s enregistré", record["id"])
    if created and link:
        repo.mark_answered(link["pair"], link["month"], link["person"], record["id"])
    return record["reference"]


def _store_enrollment(repo, answers: dict) -> str:
    settings = current_app.config["SETTINGS"]
    programme = current_app.config["PROGRAMME"]
    record, created = repo.enroll(answers, notice_version=programme.notice_version,
                                  cohort=repo.cohort_state()["name"])
    outbox = get_outbox()
    if created:
        log.info("inscription %s enregistrée", record["id"])
        labels = {key: CHOICE_LABELS[key][record[key]] for key in ("role", "track", "format")}
        link = personal_link(settings.base_url, current_app.secret_key, record)
        outbox.deliver(compose(settings, record["email"], _("Votre inscription au programme de mentorat"),
                               "enrollment_confirmation", record=record, labels=labels,
                               link=link))
        return record["reference"]
    log.info("inscription en double pour %s, rien n'est créé", record["id"])
    # Sent to the enrolled address only, so the owner may get their link again.
    outbox.deliver(compose(settings, record["email"], _("Vous êtes déjà inscrit·e au programme de mentorat"),
                           "already_enrolled", record=record,
                           link=personal_link(settings.base_url, current_app.secret_key, record)))
    # The same neutral answer as a new enrollment: the page must not reveal who is enrolled.
    return new_reference("enrollment")


def _success(key: str, reference: str, message: str):
    message = french_spacing(message)
    if wants_json():
        return jsonify(ok=True, reference=reference, message=message), 201
    signed = _reference_signer().dumps(reference)
    return redirect(url_for("public.thanks", ref=signed), code=303)


def _invalid(form: PublicForm):
    errors = {name or "__form__": [french_spacing(m) for m in messages]
              for name, messages in form.errors.items()}
    if wants_json():
        return jsonify(ok=False, errors=errors), 400
    return _page_with_errors(form, 400)


def _rejected(form: PublicForm, rejected: Rejected):
    message = french_spacing(rejected.message)
    if wants_json():
        errors = {name or "__form__": [french_spacing(m) for m in messages]
                  for name, messages in form.errors.items()}
        errors.setdefault(rejected.field, []).insert(0, message)
        return jsonify(ok=False, errors=errors, message=message), rejected.status
    form.form_errors.append(message)
    return _page_with_errors(form, rejected.status)


def _page_with_errors(form: PublicForm, status: int):
    page = PAGE_OF[form.key]
    action = url_for("public.submit", key=form.key)
    html = replace_form_region(_page(page), form.key,
                               typeset(render_form(form, action=action, token=_fresh_token(form.key))))
    return _no_store(Response(html, status=status, mimetype="text/html"))
