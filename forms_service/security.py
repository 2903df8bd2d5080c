"""Security headers on every response, static files and errors included."""

from __future__ import annotations

__all__ = ["init_app", "static_headers"]


def init_app(app) -> None:
    """Add the headers to Flask's responses."""


def static_headers(app):
    """Return WhiteNoise's ``add_headers_function`` for the site's files (or None)."""
    return None
