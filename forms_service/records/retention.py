"""What has outlived its period, category by category of the registry.

Each function below finds, for one ``registry.KEPT`` name, the records whose
period (``programme.yml``'s ``conservation``) has run out, counted from the
event the registry names: the last activity of someone waiting, a
withdrawal, a closing, a refusal, a receipt, a sending. ``SELECTORS`` maps
each purged name to its function (a test holds it equal to the registry).

An enrollment whose owner limited the use of their data (Art. 18) is kept
as it is until they lift it: people often ask for a limitation so that their
data is not erased yet. Someone still waiting is never erased unwarned: ``to_warn`` finds who will
be in ``WARNING_DAYS``, and their record is erased only once that warning is
that old and they have done nothing since (answering « je reste » is an
activity, and starts the period again).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ..eligibility import limited
from ..mail.mailqueue import JobStatus
from ..vocabulary import WAITING_STATUSES, PairState, Status
from .anonymity import is_anonymous
from .registry import KEPT, WARNING_DAYS

__all__ = ["SELECTORS", "expired", "to_warn", "last_activity", "parse_moment",
           "warned_since_activity"]

# On a waiting enrollment: when it was told it would soon be erased.
WARNED = "retention_warned_at"
# On a waiting enrollment: when its person answered « je reste ».
STAYED = "stayed_at"
FINISHED_JOBS = (JobStatus.ENVOYE, JobStatus.SANS_OBJET, JobStatus.ECHEC)


def parse_moment(moment) -> datetime | None:
    """A stored ISO moment (or epoch seconds) as an aware datetime; None if unreadable."""
    if isinstance(moment, (int, float)):
        return datetime.fromtimestamp(moment, timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(moment)) if moment else None
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _latest(*moments) -> datetime | None:
    found = [m for m in map(parse_moment, moments) if m]
    return max(found) if found else None


def last_activity(record: dict) -> datetime | None:
    """Enrollment, correction, any status change (back to the pool included), « je reste »."""
    history = [entry.get("at") for entry in record.get("status_history") or ()
               if isinstance(entry, dict)]
    return _latest(record.get("created_at"), record.get("updated_at"), record.get(STAYED),
                   *history)


def _last_status_change(record: dict) -> datetime | None:
    history = [entry.get("at") for entry in record.get("status_history") or ()
               if isinstance(entry, dict)]
    return _latest(record.get("created_at"), *history)


def warned_since_activity(record: dict) -> datetime | None:
    warned, active = parse_moment(record.get(WARNED)), last_activity(record)
    return warned if warned and (active is None or warned >= active) else None


def to_warn(repo, retention: dict, now: datetime) -> list[dict]:
    """People waiting who will be erased in WARNING_DAYS, not yet told since their last act."""
    soon = now - timedelta(days=retention["inscriptions_jours"] - WARNING_DAYS)
    return [record for record in repo.enrollments.all()
            if record.get("status") in WAITING_STATUSES and not limited(record)
            and (last_activity(record) or now) < soon
            and warned_since_activity(record) is None]


def _waiting(repo, limit: datetime, now: datetime) -> list[dict]:
    told_before = now - timedelta(days=WARNING_DAYS)
    return [record for record in repo.enrollments.all()
            if record.get("status") in WAITING_STATUSES and not limited(record)
            and (last_activity(record) or now) < limit
            and (warned_since_activity(record) or now) <= told_before]


def _ended_as(status: str):
    def select(repo, limit: datetime, now: datetime) -> list[dict]:
        return [record for record in repo.enrollments.all() if record.get("status") == status
                and not limited(record) and (_last_status_change(record) or now) < limit]
    return select


def _pairs_in(state: str):
    def select(repo, limit: datetime, now: datetime) -> list[dict]:
        return [pair for pair in repo.pairs.all() if pair.get("status") == state
                and (parse_moment(pair.get("closed_at")) or now) < limit]
    return select


def _feedback(anonymous: bool):
    def select(repo, limit: datetime, now: datetime) -> list[dict]:
        return [answer for answer in repo.feedback.all()
                if not answer.get("link_key") and is_anonymous(answer) == anonymous
                and (parse_moment(answer.get("created_at")) or now) < limit]
    return select


def _messages(repo, limit: datetime, now: datetime) -> list[dict]:
    return [job for job in repo.mail.table.all() if job.get("status") in FINISHED_JOBS
            and (_latest(job.get("sent_at"), job.get("created_at")) or now) < limit]


def _journal(repo, limit: datetime, now: datetime) -> list[dict]:
    return [entry for entry in repo.audit_log.all()
            if (parse_moment(entry.get("at")) or now) < limit]


def _files_older(folder_of):
    def select(repo, limit: datetime, now: datetime) -> list:
        folder = folder_of(repo)
        if not folder.is_dir():
            return []
        return [path for path in sorted(folder.iterdir())
                if path.is_file() and path.stat().st_mtime < limit.timestamp()]
    return select


def _erasures(repo, limit: datetime, now: datetime) -> list[str]:
    from .ledger import Ledger

    return Ledger(repo.store.path).older_than(limit)


def _set_aside_folder(repo):
    from ..storage import SET_ASIDE_NAME

    return repo.store.path / SET_ASIDE_NAME


SELECTORS = {
    "inscriptions_en_attente": _waiting,
    "inscriptions_retirees": _ended_as(Status.RETIRE),
    "inscriptions_closes": _ended_as(Status.CLOS),
    "binomes_clos": _pairs_in(PairState.CLOSED),
    "binomes_non_demarres": _pairs_in(PairState.NON_DEMARRE),
    "retours_signes": _feedback(anonymous=False),
    "retours_anonymes": _feedback(anonymous=True),
    "messages": _messages,
    "journal": _journal,
    "lignes_ecartees": _files_older(_set_aside_folder),
    "effacements": _erasures,
}


def expired(repo, retention: dict, now: datetime) -> dict[str, list]:
    """For each purged category: what its period (from the registry) has run out on."""
    found = {}
    for kept in KEPT:
        if kept.purged:
            limit = now - timedelta(days=retention[kept.period])
            found[kept.purged] = SELECTORS[kept.purged](repo, limit, now)
    return found
