"""Withdraw, erase and purge participants' data.

Erasure is real: the enrollment, the feedback signed by the person, the
pairs and refusals that name them, the messages queued or sent to them
(the ``mail`` table) and the older e-mail files in ``outbox/`` and
``outbox/sent/`` addressed to them are deleted (the storage rewrites a
table's journal without a removed record). Logs never held their values.

``purge`` applies the retention periods of ``programme.yml``
(``conservation``, the section the privacy notice shows): withdrawn and
closed enrollments, and enrollments never matched, older than
``inscriptions_jours``, are erased the same way, and closed pairs older than
that are deleted; sent e-mails older than ``courriels_envoyes_jours`` and
audit entries older than ``journal_jours`` go too.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses
from pathlib import Path

from ..programme import configured_programme
from ..storage import SET_ASIDE_NAME
from ..vocabulary import PairState, Status

__all__ = ["withdraw_person", "erase_person", "purge", "purge_candidates"]

log = logging.getLogger(__name__)

WITHDRAWN, CLOSED = Status.RETIRE, Status.CLOS
NEVER_MATCHED = {Status.NOUVEAU, Status.EN_ATTENTE}
MATCHED = {Status.APPARIE, Status.ACTIF}


def withdraw_person(repo, enrollment_id: int) -> dict:
    """Withdraw someone: end their active pairs first (each partner goes back to wait)."""
    with repo.store.transaction():
        for pair in repo.pairs.search(lambda d: d.get("status") == PairState.ACTIVE and
                                      _mentions(d, enrollment_id)):
            repo.close_pair(pair["id"], reason="retrait", by=None, leaving=enrollment_id,
                            **_end_statuses(pair, enrollment_id))
        return repo.set_enrollment_status(enrollment_id, WITHDRAWN, by=None, force=True)


def _signed_by(feedback: dict, enrollment_id: int, email: str, secret: str | None) -> bool:
    """Whether a feedback is this person's: tied by a personal link, or signed with the address."""
    if feedback.get("person_id") == enrollment_id:
        return True
    return bool(email) and str(feedback.get("email", "")).casefold() == email


def _names(refs: dict, enrollment_id: int, email: str) -> bool:
    """Whether a queued or sent message's refs point at this person."""
    ids = (refs.get(key) for key in ("enrollment_id", "person_id", "mentor_id", "mentee_id"))
    addresses = (str(refs.get(key, "")).casefold() for key in ("email", "new_email"))
    return enrollment_id in ids or (bool(email) and email in addresses)


def _mentions(pair: dict, enrollment_id: int) -> bool:
    return enrollment_id in (pair.get("mentor_id"), pair.get("mentee_id"))


def _end_statuses(pair: dict, leaving: int) -> dict:
    """Who leaves is done; the other goes back to wait for a new pair."""
    return {f"{side}_status": Status.CLOS if pair[f"{side}_id"] == leaving else Status.EN_ATTENTE
            for side in ("mentor", "mentee")}


def erase_person(repo, enrollment_id: int, *, secret: str | None, outbox: Path | None
                 ) -> Counter:
    """Erase the enrollment and everything tied to it; return what was deleted, by kind."""
    deleted: Counter = Counter()
    with repo.store.transaction():
        record = repo.enrollment(enrollment_id)
        if record is None:
            return deleted
        email = str(record.get("email", "")).casefold()
        for pair in repo.pairs.search(lambda d: d.get("status") == PairState.ACTIVE and
                                      _mentions(d, enrollment_id)):
            # The partner goes back to the pool before the pair disappears.
            repo.close_pair(pair["id"], reason="effacement", by=None, leaving=enrollment_id,
                            **_end_statuses(pair, enrollment_id))
        for feedback in repo.feedback.search(
                lambda d: _signed_by(d, enrollment_id, email, secret)):
            repo.feedback.remove(feedback["id"])
            deleted["retours"] += 1
        their_pairs = {p["id"] for p in repo.pairs.search(lambda d: _mentions(d, enrollment_id))}
        deleted["rencontres"] += repo.meetings.forget_person(enrollment_id, their_pairs)
        for pair in repo.pairs.search(lambda d: _mentions(d, enrollment_id)):
            repo.pairs.remove(pair["id"])
            deleted["binomes"] += 1
        for refusal in repo.rejections.search(lambda d: _mentions(d, enrollment_id)):
            repo.rejections.remove(refusal["id"])
        reference = record.get("reference")
        deleted["messages"] += repo.mail.forget(
            lambda refs: _names(refs, enrollment_id, email) or refs.get("reference") == reference)
        repo.enrollments.remove(enrollment_id)
        deleted["inscriptions"] += 1
    if outbox is not None and email:
        deleted["messages"] += erase_messages(outbox, email)
    deleted["lignes_ecartees"] += erase_set_aside(repo.store.path, enrollment_id, email,
                                                  record.get("reference"))
    return deleted


def erase_set_aside(data_dir: Path, enrollment_id: int, email: str, reference: str | None
                    ) -> int:
    """Drop the damaged lines ``check --repair`` set aside that name the person."""
    folder = data_dir / SET_ASIDE_NAME
    if not folder.is_dir():
        return 0
    marks = [mark.encode("utf-8") for mark in (email, reference) if mark]
    ids = re.compile(rb'(^[0-9a-f]{8} \{"op":"put","id":|_id":)%d[,}]' % enrollment_id)
    dropped = 0
    for path in sorted(folder.iterdir()):
        lines = path.read_bytes().splitlines(keepends=True)
        own = path.name.startswith("enrollments-")
        kept = [line for line in lines if not (
            any(mark in line.lower() for mark in marks)
            or (ids.search(line) and (own or b"_id\":" in line)))]
        if len(kept) != len(lines):
            dropped += len(lines) - len(kept)
            _rewrite_private(path, kept)
    return dropped


def _rewrite_private(path: Path, lines: list[bytes]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"".join(lines))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def erase_messages(outbox: Path, email: str) -> int:
    """Delete the queued and sent messages addressed to (or mentioning) email."""
    wanted = email.casefold()
    count = 0
    for directory in (outbox, outbox / "sent"):
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name.endswith((".eml", ".eml.part")) and \
                    _addressed_to(path, wanted):
                path.unlink(missing_ok=True)
                count += 1
    return count


def _addressed_to(path: Path, wanted: str) -> bool:
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    if wanted.encode("utf-8", "replace") in raw.lower():
        return True
    try:
        message = message_from_bytes(raw, policy=default_policy)
        headers = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
        if any(address.casefold() == wanted for _n, address in getaddresses(headers)):
            return True
        body = message.get_body(preferencelist=("plain",))
        return bool(body) and wanted in body.get_content().casefold()
    except Exception:  # noqa: BLE001 - a damaged file is simply not theirs to decide on
        return False


def _parse(moment: str | None) -> datetime | None:
    if not moment:
        return None
    try:
        parsed = datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _last_change(record: dict) -> datetime | None:
    history = record.get("status_history") or []
    moments = [_parse(entry.get("at")) for entry in history if isinstance(entry, dict)]
    moments = [m for m in moments if m]
    return max(moments) if moments else _parse(record.get("created_at"))


def _ever_matched(record: dict, paired: set[int]) -> bool:
    statuses = {entry.get("status") for entry in record.get("status_history") or []
                if isinstance(entry, dict)}
    return record["id"] in paired or bool(statuses & MATCHED)


def purge_candidates(repo, *, retention_days: int, now: datetime | None = None
                     ) -> dict[str, list[dict]]:
    """Return the records past retention, by reason: withdrawn, closed, never matched, pairs."""
    now = now or datetime.now(timezone.utc)
    limit = now - timedelta(days=retention_days)
    pairs = repo.pairs.all()
    paired = {p.get(k) for p in pairs for k in ("mentor_id", "mentee_id")}
    found: dict[str, list[dict]] = {"retirees": [], "closes": [], "jamais_appariees": [],
                                    "binomes_clos": []}
    for record in repo.enrollments.all():
        status = record.get("status")
        if status == WITHDRAWN and (_last_change(record) or now) < limit:
            found["retirees"].append(record)
        elif status == CLOSED and (_last_change(record) or now) < limit:
            found["closes"].append(record)
        elif status in NEVER_MATCHED and not _ever_matched(record, paired) and \
                (_parse(record.get("created_at")) or now) < limit:
            found["jamais_appariees"].append(record)
    for pair in pairs:
        closed_at = _parse(pair.get("closed_at")) or now
        if pair.get("status") == PairState.CLOSED and closed_at < limit:
            found["binomes_clos"].append(pair)
    return found


def purge_set_aside(data_dir: Path, *, days: int, now: datetime) -> int:
    """Delete the set-aside damaged lines older than days (the backups' horizon)."""
    folder = data_dir / SET_ASIDE_NAME
    if not folder.is_dir():
        return 0
    limit = (now - timedelta(days=days)).timestamp()
    old = [path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < limit]
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


def purge_sent_messages(outbox: Path, *, days: int, now: datetime) -> int:
    """Delete the sent messages (``outbox/sent/``) older than days."""
    folder = outbox / "sent"
    if not folder.is_dir():
        return 0
    limit = (now - timedelta(days=days)).timestamp()
    count = 0
    for path in folder.iterdir():
        if path.is_file() and path.name.endswith(".eml") and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            count += 1
    return count


def purge(repo, *, retention_days: int | None = None, secret: str | None,
          outbox: Path | None, now: datetime | None = None,
          retention: dict | None = None) -> Counter:
    """Delete what is past retention; return the counts by kind.

    ``retention`` is ``programme.yml``'s ``conservation`` (read from the
    configured file when not given); ``retention_days`` overrides its
    ``inscriptions_jours``.
    """
    retention = dict(retention or configured_programme().retention)
    if retention_days is not None:
        retention["inscriptions_jours"] = retention_days
    retention_days = retention["inscriptions_jours"]
    now = now or datetime.now(timezone.utc)
    counts: Counter = Counter()
    with repo.store.transaction():
        found = purge_candidates(repo, retention_days=retention_days, now=now)
        for reason in ("retirees", "closes", "jamais_appariees"):
            for record in found[reason]:
                counts[reason] += 1
                erased = erase_person(repo, record["id"], secret=secret, outbox=outbox)
                counts["retours"] += erased["retours"]
                counts["messages"] += erased["messages"]
                counts["binomes_clos"] += erased["binomes"]
        for pair in found["binomes_clos"]:
            if repo.pairs.get(pair["id"]) is not None:
                repo.pairs.remove(pair["id"])
                counts["binomes_clos"] += 1
        audit_limit = now - timedelta(days=retention["journal_jours"])
        for entry in repo.audit_log.search(
                lambda d: (_parse(d.get("at")) or now) < audit_limit):
            repo.audit_log.remove(entry["id"])
            counts["journal"] += 1
        # Sent (or pointless) jobs of the mail queue leave after the same period.
        counts["messages_envoyes"] += repo.mail.forget_done_before(
            (now - timedelta(days=retention["courriels_envoyes_jours"])).timestamp())
    if outbox is not None:
        counts["messages_envoyes"] += purge_sent_messages(
            outbox, days=retention["courriels_envoyes_jours"], now=now)
    counts["fichiers_ecartes"] += purge_set_aside(repo.store.path,
                                                 days=retention["sauvegardes_jours"], now=now)
    log.info("purge : %s", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "rien")
    return counts
