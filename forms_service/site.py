"""Serve the built guide beside the service, on one origin.

WhiteNoise answers the static pages (compressed, long cache for
fingerprinted assets, revalidation for HTML). Paths the service owns — the
pages holding a form, the API, the coordinator area — bypass WhiteNoise and
go to Flask, which injects what a static file cannot carry.
"""

from __future__ import annotations

import re
from pathlib import Path

from whitenoise import WhiteNoise

__all__ = ["SiteDispatcher", "FLASK_PATHS", "SitePages"]

FLASK_PATHS = re.compile(
    r"^/(api/|coordination(/|$)|healthz$|formulaires/(inscription|retour|merci|mon-inscription)/)"
)
# Material's assets carry a content hash in their name (main.57a0d79d.min.css).
_FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}\.(min\.)?(js|css)$")


def _immutable(path: str, url: str) -> bool:
    return bool(_FINGERPRINTED.search(url))


class SiteDispatcher:
    """WSGI entry: the service's own paths to Flask, everything else to WhiteNoise."""

    def __init__(self, flask_wsgi, site_dir: Path, add_headers=None):
        self.flask_wsgi = flask_wsgi
        self.static = WhiteNoise(
            flask_wsgi,
            root=str(site_dir) if site_dir.is_dir() else None,
            index_file=True,
            # One origin: no other site needs to read these files.
            allow_all_origins=False,
            max_age=0,  # HTML and unversioned files revalidate; see _immutable
            immutable_file_test=_immutable,
            add_headers_function=add_headers,
        )

    def __call__(self, environ, start_response):
        if FLASK_PATHS.match(environ.get("PATH_INFO", "")):
            return self.flask_wsgi(environ, start_response)
        return self.static(environ, start_response)


class SitePages:
    """Read built pages from the site directory, re-reading a file when it changes."""

    def __init__(self, site_dir: Path):
        self.site_dir = site_dir
        self._cache: dict[str, tuple[float, str]] = {}

    def get(self, relative: str) -> str | None:
        path = self.site_dir / relative
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        cached = self._cache.get(relative)
        if cached and cached[0] == mtime:
            return cached[1]
        html = path.read_text(encoding="utf-8")
        self._cache[relative] = (mtime, html)
        return html
