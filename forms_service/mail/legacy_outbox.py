"""The ``outbox/`` directory of earlier versions: ``.eml`` files still to send.

Messages are now jobs in the store's ``mail`` table (``mailqueue``). A data
directory upgraded from a version that wrote ``outbox/*.eml`` keeps those
files until the sender has delivered them (then moved to ``outbox/sent/``,
kept like sent jobs, and erased with the person they were written to).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

__all__ = ["LegacyOutbox"]

log = logging.getLogger(__name__)


class LegacyOutbox:
    """``<data>/outbox/``: files written by earlier versions, sent once, then kept in ``sent/``."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / "outbox"
        self.sent = self.path / "sent"

    def remove_partial(self, older_than: float = 60.0) -> int:
        """Delete half-written messages a crash left behind; return how many."""
        removed = 0
        for path in self.path.glob("*.part") if self.path.exists() else ():
            # Another process may remove the same file at the same moment.
            with contextlib.suppress(FileNotFoundError):
                if time.time() - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed += 1
        return removed

    def pending(self) -> list[Path]:
        return sorted(self.path.glob("*.eml")) if self.path.exists() else []

    def send(self, path: Path, deliver: Callable[[EmailMessage], None]) -> bool:
        """Hand one file to ``deliver``; on success move it to ``sent/``."""
        try:
            message = message_from_bytes(path.read_bytes(), _class=EmailMessage, policy=SMTP)
            deliver(message)
        except FileNotFoundError:
            return False
        except Exception as error:  # noqa: BLE001 - one bad file must not stop the others
            log.warning("ancien message %s non envoyé : %s", path.name, type(error).__name__)
            return False
        self.sent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(path, self.sent / path.name)
        return True
