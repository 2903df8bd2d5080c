"""The public request path: every page holding a form, the form endpoint, the answer.

Read top to bottom, this is all a participant's request goes through:

1. **The page.** The build lists the pages holding a form
   (``mentorat-formulaires.json``); Flask answers exactly those. Each form
   gets its own signed render time (form, page, second), or the closed-round
   notice in place of the enrollment form while enrollment is closed. The
   body is finished before it is compressed (``compression.compress``), and
   nothing touches it afterwards.
2. **The post** (``POST /api/formulaires/<form>``): the origin check, the
   shared rate limit, the time-trap, the round's state, then validation.
   Any refusal becomes one answer (``guards.refusal``): JSON for the forms'
   script, else the page again with the answers kept and the message.
3. **One durable write, then the answer.** The record and the e-mail it
   causes are queued together (``Repository.enroll``); SMTP happens later,
   in the sender. A double post of the same page is stored and answered
   once.

Endpoint contract: a client asking for JSON gets ``201 {"ok", "reference",
"message"}`` or ``4xx {"ok": false, "errors", ["message"]}``; a browser
without JavaScript gets ``303`` to the confirmation page, or the page
re-rendered with the errors next to the fields.
"""

from __future__ import annotations

import contextlib
import logging
import time

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeSerializer
from markupsafe import escape

from ..errors import TOO_LARGE, Rejected
from ..forms.definitions import FORMS, PublicForm
from ..forms.fields import RENDER_TOKEN
from ..forms.render import placeholder, refused_page, render_form, replace_form_region
from ..i18n import _
from ..records.repository import new_reference, submission_key
from ..records.rounds import closed_notice, round_state
from ..services import get_limiter, get_pages, get_programme, get_repo, get_settings
from ..typography import typeset
from ..vocabulary import DEFAULT_FORM_PAGES
from . import compression
from .closing import (
    Closing,
    closing_of,
    fit_closing_form,
    refused_notice,
    without_link_notice,
)
from .guards import (
    PERSONAL_REFERRER_POLICY,
    check_origin,
    origin_of,
    refusal,
    wants_json,
    within_limit,
)
from .linked_feedback import ask_goal_levels, linked_answers, linked_feedback_form

__all__ = ["bp"]

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)

MAX_PAGE_AGE = 24 * 3600  # a page left open longer than a day must be reloaded
REFERENCE_MARKER = "<!-- mentorat:reference -->"
RELOAD = _("Cette page a expiré ou n'a pas été chargée correctement : rechargez-la, puis "
           "envoyez à nouveau le formulaire.")


class EnrollmentClosed(Rejected):
    """Enrollment is closed: the page shows the notice instead of the form."""


# ---------------------------------------------------------------------------------- pages


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.secret_key, salt="mentorat-rendu")


def _references() -> URLSafeSerializer:
    """Signs the reference shown on the confirmation page, so no one can forge one there."""
    return URLSafeSerializer(current_app.secret_key, salt="mentorat-reference")


def _fresh_token(key: str, url: str) -> str:
    """Sign which form, on which page, and when it was rendered."""
    return _signer().sign(f"{key}|{url}").decode("ascii")


def _built(url: str) -> str:
    html = get_pages().page(url)
    if html is None:
        abort(503, _("Le site n'est pas construit : lancez « mentorat build »."))
    return html


def _form_page(url: str, *, status: int = 200, shown: dict[str, str] | None = None,
               compress: bool = True, refused: str | None = None) -> Response:
    """Answer a page holding forms: each one signed, replaced by ``shown``, or closed."""
    html = _built(url)
    shown = shown or {}
    state = None
    for key in get_pages().form_pages().get(url, ()):
        if key in shown:
            html = replace_form_region(html, key, shown[key])
            continue
        if key == "enrollment":
            state = state or round_state(get_repo())
            if not state["open"]:
                html = replace_form_region(html, key, closed_notice(state))
                continue
        html = html.replace(placeholder(key), _fresh_token(key, url))
    if refused is not None:  # the form ``refused`` shows its errors: they come first
        html = refused_page(html, refused)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    # Only pages that echo nothing typed and hold no personal link are compressed
    # (a compression side channel would have nothing to read): the blank forms.
    return compression.compress(response) if compress else response


def _page_of(key: str, token: str = "") -> str:
    """The page a post came from (signed in its token), else the form's usual page."""
    with contextlib.suppress(BadSignature, ValueError, UnicodeError):  # then the usual page
        value = _signer().unsign(token, max_age=MAX_PAGE_AGE * 2).decode()
        posted_key, url = value.split("|", 1)
        if posted_key == key and url in get_pages().form_pages():
            return url
    pages = get_pages().form_pages()
    default = DEFAULT_FORM_PAGES[key]
    if default in pages or not pages:
        return default
    return next((url for url, keys in pages.items() if key in keys), default)


@bp.get("/", defaults={"url": ""})
@bp.get("/<path:url>")
def form_page(url: str):
    """Serve a page holding a form, each form with a freshly signed render time."""
    # Only pages the build listed come here (site.SiteDispatcher): any other path is a 404.
    forms = get_pages().form_pages().get(url)
    if forms is None:
        abort(404)
    token = request.args.get("lien")
    if "closing" in forms:
        return _closing_page(url, token)
    if token and "feedback" in forms:
        linked = linked_feedback_form(current_app, token)
        if linked is not None:  # a reminder's personal link: the form comes pre-filled
            response = _with_form(linked, 200, url)
            response.headers["Referrer-Policy"] = PERSONAL_REFERRER_POLICY
            return response
    # A page opened with a query (a link that did not check out) is not compressed either.
    return _form_page(url, compress=not request.args)


def _closing_page(url: str, token: str | None) -> Response:
    """The closing questionnaire for the person its link names, or why it cannot open."""
    if not token:  # from the guide's menu or a search: where the link comes from
        return _form_page(url, shown={"closing": without_link_notice()})
    try:
        closing = closing_of(current_app, token)
    except Rejected as refused:
        response = _form_page(url, status=refused.status, compress=False,
                              shown={"closing": refused_notice(refused.message)})
    else:
        form = FORMS["closing"](programme=get_programme())
        previous = get_repo().closing_answer(closing.pair["id"], closing.person["id"])
        if previous:  # the earlier answer, to correct it
            form.process(data={k: v for k, v in previous.items() if k in form._fields})
        response = _with_form(fit_closing_form(form, closing, token), 200, url)
    response.headers["Referrer-Policy"] = PERSONAL_REFERRER_POLICY
    return response


@bp.get("/formulaires/merci/")
def thanks():
    """Show the confirmation page with the reference of the submission."""
    html = get_pages().get("formulaires/merci/index.html") or ""
    try:
        reference = _references().loads(request.args.get("ref", ""))
    except BadSignature:
        reference = None
    block = ""
    if isinstance(reference, str):
        block = (f'<p class="mentorat-confirmation">{escape(_("Votre référence"))}\u00a0: '
                 f'<strong class="mentorat-reference">{escape(reference)}</strong></p>')
    response = Response(html.replace(REFERENCE_MARKER, block), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return compression.compress(response)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the data directory accepts writes."""
    data_dir = get_settings().data_dir
    probe = data_dir / f".healthz-{time.monotonic_ns()}"
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError:
        return jsonify(ok=False, message=_("Le répertoire de données n'accepte pas d'écriture.")), 503
    return jsonify(ok=True)


@bp.after_request
def allow_preview_origin(response: Response) -> Response:
    """Let `make preview` pages (another port) read the endpoint's JSON answers."""
    preview = get_settings().preview_origin
    if preview and request.path.startswith("/api/") and \
            origin_of(request.headers.get("Origin", "")) == origin_of(preview):
        response.headers["Access-Control-Allow-Origin"] = preview
        response.headers["Vary"] = "Origin"
    return response


# ---------------------------------------------------------------------------------- posts


@bp.post("/api/formulaires/<key>")
def submit(key: str):
    """Check, validate and store one submission of a public form."""
    if key not in FORMS:
        abort(404)
    within_limit()
    form = FORMS[key](request.form, programme=get_programme())
    if key == "feedback":  # shown again with its errors, a link's form asks the same
        ask_goal_levels(current_app, form)
    token = request.form.get(RENDER_TOKEN, "")
    try:
        check_origin()
        get_limiter().hit()
        _check_render_time(key, token)
        cohort = _open_round() if key == "enrollment" else None
        closing = _closing_link(form) if key == "closing" else None
    except Rejected as rejected:
        if rejected.status == 400 and not isinstance(rejected, EnrollmentClosed):
            form.validate()  # show the field errors too, so one resend fixes everything
        return _refused(form, rejected, token)
    if form.is_bot:
        log.info("formulaire %s : champ piège rempli, rien n'est enregistré", key)
        return _success(new_reference(key), _message(key))
    if not form.validate():
        return refusal(400, errors=form.errors,
                       page=lambda _m: _with_form(form, 400, _page_of(key, token)))
    try:
        if key == "enrollment":
            reference = _store_enrollment(form, token, cohort)
        elif key == "closing":
            reference = _store_closing(form, closing)
        else:
            reference = _store_feedback(form, token)
    except Rejected as rejected:
        return _refused(form, rejected, token)
    return _success(reference, _message(key))


def _check_render_time(key: str, token: str) -> None:
    """Refuse posts sent faster than a person could, or from a stale or foreign page."""
    minimum = get_settings().min_fill_seconds
    if not token or token == placeholder(key):
        if minimum > 0:
            raise Rejected(400, RELOAD)
        return
    try:
        value, signed_at = _signer().unsign(token, max_age=MAX_PAGE_AGE, return_timestamp=True)
    except SignatureExpired:
        raise Rejected(400, _("Cette page est ouverte depuis plus d'un jour : rechargez-la, "
                              "puis envoyez à nouveau le formulaire.")) from None
    except BadSignature:
        raise Rejected(400, RELOAD) from None
    if value.decode("utf-8", "replace").split("|", 1)[0] != key:
        raise Rejected(400, _("Ce formulaire ne correspond pas à la page : rechargez-la."))
    if minimum > 0 and time.time() - signed_at.timestamp() < minimum:
        # The answers are kept (re-rendered page, or left in place by the script):
        # sending again is enough, no reload (which would lose them).
        raise Rejected(400, _("Envoi trop rapide : prenez le temps de vérifier vos réponses, "
                              "puis envoyez à nouveau le formulaire."))


def _open_round() -> str | None:
    """Return the open cohort's name; refuse while enrollment is closed."""
    state = round_state(get_repo())
    if not state["open"]:
        raise EnrollmentClosed(400, state["message"])
    return state["name"]


def _store_enrollment(form: PublicForm, token: str, cohort: str | None) -> str:
    programme = get_programme()
    answers = form.cleaned()
    record, reference = get_repo().enroll(
        answers, notice_version=programme.notice_version, cohort=cohort,
        submission=submission_key(form.key, token, answers))
    if record is not None:
        log.info("inscription %s enregistrée", record["id"])
    # Whether the address was new, already enrolled or posted twice, the answer is the
    # same: the page must not reveal who is enrolled (the sender tells the owner).
    return reference


def _store_feedback(form: PublicForm, token: str) -> str:
    repo = get_repo()
    answers, link = linked_answers(current_app, form.cleaned())
    if link is None and answers.get("identity") == "signe" and not (
            answers.get("name") and answers.get("email")):
        # A link that does not check out signs nothing: a name and an address are typed
        # instead, and the feedback is kept as « non vérifié » (it names no enrollment).
        raise Rejected(400, _("Ce lien personnel n'est plus valable : indiquez votre nom et "
                              "votre adresse, ou choisissez un retour anonyme."), field="name")
    if link is not None:
        record = repo.save_linked_feedback(answers, link["pair"], link["month"], link["person"])
        log.info("retour %s enregistré par lien personnel", record["id"])
        return record["reference"]
    record, created = repo.add_feedback(answers, submission_key=submission_key(
        form.key, token, answers))
    if created:
        log.info("retour %s enregistré", record["id"])
    return record["reference"]


def _closing_link(form: PublicForm) -> Closing:
    """The pair and person a posted questionnaire answers; ``Rejected`` without a valid link."""
    token = form.lien.data or ""
    closing = closing_of(current_app, token)
    fit_closing_form(form, closing, token)
    return closing


def _store_closing(form: PublicForm, closing: Closing) -> str:
    record = get_repo().save_closing(form.cleaned(), pair_id=closing.pair["id"],
                                     person_id=closing.person["id"], role=closing.role)
    log.info("bilan %s enregistré par lien personnel", record["id"])
    return record["reference"]


def _message(key: str) -> str:
    if key == "closing":
        return _("Merci ! Votre bilan est enregistré. Si vous répondez à nouveau avec le même "
                 "lien, cette réponse sera remplacée.")
    if key == "enrollment":
        return _("Merci ! Votre inscription est enregistrée. Un e-mail de confirmation part vers "
                 "l'adresse indiquée.")
    return _("Merci ! Votre retour est enregistré. La coordination le lira avant le prochain "
             "point d'étape.")


# ---------------------------------------------------------------------------------- answers


def _success(reference: str, message: str):
    if wants_json():
        return jsonify(ok=True, reference=reference, message=message), 201
    signed = _references().dumps(reference)
    return redirect(url_for("public.thanks", ref=signed), code=303)


def _refused(form: PublicForm, rejected: Rejected, token: str = ""):
    url = _page_of(form.key, token)
    if isinstance(rejected, EnrollmentClosed):
        return refusal(rejected.status, rejected.message, page=lambda _m: _form_page(
            url, status=rejected.status, compress=False))

    def page(message: str) -> Response:
        form.form_errors.append(message)
        return _with_form(form, rejected.status, url)

    return refusal(rejected.status, rejected.message, field=rejected.field,
                   errors=form.errors if rejected.status == 400 else None, page=page,
                   retry_after=rejected.retry_after)


def _with_form(form: PublicForm, status: int, url: str) -> Response:
    """The form's page with this form in it (answers and errors shown), never compressed."""
    action = url_for("public.submit", key=form.key)
    html = typeset(render_form(form, action=action, token=_fresh_token(form.key, url)))
    return _form_page(url, status=status, shown={form.key: html}, compress=False,
                      refused=form.key if status >= 400 else None)


@bp.errorhandler(413)
def too_large(error):
    """Answer a too large post in the form's page too, for browsers without JavaScript."""
    key = (request.view_args or {}).get("key")
    if key not in FORMS:
        return refusal(413, TOO_LARGE)
    form = FORMS[key](programme=get_programme())
    return _refused(form, Rejected(413, TOO_LARGE))
