"""The participant's own page: "Mon inscription", reached by a signed link.

The confirmation e-mail carries ``/formulaires/mon-inscription/?lien=<token>``:
the token signs the enrollment's id and reference, so it opens that
enrollment only, and stops working once the enrollment is erased (a later
record never has the same reference). On that page the participant sees
everything stored about them, corrects it, withdraws, or erases it all.

These posts carry no session (the page is static HTML served by Flask):
the signed link in the body and the Origin/Sec-Fetch-Site check protect
them. "Retrouver mon inscription" sends the link again to an enrolled
address and answers the same for any address.
"""

from __future__ import annotations

import hmac
import logging

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
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup, escape

from .dates import format_datetime
from .forms import EMAIL_MAX, HONEYPOT, EnrollmentForm
from .guards import Rejected, check_origin, wants_json
from .i18n import _
from .mail import compose
from .render import render_form, template_environment
from .text import clean_text
from .typography import french_spacing, typeset
from .vocabulary import CHOICE_LABELS as FORM_CHOICE_LABELS
from .vocabulary import FINAL_STATUSES
from .vocabulary import PARTICIPANT_STATUS_LABELS as STATUS_LABELS
from .services import get_limiter, get_outbox, get_pages, get_repo

__all__ = ["bp", "SALT", "MARKER", "link_token", "read_token", "personal_link"]

bp = Blueprint("participant", __name__)
log = logging.getLogger(__name__)

SALT = "mentorat-participant"
MARKER = "<!-- mentorat:participant -->"
PAGE = "formulaires/mon-inscription/index.html"
DONE = {
    "corrige": _("Vos corrections sont enregistrées."),
    "retire": _("Votre inscription est retirée : vous ne recevrez plus de proposition "
                "de binôme."),
    "efface": _("Vos données sont effacées : il ne reste rien de votre inscription chez nous."),
    "lien": _("Si cette adresse est inscrite au programme, un e-mail avec votre lien personnel "
              "vient de partir. Pensez à regarder dans les courriers indésirables."),
}

_env = template_environment()


def _french(value):
    # Keep trusted markup trusted (gettext's output), so it is not escaped twice.
    spaced = french_spacing(str(value))
    return Markup(spaced) if isinstance(value, Markup) else spaced


_env.filters["fr"] = _french
_env.globals["url_for"] = url_for


class LinkRefused(Exception):
    """A post that cannot go on; carries the status and a French message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# ------------------------------------------------------------------------------ the link


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def link_token(secret: str, record: dict) -> str:
    """Sign the enrollment's id and reference: what a personal link stands for."""
    return _serializer(secret).dumps({"id": record["id"], "ref": record["reference"]})


def read_token(secret: str, token: str | None) -> tuple[int, str] | None:
    """Return (enrollment id, reference) from a valid token, else ``None``."""
    if not token or len(token) > 500:
        return None
    try:
        data = _serializer(secret).loads(token)
    except (BadSignature, UnicodeError, ValueError):
        return None
    if not isinstance(data, dict) or type(data.get("id")) is not int or \
            not isinstance(data.get("ref"), str):
        return None
    return data["id"], data["ref"]


def personal_link(base_url: str, secret: str, record: dict) -> str:
    """Return the absolute address of the participant's page."""
    return f"{base_url}/formulaires/mon-inscription/?lien={link_token(secret, record)}"


def _repo():
    return get_repo()


def _record(token: str | None) -> dict | None:
    """Return the enrollment the link opens, or ``None`` (bad, or erased)."""
    found = read_token(current_app.secret_key, token)
    if found is None:
        return None
    record = _repo().enrollment(found[0])
    if record is None or not hmac.compare_digest(str(record.get("reference", "")), found[1]):
        return None
    return record


def _token_from_form() -> str:
    value = request.form.get("lien", "")
    return value if isinstance(value, str) else ""


def _required_record() -> tuple[dict, str]:
    token = _token_from_form()
    record = _record(token)
    if record is None:
        raise LinkRefused(404, _("Ce lien ne correspond à aucune inscription. Demandez un "
                                 "nouveau lien avec votre adresse électronique."))
    return record, token


def _check_origin() -> None:
    try:
        check_origin()
    except Rejected as rejected:
        raise LinkRefused(rejected.status, rejected.message) from None


# ------------------------------------------------------------------------------ display


def _labels() -> dict[str, str]:
    form = EnrollmentForm(programme=current_app.config["PROGRAMME"])
    labels = {name: field.label.text for name, field in form._fields.items()}
    labels.update({
        "goals": _("Objectifs"), "reference": _("Référence"), "status": _("État"),
        "status_history": _("Historique de l'état"), "cohort": _("Promotion"),
        "notice_version": _("Version de la notice acceptée"),
        "consented_at": _("Accord donné le"), "created_at": _("Inscription le"),
        "updated_at": _("Dernière correction le"), "notes": _("Notes de la coordination"),
        "consent": _("Accord pour le traitement de vos réponses"),
    })
    return labels


CHOICE_LABELS = {**FORM_CHOICE_LABELS, "status": STATUS_LABELS}
HIDDEN_KEYS = {"v", "id"}


def _display(key: str, value) -> str:
    """Turn a stored value into the text shown to its owner."""
    names = CHOICE_LABELS.get(key, {})
    if value is None or value == "" or value == []:
        return _("(non renseigné)")
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list):
        return ", ".join(_display_item(key, item, names) for item in value)
    if isinstance(value, dict):
        return _display_item(key, value, names)
    return format_datetime(value) if key.endswith("_at") else str(names.get(value, value))


def _display_item(key: str, item, names: dict) -> str:
    if isinstance(item, dict):
        if "status" in item:
            return f"{STATUS_LABELS.get(item['status'], item['status'])} ({format_datetime(item.get('at'))})"
        if "text" in item:
            return f"{item['text']} ({format_datetime(item.get('at'))})"
        return ", ".join(f"{k}: {v}" for k, v in item.items())
    return str(names.get(item, item)) if isinstance(item, str) else str(item)


def _rows(record: dict) -> list[tuple[str, str]]:
    labels = _labels()
    return [(french_spacing(labels.get(key, key)), _display(key, value))
            for key, value in record.items() if key not in HIDDEN_KEYS]


def _prefill(record: dict) -> dict:
    data = {key: value for key, value in record.items() if key not in HIDDEN_KEYS}
    for number, goal in enumerate(record.get("goals") or [], 1):
        data[f"goal_{number}"] = goal
    data["consent"] = True
    return data


def _correction_form(form: EnrollmentForm, token: str) -> Markup:
    html = render_form(form, action=url_for("participant.correct"), token="")
    hidden = f'<input type="hidden" name="lien" value="{escape(token)}">'
    start = html.find(">", html.find("<form"))
    html = html[:start + 1] + hidden + html[start + 1:]
    html = html.replace(str(escape(_("Envoyer mon inscription"))),
                        str(escape(_("Enregistrer mes corrections"))))
    return Markup(typeset(html))


def _page(content: str, status: int = 200) -> Response:
    html = get_pages().get(PAGE)
    if html is None:
        abort(503, _("Le site n'est pas construit : lancez « mentorat build »."))
    response = Response(html.replace(MARKER, content, 1), status=status, mimetype="text/html")
    # The address holds a personal link: never cache it, never index it.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render(record: dict | None, token: str = "", *, status: int = 200, message: str = "",
            error: str = "", form: EnrollmentForm | None = None,
            confirm: str | None = None) -> Response:
    programme = current_app.config["PROGRAMME"]
    correction = None
    if record is not None and record.get("status") not in FINAL_STATUSES:
        form = form or EnrollmentForm(programme=programme, data=_prefill(record))
        correction = _correction_form(form, token)
    content = _env.get_template("participant/page.html").render(
        record=record, token=token, rows=_rows(record) if record else [],
        status=STATUS_LABELS.get((record or {}).get("status"), (record or {}).get("status")),
        message=message, error=error, correction=correction, confirm=confirm,
        final=record is not None and record.get("status") in FINAL_STATUSES,
        honeypot=HONEYPOT, email_max=EMAIL_MAX)
    return _page(content, status)


def _refused(refused: LinkRefused, record: dict | None = None, token: str = "") -> Response:
    message = french_spacing(refused.message)
    if wants_json():
        return jsonify(ok=False, message=message, errors={"__form__": [message]}), refused.status
    return _render(record, token, status=refused.status, error=message)


def _done(what: str, token: str = "", reference: str | None = None):
    message = french_spacing(DONE[what])
    if wants_json():
        return jsonify(ok=True, message=message, reference=reference), 200
    args = {"fait": what}
    if token:
        args["lien"] = token
    return redirect(url_for("participant.show", **args), code=303)


# ------------------------------------------------------------------------------ views


@bp.errorhandler(413)
def too_large(error):
    """Answer a too large post in the page's look, or in JSON."""
    return _refused(LinkRefused(413, _("Le formulaire envoyé est trop volumineux : "
                                       "raccourcissez vos réponses.")))


@bp.get("/formulaires/mon-inscription/")
def show():
    """Show what is stored about the link's owner, with what they can do."""
    token = request.args.get("lien", "")
    done = request.args.get("fait", "")
    message = DONE.get(done, "") if isinstance(done, str) else ""
    if not token:
        return _render(None, message=message)
    record = _record(token)
    if record is None:
        return _render(None, status=404, error=_(
            "Ce lien ne correspond à aucune inscription : elle a peut-être été effacée. "
            "Demandez un nouveau lien avec votre adresse électronique."))
    return _render(record, token, message=message)


@bp.post("/api/mon-inscription/corriger")
def correct():
    """Replace the participant's answers by the corrected ones."""
    record, token = None, ""
    try:
        _check_origin()
        record, token = _required_record()
        if record.get("status") in FINAL_STATUSES:
            raise LinkRefused(409, _("Cette inscription est close ou retirée : elle ne peut "
                                     "plus être corrigée."))
    except LinkRefused as refused:
        return _refused(refused, record, token)
    form = EnrollmentForm(request.form, programme=current_app.config["PROGRAMME"])
    if form.validate():
        try:
            _save_correction(record["id"], form.cleaned())
        except EmailTaken:
            form.email.errors = [*form.email.errors, EmailTaken.message]
        else:
            log.info("inscription %s corrigée par la personne inscrite", record["id"])
            return _done("corrige", token, record["reference"])
    errors = {name or "__form__": [french_spacing(m) for m in messages]
              for name, messages in form.errors.items()}
    if wants_json():
        return jsonify(ok=False, errors=errors), 400
    return _render(record, token, status=400, form=form)


class EmailTaken(Exception):
    message = _("Cette adresse est déjà celle d'une autre inscription.")


def _save_correction(enrollment_id: int, answers: dict) -> dict:
    from .repository import now_iso

    repo = _repo()
    programme = current_app.config["PROGRAMME"]

    def change(record: dict) -> dict:
        wanted = answers["email"].casefold()
        # Under the store's lock: no other enrollment can take the address meanwhile.
        if repo.enrollments.search(lambda d: d["id"] != enrollment_id and
                                   str(d.get("email", "")).casefold() == wanted):
            raise EmailTaken()
        now = now_iso()
        record.update(answers)
        record.update(updated_at=now, notice_version=programme.notice_version,
                      consented_at=now)
        return record

    return repo.enrollments.modify(enrollment_id, change)


@bp.post("/api/mon-inscription/retirer")
def withdraw():
    """Withdraw from the programme, after one confirmation."""
    return _final_action("retirer")


@bp.post("/api/mon-inscription/effacer")
def erase():
    """Erase everything stored about the participant, after one confirmation."""
    return _final_action("effacer")


def _final_action(action: str):
    record, token = None, ""
    try:
        _check_origin()
        record, token = _required_record()
        if action == "retirer" and record.get("status") in FINAL_STATUSES:
            raise LinkRefused(409, _("Cette inscription est déjà close ou retirée."))
    except LinkRefused as refused:
        return _refused(refused, record, token)
    if request.form.get("confirme") != "oui":
        if wants_json():
            message = french_spacing(_("Confirmez votre demande (confirme=oui)."))
            return jsonify(ok=False, message=message, errors={"__form__": [message]}), 400
        return _render(record, token, confirm=action)
    from .purge import erase_person, withdraw_person

    repo = _repo()
    if action == "retirer":
        withdraw_person(repo, record["id"])
        log.info("inscription %s retirée par la personne inscrite", record["id"])
        return _done("retire", token)
    settings = current_app.config["SETTINGS"]
    counts = erase_person(repo, record["id"], secret=current_app.secret_key,
                          outbox=settings.data_dir / "outbox")
    log.info("inscription %s effacée à la demande de la personne (%s)", record["id"],
             ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return _done("efface")


@bp.post("/api/mon-inscription/lien")
def send_link():
    """E-mail the personal link again; the same answer whatever the address."""
    try:
        _check_origin()
        try:
            get_limiter().hit()
        except Rejected as rejected:
            raise LinkRefused(rejected.status, rejected.message) from None
        email = clean_text(request.form.get("email", "")) or ""
        if not email or len(email) > EMAIL_MAX or "@" not in email:
            raise LinkRefused(400, _("Saisissez l'adresse électronique de votre inscription, "
                                     "par exemple prenom.nom@exemple.fr."))
    except LinkRefused as refused:
        return _refused(refused)
    if request.form.get(HONEYPOT):
        log.info("lien personnel : champ piège rempli, rien n'est envoyé")
        return _done("lien")
    record = _repo().enrollment_by_email(email)
    if record is not None:
        settings = current_app.config["SETTINGS"]
        link = personal_link(settings.base_url, current_app.secret_key, record)
        get_outbox().deliver(compose(
            settings, record["email"], _("Votre lien personnel « Mon inscription »"),
            "personal_link", record=record, link=link))
        log.info("lien personnel renvoyé pour %s", record["id"])
    return _done("lien")
