"""The programme's records: what the rest of the service reads and writes.

Views, CLI and mail talk to this small interface, never to the storage
engine. Each record carries ``v`` (its format version) so later versions
can migrate old records on start-up.

``Repository`` is composed of one part per concern, each given what it uses
when it is built: ``accounts`` (coordinators, audit log, rounds),
``people`` (enrollments and feedback), ``pairing`` (pairs, rejections,
locks, checkpoints), ``between`` (meetings, declines, silences), ``closing``
(the closing questionnaires' answers), with the
mail queue and the meetings table they share. Its methods are its parts'
own, each listed below with the part that holds it.
"""

from __future__ import annotations

from pathlib import Path

from ..mail.mailqueue import MailQueue
from ..storage import Store
from .accounts import AccountRecords
from .between import BetweenRecords
from .closing import ClosingRecords
from .common import (  # noqa: F401 - the names callers import from here
    ENROLLMENT_STATUSES,
    FORMAT_VERSION,
    AlreadyHandled,
    InvalidTransition,
    PairingRefused,
    StaleLink,
    new_reference,
    now_iso,
    submission_key,
)
from .enrollments import EnrollmentRecords
from .meetings import Meetings
from .pairs import PairRecords
from .round_reports import RoundReports

__all__ = [
    "ENROLLMENT_STATUSES",
    "FORMAT_VERSION",
    "AlreadyHandled",
    "InvalidTransition",
    "PairingRefused",
    "Repository",
    "StaleLink",
    "new_reference",
    "now_iso",
    "submission_key",
]


class _Part:
    """A repository name that is its part's own: ``repo.enroll`` is ``repo.people.enroll``."""

    def __init__(self, part: str):
        self.part = part

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, repo, owner=None):
        if repo is None:
            return self
        return getattr(getattr(repo, self.part), self.name)


class Repository:
    """The records of one data directory."""

    # What participants and their pairs leave; coordinator accounts, cohorts and the
    # audit log are the coordination's own.
    PARTICIPANT_TABLES = ("enrollments", "feedback", "pairs", "rejections", "closing")

    def __init__(self, data_dir: str | Path, *, mail_domain: str = "localhost"):
        self.store = Store(data_dir)
        # The messages records cause, queued in the same store (mail.mailqueue).
        self.mail = MailQueue(self.store, mail_domain)
        self.meetings = Meetings(self.store)
        self.accounts = AccountRecords(self.store)
        self.people = EnrollmentRecords(self.store, self.mail)
        self.pairing = PairRecords(self.store, self.mail, self.people)
        self.between = BetweenRecords(self.store, self.mail, self.meetings, self.people,
                                      self.pairing)
        self.closing = ClosingRecords(self.store)
        # Each round's lessons, decisions and frozen figures (``evaluation.report``).
        self.round_reports = RoundReports(self.store)

    # -- enrollments and feedback
    enrollments = _Part("people")
    feedback = _Part("people")
    enroll = _Part("people")
    add_feedback = _Part("people")
    correct_enrollment = _Part("people")
    change_email = _Part("people")
    prove_address = _Part("people")
    set_pause = _Part("people")
    set_preferences = _Part("people")
    set_limited = _Part("people")
    announce_notice = _Part("people")
    request_link = _Part("people")
    request_address_change = _Part("people")
    enrollment_by_email = _Part("people")
    enrollment = _Part("people")
    set_enrollment_status = _Part("people")
    add_enrollment_note = _Part("people")
    warn_of_erasure = _Part("people")
    stay = _Part("people")
    tell_unmatched = _Part("people")
    pass_selection_step = _Part("people")
    refuse_mentor = _Part("people")

    # -- pairs, the matching's pool, checkpoints
    pairs = _Part("pairing")
    rejections = _Part("pairing")
    locks = _Part("pairing")
    pair = _Part("pairing")
    all_pairs = _Part("pairing")
    active_pairs = _Part("pairing")
    rejected_pairs = _Part("pairing")
    reject_pair = _Part("pairing")
    active_pair_of = _Part("pairing")
    pairs_of = _Part("pairing")
    pair_history = _Part("pairing")
    locked_pairs = _Part("pairing")
    lock_pair = _Part("pairing")
    unlock_pair = _Part("pairing")
    matching_pool = _Part("pairing")
    confirm_pair = _Part("pairing")
    close_pair = _Part("pairing")
    claim_reminder = _Part("pairing")
    save_linked_feedback = _Part("pairing")
    restore_answered_marks = _Part("pairing")
    mark_answered = _Part("pairing")
    mark_feedback_handled = _Part("pairing")

    # -- between checkpoints
    log_meeting = _Part("between")
    decline_pair = _Part("between")
    mark_silence = _Part("between")

    # -- closing questionnaires
    save_closing = _Part("closing")
    closing_answer = _Part("closing")

    # -- the coordination's accounts, audit log and rounds
    coordinators = _Part("accounts")
    audit_log = _Part("accounts")
    cohorts = _Part("accounts")
    add_coordinator = _Part("accounts")
    coordinator = _Part("accounts")
    coordinator_by_email = _Part("accounts")
    list_coordinators = _Part("accounts")
    remove_coordinator = _Part("accounts")
    set_coordinator_password = _Part("accounts")
    audit = _Part("accounts")
    cohort_state = _Part("accounts")
    open_cohort = _Part("accounts")
    close_cohort = _Part("accounts")

    def queue_pending_mail(self) -> int:
        """Queue the messages pending on records (``MailQueue.collect``); return how many."""
        return self.mail.collect(self.store, [self.enrollments, self.pairs])

    def close(self) -> None:
        self.store.close()

    def insert_record(self, table: str, record: dict) -> dict:
        """Store a complete record as given (fictitious demo data); return it with its id."""
        if table not in ("enrollments", "feedback"):
            raise ValueError(table)
        target = self.store.table(table)
        return target.get(target.insert({"v": FORMAT_VERSION, **record}))

    def holds_data(self) -> bool:
        """Tell whether any table of the data directory has a record."""
        return any(len(self.store.table(path.stem))
                   for path in sorted(self.store.path.glob("*.jsonl")))

    def holds_participant_data(self) -> bool:
        """Tell whether any participant, pair or feedback is stored."""
        return any(len(self.store.table(name)) for name in self.PARTICIPANT_TABLES
                   if (self.store.path / f"{name}.jsonl").exists())
