"""Build the Flask application: the built guide, the public forms and the coordinator area.

One origin (DESIGN decision 1): ``create_app`` registers the blueprints of
``web`` and ``coordination``, the one error mapping, and the dispatcher that
serves the static site beside them.
"""

from __future__ import annotations

import dataclasses
import logging

from flask import Flask
from werkzeug.exceptions import HTTPException

from . import services
from .config import Settings, load_secret_key
from .errors import Rejected
from .programme import load_programme
from .storage import StorageUnavailable
from .web.guards import refusal
from .web.static_site import SiteDispatcher

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application from ``MENTORAT_*`` settings.

    ``test_config`` may override settings (lower-case names of ``Settings``
    fields) and Flask's own keys (upper case).
    """
    # The views load with the application, not with the package: a script that
    # imports ``forms_service.storage`` or the build's hooks never pays for them.
    from . import coordination
    from .web import pair_pages, participant, public, rights, security

    test_config = dict(test_config or {})
    overrides = {k: test_config.pop(k) for k in list(test_config) if k.islower()}
    settings = dataclasses.replace(Settings.from_env(), **overrides)

    programme = load_programme(settings.programme)
    app = Flask(__name__)
    app.config.from_mapping(
        # The service reads these through services.get_settings()/get_programme(); the
        # config keys stay for scripts and tests that hold only the app.
        SETTINGS=settings,
        PROGRAMME=programme,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        # Form posts are urlencoded; a body bigger than this is refused (413).
        MAX_FORM_MEMORY_SIZE=settings.max_content_length,
        JSON_AS_ASCII=False,
    )
    app.config.update(test_config)
    app.secret_key = load_secret_key(settings)
    app.json.ensure_ascii = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    found = services.init_app(app, settings, programme)
    # A crash mid-write may have left part of a message (personal data): remove it.
    found.outbox.remove_partial()

    app.register_blueprint(public.bp)
    app.register_blueprint(participant.bp)
    app.register_blueprint(rights.bp)
    app.register_blueprint(pair_pages.bp)
    coordination.init_app(app)
    security.init_app(app)
    _register_errors(app)
    app.wsgi_app = SiteDispatcher(app.wsgi_app, settings.site_dir,
                                  add_headers=security.static_headers(app), pages=found.pages)
    return app


def _register_errors(app: Flask) -> None:
    """Every error of the service answers through ``guards.refusal``: JSON or the page."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        custom = error.description if isinstance(error.description, str) and \
            error.description != type(error).description else None
        return refusal(error.code or 500, custom)

    @app.errorhandler(Rejected)
    def rejected(error: Rejected):
        return refusal(error.status, error.message, field=error.field,
                       retry_after=error.retry_after)

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error):
        app.logger.error("stockage indisponible : %s", error)
        return refusal(503)

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("erreur inattendue")
        return refusal(500)
