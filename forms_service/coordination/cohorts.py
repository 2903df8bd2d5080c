"""Open and close enrollment: the programme's rounds ("cohortes").

While a cohort is open, each enrollment records its name. While enrollment
is closed, the public path (``public``, through ``rounds``) shows when the
next cohort opens instead of the form and refuses a post of it.
"""

from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..i18n import _
from ..records.rounds import round_state
from ..services import get_repo
from ..text import clean_text
from .auth import current_coordinator, login_required
from .blueprint import bp, flash_fr

__all__ = ["cohorts"]

COHORT_NAME = re.compile(r"^[0-9A-Za-zÀ-ÿ][0-9A-Za-zÀ-ÿ _.-]{0,59}$")


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
                           message=round_state(repo)["message"]), status
