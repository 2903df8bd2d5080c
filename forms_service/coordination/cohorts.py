"""Open and close enrollment: the programme's rounds ("cohortes").

While a cohort is open, each enrollment records its name. While enrollment
is closed, the public enrollment page shows when the next round opens
instead of the form, and a post of the form is refused (400) with the same
French message. Both are done from here through hooks of the app, so the
public blueprint stays unaware of cohorts.
"""

from __future__ import annotations

import re

from flask import (
    Response, current_app, jsonify, redirect, render_template, request, url_for,
)
from flask_wtf import FlaskForm
from markupsafe import escape
from werkzeug.exceptions import BadRequest
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..i18n import _
from ..guards import wants_json
from ..text import clean_text
from ..typography import french_spacing
from . import bp, flash_fr
from .display import format_date
from .auth import current_coordinator, login_required
from ..services import get_pages, get_repo

__all__ = ["EnrollmentClosed", "closed_message", "cohort_for_enrollment", "init_app",
           "format_date"]

COHORT_NAME = re.compile(r"^[0-9A-Za-zÀ-ÿ][0-9A-Za-zÀ-ÿ _.-]{0,59}$")


class EnrollmentClosed(BadRequest):
    """Enrollment is closed; the description is the French message to show."""


def closed_message(state: dict) -> str:
    """The sentence a participant reads while enrollment is closed."""
    if state.get("next_opening"):
        when = format_date(state["next_opening"])
        return _("Les inscriptions sont closes pour le moment. Les inscriptions de la "
                 "prochaine cohorte ouvriront le %(date)s.") % {"date": when}
    return _("Les inscriptions sont closes pour le moment. La date d'ouverture de la "
             "prochaine cohorte sera annoncée sur ce site.")


def cohort_for_enrollment(repo) -> str | None:
    """Return the open cohort's name (the ``mentorat.cohort`` hook); refuse when closed."""
    state = repo.cohort_state()
    if not state["open"]:
        raise EnrollmentClosed(closed_message(state))
    return state["name"]


def _closed_notice(state: dict) -> str:
    return ('<div class="admonition info mentorat-closed" role="status">'
            f'<p class="admonition-title">{escape(_("Inscriptions closes"))}</p>'
            f'<p>{escape(french_spacing(closed_message(state)))}</p></div>')


def _enrollment_closed(error: EnrollmentClosed):
    """Answer a post while enrollment is closed: JSON, or the page with the notice."""
    message = french_spacing(error.description)
    if wants_json():
        return jsonify(ok=False, errors={"__form__": [message]}, message=message), 400
    from ..render import replace_form_region

    html = get_pages().get("formulaires/inscription/index.html")
    if html is None:
        return render_template("coordination/error.html", message=message, status=400), 400
    state = get_repo().cohort_state()
    html = replace_form_region(html, "enrollment", _closed_notice(state))
    return Response(html, status=400, mimetype="text/html",
                    headers={"Cache-Control": "no-store"})


def _refuse_when_closed():
    """Refuse an enrollment post before validation: no one fixes errors for nothing."""
    if request.endpoint == "public.submit" and (request.view_args or {}).get("key") \
            == "enrollment":
        state = get_repo().cohort_state()
        if not state["open"]:
            raise EnrollmentClosed(closed_message(state))


def _announce_closed(response):
    """Replace the enrollment form by the closed notice on the public page."""
    if request.endpoint != "public.form_page" or (request.view_args or {}).get("page") \
            != "inscription" or response.status_code != 200:
        return response
    from ..render import replace_form_region

    state = get_repo().cohort_state()
    if state["open"]:
        return response
    html = response.get_data(as_text=True)
    response.set_data(replace_form_region(html, "enrollment", _closed_notice(state)))
    return response


def init_app(app) -> None:
    app.register_error_handler(EnrollmentClosed, _enrollment_closed)
    app.before_request(_refuse_when_closed)
    app.after_request(_announce_closed)


class OpenForm(FlaskForm):
    name = StringField(_("Nom de la cohorte"), [
        DataRequired(_("Donnez un nom à la cohorte, par exemple 2026-printemps.")),
        Length(max=60, message=_("60 caractères au plus.")),
        Regexp(COHORT_NAME, message=_("Lettres, chiffres, espaces, points, tirets et « _ » "
                                      "uniquement."))],
        filters=[clean_text], render_kw={"placeholder": "2026-printemps"})


class CloseForm(FlaskForm):
    next_opening = DateField(_("Date d'ouverture de la prochaine cohorte (facultatif)"),
                             [Optional()], format="%Y-%m-%d")


@bp.route("/inscriptions/ouverture/", methods=["GET", "POST"])
@login_required
def cohorts():
    """Show whether enrollment is open; open a cohort or close enrollment."""
    repo = get_repo()
    open_form, close_form = OpenForm(prefix="ouvrir"), CloseForm(prefix="fermer")
    who = current_coordinator()["id"]
    if request.method == "POST" and request.form.get("action") == "ouvrir" \
            and open_form.validate_on_submit():
        record = repo.open_cohort(open_form.name.data.strip(), by=who)
        repo.audit(who, "ouverture_inscriptions", record["id"])
        flash_fr(_("Les inscriptions sont ouvertes pour la cohorte « %(name)s ».")
              % {"name": record["name"]})
        return redirect(url_for("coordination.cohorts"))
    if request.method == "POST" and request.form.get("action") == "fermer" \
            and close_form.validate_on_submit():
        when = close_form.next_opening.data
        record = repo.close_cohort(by=who, next_opening=when.isoformat() if when else None)
        repo.audit(who, "fermeture_inscriptions", record["id"])
        flash_fr(_("Les inscriptions sont closes."))
        return redirect(url_for("coordination.cohorts"))
    status = 400 if request.method == "POST" else 200
    history = list(reversed(repo.cohorts.all()))
    return render_template("coordination/cohorts.html", state=repo.cohort_state(),
                           open_form=open_form, close_form=close_form, history=history,
                           message=closed_message(repo.cohort_state())), status
