"""Server-side sessions and the login throttle of the coordinators' area.

Both live in one SQLite file of the data directory (``coordination.sqlite3``)
so every gunicorn worker sees the same sessions and counts the same failed
logins. The cookie carries only a random session id; the file keeps a hash
of it, so reading the file gives no usable cookie. Throttle keys are keyed
hashes of the account, the client address and the known device: no raw
e-mail, address or cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from .. import sqlitedb
from ..config import Settings
from ..services import get_settings

__all__ = ["ServerSession", "ServerSessionInterface", "SessionStore", "LoginThrottle",
           "Admission", "failure_delay", "login_throttle", "DB_NAME"]

DB_NAME = "coordination.sqlite3"
# However active, a session ends after this long: a stolen cookie does not live forever.
ABSOLUTE_LIFETIME = 12 * 3600
FAILURE_WINDOW = 15 * 60
FAILURES_PER_ACCOUNT = 5  # per account and client, in the window
FAILURES_PER_CLIENT = 20  # all accounts together, in the window (password spraying)
# Per account from every address together (or per known device): failures in a row
# that cost nothing, then a wait after each, doubling up to the cap.
FREE_FAILURES = 10
FIRST_DELAY = 30
MAX_DELAY = 15 * 60
# A series of failures is forgotten after a day without one.
FORGET_AFTER = 24 * 3600
# last_seen is rewritten at most this often, so reading a page rarely writes.
TOUCH_EVERY = 15

_serializer = TaggedJSONSerializer()
_connections = threading.local()


def _connect(path: Path) -> sqlite3.Connection:
    cache = getattr(_connections, "dbs", None)
    if cache is None:
        cache = _connections.dbs = {}
    db = cache.get(path)
    if db is None:
        db = cache[path] = sqlitedb.connect(path, [
            "CREATE TABLE IF NOT EXISTS sessions (sid_hash TEXT PRIMARY KEY, "
            "data TEXT NOT NULL, created REAL NOT NULL, last_seen REAL NOT NULL)",
            "CREATE TABLE IF NOT EXISTS login_failures (account TEXT NOT NULL, "
            "client TEXT NOT NULL, at REAL NOT NULL)",
            "CREATE INDEX IF NOT EXISTS login_failures_client ON login_failures (client, at)",
            "CREATE TABLE IF NOT EXISTS login_delays (key TEXT PRIMARY KEY, "
            "failures INTEGER NOT NULL, last REAL NOT NULL)",
        ])
    return db


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("ascii", "replace")).hexdigest()


class SessionStore:
    """The ``sessions`` table: one row per live session, keyed by the hash of its id."""

    def __init__(self, data_dir: Path, idle_seconds: float):
        self.path = Path(data_dir) / DB_NAME
        self.idle_seconds = idle_seconds

    @property
    def db(self) -> sqlite3.Connection:
        return _connect(self.path)

    def load(self, sid: str) -> tuple[dict, float] | None:
        """Return the live session's data and last-seen time, or None (unknown or expired)."""
        row = self.db.execute("SELECT data, created, last_seen FROM sessions WHERE sid_hash=?",
                              (_sid_hash(sid),)).fetchone()
        if row is None:
            return None
        now = time.time()
        if now - row[2] >= self.idle_seconds or now - row[1] >= ABSOLUTE_LIFETIME:
            self.delete(sid)
            return None
        return _serializer.loads(row[0]), row[2]

    def save(self, sid: str, data: dict) -> None:
        now = time.time()
        self.db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?) ON CONFLICT(sid_hash) DO "
                        "UPDATE SET data=excluded.data, last_seen=excluded.last_seen",
                        (_sid_hash(sid), _serializer.dumps(dict(data)), now, now))

    def touch(self, sid: str) -> None:
        self.db.execute("UPDATE sessions SET last_seen=? WHERE sid_hash=?",
                        (time.time(), _sid_hash(sid)))

    def delete(self, sid: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE sid_hash=?", (_sid_hash(sid),))

    def purge_expired(self) -> None:
        now = time.time()
        self.db.execute("DELETE FROM sessions WHERE last_seen < ? OR created < ?",
                        (now - self.idle_seconds, now - ABSOLUTE_LIFETIME))

    def set_last_seen(self, sid: str, when: float) -> None:
        """Move a session's last activity (tests and maintenance)."""
        self.db.execute("UPDATE sessions SET last_seen=? WHERE sid_hash=?", (when, _sid_hash(sid)))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM sessions").fetchone()[0]


class ServerSession(CallbackDict, SessionMixin):
    """A session whose content stays on the server; the cookie holds its id only."""

    def __init__(self, initial: dict | None = None, sid: str | None = None,
                 last_seen: float = 0.0):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.last_seen = last_seen
        self.modified = False
        self.previous_sid: str | None = None
        self.destroyed = False
        self.stale = False

    @property
    def new(self) -> bool:  # noqa: D401 - Flask's name
        return self.sid is None

    def regenerate(self) -> None:
        """Drop the current content and id; the next save gets a fresh random id."""
        self.previous_sid = self.previous_sid or self.sid
        self.sid = None
        self.clear()
        self.modified = True

    def destroy(self) -> None:
        """End the session: the row is deleted and the cookie removed."""
        self.regenerate()
        self.destroyed = True


class ServerSessionInterface(SessionInterface):
    """Flask sessions kept in ``coordination.sqlite3``, with an idle timeout."""

    def __init__(self, settings: Settings):
        self.store = SessionStore(settings.data_dir, settings.session_idle_minutes * 60)

    def open_session(self, app, request) -> ServerSession | None:
        if not request.path.startswith(self.get_cookie_path(app)):
            return None  # a null session: only the area has sessions (the cookie's path)
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and len(sid) <= 128:
            found = self.store.load(sid)
            if found is not None:
                return ServerSession(found[0], sid=sid, last_seen=found[1])
        fresh = ServerSession()
        # A cookie for a session the server no longer has: it expired (or was ended).
        fresh.stale = bool(sid)
        return fresh

    def save_session(self, app, session: ServerSession, response) -> None:
        name, domain, path = (self.get_cookie_name(app), self.get_cookie_domain(app),
                              self.get_cookie_path(app))
        if session.previous_sid:
            self.store.delete(session.previous_sid)
        if session.destroyed or (not session and session.modified):
            if session.sid:
                self.store.delete(session.sid)
            response.delete_cookie(name, domain=domain, path=path,
                                   secure=self.get_cookie_secure(app),
                                   httponly=self.get_cookie_httponly(app),
                                   samesite=self.get_cookie_samesite(app))
            return
        if not session:
            return
        if session.modified or session.sid is None:
            if session.sid is None:
                session.sid = secrets.token_urlsafe(32)
                self.store.purge_expired()
            self.store.save(session.sid, session)
        elif time.time() - session.last_seen >= TOUCH_EVERY:
            self.store.touch(session.sid)
        else:
            return
        response.vary.add("Cookie")
        # A session cookie (no Expires): closing the browser ends it too.
        response.set_cookie(name, session.sid, domain=domain, path=path,
                            secure=self.get_cookie_secure(app),
                            httponly=self.get_cookie_httponly(app),
                            samesite=self.get_cookie_samesite(app))


@dataclass(frozen=True)
class Admission:
    """The throttle's answer to one login attempt."""

    allowed: bool
    # When refused: seconds until an attempt is heard again (the Retry-After header).
    retry_after: int = 0
    # When allowed: if this attempt fails, the account (or device) must wait from now on.
    locks_if_failed: bool = False

    def __bool__(self) -> bool:
        return self.allowed


def failure_delay(failures: int) -> float:
    """How long to wait after this many failures in a row: none, then doubling to a cap."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(FIRST_DELAY * 2 ** min(failures - FREE_FAILURES, 16), MAX_DELAY))


class LoginThrottle:
    """Count failed logins across workers, and say how long the next one must wait.

    Three counts, all keyed hashes (no raw e-mail, address or cookie):

    - per account and client, and per client (password spraying), in a
      15-minute window: today's per-address limits;
    - per account, from every client address together: after ``FREE_FAILURES``
      in a row, each attempt waits ``failure_delay`` after the last failure, so
      a botnet of addresses gets a guess every quarter of an hour at best;
    - per known device (``devices``): a browser that logged in to this account
      before is counted on its own, so an attacker who locks the account out
      does not lock its owner out (OWASP's device cookies).

    Refusals answer at once with the wait: a worker is never held asleep.
    ``clock`` is ``time.time`` unless a test sets another.
    """

    def __init__(self, data_dir: Path, secret: str, clock=time.time):
        self.path = Path(data_dir) / DB_NAME
        self.key = hashlib.sha256(("login-throttle:" + secret).encode()).digest()
        self.clock = clock

    def _digest(self, value: str) -> str:
        return hmac.new(self.key, value.encode("utf-8"), "sha256").hexdigest()

    def _keys(self, email: str, client: str) -> tuple[str, str]:
        return self._digest("compte:" + (email or "").strip().casefold()), \
            self._digest("client:" + client)

    def attempt(self, email: str, client: str) -> bool:
        """Count one attempt from an unknown client; False when it must wait (see ``admit``)."""
        return self.admit(email, client).allowed

    def admit(self, email: str, client: str, device: str | None = None) -> Admission:
        """Count one login attempt, or refuse it (and count nothing) while it must wait.

        The attempt is counted as a failure *before* the password is checked
        (``clear`` forgets it on success), in one transaction: a burst of
        parallel attempts cannot slip past the limit while hashes are computed.
        With ``device`` (a known device's id) only that device's count applies.
        """
        account, client_key = self._keys(email, client)
        delay_key = self._digest("appareil:" + device) if device else account
        db = _connect(self.path)
        now = self.clock()
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM login_failures WHERE at < ?", (now - FAILURE_WINDOW,))
            db.execute("DELETE FROM login_delays WHERE last < ?", (now - FORGET_AFTER,))
            wait = self._delay_wait(db, delay_key, now)
            if device is None:
                wait = max(wait, self._window_wait(db, account, client_key, now))
            if wait > 0:
                return Admission(False, retry_after=max(1, math.ceil(wait)))
            failures = self._count(db, delay_key, now)
            if device is None:
                db.execute("INSERT INTO login_failures VALUES (?, ?, ?)",
                           (account, client_key, now))
        return Admission(True, locks_if_failed=failures == FREE_FAILURES)

    @staticmethod
    def _delay_wait(db: sqlite3.Connection, key: str, now: float) -> float:
        row = db.execute("SELECT failures, last FROM login_delays WHERE key=?",
                         (key,)).fetchone()
        return 0.0 if row is None else row[1] + failure_delay(row[0]) - now

    @staticmethod
    def _window_wait(db: sqlite3.Connection, account: str, client_key: str, now: float) -> float:
        """Until enough failures of the window expire to bring both counts under their limit."""
        per_account = db.execute("SELECT at FROM login_failures WHERE account=? AND client=? "
                                 "ORDER BY at", (account, client_key)).fetchall()
        per_client = db.execute("SELECT at FROM login_failures WHERE client=? ORDER BY at",
                                (client_key,)).fetchall()
        wait = 0.0
        for rows, limit in ((per_account, FAILURES_PER_ACCOUNT),
                            (per_client, FAILURES_PER_CLIENT)):
            if len(rows) >= limit:
                wait = max(wait, rows[len(rows) - limit][0] + FAILURE_WINDOW - now)
        return wait

    @staticmethod
    def _count(db: sqlite3.Connection, key: str, now: float) -> int:
        db.execute("INSERT INTO login_delays VALUES (?, 1, ?) ON CONFLICT(key) DO UPDATE "
                   "SET failures = failures + 1, last = excluded.last", (key, now))
        return db.execute("SELECT failures FROM login_delays WHERE key=?", (key,)).fetchone()[0]

    def forgive(self, email: str, client: str, device: str | None = None) -> None:
        """Uncount the attempt just admitted: it was right, though the login goes on.

        The password before the second factor's code, or a code that confirms a
        change: one attempt fewer, the earlier failures stay counted.
        """
        account, client_key = self._keys(email, client)
        db = _connect(self.path)
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE login_delays SET failures = failures - 1 "
                       "WHERE key=? AND failures > 0",
                       (self._digest("appareil:" + device) if device else account,))
            if not device:
                db.execute("DELETE FROM login_failures WHERE rowid = (SELECT rowid FROM "
                           "login_failures WHERE account=? AND client=? ORDER BY at DESC "
                           "LIMIT 1)", (account, client_key))

    def clear(self, email: str, client: str, device: str | None = None) -> None:
        """Forget the failures the login just proved harmless: the owner got in.

        From an unknown client: the account's count and this client's failures;
        from a known device: that device's count only (an attack on the
        account from elsewhere goes on being slowed down).
        """
        account, client_key = self._keys(email, client)
        db = _connect(self.path)
        with db:
            db.execute("BEGIN IMMEDIATE")
            if device:
                db.execute("DELETE FROM login_delays WHERE key=?",
                           (self._digest("appareil:" + device),))
                return
            db.execute("DELETE FROM login_failures WHERE account=? AND client=?",
                       (account, client_key))
            db.execute("DELETE FROM login_delays WHERE key=?", (account,))


def login_throttle() -> LoginThrottle:
    app = current_app
    throttle = app.extensions.get("mentorat.login_throttle")
    if throttle is None:
        throttle = app.extensions["mentorat.login_throttle"] = LoginThrottle(
            get_settings(app).data_dir, app.secret_key)
    return throttle
