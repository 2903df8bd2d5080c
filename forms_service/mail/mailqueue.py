"""The mail queue: one job per message to send, in the store's ``mail`` table.

A request never talks SMTP (DESIGN decision 10). What it writes is made
durable before it answers, and a message must never be kept without the
record change that causes it, nor the change without its message. Each table
is its own journal and ``Store.transaction()`` rolls nothing back, so the two
cannot be two appends. Hence one way to queue a message:

* **with the record that causes it** (almost every message): ``attach`` puts
  the job on the record itself, under ``PENDING``; the caller writes the
  record, and that one append carries both. The sender (and ``mentorat
  send-mail``) then calls ``collect``, which inserts each pending job under
  its key and removes it from the record: two appends, but a process killed
  between them leaves a mark whose job exists, and the next ``collect`` finds
  the key and only removes the mark. Never lost, never doubled.
* **alone**, when the message is the request's only effect (« Retrouver mon
  inscription », an address to confirm): ``put`` appends the job itself.

A job is ``{"kind", "refs", "status", "attempts", "next_try", "last_error",
"message_id", "created_at", "sent_at", "key"}``:

* ``kind`` names what to send (``MailKind``, each with its builder in
  ``mail.messages``); ``refs`` holds the ids (and, for the "same answer for
  anyone" paths, the address typed) the sender needs;
* ``status`` is ``en_attente`` → ``envoye`` | ``echec`` | ``sans_objet``
  (nothing to send once looked up: an unknown address, an erased person);
* ``message_id`` is chosen when the job is queued, so a message sent again
  after a crash between the server's acceptance and the mark carries the
  same ``Message-ID`` (the only way a duplicate can happen).

Retries follow ``BACKOFF``; after ``GIVE_UP_AFTER`` the job is ``echec`` and
stays until ``purge`` removes it. Once sent, the refs that hold an address
are dropped: what remains says that a message went to which enrollment.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from email.utils import make_msgid
from enum import StrEnum

from ..i18n import _
from ..storage import Store, Table

__all__ = ["MailQueue", "MailKind", "JobStatus", "PENDING", "STATUS_LABELS", "BACKOFF", "GIVE_UP_AFTER",
           "retry_delay", "without_pending"]


class MailKind(StrEnum):
    """What a job sends; ``mail.messages.BUILDERS`` holds one builder for each."""

    INSCRIPTION = "inscription"  # confirmation, or "already enrolled" when the address was taken
    LIEN = "lien"  # "Retrouver mon inscription": the personal link, or nothing
    ADRESSE = "adresse"  # a corrected address to confirm, sent to that address
    ADRESSE_CHANGEE = "adresse_changee"  # to the previous address once a change is confirmed
    PRESENTATION = "presentation"  # a confirmed pair's introduction, to one of its two people
    RAPPEL = "rappel"  # a checkpoint reminder, to one person of a pair
    RELANCE = "relance"  # a friendly nudge to one person of a silent pair
    ALERTE = "alerte"  # a pair silent too long, to the coordination
    REFUS_PARTENAIRE = "refus_partenaire"  # the partner of someone who declined the introduction
    REFUS_COORDINATION = "refus_coordination"  # the coordination, about a declined introduction
    NOTICE = "notice"  # the privacy notice changed: a summary and the personal link
    FIN_BINOME = "fin_binome"  # a pair ended: to each person who stays, its events cancelled
    CONSERVATION = "conservation"  # someone waiting: their record is erased soon unless they stay
    SANS_BINOME = "sans_binome"  # someone long in the pool: what happens next, once
    FIN_COORDINATION = "fin_coordination"  # a withdrawal or an erasure ended a pair
    MENTOR_NON_RETENU = "mentor_non_retenu"  # the selection exchange did not lead to mentoring
    BILAN = "bilan"  # a pair ended: the closing questionnaire's link, once per person and pair


# On a record: the jobs its change causes, until ``collect`` queues them (seconds).
PENDING = "pending_mail"
class JobStatus(StrEnum):
    """Where a job stands: waiting, then sent, given up, or nothing to send."""

    EN_ATTENTE = "en_attente"
    ENVOYE = "envoye"
    ECHEC = "echec"
    SANS_OBJET = "sans_objet"  # looked up at send time: an unknown address, an erased person


STATUS_LABELS = {
    JobStatus.EN_ATTENTE: _("en attente d'envoi"),
    JobStatus.ENVOYE: _("envoyé"),
    JobStatus.ECHEC: _("en échec"),
    JobStatus.SANS_OBJET: _("sans objet"),
}
# Seconds before the n-th retry (the last value repeats): 1 min, 5 min, 30 min, then hourly.
BACKOFF = (60, 5 * 60, 30 * 60, 3600)
# A message still refused a day after it was queued is given up ("en échec").
GIVE_UP_AFTER = 24 * 3600
# Refs that hold an address typed by someone: dropped once the job is done.
ADDRESS_REFS = ("email", "new_email", "address")
FORMAT_VERSION = 1


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed try."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


class MailQueue:
    """The ``mail`` table of a store: queue, pick, mark, forget."""

    def __init__(self, store: Store, domain: str = "localhost"):
        self.table = store.table("mail")
        self.domain = domain

    def attach(self, record: dict, kind: MailKind, *, key: str | None = None, **refs) -> dict:
        """Add a message to those the record's change causes; return the record to write.

        The message is queued with the record's next write (one append);
        ``key`` (unique among jobs) makes a repeated request find it instead of
        queuing it twice.
        """
        pending = _pending_of(record)
        pending.append({"key": key or _new_key(kind), "kind": MailKind(kind), "refs": refs})
        record[PENDING] = pending
        return record

    def put(self, kind: MailKind, *, key: str | None = None, **refs) -> int:
        """Queue a message that is the request's only effect, durably; return the job's id."""
        return self.table.insert(self._job(MailKind(kind), key or _new_key(kind), refs))

    def known(self, key: str, sources: Iterable[Table]) -> dict | None:
        """The refs of the message queued or pending under ``key``, or ``None``."""
        job = self.table.find("key", key)
        if job is not None:
            return job["refs"]
        for table in sources:
            for doc_id in table.ids_having(PENDING):
                for spec in _pending_of(table.get(doc_id) or {}):
                    if spec["key"] == key:
                        return spec["refs"]
        return None

    def collect(self, store: Store, sources: Iterable[Table]) -> int:
        """Queue every message pending on a record of ``sources``; return how many were new.

        Safe to repeat and to interrupt: each job is inserted under its key
        (a second try finds it) before the record loses its mark.
        """
        queued = 0
        for table in sources:
            for doc_id in table.ids_having(PENDING):
                with store.transaction():
                    record = table.get(doc_id)
                    if record is None or PENDING not in record:
                        continue  # erased, or collected by another process meanwhile
                    for spec in _pending_of(record):
                        _doc_id, created = self.table.insert_unique(
                            self._job(spec["kind"], spec["key"], spec["refs"]), "key")
                        queued += created
                    table.modify(doc_id, without_pending)
        return queued

    def _job(self, kind: MailKind, key: str, refs: dict) -> dict:
        now = time.time()
        return {"v": FORMAT_VERSION, "kind": MailKind(kind), "refs": refs, "key": key,
                "status": JobStatus.EN_ATTENTE, "attempts": 0, "next_try": now, "created_at": now,
                "last_error": None, "sent_at": None, "message_id": make_msgid(domain=self.domain)}

    def get(self, job_id: int) -> dict | None:
        return self.table.get(job_id)

    def due(self, now: float | None = None) -> list[dict]:
        """Jobs waiting whose next try has come, oldest first."""
        moment = time.time() if now is None else now
        return self.table.search(lambda job: job.get("status") == JobStatus.EN_ATTENTE
                                 and job.get("next_try", 0) <= moment)

    def waiting_or_failed(self) -> list[dict]:
        return self.table.search(lambda job: job.get("status") in (JobStatus.EN_ATTENTE, JobStatus.ECHEC))

    def mark_sent(self, job_id: int, *, to_status: str = JobStatus.ENVOYE,
                  person_id: int | None = None) -> None:
        """Record that the job is done (sent, or nothing to send).

        The addresses typed into its refs are dropped (older journal lines go
        at the table's next compaction); ``person_id``, the enrollment it went
        to, is kept so erasure still finds it.
        """
        def done(job: dict) -> dict:
            refs = _without_addresses(job.get("refs", {}))
            if person_id is not None:
                refs["enrollment_id"] = person_id
            job.update(status=to_status, sent_at=time.time(), last_error=None, refs=refs)
            return job
        self.table.modify(job_id, done)

    def mark_failed(self, job_id: int, error: str, *, permanent: bool = False) -> dict:
        """Count a failed try: schedule the next one, or give up."""
        def failed(job: dict) -> dict:
            now = time.time()
            job["attempts"] = job.get("attempts", 0) + 1
            job["last_error"] = error[:200]
            if permanent or now - job.get("created_at", now) >= GIVE_UP_AFTER:
                job["status"] = JobStatus.ECHEC
            else:
                job["next_try"] = now + retry_delay(job["attempts"])
            return job
        return self.table.modify(job_id, failed)

    def forget(self, predicate) -> int:
        """Erase every job whose refs match ``predicate``; return how many."""
        found = self.table.search(lambda job: predicate(job.get("refs", {})))
        for job in found:
            self.table.remove(job["id"])
        return len(found)

    def forget_done_before(self, moment: float) -> int:
        """Erase sent (or pointless) jobs finished before ``moment``."""
        found = self.table.search(lambda job: job.get("status") in (JobStatus.ENVOYE, JobStatus.SANS_OBJET)
                                  and (job.get("sent_at") or 0) < moment)
        for job in found:
            self.table.remove(job["id"])
        return len(found)


def _without_addresses(refs: dict) -> dict:
    return {key: value for key, value in refs.items() if key not in ADDRESS_REFS}


def without_pending(record: dict) -> dict:
    """The record without its pending messages (bookkeeping no one reads)."""
    record.pop(PENDING, None)
    return record


def _new_key(kind: str) -> str:
    return f"{kind}:{secrets.token_hex(16)}"


def _pending_of(record: dict) -> list[dict]:
    pending = record.get(PENDING)
    if isinstance(pending, str):
        # Written by earlier versions: a new enrollment's confirmation, by its key.
        return [{"key": pending, "kind": MailKind.INSCRIPTION,
                 "refs": {"email": record.get("email"), "reference": record.get("reference")}}]
    return list(pending or ())
