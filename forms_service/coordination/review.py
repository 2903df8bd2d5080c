"""The « Bilan » page: a round's report, its lessons and decisions, its downloads.

The same content as ``mentorat report`` (``evaluation.report``): the
figures (every group of fewer than three people hidden), the comparison with
the previous round, and the coordination's three lessons and three decisions,
written here and kept with the round.
"""

from __future__ import annotations

import json

from flask import abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from ..evaluation import report as bilan
from ..evaluation.rounds import latest_round, round_label
from ..i18n import _
from ..records.round_reports import REVIEW_ITEMS
from ..services import get_repo
from ..text import clean_text
from .auth import current_coordinator, login_required
from .blueprint import bp, flash_fr
from .exports import attachment

__all__ = ["review", "review_download"]

ITEM_MAX = 300
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8", "pdf": "application/pdf",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _item(label: str) -> StringField:
    return StringField(label, [Length(max=ITEM_MAX, message=_(
        "%(max)d caractères au plus.") % {"max": ITEM_MAX})], filters=[clean_text])


class ReviewForm(FlaskForm):
    """Three lessons and three decisions; any may stay empty."""


for number in range(1, REVIEW_ITEMS + 1):
    setattr(ReviewForm, f"lesson_{number}", _item(_("Enseignement %(n)d") % {"n": number}))
for number in range(1, REVIEW_ITEMS + 1):
    setattr(ReviewForm, f"decision_{number}", _item(_("Décision %(n)d") % {"n": number}))


def _chosen_round(repo) -> tuple[str, list[str]]:
    """The round the page shows (``?session=``, default the latest), and every round."""
    names = bilan.rounds_of(repo)
    asked = request.args.get("session")
    if asked is None:
        return latest_round(names), names
    if asked not in names:
        abort(404)
    return asked, names


@bp.route("/bilan/", methods=["GET", "POST"])
@login_required
def review():
    """Show a round's report; save its lessons and decisions."""
    repo = get_repo()
    name, names = _chosen_round(repo)
    stored = repo.round_reports.review(name)
    form = ReviewForm(data={
        **{f"lesson_{n}": text for n, text in enumerate(stored["lessons"], 1)},
        **{f"decision_{n}": text for n, text in enumerate(stored["decisions"], 1)}})
    if request.method == "POST":
        if form.validate_on_submit():
            repo.round_reports.save_review(
                name, by=current_coordinator()["id"],
                lessons=[form[f"lesson_{n}"].data or "" for n in range(1, REVIEW_ITEMS + 1)],
                decisions=[form[f"decision_{n}"].data or ""
                           for n in range(1, REVIEW_ITEMS + 1)])
            repo.audit(current_coordinator()["id"], "bilan_modifie")
            flash_fr(_("Enseignements et décisions enregistrés."))
            return redirect(url_for("coordination.review", session=name) + "#enseignements")
    content = bilan.build(repo, name)
    status = 400 if request.method == "POST" else 200
    return render_template("coordination/review.html", content=content,
                           **bilan.fragment_context(content), form=form, name=name,
                           rounds=[(n, round_label(n)) for n in names],
                           formats=bilan.FORMATS), status


@bp.get("/bilan/bilan.<any(html, pdf, json, xlsx):fmt>")
@login_required
def review_download(fmt: str):
    """Send the round's report as a file; the audit log records it."""
    repo = get_repo()
    name, _names = _chosen_round(repo)
    content = bilan.build(repo, name)
    try:
        if fmt == "pdf":
            body = bilan.to_pdf(content)
        elif fmt == "xlsx":
            body = bilan.to_xlsx(content)
        elif fmt == "json":
            body = json.dumps(bilan.to_json_data(content), ensure_ascii=False, indent=2)
        else:
            body = bilan.to_html(content)
    except bilan.PdfUnavailable as error:
        return render_template("coordination/error.html", status=503, message=str(error)), 503
    repo.audit(current_coordinator()["id"], "bilan_exporte", fmt)
    return attachment(body, MEDIA_TYPES[fmt], bilan.file_name(content, fmt))

