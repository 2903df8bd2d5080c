"""Security headers on every response, static files and errors included.

The Content-Security-Policy allows scripts from this origin only, plus the
few small inline scripts Material for MkDocs writes into each page: their
SHA-256 hashes are read from the built site, so no ``'unsafe-inline'`` is
needed for scripts. Flask's responses get the headers in ``after_request``
(which also runs for error pages); WhiteNoise's files get them through its
``add_headers_function``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from pathlib import Path

from flask import Flask, Response

from ..config import Settings
from ..services import get_settings

__all__ = ["init_app", "static_headers", "inline_script_hashes", "content_security_policy",
           "security_headers"]

# The body of a script ends at the first "</script", as in the browser's parser.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_SRC = re.compile(r"\bsrc\s*=", re.I)
# Scripts of these types are data the browser never runs (Material's __config).
_DATA_TYPE = re.compile(r"""\btype\s*=\s*["']?application/(ld\+)?json""", re.I)


def inline_script_hashes(site_dir: Path) -> list[str]:
    """Return the CSP sources (``'sha256-…'``) of every inline script of the built site."""
    found: set[str] = set()
    if not site_dir.is_dir():
        return []
    for page in sorted(site_dir.rglob("*.html")):
        html = page.read_text(encoding="utf-8", errors="replace")
        for attributes, body in _SCRIPT.findall(html):
            if _SRC.search(attributes) or _DATA_TYPE.search(attributes):
                continue
            digest = hashlib.sha256(body.encode("utf-8")).digest()
            found.add("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    return sorted(found)


def content_security_policy(settings: Settings, script_hashes: list[str]) -> str:
    """Return the policy for the site, the forms and the coordinator area."""
    form_action = ["'self'"]
    if settings.preview_origin:
        form_action.append(settings.preview_origin)
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'", *script_hashes]),
        ("style-src", ["'self'"]),
        ("img-src", ["'self'", "data:"]),
        ("font-src", ["'self'"]),
        ("connect-src", ["'self'"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'none'"]),
        ("frame-ancestors", ["'none'"]),
        ("form-action", form_action),
    ]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives)


class _Policy:
    """The headers, recomputed when the built site changes (``mentorat build`` again).

    The site is looked at once a second at most: every response asks, and a
    rebuild takes effect within that second.
    """

    RECHECK_SECONDS = 1.0

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._stamp: float | None = -1.0
        self._checked_at = float("-inf")
        self._headers: dict[str, str] = {}

    def _site_stamp(self) -> float | None:
        try:
            return (self.settings.site_dir / "index.html").stat().st_mtime
        except OSError:
            return None

    def headers(self) -> dict[str, str]:
        now = time.monotonic()
        if now - self._checked_at < self.RECHECK_SECONDS:
            return self._headers
        stamp = self._site_stamp()
        with self._lock:
            if stamp != self._stamp:
                self._headers = security_headers(
                    self.settings, inline_script_hashes(self.settings.site_dir))
                self._stamp = stamp
            self._checked_at = now  # after the headers: no caller ever gets them half-made
            return self._headers


DOCUMENT_ONLY = {"X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy"}


def security_headers(settings: Settings, script_hashes: list[str]) -> dict[str, str]:
    """Return the headers every response carries."""
    headers = {
        "Content-Security-Policy": content_security_policy(settings, script_hashes),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    }
    # Over plain HTTP (a laptop) HSTS would be ignored at best, a trap at worst.
    if settings.secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def _policy(app: Flask) -> _Policy:
    policy = app.extensions.get("mentorat.security")
    if policy is None:
        policy = app.extensions["mentorat.security"] = _Policy(get_settings(app))
    return policy


def init_app(app: Flask) -> None:
    """Add the headers to Flask's responses, error pages included."""
    policy = _policy(app)
    policy.headers()  # scan the built site now, at start-up, not on the first request

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # One pass over the response's headers (setdefault would scan them once per name).
        present = set(response.headers.keys(lower=True))
        response.headers.extend([(name, value) for name, value in policy.headers().items()
                                 if name.lower() not in present])
        return response


def static_headers(app: Flask):
    """Return WhiteNoise's ``add_headers_function`` for the site's files."""
    policy = _policy(app)

    def add_headers(headers, path: str, url: str) -> None:
        document = path.endswith((".html", ".svg", ".xml"))
        for name, value in policy.headers().items():
            # These three only apply to documents; every byte counts on a CSS or
            # JS file fetched by each visit (the CSP stays: it governs workers).
            if document or name not in DOCUMENT_ONLY:
                headers[name] = value

    return add_headers
