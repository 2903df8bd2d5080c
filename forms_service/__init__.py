"""The forms service of the mentoring programme.

``create_app`` builds the Flask application that serves the built guide,
the public forms' endpoint and the coordinator area, on one origin.
"""

from __future__ import annotations

import dataclasses
import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from . import services
from .config import Settings, load_secret_key
from .i18n import _
from .programme import load_programme
from .site import SiteDispatcher

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application from ``MENTORAT_*`` settings.

    ``test_config`` may override settings (lower-case names of ``Settings``
    fields) and Flask's own keys (upper case).
    """
    test_config = dict(test_config or {})
    overrides = {k: test_config.pop(k) for k in list(test_config) if k.islower()}
    settings = dataclasses.replace(Settings.from_env(), **overrides)

    app = Flask(__name__)
    app.config.from_mapping(
        SETTINGS=settings,
        PROGRAMME=load_programme(settings.programme),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        # Form posts are urlencoded; a body bigger than this is refused (413).
        MAX_FORM_MEMORY_SIZE=settings.max_content_length,
        JSON_AS_ASCII=False,
    )
    app.config.update(test_config)
    app.secret_key = load_secret_key(settings)
    app.json.ensure_ascii = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    found = services.init_app(app, settings)
    # A crash mid-write may have left part of a message (personal data): remove it.
    found.outbox.remove_partial()
    from . import compression, coordination, participant, public, security

    app.register_blueprint(public.bp)
    app.register_blueprint(participant.bp)
    coordination.init_app(app)
    security.init_app(app)
    compression.init_app(app)
    _register_errors(app)
    app.wsgi_app = SiteDispatcher(app.wsgi_app, settings.site_dir,
                                  add_headers=security.static_headers(app))
    return app


def _register_errors(app: Flask) -> None:
    from .storage import StorageUnavailable
    from .typography import french_spacing

    messages = {
        400: _("La demande est incomplète ou mal formée."),
        403: _("Accès refusé."),
        404: _("Cette page n'existe pas."),
        405: _("Cette adresse n'accepte pas cette méthode."),
        413: _("Le formulaire envoyé est trop volumineux : raccourcissez vos réponses."),
        429: _("Trop d'envois depuis votre connexion : patientez quelques minutes puis réessayez."),
        500: _("Une erreur inattendue s'est produite. Vos réponses n'ont pas été enregistrées : "
               "réessayez dans un instant."),
        503: _("Le service est momentanément indisponible : vos réponses n'ont pas été "
               "enregistrées. Réessayez dans quelques minutes."),
    }

    def answer(status: int, message: str | None = None):
        message = french_spacing(message or messages.get(status, messages[500]))
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
            return jsonify(ok=False, message=message, errors={"__form__": [message]}), status
        return _error_page(app, status, message), status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        custom = error.description if isinstance(error.description, str) and \
            error.description != type(error).description else None
        return answer(error.code or 500, custom)

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error):
        app.logger.error("stockage indisponible : %s", error)
        return answer(503)

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("erreur inattendue")
        return answer(500)


def _error_page(app: Flask, status: int, message: str) -> str:
    """Return the guide's 404 page, its text replaced by the error's message."""
    from markupsafe import escape

    page = services.services(app).pages.get("404.html")
    body = f"<h1>{escape(message)}</h1>"
    if page is None:
        return f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur</title>{body}</html>'
    if status == 404:
        return page
    start, end = page.find("<h1"), page.find("</article>")
    if start == -1 or end == -1:
        return page
    link = '<p><a href="/">' + str(escape(_("Revenir à l'accueil du programme"))) + "</a></p>"
    return page[:start] + body + link + page[end:]
