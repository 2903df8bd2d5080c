"""The service's long-lived objects, reached through accessors (flaskr's ``get_db``).

``init_app`` creates them once per application; views call ``get_repo()``,
``get_settings()``, ``get_programme()``… instead of looking up string keys, so
a typo is an ``AttributeError`` at import, not a ``KeyError`` in a request.
Code that holds the application but runs outside a request (an ``init_app``,
a session interface) passes it: ``get_settings(app)``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from .config import Settings
from .mail.legacy_outbox import LegacyOutbox
from .programme import Programme
from .records.repository import Repository
from .web.ratelimit import RateLimiter
from .web.static_site import SitePages

__all__ = ["init_app", "get_repo", "get_pages", "get_limiter", "get_settings", "get_programme",
           "services"]


@dataclass
class Services:
    """What one application shares between its requests."""

    settings: Settings
    programme: Programme
    pages: SitePages
    outbox: LegacyOutbox
    limiter: RateLimiter
    _repo: Repository | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def repo(self) -> Repository:
        # Opened on first use, in the worker process that uses it (after fork).
        with self._lock:
            if self._repo is None:
                self._repo = Repository(self.settings.data_dir,
                                        mail_domain=self.settings.mail_domain)
            return self._repo


def init_app(app: Flask, settings: Settings, programme: Programme) -> Services:
    found = Services(settings=settings, programme=programme, pages=SitePages(settings.site_dir),
                     outbox=LegacyOutbox(settings.data_dir), limiter=RateLimiter(settings, app.secret_key))
    app.extensions["mentorat"] = found
    return found


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions["mentorat"]


def get_repo() -> Repository:
    return services().repo()


def get_pages() -> SitePages:
    return services().pages


def get_limiter() -> RateLimiter:
    return services().limiter


def get_settings(app: Flask | None = None) -> Settings:
    return services(app).settings


def get_programme(app: Flask | None = None) -> Programme:
    return services(app).programme
