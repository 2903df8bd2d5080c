"""Checks shared by the endpoints that take posts without a session, and their answers.

The public forms and "Mon inscription" carry no session (DESIGN.md,
decision 4): what stands in for a CSRF token is the origin check here. A
post that cannot go on raises ``Rejected``; ``refusal`` turns any refusal
or error into the one answer shape of the service: JSON when the client
asked for JSON, otherwise a page in the site's look (the caller passes how
to draw its own page, with the form and answers kept, or gets the error
page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Response, abort, jsonify, request
from markupsafe import escape

from ..errors import MESSAGES, TOO_LARGE, Rejected
from ..i18n import _
from ..services import get_pages, get_settings
from ..typography import french_message
from . import compression

__all__ = ["Rejected", "check_origin", "origin_of", "wants_json", "refusal", "TOO_LARGE",
           "within_limit", "PERSONAL_REFERRER_POLICY",
           "MESSAGES"]

def wants_json() -> bool:
    """Whether the client (the forms' script) asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > 0


def refusal(status: int, message: str | None = None, *, field: str = "__form__",
            errors: dict | None = None, page: Callable[[str], Response] | None = None,
            retry_after: int | None = None) -> Response:
    """Answer a refusal or an error, the same way everywhere.

    JSON: ``{"ok": false, "errors": {field: [...]}}``, plus ``message`` (also
    first under its field) when there is one: a form that merely fails
    validation has only field errors. Otherwise ``page(message)`` draws the
    caller's page (the form with its answers kept), or the site's error page
    says the message.
    """
    # Our messages come typeset from i18n.gettext; WTForms' own ones from its catalogue.
    found = {name or "__form__": [french_message(m) for m in messages]
             for name, messages in (errors or {}).items()}
    if message is None and not found:
        message = MESSAGES.get(status, MESSAGES[500])
    if message is not None:
        message = french_message(message)
    if wants_json():
        body = {"ok": False, "errors": found}
        if message is not None:
            found.setdefault(field, []).insert(0, message)
            body["message"] = message
        response = jsonify(body)
    elif page is not None:
        response = page(message or "")
    else:
        response = error_page(status, message or MESSAGES[status])
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(int(retry_after), 1))
    if page is None and not wants_json():
        # The site's error page holds no secret and echoes nothing typed: compressed last.
        response = compression.compress(response)
    return response


def error_page(status: int, message: str) -> Response:
    """The guide's 404 page, its text replaced by the message (the page as built for 404)."""
    page = get_pages().get("404.html")
    body = f"<h1>{escape(message)}</h1>"
    if page is None:
        html = f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur</title>{body}</html>'
    elif status == 404:
        html = page
    else:
        start, end = page.find("<h1"), page.find("</article>")
        link = '<p><a href="/">' + str(escape(_("Revenir à l'accueil du programme"))) + "</a></p>"
        html = page if start == -1 or end == -1 else page[:start] + body + link + page[end:]
        title = re.compile(r"<title>.*?</title>", re.S)
        html = title.sub(lambda _m: f"<title>Erreur\u00a0: {escape(message)}</title>", html, 1)
    return Response(html, status=status, mimetype="text/html")


def check_origin() -> None:
    """Refuse a post sent from another site (its Origin, or Sec-Fetch-Site: cross-site).

    Called first by every sessionless post: it also reads the body within the
    size limit (``within_limit``).
    """
    within_limit()
    settings = get_settings()
    allowed = {origin_of(settings.base_url)}
    if not settings.base_url_set:
        # No public address configured (a laptop): the one the site is reached at is its own.
        # Once MENTORAT_BASE_URL is set, the Host header, which a client chooses, is not trusted.
        allowed.add(origin_of(request.host_url))
    if settings.preview_origin:
        allowed.add(origin_of(settings.preview_origin))
    origin = request.headers.get("Origin")
    foreign = _("Ce formulaire ne peut être envoyé que depuis le site du programme.")
    # « null » is an opaque origin (a sandboxed frame, a file, a data: page): never ours.
    if origin and (origin == "null" or origin_of(origin) not in allowed):
        raise Rejected(403, foreign)
    if request.headers.get("Sec-Fetch-Site") == "cross-site" and not (
        origin and settings.preview_origin and origin_of(origin) == origin_of(settings.preview_origin)
    ):
        raise Rejected(403, foreign)


# Pages opened by a personal link: the address (and its token) is sent on to this site
# only. « no-referrer » would do too, but browsers then post their forms with
# ``Origin: null``, which ``check_origin`` refuses.
PERSONAL_REFERRER_POLICY = "same-origin"


def within_limit() -> None:
    """Read the body now, so one over the size limit is a 413 even when it comes chunked.

    Without a Content-Length, Werkzeug stops reading at the limit without a
    word and the form parser sees a truncated body (a 400 naming fields). Read
    first: a body that fills the limit and has more behind it is a 413; the
    form is then parsed from what was read.
    """
    limit = request.max_content_length
    if request.content_length is not None or limit is None:
        return
    data = request.get_data(cache=True, parse_form_data=False)
    if len(data) >= limit and request.environ["wsgi.input"].read(1):
        abort(413)


def origin_of(url: str) -> str:
    """scheme://host:port of an address, lower case; ``""`` for one that does not parse."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port or host
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()
