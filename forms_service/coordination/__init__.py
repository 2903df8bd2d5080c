"""The coordinators' private area at ``/coordination/``.

Every URL under ``/coordination/`` but the login page (and the area's own
static files) requires a logged-in coordinator: ``init_app`` installs a guard
that runs before any view and before the CSRF check, so a logged-out post is
refused (403) rather than reported as a bad token. Views also carry
``auth.login_required``.

Sessions are server-side (``sessions.ServerSessionInterface``), so every
worker sees them and logout really ends them; every post of the area needs a
Flask-WTF CSRF token (``{{ csrf_token() }}`` in templates, or a ``FlaskForm``).

Templates extend ``coordination/base.html`` (blocks ``title`` and ``content``).
Its navigation links the endpoints in ``NAV`` when they exist:
``coordination.enrollments``, ``coordination.pairs``, ``coordination.followup``,
``coordination.dashboard``, ``coordination.exports``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ..i18n import _, gettext, ngettext

__all__ = ["bp", "init_app", "NAV", "csrf", "flash_fr"]

bp = Blueprint("coordination", __name__, url_prefix="/coordination",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()

NAV = [
    ("coordination.enrollments", _("Inscriptions")),
    ("coordination.pairs", _("Appariement")),
    ("coordination.followup", _("Suivi")),
    ("coordination.dashboard", _("Tableau de bord")),
    ("coordination.exports", _("Exports")),
]
# Reached without a session: the login page and the area's CSS/JS.
OPEN_ENDPOINTS = {"coordination.login", "coordination.static"}
# Modules of the area: importing one registers its views on ``bp``.
VIEW_MODULES = ("auth", "enrollments", "cohorts", "exports", "pairs", "followup", "dashboard")


def flash_fr(message: str, category: str = "success") -> None:
    """Flash a message with French non-breaking spaces; ``"error"`` shows it as an alert."""
    from ..typography import french_spacing

    flash(french_spacing(message), category)


def init_app(app) -> None:
    """Register the area on the app (sessions, guard, CSRF, routes, hooks)."""
    from .. import dates as display
    from . import sessions

    settings = app.config["SETTINGS"]
    app.config.update(
        SESSION_COOKIE_NAME="mentorat_coordination",
        SESSION_COOKIE_PATH="/coordination",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure,
        # The token lives as long as the server-side session, which has its own timeout.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.secure,
    )
    app.session_interface = sessions.ServerSessionInterface(settings)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)
    # Registered before CSRFProtect so an anonymous post gets 403, not a token error.
    app.before_request(_guard)
    csrf.init_app(app)
    # Public forms carry no session by design (see DESIGN.md): they have their own defences.
    for name in ("public", "participant", "pair_pages"):
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])
    app.register_error_handler(CSRFError, _csrf_error)
    for name in VIEW_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    app.register_blueprint(bp)
    app.context_processor(_template_helpers)
    app.jinja_env.filters["date_fr"] = display.format_date
    app.jinja_env.filters["datetime_fr"] = display.format_datetime
    app.jinja_env.filters["typeset"] = _typeset
    app.after_request(_private_headers)


def _guard():
    path = request.path
    if not (path == "/coordination" or path.startswith("/coordination/")):
        return None
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    from .auth import current_coordinator, deny_anonymous

    if current_coordinator() is None:
        return deny_anonymous()
    return None


def _typeset(html) -> Markup:
    """French non-breaking spaces in already-escaped HTML (``{% filter typeset %}``)."""
    from ..typography import typeset

    return Markup(typeset(str(html)))  # noqa: S704 - the input is rendered, escaped HTML


def _private_headers(response):
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
        return _csrf_error(error)
    if status >= 500 or (custom is None and status not in ERROR_MESSAGES):
        return error
    message = custom or ERROR_MESSAGES[status]
    return render_template("coordination/error.html", message=message, status=status), status


def _csrf_error(error: CSRFError):
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


def _template_helpers() -> dict:
    from .auth import current_coordinator

    def nav_active(endpoint: str) -> bool:
        if endpoint not in current_app.view_functions:
            return False
        return request.path.startswith(url_for(endpoint))

    return {
        "current_coordinator": current_coordinator,
        "coordination_nav": lambda: NAV,
        "coordination_stylesheets": lambda: material_stylesheets(
            current_app.config["SETTINGS"].site_dir),
        "nav_active": nav_active,
        "view_functions": current_app.view_functions,
    }


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
