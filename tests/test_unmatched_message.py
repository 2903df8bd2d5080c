"""A promise of the FAQ: after relances.sans_binome_jours in the pool, someone still
unmatched gets one message saying what happens next — once per stay in the pool."""

from __future__ import annotations

from datetime import date, timedelta

from support.mail import mail_texts
from support.service import plain_spaces, repo

TODAY = date(2027, 3, 1)


def waiting_since(days: int, *, before: tuple[str, ...] = ()) -> dict:
    """A person in the pool for ``days``, after the statuses ``before`` (a past pair)."""
    came = (TODAY - timedelta(days=days)).isoformat() + "T09:00:00+00:00"
    first = (TODAY - timedelta(days=400)).isoformat() + "T09:00:00+00:00" if before else came
    history = [{"status": "nouveau", "at": first}]
    history += [{"status": s, "at": first} for s in before]
    history += [{"status": "en_attente", "at": came}]
    return {"status": "en_attente", "status_history": history, "role": "mentore",
            "created_at": first, "notice_version": "2026-12"}


def test_people_long_in_the_pool_hear_once_what_happens_next(make_app):
    from forms_service.records.checkpoints import send_reminders

    app = make_app()
    people = repo(app)
    for name, record in {"Ancienne": waiting_since(61),
                         "Recente": waiting_since(20),
                         "Revenue": waiting_since(10, before=("en_attente", "apparie", "actif"))
                         }.items():
        people.insert_record("enrollments", {**record, "name": name,
                                             "email": f"{name.lower()}@exemple.fr",
                                             "reference": f"R-{name[:4].upper()}-1111"})
    programme = app.config["PROGRAMME"]
    send_reminders(people, TODAY, programme=programme)
    send_reminders(people, TODAY + timedelta(days=1), programme=programme)  # the next morning
    told = [(to, body) for to, subject, body in mail_texts(app) if "toujours en attente" in subject]
    # Revenue came back to the pool ten days ago: her 60 days start again.
    assert [to for to, _body in told] == ["ancienne@exemple.fr"]
    body = plain_spaces(told[0][1])
    assert f"depuis {programme.followup['sans_binome_jours']} jours" in body
    assert "/formulaires/mon-inscription/" in body and "Répondez simplement" in body
