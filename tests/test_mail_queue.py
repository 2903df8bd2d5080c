"""One way to queue a message: with the record that causes it, or alone.

A record and the messages its change causes are one append; the sender hands
them to the queue (``collect``) in two appends, and a process killed between
the two neither loses nor doubles a message.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from support.service import ROOT

from forms_service.mail.mailqueue import PENDING, MailKind
from forms_service.mail.messages import BUILDERS
from forms_service.records.repository import Repository

ANSWERS = {"name": "Awa Diallo", "email": "awa.diallo@exemple.fr", "role": "mentore",
           "track": "classique"}


@pytest.fixture
def repo(tmp_path):
    repository = Repository(tmp_path / "data")
    yield repository
    repository.close()


def jobs(repo, kind=None) -> list[dict]:
    return [job for job in repo.mail.table.all() if kind is None or job["kind"] == kind]


def test_every_kind_of_message_has_its_builder():
    assert set(BUILDERS) == set(MailKind)


def test_a_confirmed_pair_and_its_introductions_are_one_append(repo):
    mentor, _ = repo.enroll({**ANSWERS, "email": "marc@exemple.fr", "role": "mentor"},
                            notice_version="1")
    mentee, _ = repo.enroll(ANSWERS, notice_version="1")
    repo.queue_pending_mail()
    before = jobs(repo)
    pair = repo.confirm_pair(mentor["id"], mentee["id"], by=None, score=80, reasons=[],
                             checkpoints=[])
    assert jobs(repo) == before and PENDING not in pair  # what callers get is the pair
    assert [job["refs"]["person_id"] for job in repo.pairs.get(pair["id"])[PENDING]] == \
        [mentor["id"], mentee["id"]]
    assert repo.queue_pending_mail() == 2
    assert sorted(job["refs"]["person_id"] for job in jobs(repo, MailKind.PRESENTATION)) == \
        [mentor["id"], mentee["id"]]
    assert PENDING not in repo.pairs.get(pair["id"])


def test_an_address_enrolled_again_carries_its_message_on_the_existing_record(repo):
    first, reference = repo.enroll(ANSWERS, notice_version="1", submission="a")
    again, other = repo.enroll(ANSWERS, notice_version="1", submission="b")
    assert again is None and other != reference and len(repo.enrollments) == 1
    # The same post twice stores and queues nothing more, and gives the same reference.
    assert repo.enroll(ANSWERS, notice_version="1", submission="b") == (None, other)
    assert repo.queue_pending_mail() == 2
    assert sorted(job["refs"]["reference"] for job in jobs(repo, MailKind.INSCRIPTION)) == \
        sorted([reference, other])
    assert repo.enroll(ANSWERS, notice_version="1", submission="b") == (None, other)


def test_a_mark_written_by_an_earlier_version_is_queued_as_its_confirmation(repo):
    table = repo.store.table("enrollments")
    doc_id = table.insert({"v": 1, **ANSWERS, "reference": "M-2345-6789",
                           PENDING: "inscription:ancienne"})
    assert repo.queue_pending_mail() == 1
    [job] = jobs(repo)
    assert job["key"] == "inscription:ancienne" and job["kind"] == MailKind.INSCRIPTION
    assert job["refs"] == {"email": ANSWERS["email"], "reference": "M-2345-6789"}
    assert PENDING not in table.get(doc_id)


KILLED_BETWEEN_THE_TWO_APPENDS = textwrap.dedent("""
    import os, sys
    from forms_service.records.repository import Repository
    from forms_service.storage.store import Table

    repo = Repository(sys.argv[1])
    repo.enroll({"name": "Awa Diallo", "email": "awa.diallo@exemple.fr", "role": "mentore"},
                notice_version="1")
    real_modify = Table.modify

    def killed(self, doc_id, fn):
        if self.name == "enrollments":
            os._exit(9)  # the job is appended, the record still carries it
        return real_modify(self, doc_id, fn)

    Table.modify = killed
    repo.queue_pending_mail()
""")


@pytest.mark.slow
def test_a_process_killed_between_the_two_appends_neither_loses_nor_doubles_a_message(
        tmp_path):
    data = tmp_path / "data"
    run = subprocess.run([sys.executable, "-c", KILLED_BETWEEN_THE_TWO_APPENDS, str(data)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 9, run.stderr
    repo = Repository(data)
    try:
        [record] = repo.enrollments.all()
        assert PENDING in record and len(jobs(repo, MailKind.INSCRIPTION)) == 1
        assert repo.queue_pending_mail() == 0  # found by its key: the mark only goes
        assert PENDING not in repo.enrollments.all()[0]
        [job] = jobs(repo, MailKind.INSCRIPTION)
        assert job["refs"]["reference"] == record["reference"]
    finally:
        repo.close()
