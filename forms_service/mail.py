"""Write every message to the outbox first, then send it by SMTP.

A message is an ``.eml`` file in ``<data>/outbox/`` before anything else
happens, so a mail server that is down loses nothing: ``mentorat send-mail``
(cron) retries, and a sent message moves to ``outbox/sent/``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from .config import Settings
from .render import template_environment
from .typography import french_spacing

__all__ = ["Outbox", "compose"]

log = logging.getLogger(__name__)

# Plain-text messages: nothing to escape; what people typed stays as they typed it.
_env = template_environment(autoescape=False, keep_trailing_newline=True)


def compose(settings: Settings, to: str, subject: str, template: str, **context) -> EmailMessage:
    """Build a plain-text message from ``templates/mail/<template>.txt``."""
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.mail_from or f"mentorat@{_host(settings.base_url)}"
    message["To"] = to
    message["Subject"] = french_spacing(subject)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=_host(settings.base_url))
    body = _env.get_template(f"mail/{template}.txt").render(base_url=settings.base_url, **context)
    message.set_content(french_spacing(body))
    return message


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"


class Outbox:
    """The ``outbox/`` directory of a data directory."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.data_dir / "outbox"
        self.sent = self.path / "sent"

    def remove_partial(self, older_than: float = 60.0) -> int:
        """Delete half-written messages a crash left behind; return how many.

        Only files older than ``older_than`` seconds: a worker starting now
        must not delete a message another worker is writing.
        """
        removed = 0
        for path in self.path.glob("*.part") if self.path.exists() else ():
            # Another worker may remove the same file at the same moment.
            with contextlib.suppress(FileNotFoundError):
                if time.time() - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed += 1
        return removed

    def put(self, message: EmailMessage) -> Path:
        """Write the message durably; return its file."""
        self.path.mkdir(parents=True, exist_ok=True)
        final = self.path / f"{uuid.uuid4().hex}.eml"
        partial = final.with_suffix(".eml.part")
        with open(partial, "wb") as handle:
            handle.write(message.as_bytes())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
        _fsync_dir(self.path)
        return final

    def deliver(self, message: EmailMessage) -> Path:
        """Queue the message, then try to send it at once when SMTP is set."""
        path = self.put(message)
        if self.settings.smtp_host:
            self.send(path)
        return path

    def pending(self) -> list[Path]:
        return sorted(self.path.glob("*.eml")) if self.path.exists() else []

    def send(self, path: Path) -> bool:
        """Send one queued message; on success move it to ``sent/``."""
        try:
            with self._connect() as smtp:
                smtp.send_message(_read(path))
        except (OSError, smtplib.SMTPException) as error:
            log.warning("message %s non envoyé : %s", path.name, type(error).__name__)
            return False
        self.sent.mkdir(parents=True, exist_ok=True)
        os.replace(path, self.sent / path.name)
        return True

    def send_pending(self) -> tuple[int, int]:
        """Try every queued message; return (sent, still waiting)."""
        if not self.settings.smtp_host:
            return 0, len(self.pending())
        results = [self.send(path) for path in self.pending()]
        return sum(results), results.count(False)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10)
        if s.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        return smtp


def _read(path: Path) -> EmailMessage:
    from email import message_from_bytes

    return message_from_bytes(path.read_bytes(), _class=EmailMessage, policy=SMTP)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
