"""Withdraw, erase and purge participants' data.

Erasure is real: the enrollment, the feedback signed by the person, their
closing questionnaires (signed or not), the pairs and refusals that name them, the messages queued or sent to them
(the ``mail`` table) and the older e-mail files in ``outbox/`` and
``outbox/sent/`` addressed to them are deleted (the storage rewrites a
table's journal without a removed record). Logs never held their values.

Every erasure leaves a line in the ledger of erasures (hashes only,
``records.ledger``), so that a restored older backup is erased again.

``purge`` applies the retention periods of ``programme.yml``
(``conservation``) to each category of the registry of what the service
stores (``records.registry``, which the privacy notice's table is rendered
from; ``records.retention`` finds what each has outlived).
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses
from pathlib import Path

from ..programme import RETENTION_DEFAULTS, configured_programme
from ..storage import SET_ASIDE_NAME
from ..vocabulary import PairState, Status
from .ledger import Ledger
from .personal_data import is_own_feedback
from .retention import expired, to_warn

__all__ = ["withdraw_person", "erase_person", "purge", "replay_erasures"]

log = logging.getLogger(__name__)

WITHDRAWN, CLOSED = Status.RETIRE, Status.CLOS


def withdraw_person(repo, enrollment_id: int) -> dict:
    """Withdraw someone: end their active pairs first (each partner goes back to wait)."""
    with repo.store.transaction():
        for pair in repo.pairs.search(lambda d: d.get("status") == PairState.ACTIVE and
                                      _mentions(d, enrollment_id)):
            repo.close_pair(pair["id"], reason="retrait", by=None, leaving=enrollment_id,
                            **_end_statuses(pair, enrollment_id))
        return repo.set_enrollment_status(enrollment_id, WITHDRAWN, by=None, force=True)


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
                lambda d: is_own_feedback(d, enrollment_id, email)):
            repo.feedback.remove(feedback["id"])
            deleted["retours"] += 1
        their_pairs = {p["id"] for p in repo.pairs.search(lambda d: _mentions(d, enrollment_id))}
        deleted["bilans"] += repo.closing.forget_person(enrollment_id)
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
        if secret:
            # Written with the erasure: a restored older backup is erased again (ledger).
            Ledger(repo.store.path).record(secret, record)
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


def _erase_pair(repo, pair: dict) -> Counter:
    """A pair past its period goes with its meetings, its checkpoints' answers and its
    closing questionnaires."""
    removed: Counter = Counter()
    prefix = f"{pair['id']}:"
    for answer in repo.feedback.search(lambda d: str(d.get("link_key", "")).startswith(prefix)):
        repo.feedback.remove(answer["id"])
        removed["retours"] += 1
    removed["rencontres"] += repo.meetings.forget_person(-1, {pair["id"]})
    removed["bilans"] += repo.closing.forget_pair(pair["id"])
    repo.pairs.remove(pair["id"])
    return removed


def _old_sent_files(outbox: Path | None, limit: datetime) -> list[Path]:
    """Sent messages of the older ``.eml`` outbox past the e-mails' period."""
    folder = outbox / "sent" if outbox is not None else None
    if folder is None or not folder.is_dir():
        return []
    return [path for path in folder.iterdir() if path.is_file() and path.name.endswith(".eml")
            and path.stat().st_mtime < limit.timestamp()]


def rounds_touched(repo, found: dict) -> set[str]:
    """The rounds (``""``: outside any) a record of which is about to be erased."""
    enrollments = {e["id"]: e for e in repo.enrollments.all()}
    pairs = {p["id"]: p for p in repo.all_pairs()}

    def round_of(person_id) -> str:
        return (enrollments.get(person_id) or {}).get("cohort") or ""

    touched = {round_of(r["id"]) for name in ("inscriptions_en_attente",
               "inscriptions_retirees", "inscriptions_closes") for r in found[name]}
    touched |= {round_of(p["mentee_id"])
                for p in found["binomes_clos"] + found["binomes_non_demarres"]}
    touched |= {round_of(pairs[f["pair_id"]]["mentee_id"]) for f in found["retours_signes"]
                if f.get("pair_id") in pairs}
    return touched


def purge(repo, *, secret: str | None, outbox: Path | None, now: datetime | None = None,
          retention: dict | None = None, dry_run: bool = False,
          before_erasing: Callable[[set[str]], object] | None = None) -> Counter:
    """Erase what is past its period, category by category of the registry; return counts.

    ``retention`` is ``programme.yml``'s ``conservation`` (read from the
    configured file when not given). People still waiting are warned
    ``WARNING_DAYS`` before (``avertissements``). With ``dry_run`` nothing
    changes: the counts say what would go. ``before_erasing`` is given the
    rounds whose records are about to go, first (the CLI freezes their
    figures, so a past round's report never changes).
    """
    retention = {**RETENTION_DEFAULTS, **(retention or configured_programme().retention)}
    now = now or datetime.now(timezone.utc)
    with repo.store.transaction():
        found = expired(repo, retention, now)
        warned = to_warn(repo, retention, now)
        sent_files = _old_sent_files(
            outbox, now - timedelta(days=retention["courriels_envoyes_jours"]))
        counts = Counter({name: len(items) for name, items in found.items()})
        counts["messages"] += len(sent_files)
        counts["avertissements"] = len(warned)
        if dry_run:
            return counts
        if before_erasing is not None:
            before_erasing(rounds_touched(repo, found))
        for record in warned:
            repo.warn_of_erasure(record["id"], at=now.isoformat(timespec="seconds"))
        for name in ("inscriptions_en_attente", "inscriptions_retirees", "inscriptions_closes"):
            for record in found[name]:
                counts.update({f"avec_{kind}": n for kind, n in erase_person(
                    repo, record["id"], secret=secret, outbox=outbox).items()
                    if kind != "inscriptions"})
        for pair in found["binomes_clos"] + found["binomes_non_demarres"]:
            if repo.pairs.get(pair["id"]) is not None:
                counts.update({f"avec_{kind}": n for kind, n in _erase_pair(repo, pair).items()})
        for answer in found["retours_signes"] + found["retours_anonymes"]:
            if repo.feedback.get(answer["id"]) is not None:
                repo.feedback.remove(answer["id"])
        for job in found["messages"]:
            repo.mail.table.remove(job["id"])
        for entry in found["journal"]:
            repo.audit_log.remove(entry["id"])
    for path in sent_files + found["lignes_ecartees"]:
        path.unlink(missing_ok=True)
    Ledger(repo.store.path).forget(found["effacements"])
    log.info("purge : %s", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "rien")
    return counts


def replay_erasures(repo, *, secret: str, outbox: Path | None) -> int:
    """After a restore: erase again everyone the ledger says was erased; return how many."""
    ledger = Ledger(repo.store.path)
    again = [record for record in repo.enrollments.all() if ledger.names(secret, record)]
    for record in again:
        erase_person(repo, record["id"], secret=None, outbox=outbox)  # already in the ledger
    return len(again)
