"""Checkpoints of a pair: when they fall due, who to remind, the personal link.

A confirmed pair gets one checkpoint per month listed in ``programme.yml``
(``points_etape``), due that many calendar months after confirmation. On or
after the due date, ``mentorat remind`` (cron) e-mails each person of each
active pair a personal link to the feedback form, once: the reminder is
claimed in the pair's record before the message is written, so two runs, or
a run after a crash, never send it twice.

The link (``mail.links.feedback_link``) carries a signed token (pair,
checkpoint month, person); ``web.linked_feedback`` pre-fills the feedback
form opened with it and ties what is posted with it to the checkpoint.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ..eligibility import may_be_reminded
from ..i18n import _, ngettext
from ..mail.links import LAST_CHECKPOINT_DAYS
from ..mail.mailqueue import MailKind
from ..vocabulary import PairState
from .meetings import coordination_recipients, last_activity, silence_of

__all__ = [
    "Due",
    "add_months",
    "checkpoint_schedule",
    "due_reminders",
    "checkpoint_closes",
    "today",
    "send_reminders",
]

def add_months(start: date, months: int) -> date:
    """Return the same day ``months`` later, or that month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def checkpoint_schedule(confirmed_on: date, months: Iterable[int]) -> list[dict]:
    """Return the checkpoints of a pair confirmed on ``confirmed_on``, as stored.

    Each is ``{"month", "due" (ISO date), "reminded": {}, "answered": {}}``;
    ``reminded`` and ``answered`` map a person's id (as a string: JSON keys)
    to when it happened.
    """
    return [{"month": int(month), "due": add_months(confirmed_on, int(month)).isoformat(),
             "reminded": {}, "answered": {}} for month in months]


@dataclass(frozen=True)
class Due:
    """One reminder to send: this person of this pair, for this checkpoint."""

    pair: dict
    month: int
    person_id: int
    role: str  # "mentor" or "mentore"


def due_reminders(pairs: Iterable[dict], on: date) -> list[Due]:
    """Return the reminders due on ``on``: active pairs, due date reached, not yet reminded."""
    found = []
    for pair in pairs:
        if pair.get("status") != PairState.ACTIVE:
            continue
        for checkpoint in pair.get("checkpoints", ()):
            if date.fromisoformat(checkpoint["due"]) > on:
                continue
            for person_id, role in ((pair["mentor_id"], "mentor"), (pair["mentee_id"], "mentore")):
                if str(person_id) not in checkpoint.get("reminded", {}):
                    found.append(Due(pair, checkpoint["month"], person_id, role))
    return found


def send_reminders(repo, on: date, progress: Callable[[str], None] | None = None,
                   programme=None) -> int:
    """Queue every reminder due on ``on``, then the silence nudges and alerts; return how many
    reminders were queued.

    Each reminder is claimed in the pair's record together with its mail job
    (``Repository.claim_reminder``): never queued twice, even by two runs at
    once; the sender delivers them. With ``programme`` (its ``relances``),
    silent pairs get their nudge, then the coordination its alert, once per
    silent period (``silence_check``).
    """
    report = progress or (lambda message: None)
    repo.restore_answered_marks()  # before the silence check reads them
    due = due_reminders(repo.active_pairs(), on)
    report(ngettext("%(num)d rappel à envoyer.", "%(num)d rappels à envoyer.", len(due))
           % {"num": len(due)})
    queued = 0
    reminded_pairs = set()
    for reminder in due:
        # Someone who limited the use of their data gets none; their partner's reminder goes.
        if not may_be_reminded(repo.enrollment(reminder.person_id)):
            continue
        if repo.claim_reminder(reminder.pair["id"], reminder.month, reminder.person_id):
            queued += 1
            reminded_pairs.add(reminder.pair["id"])
    if programme is not None:
        announced = repo.announce_notice(programme.notice_version)
        if announced:
            report(ngettext("%(num)d personne prévenue du changement de la notice.",
                            "%(num)d personnes prévenues du changement de la notice.", announced)
                   % {"num": announced})
        nudges, alerts = silence_check(repo, on, programme, reminded_pairs)
        report(_("Binômes sans nouvelles : %(nudges)d relancé(s), %(alerts)d signalé(s) à la "
                 "coordination.") % {"nudges": nudges, "alerts": alerts})
        told = repo.tell_unmatched(on, programme.followup["sans_binome_jours"])
        report(_("Personnes sans binôme depuis %(days)d jours prévenues de la suite : %(num)d.")
               % {"days": programme.followup["sans_binome_jours"], "num": told})
    return queued


def silence_check(repo, on: date, programme, reminded_today: set[int] = frozenset()
                  ) -> tuple[int, int]:
    """Nudge silent pairs, then tell the coordination; each once per silent period.

    A nudge due the same day as a checkpoint reminder is not sent apart: the
    reminder already carries the « Nous nous sommes vus » link.
    """
    followup = programme.followup
    nudged = alerted = 0
    for pair in repo.active_pairs():
        feedback_days = [f.get("created_at", "") for f in repo.feedback.search(
            lambda f, pid=pair["id"]: f.get("pair_id") == pid) if f.get("created_at")]
        since = last_activity(pair, repo.meetings.of_pair(pair["id"]), feedback_days)
        silence = silence_of(pair, since, on, followup)
        period = since.isoformat()
        if silence.nudge_due:
            jobs = [] if pair["id"] in reminded_today else [
                (MailKind.RELANCE, {"person_id": person_id})
                for person_id in (pair["mentor_id"], pair["mentee_id"])
                if may_be_reminded(repo.enrollment(person_id))]
            nudged += repo.mark_silence(pair["id"], "nudged", period, jobs)
        if silence.alert_due:
            jobs = [(MailKind.ALERTE, {**refs, "days": silence.days})
                    for refs in coordination_recipients(programme, repo)]
            alerted += repo.mark_silence(pair["id"], "alerted", period, jobs)
    return nudged, alerted


def today() -> date:
    """Today's date (a function, so tests can move the clock)."""
    return date.today()


def checkpoint_closes(pair: dict, month: int) -> date | None:
    """The day a checkpoint's feedback link stops working: the next checkpoint's due date,
    or ``LAST_CHECKPOINT_DAYS`` after the last one."""
    dues = sorted((c["month"], date.fromisoformat(c["due"])) for c in pair.get("checkpoints", ()))
    for index, (each, due) in enumerate(dues):
        if each == month:
            if index + 1 < len(dues):
                return dues[index + 1][1]
            return due + timedelta(days=LAST_CHECKPOINT_DAYS)
    return None
