"""Checks shared by the endpoints that take posts without a session.

The public forms and "Mon inscription" carry no session (DESIGN.md,
decision 4): what stands in for a CSRF token is the origin check here, and
what a refused post becomes is a ``Rejected`` with its status and message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

from .i18n import _

__all__ = ["Rejected", "check_origin", "origin_of", "wants_json"]


class Rejected(Exception):
    """A post refused before validation; carries the status and a French message."""

    def __init__(self, status: int, message: str, field: str = "__form__"):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def wants_json() -> bool:
    """Whether the client (the forms' script) asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > 0


def check_origin() -> None:
    """Refuse a post sent from another site (its Origin, or Sec-Fetch-Site: cross-site)."""
    settings = current_app.config["SETTINGS"]
    allowed = {origin_of(settings.base_url), origin_of(request.host_url)}
    if settings.preview_origin:
        allowed.add(origin_of(settings.preview_origin))
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin_of(origin) not in allowed:
        raise Rejected(403, _("Ce formulaire ne peut être envoyé que depuis le site du programme."))
    if request.headers.get("Sec-Fetch-Site") == "cross-site" and not (
        origin and settings.preview_origin and origin_of(origin) == origin_of(settings.preview_origin)
    ):
        raise Rejected(403, _("Ce formulaire ne peut être envoyé que depuis le site du programme."))


def origin_of(url: str) -> str:
    """scheme://host:port of an address, lower case."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
