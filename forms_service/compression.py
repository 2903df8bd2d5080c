"""Compress the public pages Flask answers itself (brotli, else gzip).

WhiteNoise serves the static pages already compressed at build time; the
pages holding a form go through Flask (it signs their render time), and
the form markup makes them the heaviest of the guide. Only pages that hold
no secret and echo nothing a visitor typed are compressed here, so a
compression side channel (BREACH) has nothing to read: never the
coordinators' area (CSRF tokens), personal links or re-rendered answers.
"""

from __future__ import annotations

import gzip
import re

from flask import Flask, Response, request

__all__ = ["init_app", "COMPRESSED_PATHS"]

COMPRESSED_PATHS = re.compile(r"^/formulaires/(inscription|retour|merci|mon-inscription)/$")
MIN_SIZE = 1024  # smaller bodies gain less than the header costs
BROTLI_QUALITY = 5  # fast enough per request, close to gzip -9 in size

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a dependency; gzip still works
    brotli = None


def _encoding() -> str | None:
    accepted = request.accept_encodings
    if brotli is not None and accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def compress(response: Response) -> Response:
    """Compress an eligible HTML answer for a client that accepts it."""
    if request.method != "GET" or not COMPRESSED_PATHS.match(request.path):
        return response
    response.vary.add("Accept-Encoding")
    if (request.query_string and request.path != "/formulaires/merci/"
            or response.status_code != 200 or response.mimetype != "text/html"
            or response.direct_passthrough or "Content-Encoding" in response.headers):
        return response
    body = response.get_data()
    encoding = _encoding()
    if encoding is None or len(body) < MIN_SIZE:
        return response
    if encoding == "br":
        data = brotli.compress(body, quality=BROTLI_QUALITY, mode=brotli.MODE_TEXT)
    else:
        data = gzip.compress(body, compresslevel=6)
    response.set_data(data)
    response.headers["Content-Encoding"] = encoding
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress)
