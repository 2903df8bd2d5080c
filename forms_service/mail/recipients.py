"""How many messages an address that has not acted may receive in a day.

Anyone can type someone else's address into the enrollment form or
« Retrouver mon inscription »; each such request makes the programme's own
sender write to that address. So the messages of those kinds
(``CAPPED_KINDS``) are counted per recipient and per day, and those beyond
``DAILY_CAP`` are not sent: the request got the same answer either way, and
the sender logs the job's id only. The count is kept under a keyed hash of
the address (never the address) in a SQLite file every process shares.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from pathlib import Path

from .. import sqlitedb
from .mailqueue import MailKind

__all__ = ["RecipientCap", "CAPPED_KINDS", "DAILY_CAP"]

# Messages anyone can cause to any address by typing it.
CAPPED_KINDS = frozenset({MailKind.INSCRIPTION, MailKind.LIEN, MailKind.ADRESSE})
# Enough for a person who enrolls, asks for their link and corrects their address.
DAILY_CAP = 3
DB_NAME = "destinataires.sqlite3"
SCHEMA = ("CREATE TABLE IF NOT EXISTS sent (recipient TEXT, day INTEGER, n INTEGER, "
          "PRIMARY KEY (recipient, day))",)
DAY = 24 * 3600


class RecipientCap:
    """Count capped messages per recipient and day; tell whether one more may go."""

    def __init__(self, data_dir: Path, secret: str, clock=time.time):
        self.path = Path(data_dir) / DB_NAME
        self.key = hashlib.sha256(("destinataires:" + secret).encode()).digest()
        self.clock = clock
        self._local = threading.local()

    def _db(self):
        if getattr(self._local, "db", None) is None:
            self._local.db = sqlitedb.connect(self.path, SCHEMA)
        return self._local.db

    def take(self, kind: str, address: str) -> bool:
        """Count one message of kind to address; False when the day's cap is reached."""
        if kind not in CAPPED_KINDS:
            return True
        recipient = hmac.new(self.key, address.casefold().encode(), "sha256").hexdigest()
        day = int(self.clock() // DAY)
        db = self._db()
        with db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT n FROM sent WHERE recipient = ? AND day = ?",
                             (recipient, day)).fetchone()
            if row and row[0] >= DAILY_CAP:
                return False
            db.execute("INSERT INTO sent VALUES (?, ?, 1) ON CONFLICT (recipient, day) "
                       "DO UPDATE SET n = n + 1", (recipient, day))
            db.execute("DELETE FROM sent WHERE day < ?", (day - 1,))
        return True
