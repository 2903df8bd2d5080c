"""The sender: one bad job never holds back the others, and monitoring sees it.

The queue is poisoned the way damaged or foreign data would do it, through
TinyDB's own API (``open_tinydb``); messages go to a real SMTP server.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from support.processes import Inbox, mentorat, smtp_server
from support.service import SECRET

from forms_service.config import Settings
from forms_service.mail.sender import Sender
from forms_service.records.repository import Repository
from forms_service.storage import open_tinydb

PERSON = {"name": "Awa Diallo", "role": "mentore", "track": "classique", "format": "hybride"}


@pytest.fixture
def inbox():
    found = Inbox()
    with smtp_server(found) as controller:
        found.port = controller.port
        yield found


@pytest.fixture
def settings(tmp_path, inbox):
    return dataclasses.replace(Settings.from_env({}), data_dir=tmp_path / "data",
                               smtp_host="127.0.0.1", smtp_port=inbox.port)


def poison(settings) -> list[int]:
    """Queue three jobs no sender can deliver: foreign, corrupt, inconsistent."""
    repo = Repository(settings.data_dir)
    mentor, _ = repo.enroll({**PERSON, "name": "Marc Petit", "email": "marc@exemple.fr",
                             "role": "mentor"}, notice_version="1")
    mentee, _ = repo.enroll({**PERSON, "email": "awa@exemple.fr"}, notice_version="1")
    pair = repo.confirm_pair(mentor["id"], mentee["id"], by=None, score=80, reasons=[],
                             checkpoints=[{"month": 1, "due": "2026-01-01"}])
    repo.queue_pending_mail()
    repo.close()
    now = time.time()
    job = {"v": 1, "status": "en_attente", "attempts": 0, "next_try": now, "created_at": now,
           "last_error": None, "sent_at": None, "message_id": "<poison@exemple.fr>"}
    with open_tinydb(settings.data_dir) as db:
        mail = db.table("mail")
        return [
            # A kind this version does not know (written by a newer one, or by hand).
            mail.insert({**job, "kind": "carte_postale", "refs": {}}),
            # A reminder whose month is not a number: its subject cannot be written.
            mail.insert({**job, "kind": "rappel", "refs": {
                "pair_id": pair["id"], "month": "trois", "person_id": mentee["id"]}}),
            # A damaged Message-ID that no header may hold.
            mail.insert({**job, "kind": "presentation", "message_id": "<a@b>\r\nBcc: x@y",
                         "refs": {"mentor_id": mentor["id"], "mentee_id": mentee["id"],
                                  "person_id": mentor["id"]}}),
        ]


def enroll_ten(settings) -> list[str]:
    repo = Repository(settings.data_dir)
    addresses = [f"personne.{n}@exemple.fr" for n in range(10)]
    for address in addresses:
        repo.enroll({**PERSON, "email": address}, notice_version="1")
    repo.close()
    return addresses


def status(settings):
    return mentorat("send-mail", "--status", data_dir=settings.data_dir)


def test_a_queue_poisoned_with_three_bad_jobs_still_delivers_the_next_ten(settings, inbox):
    bad = poison(settings)
    addresses = enroll_ten(settings)
    sender = Sender(settings, SECRET)
    report = sender.send_due()
    sender.repo.close()
    delivered = {to for recipients, _message in inbox.messages for to in recipients}
    assert set(addresses) <= delivered
    assert report.failed + report.retried == 3
    checked = status(settings)
    assert checked.returncode == 1, checked.stderr
    named = [line for line in checked.stdout.splitlines() if "erreur : aucune" not in line]
    assert sorted(int(line.split()[1]) for line in named) == sorted(bad), checked.stdout
    assert "type de message inconnu" in checked.stdout and "en échec" in checked.stdout


def test_the_next_confirmation_leaves_within_seconds_behind_a_poisoned_queue(settings, inbox):
    poison(settings)
    sender = Sender(settings, SECRET)
    stop = threading.Event()
    watching = threading.Thread(target=sender.watch, args=(stop, 0.1), daemon=True)
    watching.start()
    try:
        repo = Repository(settings.data_dir)
        repo.enroll({**PERSON, "email": "nouvelle@exemple.fr"}, notice_version="1")
        repo.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
                "nouvelle@exemple.fr" in to for to, _m in inbox.messages):
            time.sleep(0.05)
        subjects = [m["Subject"] for to, m in inbox.messages if "nouvelle@exemple.fr" in to]
        assert subjects == ["Votre inscription au programme de mentorat"]
    finally:
        stop.set()
        watching.join(5)
        sender.repo.close()


def test_no_one_can_flood_an_address_through_the_programme(settings, inbox, caplog):
    from forms_service.mail.recipients import DAILY_CAP

    repo = Repository(settings.data_dir)
    repo.enroll({**PERSON, "email": "cible@exemple.fr"}, notice_version="1")
    for attempt in range(10):  # the same address enrolled again and again
        _record, reference = repo.enroll({**PERSON, "email": "cible@exemple.fr"},
                                         notice_version="1")
        assert reference  # every answer looks like a success
    for _attempt in range(30):  # « Retrouver mon inscription », thirty times
        repo.request_link("Cible@Exemple.fr")
    repo.enroll({**PERSON, "email": "autre@exemple.fr"}, notice_version="1")
    repo.close()
    caplog.set_level("WARNING")
    sender = Sender(settings, SECRET)
    report = sender.send_due()
    sender.repo.close()
    received = [to for recipients, _m in inbox.messages for to in recipients]
    assert received.count("cible@exemple.fr") == DAILY_CAP
    assert received.count("autre@exemple.fr") == 1  # someone else's mail still goes
    assert report.skipped == 41 - DAILY_CAP
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "plafond quotidien" in logged and "cible" not in logged.lower()
