"""The area's blueprint and what its views share: navigation, flashes, errors, styles.

Each view module (``auth``, ``enrollments``…) registers its routes on ``bp``;
``coordination.init_app`` imports them and registers the blueprint.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ..i18n import _
from ..typography import french_spacing, typeset

__all__ = ["bp", "csrf", "NAV", "OPEN_ENDPOINTS", "flash_fr", "material_stylesheets",
           "typeset_markup", "private_headers", "csrf_error"]

bp = Blueprint("coordination", __name__, url_prefix="/coordination",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()

NAV = [
    ("coordination.enrollments", _("Inscriptions")),
    ("coordination.pairs", _("Appariement")),
    ("coordination.followup", _("Suivi")),
    ("coordination.dashboard", _("Tableau de bord")),
    ("coordination.review", _("Bilan")),
    ("coordination.exports", _("Exports")),
    ("coordination.second_factor", _("Sécurité")),
]
# Reached without a session: the login page and the area's CSS/JS.
OPEN_ENDPOINTS = {"coordination.login", "coordination.static"}
def flash_fr(message: str, category: str = "success") -> None:
    """Flash a message with French non-breaking spaces; ``"error"`` shows it as an alert."""
    flash(french_spacing(message), category)


def typeset_markup(html) -> Markup:
    """French non-breaking spaces in already-escaped HTML (``{% filter typeset %}``)."""
    return Markup(typeset(str(html)))  # noqa: S704 - the input is rendered, escaped HTML


def private_headers(response):
    """Pages of the area hold personal data: no cache keeps them, no site frames them."""
    if request.path == "/coordination" or request.path.startswith("/coordination/"):
        if request.endpoint != "coordination.static":
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


ERROR_MESSAGES = {
    400: _("La demande est incomplète ou mal formée."),
    403: _("Accès refusé."),
    404: _("Cette page n'existe pas."),
    405: _("Cette adresse n'accepte pas cette méthode."),
    413: _("Le formulaire envoyé est trop volumineux."),
    429: _("Trop de demandes : patientez quelques minutes puis réessayez."),
}


@bp.errorhandler(HTTPException)
def _area_error(error: HTTPException):
    """Errors inside the area keep the area's look (and its navigation)."""
    status = error.code or 500
    custom = error.description if isinstance(error.description, str) and \
        error.description != type(error).description else None
    if isinstance(error, CSRFError):
        return csrf_error(error)
    if status >= 500 or (custom is None and status not in ERROR_MESSAGES):
        return error
    message = custom or ERROR_MESSAGES[status]
    return render_template("coordination/error.html", message=message, status=status), status


def csrf_error(error: CSRFError):
    message = _("Le formulaire a expiré ou ne vient pas de cette page : rechargez la page, "
                "puis recommencez.")
    return render_template("coordination/error.html", message=message, status=400), 400


@bp.get("/")
def index():
    """Open the dashboard when it exists, else the enrollments."""
    for endpoint in ("coordination.dashboard", "coordination.enrollments"):
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("coordination/error.html", message=_("Rien à afficher."), status=200)


_stylesheet_cache: dict[str, tuple[float, list[str]]] = {}


def material_stylesheets(site_dir: Path) -> list[str]:
    """Return the URLs of Material's built stylesheets (fingerprinted) and the site's own."""
    folder = Path(site_dir) / "assets" / "stylesheets"
    try:
        mtime = folder.stat().st_mtime
    except OSError:
        return []
    cached = _stylesheet_cache.get(str(folder))
    if cached and cached[0] == mtime:
        return cached[1]
    urls = [f"/assets/stylesheets/{path.name}" for pattern in ("main.*.min.css",
                                                               "palette.*.min.css")
            for path in sorted(folder.glob(pattern))[:1]]
    if (Path(site_dir) / "assets" / "mentorat" / "site.css").exists():
        urls.append("/assets/mentorat/site.css")
    _stylesheet_cache[str(folder)] = (mtime, urls)
    return urls
