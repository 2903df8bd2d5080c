"""« A pair ended »: one event, whatever ends it, and the calendars follow.

Closed by the coordination, declined, a withdrawal, an erasure: each person
who stays is told, and the events the pair's messages put in their calendar
are cancelled (``METHOD:CANCEL``, same ``UID``, a higher ``SEQUENCE``), even
when the pair's record or the other person's is gone.
"""

from __future__ import annotations

import dataclasses

import pytest
from icalendar import Calendar
from support.mail import text_of
from support.service import ROOT, SECRET, plain_spaces

from forms_service.config import Settings
from forms_service.mail.mailqueue import MailKind
from forms_service.mail.messages import Outgoing, render
from forms_service.programme import load_programme
from forms_service.records.purge import erase_person, withdraw_person
from forms_service.records.repository import Repository

CHECKPOINTS = [{"month": 1, "due": "2027-01-10"}, {"month": 3, "due": "2027-03-10"}]


@pytest.fixture
def world(tmp_path):
    settings = dataclasses.replace(Settings.from_env({}), data_dir=tmp_path / "data")
    repo = Repository(settings.data_dir, mail_domain=settings.mail_domain)
    out = Outgoing(settings, SECRET, repo, load_programme(ROOT / "programme.yml"))
    mentor, _ = repo.enroll({"name": "Marc Petit", "email": "marc@exemple.fr",
                             "role": "mentor"}, notice_version="1")
    mentee, _ = repo.enroll({"name": "Awa Diallo", "email": "awa@exemple.fr",
                             "role": "mentore"}, notice_version="1")
    pair = repo.confirm_pair(mentor["id"], mentee["id"], by=None, score=80, reasons=[],
                             checkpoints=[dict(c) for c in CHECKPOINTS],
                             at="2026-12-03T09:00:00+00:00")
    introductions = sent(repo, out)
    yield repo, out, pair, introductions
    repo.close()


def sent(repo, out) -> list[tuple[str, str, Calendar | None]]:
    """Queue what records carry, render every waiting job: (to, subject, calendar)."""
    repo.queue_pending_mail()
    found = []
    for job in repo.mail.due():
        rendered = render(job, out)
        repo.mail.mark_sent(job["id"])
        if rendered is None:
            continue
        message, _person = rendered
        # Every message answers to the coordination: « répondez à ce message » reaches someone.
        assert message["Reply-To"] == out.programme.contacts["coordination"], job["kind"]
        ics = next((part.get_content() for part in message.iter_attachments()
                    if part.get_content_type() == "text/calendar"), None)
        found.append((message["To"], message["Subject"],
                      Calendar.from_ical(ics) if ics else None))
    return found


def events(calendar: Calendar) -> dict[str, int]:
    return {str(e["uid"]): int(e["sequence"]) for e in calendar.walk("VEVENT")}


def assert_cancels_the_introduced_events(calendar, introductions):
    introduced = next(cal for _to, subject, cal in introductions if cal is not None)
    assert str(calendar["method"]) == "CANCEL"
    assert set(events(calendar)) == set(events(introduced)) and len(events(calendar)) == 3
    assert all(seq > 1 for seq in events(calendar).values())  # above the reminders' update
    assert {str(e["status"]) for e in calendar.walk("VEVENT")} == {"CANCELLED"}


def test_a_pair_the_coordination_closes_tells_both_and_cancels_their_events(world):
    repo, out, pair, introductions = world
    repo.close_pair(pair["id"], reason="fin", by=1, mentor_status="en_attente",
                    mentee_status="clos")
    # Each also gets the closing questionnaire (test_closing_questionnaire.py).
    told = [m for m in sent(repo, out) if m[1] != "Le bilan de votre binôme de mentorat"]
    assert sorted(to for to, _s, _c in told) == ["awa@exemple.fr", "marc@exemple.fr"]
    for _to, subject, calendar in told:
        assert subject == "Votre binôme de mentorat s’arrête"
        assert_cancels_the_introduced_events(calendar, introductions)


def test_a_declined_introduction_cancels_the_events_of_both(world):
    repo, out, pair, introductions = world
    repo.decline_pair(pair["id"], pair["mentee_id"], "", coordination=[])
    told = {to: (subject, calendar) for to, subject, calendar in sent(repo, out)}
    assert set(told) == {"awa@exemple.fr", "marc@exemple.fr"}
    assert told["marc@exemple.fr"][0] == "Votre binôme de mentorat"  # the partner's message
    for _subject, calendar in told.values():
        assert_cancels_the_introduced_events(calendar, introductions)


@pytest.mark.parametrize("leave", ["withdrawal", "erasure"])
def test_someone_leaving_tells_the_other_only_even_once_erased(world, leave):
    repo, out, pair, introductions = world
    if leave == "withdrawal":
        withdraw_person(repo, pair["mentee_id"])
    else:
        erase_person(repo, pair["mentee_id"], secret=None, outbox=None)
        assert repo.pair(pair["id"]) is None and repo.enrollment(pair["mentee_id"]) is None
    [(to, subject, calendar), (coordination, about, _none)] = sent(repo, out)
    assert to == "marc@exemple.fr" and subject == "Votre binôme de mentorat s’arrête"
    assert_cancels_the_introduced_events(calendar, introductions)
    # The coordination did not end it: it hears, by the pair's number (the partner's own
    # message says nothing of why).
    assert coordination == out.programme.contacts["coordination"]
    assert about == "Un binôme s’est arrêté"
    [job] = [j for j in repo.mail.table.all() if j["kind"] == MailKind.FIN_COORDINATION]
    text = text_of(render(job, out)[0])
    assert f"binôme n° {pair['id']}" in plain_spaces(text)
    assert ("effacement" in text) == (leave == "erasure") and "mentorée" in text
    assert "Awa" not in text and "awa@" not in text


def test_every_way_a_pair_ends_goes_through_the_one_event(world, monkeypatch):
    repo, out, pair, _introductions = world
    calls = []
    real = repo.pairing.pair_ended
    monkeypatch.setattr(repo.pairing, "pair_ended",
                        lambda *a, **k: calls.append(k["reason"]) or real(*a, **k))
    repo.close_pair(pair["id"], reason="fin", by=1, mentor_status="en_attente",
                    mentee_status="en_attente")
    again = repo.confirm_pair(pair["mentor_id"], pair["mentee_id"], by=None, score=80,
                              reasons=[], checkpoints=[])
    repo.decline_pair(again["id"], again["mentor_id"], "", coordination=[])
    assert calls == ["fin", "refus"]
    repo.queue_pending_mail()
    kinds = [job["kind"] for job in repo.mail.table.all()]
    assert kinds.count(MailKind.FIN_BINOME) == 3 and kinds.count(MailKind.REFUS_PARTENAIRE) == 1


def test_every_message_answers_to_the_coordination(world):
    repo, out, pair, introductions = world
    repo.request_link("marc@exemple.fr")
    repo.close_pair(pair["id"], reason="fin", by=1, mentor_status="en_attente",
                    mentee_status="clos")
    repo.queue_pending_mail()
    coordination = out.programme.contacts["coordination"]
    kinds = set()
    for job in repo.mail.table.all():
        rendered = render(job, out)
        if rendered is not None:
            kinds.add(job["kind"])
            assert rendered[0]["Reply-To"] == coordination, job["kind"]
    assert {MailKind.LIEN, MailKind.FIN_BINOME} <= kinds  # and the introductions, in sent()
