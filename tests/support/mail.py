"""The mail as the sender would send it: queued messages, their text, their links."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from urllib.parse import parse_qs, urlsplit

from forms_service.mail.messages import Outgoing, render

from .service import repo


def queued_mail(app) -> list[EmailMessage]:
    """Every message waiting in the queue, rendered as the sender would send it now.

    Jobs that would send nothing (an unknown address…) are left out. Parsed
    back from bytes, as a mail client would read them.
    """
    out = Outgoing(app.config["SETTINGS"], app.secret_key, repo(app), app.config["PROGRAMME"])
    found = []
    repo(app).queue_pending_mail()  # what the sender does first
    for job in repo(app).mail.table.search(lambda j: j.get("status") == "en_attente"):
        rendered = render(job, out)
        if rendered is not None:
            found.append(message_from_bytes(rendered[0].as_bytes(), policy=default))
    return found


def mail_texts(app) -> list[tuple[str, str, str]]:
    """(To, Subject, body) of every queued message, oldest first."""
    return [(m["To"], m["Subject"], text_of(m)) for m in queued_mail(app)]


def text_of(message) -> str:
    """The plain-text body of a message, whether or not it carries an attachment."""
    return message.get_body(preferencelist=("plain",)).get_content()


def mails(client) -> list[tuple[str, str, str]]:
    """(To, Subject, body) of the queued messages, as the sender would send them."""
    return mail_texts(client.application)


def link_in(text: str) -> str:
    """The personal link (path and query) an e-mail's text holds."""
    url = re.search(r"http://\S+/formulaires/mon-inscription/\?lien=\S+", text).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["lien"][0]
