"""The mail queue: one record per message to send, in the store's ``mail`` table.

A request never talks SMTP. It appends a *job* (what to send, to whom, by
reference to stored records) in the same store transaction as the record
that causes it, and answers; the sender (``forms_service.mail.sender``) renders
the message from the records as they are at send time and delivers it.

A job is ``{"kind", "refs", "status", "attempts", "next_try", "last_error",
"message_id", "created_at", "sent_at"}``:

* ``kind`` names what to send (``KINDS``); ``refs`` holds the ids (and, for
  the "same answer for anyone" paths, the address typed) the sender needs;
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

import time
from email.utils import make_msgid

from ..i18n import _
from ..storage import Store

__all__ = ["MailQueue", "KINDS", "STATUS_LABELS", "BACKOFF", "GIVE_UP_AFTER", "retry_delay"]

KINDS = (
    "inscription",   # confirmation, or "already enrolled" when the address was taken
    "lien",          # "Retrouver mon inscription": the personal link, or nothing
    "adresse",       # a corrected address to confirm, sent to that address
    "presentation",  # a confirmed pair's introduction, to one of its two people
    "rappel",        # a checkpoint reminder, to one person of a pair
    "relance",       # a friendly nudge to one person of a silent pair
    "alerte",        # a pair silent too long, to the coordination
    "refus_partenaire",    # the partner of someone who declined the introduction
    "refus_coordination",  # the coordination, about a declined introduction
    "notice",        # the privacy notice changed: a summary and the personal link
)
STATUS_LABELS = {
    "en_attente": _("en attente d'envoi"),
    "envoye": _("envoyé"),
    "echec": _("en échec"),
    "sans_objet": _("sans objet"),
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

    def job(self, kind: str, **refs) -> dict:
        """Return a new job, ready to insert (inside the caller's transaction)."""
        if kind not in KINDS:
            raise ValueError(f"unknown mail kind {kind!r}")
        now = time.time()
        return {"v": FORMAT_VERSION, "kind": kind, "refs": refs, "status": "en_attente",
                "attempts": 0, "next_try": now, "created_at": now, "last_error": None,
                "sent_at": None, "message_id": make_msgid(domain=self.domain)}

    def put(self, kind: str, **refs) -> int:
        """Queue one message durably; return the job's id."""
        return self.table.insert(self.job(kind, **refs))

    def get(self, job_id: int) -> dict | None:
        return self.table.get(job_id)

    def due(self, now: float | None = None) -> list[dict]:
        """Jobs waiting whose next try has come, oldest first."""
        moment = time.time() if now is None else now
        return self.table.search(lambda job: job.get("status") == "en_attente"
                                 and job.get("next_try", 0) <= moment)

    def waiting_or_failed(self) -> list[dict]:
        return self.table.search(lambda job: job.get("status") in ("en_attente", "echec"))

    def mark_sent(self, job_id: int, *, to_status: str = "envoye",
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
                job["status"] = "echec"
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
        found = self.table.search(lambda job: job.get("status") in ("envoye", "sans_objet")
                                  and (job.get("sent_at") or 0) < moment)
        for job in found:
            self.table.remove(job["id"])
        return len(found)


def _without_addresses(refs: dict) -> dict:
    return {key: value for key, value in refs.items() if key not in ADDRESS_REFS}
