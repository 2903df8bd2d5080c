"""Limit how often one client may post a public form, across all workers.

Counters live in a small SQLite file in the data directory, so every
gunicorn worker shares them (N workers are not N times looser). Clients are
keyed by a keyed hash of their address: the file holds no raw address.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
import time

from flask import request

from .. import sqlitedb
from ..config import Settings
from ..errors import Rejected
from ..i18n import _

__all__ = ["RateLimiter", "parse_limits"]

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_limits(text: str) -> list[tuple[int, int]]:
    """Parse ``5/minute;30/hour`` into [(5, 60), (30, 3600)]; ``off`` gives []."""
    if text.strip().lower() in {"off", "0", "non", ""}:
        return []
    limits = []
    for part in text.split(";"):
        count, _sep, unit = part.strip().partition("/")
        unit = unit.strip().lower().rstrip("s")
        if not count.strip().isdigit() or unit not in UNITS:
            raise ValueError(_("MENTORAT_RATE_LIMIT : « %(part)s » n'est pas de la forme 5/minute.")
                             % {"part": part})
        limits.append((int(count), UNITS[unit]))
    return limits


class RateLimiter:
    """Fixed-window counters per client, shared through SQLite."""

    def __init__(self, settings: Settings, secret: str):
        self.limits = parse_limits(settings.rate_limit)
        self.trusted_proxies = settings.trusted_proxies
        self.path = settings.data_dir / "ratelimit.sqlite3"
        self.key = hashlib.sha256(("ratelimit:" + secret).encode()).digest()
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlitedb.connect(self.path, [
                "CREATE TABLE IF NOT EXISTS hits (client TEXT, window INTEGER, "
                "period INTEGER, count INTEGER, PRIMARY KEY (client, window, period))"])
        return db

    def client_address(self) -> str:
        """The client's address: the socket's, or the one the trusted proxies saw."""
        if self.trusted_proxies > 0:
            hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")
                    if h.strip()]
            if len(hops) >= self.trusted_proxies:
                return hops[-self.trusted_proxies]
        return request.remote_addr or "inconnu"

    def hit(self) -> None:
        """Count one post; raise ``Rejected(429)`` when a limit is passed."""
        if not self.limits:
            return
        client = hmac.new(self.key, self.client_address().encode(), "sha256").hexdigest()
        now = int(time.time())
        db = self._db()
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM hits WHERE window + period < ?", (now - 86400,))
            wait = 0  # seconds until every limit passed has a new window
            for count, period in self.limits:
                window = now - now % period
                db.execute("INSERT INTO hits VALUES (?, ?, ?, 1) ON CONFLICT DO UPDATE "
                           "SET count = count + 1", (client, window, period))
                (seen,) = db.execute("SELECT count FROM hits WHERE client=? AND window=? AND "
                                     "period=?", (client, window, period)).fetchone()
                if seen > count:
                    wait = max(wait, window + period - now)
        if wait:
            raise Rejected(429, retry_after=wait)
