"""The coordinators' private area at ``/coordination/``."""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("coordination", __name__, url_prefix="/coordination")


def init_app(app) -> None:
    """Register the area on the app (sessions, CSRF, routes)."""
    app.register_blueprint(bp)
