"""Compress a finished public page (brotli, else gzip): the last step of its answer.

WhiteNoise serves the static pages already compressed at build time; the
pages holding a form go through Flask (it signs their render time), and
the form markup makes them the heaviest of the guide. The public path calls
``compress`` on the pages that hold no secret and echo nothing a visitor
typed, so a compression side channel (BREACH) has nothing to read: never
the coordinators' area (CSRF tokens), personal links or re-rendered answers.
Error pages are pages too (the built 404 page, a message at most): compressed.
Nothing changes a body after it: the public path builds it whole first.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import Response, request

__all__ = ["compress"]

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
    """Compress a finished HTML answer for a client that accepts it."""
    response.vary.add("Accept-Encoding")
    # A page (200) or an error page (4xx, 5xx): never a redirect nor an empty answer.
    page = response.status_code == 200 or 400 <= response.status_code < 600
    if request.method != "GET" or not page or response.direct_passthrough \
            or "Content-Encoding" in response.headers:
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
