"""Serve the built guide beside the service, on one origin.

WhiteNoise answers the static pages (compressed, long cache for
fingerprinted assets, revalidation for HTML). Paths the service owns — the
API, the coordinator area, the participant's pages — and every page the
build lists in ``mentorat-formulaires.json`` (the pages holding a form)
bypass WhiteNoise and go to Flask, which signs each form's render time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from whitenoise import WhiteNoise

__all__ = ["SiteDispatcher", "FLASK_PATHS", "SitePages", "FORM_MANIFEST", "RESERVED_PAGES"]

# Written by the build (overrides/hooks/forms.py): page URL -> the forms it holds.
FORM_MANIFEST = "mentorat-formulaires.json"
# Page URLs the service keeps for its own views: no form marker may go there.
RESERVED_PAGES = ("api/", "coordination/", "formulaires/merci/", "formulaires/mon-inscription/",
                  "formulaires/rencontre/", "formulaires/refus/", "healthz")
FLASK_PATHS = re.compile(
    r"^/(api/|coordination(/|$)|healthz$|formulaires/(merci|mon-inscription|rencontre|refus)/)"
)
# Material's assets carry a content hash in their name (main.57a0d79d.min.css).
_FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}\.(min\.)?(js|css)$")


def _immutable(path: str, url: str) -> bool:
    return bool(_FINGERPRINTED.search(url))


class SiteDispatcher:
    """WSGI entry: the service's own paths to Flask, everything else to WhiteNoise."""

    def __init__(self, flask_wsgi, site_dir: Path, add_headers=None,
                 pages: SitePages | None = None):
        self.flask_wsgi = flask_wsgi
        self.pages = pages or SitePages(site_dir)
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
        path = environ.get("PATH_INFO", "")
        if FLASK_PATHS.match(path) or path.lstrip("/") in self.pages.form_pages():
            return self.flask_wsgi(environ, start_response)
        return self.static(environ, start_response)


class SitePages:
    """Read built pages from the site directory, re-reading a file when it changes."""

    def __init__(self, site_dir: Path):
        self.site_dir = site_dir
        self._cache: dict[str, tuple[float, str]] = {}
        self._manifest: tuple[str, dict] | None = None

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

    def form_pages(self) -> dict[str, list[str]]:
        """Page URL (``formulaires/inscription/``) -> the form keys it holds, from the build."""
        text = self.get(FORM_MANIFEST)
        if text is None:
            return {}
        if self._manifest is None or self._manifest[0] is not text:
            try:
                found = json.loads(text)
            except ValueError:
                found = {}
            self._manifest = (text, found if isinstance(found, dict) else {})
        return self._manifest[1]

    def page(self, url: str) -> str | None:
        """The built HTML of a page URL (``formulaires/retour/``, ``""`` for the home page)."""
        return self.get(f"{url}index.html")
