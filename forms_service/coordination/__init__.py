"""The coordinators' private area at ``/coordination/``.

Every URL under ``/coordination/`` but the login page (and the area's own
static files) requires a logged-in coordinator: ``init_app`` installs a guard
that runs before any view and before the CSRF check, so a logged-out post is
refused (403) rather than reported as a bad token. Views also carry
``auth.login_required``. The second step of a login (the code) is open only to
a session whose password was just right (``login``); with ``MENTORAT_MFA=required``
a coordinator without a second factor reaches its set-up page only
(``second_factor``).

Sessions are server-side (``sessions.ServerSessionInterface``), so every
worker sees them and logout really ends them; every post of the area needs a
Flask-WTF CSRF token (``{{ csrf_token() }}`` in templates, or a ``FlaskForm``).

Templates extend ``coordination/base.html`` (blocks ``title`` and ``content``).
Its navigation links the endpoints in ``NAV`` when they exist:
``coordination.enrollments``, ``coordination.pairs``, ``coordination.followup``,
``coordination.dashboard``, ``coordination.exports``, ``coordination.second_factor``.

``blueprint`` holds what the views share (``bp``, navigation, flashes, errors);
each view module registers its routes on it when ``init_app`` imports it.
May import every part below it (``records``, ``matching``, ``exports``,
``forms``, ``mail``, ``storage``) and ``web.guards``; ``cli`` may import it.
"""

from __future__ import annotations

from flask import current_app, request, session, url_for
from flask_wtf.csrf import CSRFError

from .. import dates as display
from ..i18n import gettext, ngettext
from ..services import get_settings
from ..vocabulary import SENSITIVE_HINTS, PairState, Status
from . import sessions
from .auth import current_coordinator, deny_anonymous, second_factor_missing, setup_first
from .blueprint import (
    NAV,
    OPEN_ENDPOINTS,
    bp,
    csrf,
    csrf_error,
    material_stylesheets,
    private_headers,
    typeset_markup,
)

__all__ = ["init_app"]

# What a coordinator may reach while a required second factor is not set up yet.
SETUP_ENDPOINTS = {"coordination.second_factor", "coordination.logout"}

def init_app(app) -> None:
    """Register the area on the app (sessions, guard, CSRF, routes, hooks)."""
    # Importing a view module registers its routes on ``bp``.
    from . import (  # noqa: F401
        cohorts,
        dashboard,
        enrollments,
        exports,
        followup,
        login,
        pairs,
        review,
        second_factor,
    )

    settings = get_settings(app)
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
    for name in ("public", "participant", "rights", "pair_pages"):
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])
    app.register_error_handler(CSRFError, csrf_error)
    app.register_blueprint(bp)
    app.context_processor(_template_helpers)
    app.jinja_env.filters["date_fr"] = display.format_date
    app.jinja_env.filters["datetime_fr"] = display.format_datetime
    app.jinja_env.filters["typeset"] = typeset_markup
    # Templates compare stored codes with the members (``pair.status == PairState.ACTIVE``),
    # never with a bare string.
    app.jinja_env.globals.update(Status=Status, PairState=PairState,
                                 SENSITIVE_HINTS=SENSITIVE_HINTS)
    app.after_request(private_headers)


def _guard():
    path = request.path
    if not (path == "/coordination" or path.startswith("/coordination/")):
        return None
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if request.endpoint == "coordination.login_code" and "login_pending" in session:
        return None  # the password was right a moment ago; the view checks the rest
    coordinator = current_coordinator()
    if coordinator is None:
        return deny_anonymous()
    if second_factor_missing(coordinator) and request.endpoint not in SETUP_ENDPOINTS:
        return setup_first()
    return None


def _template_helpers() -> dict:
    def nav_active(endpoint: str) -> bool:
        if endpoint not in current_app.view_functions:
            return False
        return request.path.startswith(url_for(endpoint))

    return {
        "current_coordinator": current_coordinator,
        "setup_first_pending": lambda: bool(current_coordinator())
        and second_factor_missing(current_coordinator()),
        "coordination_nav": lambda: NAV,
        "coordination_stylesheets": lambda: material_stylesheets(
            get_settings().site_dir),
        "nav_active": nav_active,
        "view_functions": current_app.view_functions,
    }


