"""The participant's own page: "Mon inscription", reached by a signed link.

The confirmation e-mail carries ``/formulaires/mon-inscription/?lien=<token>``:
the token signs the enrollment's id and reference, so it opens that
enrollment only, and stops working once the enrollment is erased (a later
record never has the same reference). On that page the participant sees
everything stored about them (their pairs, meetings and signed feedback
too: ``records.personal_data``), corrects it whatever its status, withdraws,
or erases it all; ``web.rights`` adds the JSON copy and the limitation.

These posts carry no session (the page is static HTML served by Flask):
the signed link in the body and the Origin/Sec-Fetch-Site check protect
them. "Retrouver mon inscription" sends the link again to an enrolled
address and answers the same for any address.
"""

from __future__ import annotations

import functools
import hmac
import logging
from datetime import date

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from markupsafe import Markup

from ..dates import format_date, format_datetime
from ..eligibility import selection_steps_left
from ..errors import TOO_LARGE, Rejected
from ..forms.definitions import EnrollmentForm, FeedbackForm
from ..forms.fields import EMAIL_MAX, HONEYPOT
from ..forms.render import render_form
from ..i18n import _
from ..mail.links import Expired, pair_link, read_address_token, read_personal_token
from ..mail.mailqueue import PENDING as PENDING_MAIL
from ..records.common import StaleLink
from ..records.goals import form_levels
from ..records.personal_data import held_about
from ..records.purge import erase_person, withdraw_person
from ..records.retention import warned_since_activity
from ..services import get_limiter, get_pages, get_programme, get_repo, get_settings
from ..templating import template_environment
from ..text import ascii_number, clean_text, is_address
from ..typography import typeset
from ..vocabulary import CHOICE_LABELS as FORM_CHOICE_LABELS
from ..vocabulary import (
    FEEDBACK_ROLES,
    FINAL_STATUSES,
    MENTEE_ROLES,
    MENTOR_ROLES,
    WAITING_STATUSES,
    PairState,
)
from ..vocabulary import PARTICIPANT_STATUS_LABELS as STATUS_LABELS
from . import compression
from .guards import PERSONAL_REFERRER_POLICY, check_origin, refusal, wants_json

__all__ = ["bp", "MARKER", "template_filters", "personal_page", "personal_action"]

bp = Blueprint("participant", __name__)
log = logging.getLogger(__name__)

MARKER = "<!-- mentorat:participant -->"
PAGE = "formulaires/mon-inscription/index.html"
DONE = {
    "corrige": _("Vos corrections sont enregistrées."),
    "corrige_adresse": _("Vos corrections sont enregistrées. Un e-mail part vers la nouvelle "
                         "adresse : elle remplacera l'actuelle dès que vous aurez cliqué sur "
                         "le lien qu'il contient."),
    "adresse": _("Votre nouvelle adresse est enregistrée."),
    "pause": _("Vos disponibilités sont enregistrées."),
    "formation": _("C'est noté : votre formation de mentor est enregistrée."),
    "rester": _("C'est noté : vous restez dans la liste d'attente, et votre inscription est "
                "gardée."),
    "rencontre_retiree": _("La rencontre est retirée."),
    "choix": _("Vos choix sont enregistrés : la coordination en tient compte pour tout le "
               "monde à la fois, à la prochaine étude des binômes."),
    "limite": _("L'utilisation de vos données est limitée : elles restent enregistrées, mais "
                 "vous n'êtes plus proposé·e pour un binôme et ne recevez plus de rappel, "
                 "jusqu'à ce que vous leviez la limitation."),
    "limite_levee": _("La limitation est levée : vos données servent de nouveau au programme."),
    "retire": _("Votre inscription est retirée : vous ne recevrez plus de proposition "
                "de binôme."),
    "efface": _("Vos données sont effacées : il ne reste rien de votre inscription chez nous."),
    "lien": _("Si cette adresse est inscrite au programme, un e-mail avec votre lien personnel "
              "vient de partir. Pensez à regarder dans les courriers indésirables."),
}
UNKNOWN_LINK = _("Ce lien ne correspond à aucune inscription : elle a peut-être été effacée. "
                 "Demandez un nouveau lien avec votre adresse électronique.")
EXPIRED_LINK = _("Ce lien a expiré (il vaut 90 jours). Demandez un nouveau lien avec votre "
                 "adresse électronique : il vous parvient en quelques instants.")

_env = template_environment()


def template_filters(env) -> None:
    """What the participant's templates use: ``url_for``, ``date_fr`` (messages come typeset)."""
    env.globals["url_for"] = url_for
    env.filters["date_fr"] = format_date


template_filters(_env)


# ------------------------------------------------------------------------------ the link


def _record(token: str | None) -> dict | None:
    """Return the enrollment the link opens, ``None`` (bad, or erased); ``Expired`` if old."""
    found = read_personal_token(current_app.secret_key, token)
    if found is None:
        return None
    record = get_repo().enrollment(found[0])
    if record is None or not hmac.compare_digest(str(record.get("reference", "")), found[1]):
        return None
    if not record.get("address_proven_at"):
        # The link went to the record's address and came back: the address is its owner's.
        get_repo().prove_address(record["id"])
        record = get_repo().enrollment(record["id"])
    return record


def _token_from_form() -> str:
    value = request.form.get("lien", "")
    return value if isinstance(value, str) else ""


def _required_record() -> tuple[dict, str]:
    token = _token_from_form()
    try:
        record = _record(token)
    except Expired:
        raise Rejected(403, EXPIRED_LINK) from None
    if record is None:
        raise Rejected(404, UNKNOWN_LINK)
    return record, token


# ------------------------------------------------------------------------------ display


def _labels() -> dict[str, str]:
    form = EnrollmentForm(programme=get_programme())
    labels = {name: field.label.text for name, field in form._fields.items()}
    labels.update({
        "goals": _("Objectifs"), "reference": _("Référence"), "status": _("État"),
        "status_history": _("Historique de l'état"), "cohort": _("Promotion"),
        "notice_version": _("Version de la notice lue"),
        "consented_at": _("Notice lue le"), "created_at": _("Inscription le"),
        "updated_at": _("Dernière correction le"), "notes": _("Notes de la coordination"),
        "address_proven_at": _("Adresse confirmée par l'usage de votre lien le"),
        "address_version": _("Changements d'adresse confirmés"),
        "consent": _("Notice lue"),
        "limited_at": _("Utilisation de vos données limitée depuis le"),
    })
    return labels


CHOICE_LABELS = {**FORM_CHOICE_LABELS, "status": STATUS_LABELS}
# A pair's state as its member reads it.
PAIR_STATUS_LABELS = {PairState.ACTIVE: _("en cours"), PairState.CLOSED: _("terminé"),
                      PairState.NON_DEMARRE: _("non démarré (décliné)")}
# Bookkeeping, not what the person told us: the record's format, its id, and the
# key of a confirmation the sender has not queued yet (gone within seconds).
HIDDEN_KEYS = {"v", "id", PENDING_MAIL, "goal_ratings", "skill_ratings"}  # ratings: own section


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
    # A lifted limitation leaves nothing to say: its row goes with it.
    return [(labels.get(key, key), _display(key, value))
            for key, value in record.items()
            if key not in HIDDEN_KEYS and not (key == "limited_at" and not value)]


def _prefill(record: dict) -> dict:
    data = {key: value for key, value in record.items() if key not in HIDDEN_KEYS}
    for number, goal in enumerate(record.get("goals") or [], 1):
        data[f"goal_{number}"] = goal
    data.update(form_levels(record))
    data["consent"] = True
    return data


def _correction_form(form: EnrollmentForm, token: str) -> Markup:
    html = render_form(form, action=url_for("participant.correct"), token="",
                       submit_label=_("Enregistrer mes corrections"), hidden={"lien": token})
    return Markup(typeset(html))  # noqa: S704 - rendered by the autoescaping form template


def personal_page(content: str, status: int = 200, *, compress: bool = False,
                  page: str = PAGE) -> Response:
    """A built page with ``content`` at its marker, answered as a page opened by a personal link."""
    html = get_pages().get(page)
    if html is None:
        abort(503, _("Le site n'est pas construit : lancez « mentorat build »."))
    response = Response(html.replace(MARKER, content, 1), status=status, mimetype="text/html")
    # The address holds a personal link: never cache it, never index it, never send it on.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = PERSONAL_REFERRER_POLICY
    # Only the page without a link (the "Retrouver" form) echoes nothing personal.
    return compression.compress(response) if compress else response


def _render(record: dict | None, token: str = "", *, status: int = 200, message: str = "",
            error: str = "", form: EnrollmentForm | None = None,
            confirm: str | None = None, address: str | None = None) -> Response:
    programme = get_programme()
    correction = None
    if record is not None and not address:
        form = form or EnrollmentForm(programme=programme, data=_prefill(record))
        correction = _correction_form(form, token)
    content = _env.get_template("participant/page.html").render(
        record=record, token=token, rows=_rows(record) if record else [],
        status=STATUS_LABELS.get((record or {}).get("status"), (record or {}).get("status")),
        message=message, error=error, correction=correction, confirm=confirm,
        final=record is not None and record.get("status") in FINAL_STATUSES,
        honeypot=HONEYPOT, email_max=EMAIL_MAX, address=address,
        mentor=record is not None and record.get("role") in MENTOR_ROLES,
        meetings=_meetings(record) if record else None,
        held=_held(record) if record and not confirm and not address else None,
        choice=_choice(record) if record else None,
        warned=record is not None and record.get("status") in WAITING_STATUSES
        and warned_since_activity(record) is not None,
        training_left="formation" in selection_steps_left(record or {}, programme.selection))
    return personal_page(content, status,
                         compress=record is None and not error and not message)


def _held(record: dict) -> dict | None:
    """What the page shows beside the enrollment: pairs, meetings, signed feedback (Art. 15)."""
    held = held_about(get_repo(), record["id"])
    if held is not None:
        fields = FeedbackForm(programme=get_programme())._fields
        held["feedback_labels"] = {name: field.label.text for name, field in fields.items()}
        # Each stored choice as the label the person picked, « 1 mois », « Mentoré·e »…
        held["feedback_choices"] = {name: {str(c.value): c.label for c in field.choices}
                                    for name, field in fields.items()
                                    if getattr(field, "choices", None)}
        held["feedback_labels"]["goal_ratings"] = _("Objectifs de votre binôme, de 1 à 5")
        held["status_labels"] = PAIR_STATUS_LABELS
        held["role_labels"] = dict(FEEDBACK_ROLES)
    return held


def _meetings(record: dict) -> dict | None:
    """The person's active pair's meetings, and the link to log one, or ``None``."""
    repo = get_repo()
    pairs = [p for p in repo.active_pairs() if record["id"] in (p["mentor_id"], p["mentee_id"])]
    if not pairs:
        return None
    pair = pairs[-1]
    settings = get_settings()
    return {"pair": pair, "list": [{**m, "label": format_date(m["date"])}
                                   for m in reversed(repo.meetings.of_pair(pair["id"]))],
            "link": pair_link("", current_app.secret_key, pair["id"], record["id"],
                              "rencontre"), "me": record["id"], "base": settings.base_url}


MAX_SHOWN_MENTORS = 10


def _choosable(record: dict) -> list[dict]:
    """Up to 10 mentors with a visible profile who can take this waiting mentee, best first."""
    if record.get("role") not in MENTEE_ROLES or record.get("status") not in WAITING_STATUSES:
        return []
    # numpy loads on the first mentee who may choose, not with every worker.
    from ..matching.suggest import candidates

    repo = get_repo()
    pool, load = repo.matching_pool(selection=get_programme().selection)
    me = next((p for p in pool if p["id"] == record["id"]), None)
    if me is None or me.get("role") not in MENTEE_ROLES:
        return []
    mentors = [p for p in pool if p.get("role") in MENTOR_ROLES and p.get("profil_visible")
               and p["id"] != record["id"]]
    free = {m["id"]: (m.get("capacity") or 1) - load.get(m["id"], 0) for m in mentors}
    forbidden = {pair for pair in repo.rejected_pairs() if pair[1] == record["id"]}
    found = candidates(me, mentors, get_programme().weights, free=free,
                       forbidden=forbidden)
    return [mentor for mentor, _score, _reasons in found[:MAX_SHOWN_MENTORS]]


def first_name(name) -> str:
    """The first word of a name, whatever space separates it (no-break, thin…)."""
    words = str(name or "").split()  # str.split() splits on any Unicode whitespace
    return words[0] if words else ""


def _choice(record: dict) -> dict | None:
    """What a waiting mentee may rank: public profiles only, and their current ranking."""
    mentors = _choosable(record)
    if not mentors:
        return None
    profiles = [{"id": m["id"], "first_name": first_name(m.get("name")),
                 "job_title": m.get("job_title", ""), "department": m.get("department", ""),
                 "site": m.get("site", ""), "presentation": m.get("presentation", ""),
                 "skills": ", ".join(s for s in m.get("skills_offered") or () if s != "autre")}
                for m in mentors]
    return {"mentors": profiles, "ranked": list(record.get("preferences") or [])[:3]}


def _refused(refused: Rejected, record: dict | None = None, token: str = "",
             errors: dict | None = None, form: EnrollmentForm | None = None) -> Response:
    return refusal(refused.status, refused.message, errors=errors,
                   retry_after=refused.retry_after, page=lambda message: _render(
                       record, token, status=refused.status, error=message, form=form))


def _done(what: str, token: str = "", reference: str | None = None):
    message = DONE[what]
    if wants_json():
        return jsonify(ok=True, message=message, reference=reference), 200
    args = {"fait": what}
    if token:
        args["lien"] = token
    return redirect(url_for("participant.show", **args), code=303)


def _guard(*, limit: bool = False) -> None:
    check_origin()
    if limit:
        get_limiter().hit()


def personal_action(*, limit: bool = True):
    """An action of « Mon inscription », posted with the personal link.

    The decorated function gets the link's record and returns what it did (a
    key of ``DONE``), or raises ``Rejected``; the request's guard, the
    required link and the answer, a refusal or « done », are the same for
    every action and written here once.
    """
    def decorate(action):
        @functools.wraps(action)
        def view():
            record, token = None, ""
            try:
                _guard(limit=limit)
                record, token = _required_record()
                done = action(record)
            except Rejected as refused:
                return _refused(refused, record, token)
            return _done(done, token)
        return view
    return decorate


# ------------------------------------------------------------------------------ views


@bp.errorhandler(413)
def too_large(error):
    """Answer a too large post in the page's look, or in JSON."""
    return _refused(Rejected(413, TOO_LARGE))


@bp.get("/formulaires/mon-inscription/")
def show():
    """Show what is stored about the link's owner, with what they can do."""
    token = request.args.get("lien", "")
    done = request.args.get("fait", "")
    message = DONE.get(done, "") if isinstance(done, str) else ""
    if not token:
        return _render(None, message=message)
    try:
        record = _record(token)
    except Expired:
        return _render(None, status=403, error=EXPIRED_LINK)
    if record is None:
        return _render(None, status=404, error=UNKNOWN_LINK)
    return _render(record, token, message=message)


@bp.post("/api/mon-inscription/corriger")
def correct():
    """Replace the participant's answers by the corrected ones.

    A new address is not applied here: a link goes to it, and it replaces
    the old one once clicked. The answer is the same whether or not another
    enrollment uses that address, so the page reveals nobody.
    """
    record, token = None, ""
    try:
        _guard(limit=True)
        # Correction stays open whatever the status (Art. 16), « clos » and « retiré » too.
        record, token = _required_record()
    except Rejected as refused:
        return _refused(refused, record, token)
    form = EnrollmentForm(request.form, programme=get_programme())
    if not form.validate():
        return _refused(Rejected(400), record, token, errors=form.errors, form=form) \
            if wants_json() else _render(record, token, status=400, form=form)
    answers = form.cleaned()
    new_email = answers.pop("email")
    changes_address = new_email.casefold() != str(record.get("email", "")).casefold()
    get_repo().correct_enrollment(record["id"], answers,
                                  notice_version=get_programme().notice_version,
                                  new_email=new_email if changes_address else None)
    log.info("inscription %s corrigée par la personne inscrite", record["id"])
    return _done("corrige_adresse" if changes_address else "corrige", token, record["reference"])


@bp.route("/formulaires/mon-inscription/adresse/", methods=["GET", "POST"])
def confirm_address():
    """Confirm a corrected address from the link sent to it: a GET shows one button."""
    try:
        if request.method == "POST":
            check_origin()  # before the body is parsed: it reads it within the limit
        token = request.values.get("lien", "")
        found = read_address_token(current_app.secret_key, token)
    except Expired:
        return _refused(Rejected(403, _("Ce lien de confirmation a expiré : corrigez à nouveau "
                                        "votre adresse depuis votre page.")))
    except Rejected as refused:
        return _refused(refused)
    record = get_repo().enrollment(found[0]) if found else None
    if record is None or not hmac.compare_digest(str(record.get("reference", "")), found[1]):
        return _refused(Rejected(404, UNKNOWN_LINK))
    if request.method == "GET":
        return _render(record, address=token)
    try:
        changed = get_repo().change_email(record["id"], found[2], version=found[3])
    except StaleLink:
        return _refused(Rejected(410, _("Ce lien de confirmation ne vaut plus : l'adresse de "
                                        "votre inscription a changé depuis. Rien n'a changé.")),
                        record)
    if not changed:
        return _refused(Rejected(409, _("Cette adresse ne peut pas être utilisée pour votre "
                                        "inscription. Rien n'a changé.")), record)
    get_repo().audit(None, "adresse_changee", record["id"])
    log.info("inscription %s : nouvelle adresse confirmée", record["id"])
    return _done("adresse")


@bp.post("/api/mon-inscription/pause")
@personal_action()
def pause(record: dict) -> str:
    """A mentor sets their capacity, or pauses (until a date) without leaving the programme."""
    if record.get("role") not in MENTOR_ROLES or record.get("status") in FINAL_STATUSES:
        raise Rejected(409, _("Seul un mentor dont l'inscription est en cours peut régler "
                              "ses disponibilités."))
    capacity = request.form.get("capacite", "")
    if capacity not in ("1", "2", "3"):
        raise Rejected(400, _("Choisissez 1, 2 ou 3 personnes."))
    resume = (request.form.get("reprise_le") or "").strip() or None
    if resume is not None:
        try:
            if date.fromisoformat(resume) <= date.today():
                raise ValueError
        except ValueError:
            raise Rejected(400, _("La date de reprise doit être une date à venir "
                                  "(AAAA-MM-JJ), ou rester vide.")) from None
    get_repo().set_pause(record["id"], pause=request.form.get("pause") == "oui",
                         resume=resume, capacity=int(capacity))
    log.info("inscription %s : disponibilités de mentor mises à jour", record["id"])
    return "pause"


@bp.post("/api/mon-inscription/rester")
@personal_action()
def stay(record: dict) -> str:
    """« Je reste » after the retention warning: an activity, the period starts again."""
    if record.get("status") not in WAITING_STATUSES:
        raise Rejected(409, _("Votre inscription n'est pas en attente d'un binôme : elle "
                              "n'a pas besoin d'être confirmée."))
    get_repo().stay(record["id"])
    log.info("inscription %s : reste dans la liste d'attente", record["id"])
    return "rester"


@bp.post("/api/mon-inscription/rencontres/retirer")
@personal_action(limit=False)
def remove_meeting(record: dict) -> str:
    """Remove a meeting the participant logged themselves (the partner's stay)."""
    meeting = ascii_number(request.form.get("rencontre", ""))
    if meeting is None or not get_repo().meetings.remove_own(meeting, record["id"]):
        raise Rejected(404, _("Cette rencontre n'existe pas, ou c'est votre binôme qui "
                              "l'a notée."))
    return "rencontre_retiree"


@bp.post("/api/mon-inscription/choix")
@personal_action()
def rank_mentors(record: dict) -> str:
    """A waiting mentee ranks up to three mentors among those shown; the matching weighs it."""
    shown = {m["id"] for m in _choosable(record)}
    picked = []
    for slot in ("choix_1", "choix_2", "choix_3"):
        raw = request.form.get(slot, "")
        if raw:
            mentor_id = ascii_number(raw)
            if mentor_id not in shown or mentor_id in picked:
                raise Rejected(400, _("Choisissez des mentors différents parmi ceux "
                                      "proposés."))
            picked.append(mentor_id)
    get_repo().set_preferences(record["id"], picked)
    log.info("inscription %s : %d mentor(s) classé(s)", record["id"], len(picked))
    return "choix"


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
        _guard()
        record, token = _required_record()
        if action == "retirer" and record.get("status") in FINAL_STATUSES:
            raise Rejected(409, _("Cette inscription est déjà close ou retirée."))
        if request.form.get("confirme") != "oui" and wants_json():
            raise Rejected(400, _("Confirmez votre demande (confirme=oui)."))
    except Rejected as refused:
        return _refused(refused, record, token)
    if request.form.get("confirme") != "oui":
        return _render(record, token, confirm=action)
    repo = get_repo()
    if action == "retirer":
        withdraw_person(repo, record["id"])
        repo.audit(None, "retrait_participant", record["id"])
        log.info("inscription %s retirée par la personne inscrite", record["id"])
        return _done("retire", token)
    settings = get_settings()
    counts = erase_person(repo, record["id"], secret=current_app.secret_key,
                          outbox=settings.data_dir / "outbox")
    # The id alone, which points at nothing any more: who asked, and when.
    repo.audit(None, "effacement_participant", record["id"])
    log.info("inscription %s effacée à la demande de la personne (%s)", record["id"],
             ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return _done("efface")


@bp.post("/api/mon-inscription/lien")
def send_link():
    """Queue the personal link again; the same work and answer whatever the address."""
    try:
        _guard(limit=True)
        email = clean_text(request.form.get("email", "")) or ""
        if not email or len(email) > EMAIL_MAX or "@" not in email:
            raise Rejected(400, _("Saisissez l'adresse électronique de votre inscription, "
                                  "par exemple prenom.nom@exemple.fr."))
    except Rejected as refused:
        return _refused(refused)
    if request.form.get(HONEYPOT):
        log.info("lien personnel : champ piège rempli, rien n'est envoyé")
        return _done("lien")
    if is_address(email.lower()):
        # The sender looks the address up later: this request does the same for anyone.
        get_repo().request_link(email.lower())
    return _done("lien")
