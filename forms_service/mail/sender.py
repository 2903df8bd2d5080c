"""Deliver the mail queue by SMTP, outside every request.

``mentorat serve`` runs one ``Sender`` beside its workers; ``mentorat
send-mail --watch`` runs one on its own, and plain ``mentorat send-mail``
sends what is due once (cron). One sender at a time across processes: each
holds ``<data>/sender.lock`` (``flock``) while it runs, and a second one
steps aside.

Each due job is rendered from the records as they are now
(``messages.render``), handed to the SMTP server, then marked sent. A
process killed between the server's acceptance and the mark sends that one
message again on its next run, with the same ``Message-ID``; nothing is
ever lost. A refused or unreachable server schedules a retry
(``mailqueue.BACKOFF``); after a day the job is « en échec ».

One job never holds back the others: whatever goes wrong while one is
rendered or sent (a refused server, a template error, a record that no longer
fits) is counted on that job alone, logged once per try, and the sender moves
on. A job that can never be sent (a kind this version does not know) is
« en échec » at once.

``.eml`` files left in ``outbox/`` by earlier versions are sent too, then
moved to ``outbox/sent/``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import smtplib
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..programme import load_programme
from ..records.repository import Repository
from .legacy_outbox import LegacyOutbox
from .mailqueue import JobStatus, MailKind
from .messages import Outgoing, UnsafeAddress, render
from .recipients import RecipientCap

__all__ = ["Sender", "sender_lock", "SenderBusy", "Report", "POLL_SECONDS"]

log = logging.getLogger(__name__)

LOCK_NAME = "sender.lock"
POLL_SECONDS = 1.0  # how soon a queued message leaves, at most
SMTP_TIMEOUT = 10


class SenderBusy(Exception):
    """Another process is already sending this data directory's mail."""


@contextlib.contextmanager
def sender_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's sender lock, or raise ``SenderBusy`` at once."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SenderBusy() from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class Report:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0


class Sender:
    """Send due messages of one data directory."""

    def __init__(self, settings: Settings, secret: str, repo: Repository | None = None):
        self.settings = settings
        self.repo = repo or Repository(settings.data_dir, mail_domain=settings.mail_domain)
        self.out = Outgoing(settings, secret, self.repo, load_programme(settings.programme))
        self.legacy = LegacyOutbox(settings.data_dir)
        self.cap = RecipientCap(settings.data_dir, secret)

    def send_due(self) -> Report:
        """Send every job whose time has come, and the legacy files; one SMTP session."""
        report = Report()
        self.repo.queue_pending_mail()  # what records carry becomes jobs first
        jobs = self.repo.mail.due()
        files = self.legacy.pending()
        if not self.settings.smtp_host or not (jobs or files):
            return report
        with _Connection(self.settings) as smtp:
            for job in jobs:
                self._send_job(smtp, job, report)
            for path in files:
                if self.legacy.send(path, smtp.send):
                    report.sent += 1
        return report

    def _send_job(self, smtp: _Connection, job: dict, report: Report) -> None:
        if job.get("kind") not in tuple(MailKind):
            self._fail(job, "type de message inconnu", report, permanent=True)
            return
        try:
            rendered = render(job, self.out)
        except UnsafeAddress as error:
            self._fail(job, str(error), report, permanent=True)
            return
        except Exception as error:  # noqa: BLE001 - one job's fault stays with that job
            self._fail(job, f"rédaction impossible ({type(error).__name__})", report)
            return
        if rendered is None:
            self.repo.mail.mark_sent(job["id"], to_status=JobStatus.SANS_OBJET)
            report.skipped += 1
            return
        message, person_id = rendered
        if not self.cap.take(job["kind"], message["To"]):
            # The same answer was given to whoever asked; the address stays out of the log.
            self.repo.mail.mark_sent(job["id"], to_status=JobStatus.SANS_OBJET)
            log.warning("message %s non envoyé : plafond quotidien de son destinataire atteint",
                        job["id"])
            report.skipped += 1
            return
        try:
            smtp.send(message)
        except Exception as error:  # noqa: BLE001 - a refused server, or a message it chokes on
            self._fail(job, type(error).__name__, report)
            return
        self.repo.mail.mark_sent(job["id"], person_id=person_id)
        report.sent += 1

    def _fail(self, job: dict, error: str, report: Report, *, permanent: bool = False) -> None:
        """Count a failed try on this job alone: retry it later, or give it up."""
        failed = self.repo.mail.mark_failed(job["id"], error, permanent=permanent)
        # The job's id and the error's name only: never an address or a typed value.
        log.warning("message %s non envoyé (%s), essai %d%s", job["id"], error,
                    failed["attempts"], " : abandonné" if failed["status"] == JobStatus.ECHEC else "")
        report.failed += failed["status"] == JobStatus.ECHEC
        report.retried += failed["status"] != JobStatus.ECHEC

    def watch(self, stop: threading.Event, poll: float = POLL_SECONDS) -> None:
        """Send as messages fall due until ``stop`` is set (the caller holds the lock)."""
        while not stop.is_set():
            try:
                self.send_due()
            except Exception:  # noqa: BLE001 - the sender must outlive one bad message
                log.exception("envoi des messages interrompu ; nouvel essai bientôt")
            stop.wait(poll)


class _Connection:
    """One SMTP session for a batch, opened on first use, reopened after a failure."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT)
        if s.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        return smtp

    def send(self, message) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPServerDisconnected):
            self.smtp = None  # the next message opens a new session
            raise
        except (smtplib.SMTPException, ValueError, UnicodeError):
            # Refused by the server, or choked on before it was all sent: start the next
            # message on a clean session (RSET), or a new one if that fails too.
            try:
                self.smtp.rset()
            except (OSError, smtplib.SMTPException):
                self.smtp = None
            raise


def run_in_thread(settings: Settings, secret: str) -> tuple[threading.Thread, threading.Event]:
    """Start a sender thread holding the lock (for ``mentorat serve``); raise ``SenderBusy``."""
    stop = threading.Event()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with sender_lock(settings.data_dir):
                ready.set()
                Sender(settings, secret).watch(stop)
        except BaseException as error:  # noqa: BLE001 - reported to the starter
            failure.append(error)
            ready.set()

    thread = threading.Thread(target=run, name="mentorat-sender", daemon=True)
    thread.start()
    ready.wait()
    if failure:
        raise failure[0]
    return thread, stop
