"""What every part of the repository shares: format version, references, time, refusals.

No storage here: plain values and rules, so the parts import it without a cycle.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timezone

from ..vocabulary import STATUS_LABELS

__all__ = ["FORMAT_VERSION", "ENROLLMENT_STATUSES", "InvalidTransition", "StaleLink",
           "PairingRefused", "AlreadyHandled", "new_reference", "now_iso",
           "submission_key"]

FORMAT_VERSION = 1
# No 0/O or 1/I/L: a reference is read aloud and typed back by people.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIXES = {"enrollment": "M", "feedback": "R", "closing": "B"}


# Kept importable from here for the coordinator area.
ENROLLMENT_STATUSES = STATUS_LABELS
AUDIT_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}(\.[a-z0-9]{1,10})?")


class InvalidTransition(ValueError):
    """The enrollment cannot move to that status from its current one."""


class StaleLink(ValueError):
    """A later change made this link void (an address link after another change)."""


def new_reference(kind: str) -> str:
    """Return a short random reference such as ``M-7K3Q-9XPA``; never a database id."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{PREFIXES[kind]}-{chars[:4]}-{chars[4:]}"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PairingRefused(ValueError):
    """A pair cannot be confirmed or closed; ``str()`` is a French message."""


class AlreadyHandled(PairingRefused):
    """Someone else already decided on this suggestion (« déjà traité »)."""


def valid_id(doc_id) -> bool:
    return isinstance(doc_id, int) and not isinstance(doc_id, bool) and doc_id > 0


def submission_key(form_key: str, token: str, answers: dict) -> str:
    """Identify one submission: the same page's same answers give the same key."""
    canonical = json.dumps([form_key, token, answers], sort_keys=True, ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
