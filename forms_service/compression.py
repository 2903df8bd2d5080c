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
from functools import lru_cache

from flask import Flask, Response, request

__all__ = ["init_app", "COMPRESSED_PATHS"]

COMPRESSED_PATHS = re.compile(r"^/formulaires/(inscription|retour|merci|mon-inscription)/$")
MIN_SIZE = 1024  # smaller bodies gain less than the header costs
# The best brotli quality costs ~50 ms on a form page, but a page is the same
# for every visitor within one second (its signed render time counts seconds),
# so each worker compresses a page at most once a second: see _brotli's cache.
BROTLI_QUALITY = 11

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
    data = _brotli(body) if encoding == "br" else _gzip(body)
    response.set_data(data)
    response.headers["Content-Encoding"] = encoding
    return response


@lru_cache(maxsize=16)
def _brotli(body: bytes) -> bytes:
    return brotli.compress(body, quality=BROTLI_QUALITY, mode=brotli.MODE_TEXT)


@lru_cache(maxsize=16)
def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=9, mtime=0)


def init_app(app: Flask) -> None:
    app.after_request(compress)
