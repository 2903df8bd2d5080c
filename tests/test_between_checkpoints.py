"""Between checkpoints: calendar files, the one-click meeting log, silence, decline, pause."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from support.mail import queued_mail, text_of
from support.people import enroll, mentor
from support.service import JSON, SECRET, repo

from forms_service.mail.links import pair_token
from forms_service.records.checkpoints import checkpoint_schedule, send_reminders


@pytest.fixture
def pair(app):
    """An active pair confirmed today (checkpoints at 1, 3 and 6 months)."""
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    return repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=80.0,
                                  reasons=["langue commune : français"],
                                  checkpoints=checkpoint_schedule(date.today(), (1, 3, 6)))


def introductions(app) -> list:
    return [m for m in queued_mail(app) if m["Subject"] == "Votre binôme de mentorat"]


def calendar_of(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "mentorat.ics" and part.get_param("method") == "PUBLISH"
    return Calendar.from_ical(part.get_content())


def test_the_introduction_carries_a_calendar_that_imports(app, pair):
    [first, second] = introductions(app)
    calendar = calendar_of(first)
    assert calendar["METHOD"] == "PUBLISH"
    events = calendar.walk("VEVENT")
    days = sorted(event.decoded("DTSTART") for event in events)
    assert days == sorted([date.today() + timedelta(days=7)] +
                          [date.fromisoformat(c["due"]) for c in pair["checkpoints"]])
    for event in events:
        assert "lien=" not in str(event["DESCRIPTION"])  # never a personal link in a calendar
    assert "/formulaires/rencontre/?lien=" in text_of(first)
    assert "/formulaires/refus/?lien=" in text_of(first)


def test_a_reminder_updates_its_checkpoint_event(app, pair):
    send_reminders(repo(app), date.fromisoformat(pair["checkpoints"][0]["due"]))
    [reminder, *_] = [m for m in queued_mail(app) if m["Subject"].startswith("Point d")]
    [event] = calendar_of(reminder).walk("VEVENT")
    [original] = [e for e in calendar_of(introductions(app)[0]).walk("VEVENT")
                  if e["UID"] == event["UID"]]
    assert int(event["SEQUENCE"]) > int(original["SEQUENCE"])


def meeting_link(app, pair, person_id) -> str:
    return pair_token(SECRET, pair["id"], person_id, "rencontre")


def test_the_meeting_link_shows_a_button_and_only_the_post_records(app, client, pair):
    token = meeting_link(app, pair, pair["mentee_id"])
    page = client.get(f"/formulaires/rencontre/?lien={token}")
    assert page.status_code == 200 and "Nous nous sommes vus" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert repo(app).meetings.all() == []
    for person in (pair["mentee_id"], pair["mentor_id"]):  # both log the same day: one meeting
        response = client.post("/formulaires/rencontre/", headers=JSON,
                               data={"lien": meeting_link(app, pair, person), "duree": "45"})
        assert response.status_code == 200
    [meeting] = repo(app).meetings.all()
    assert (meeting["pair_id"], meeting["date"], meeting["duration_minutes"],
            meeting["logged_by"]) == (pair["id"], date.today().isoformat(), 45, "mentee")
    assert repo(app).enrollment(pair["mentee_id"])["status"] == "actif"


@pytest.mark.parametrize("data", [{"date": "2020-01-01"}, {"date": "demain"},
                                  {"duree": "9999"}, {"format": "avion"},
                                  # digits, for str.isdigit(), but not ASCII ones
                                  {"duree": "4²"}, {"duree": "١٢٠"}, {"duree": "４５"}])
def test_a_meeting_with_odd_values_is_a_french_400(app, client, pair, data):
    response = client.post("/formulaires/rencontre/", headers=JSON,
                           data={"lien": meeting_link(app, pair, pair["mentee_id"]), **data})
    assert response.status_code == 400 and response.get_json()["ok"] is False
    assert repo(app).meetings.all() == []


def test_a_forged_meeting_link_records_nothing(app, client, pair):
    forged = pair_token("z" * 48, pair["id"], pair["mentee_id"], "rencontre")
    response = client.post("/formulaires/rencontre/", headers=JSON, data={"lien": forged})
    assert response.status_code == 404 and repo(app).meetings.all() == []


def silent_run(app, on: date):
    send_reminders(repo(app), on, programme=app.config["PROGRAMME"])
    return [m for m in queued_mail(app)
            if m["Subject"].startswith(("Des nouvelles de votre binôme", "Binôme sans nouvelles"))]


def test_silence_nudges_then_alerts_each_once(app, pair):
    followup = app.config["PROGRAMME"].followup
    today = date.today()
    assert silent_run(app, today + timedelta(days=followup["silence_jours"] - 1)) == []
    nudges = silent_run(app, today + timedelta(days=followup["silence_jours"]))
    assert sorted(m["To"] for m in nudges) == ["awa.diallo@exemple.fr", "marc.petit@exemple.fr"]
    again = silent_run(app, today + timedelta(days=followup["silence_jours"] + 1))
    assert [m["Message-ID"] for m in again] == [m["Message-ID"] for m in nudges]  # none more
    alerts = [m for m in silent_run(app, today + timedelta(days=followup["alerte_jours"]))
              if m["Subject"].startswith("Binôme sans")]
    [alert] = alerts
    assert alert["To"] == app.config["PROGRAMME"].contacts["coordination"]
    again = silent_run(app, today + timedelta(days=followup["alerte_jours"] + 2))
    assert len([m for m in again if m["Subject"].startswith("Binôme sans")]) == 1


def test_a_pair_that_met_gets_no_nudge(app, client, pair):
    followup = app.config["PROGRAMME"].followup
    met = date.today() + timedelta(days=followup["silence_jours"] - 5)
    repo(app).log_meeting(pair["id"], pair["mentor_id"], met)
    assert silent_run(app, date.today() + timedelta(days=followup["silence_jours"] + 1)) == []


def test_declining_closes_the_pair_and_returns_both_to_the_pool(app, client, pair):
    token = pair_token(SECRET, pair["id"], pair["mentee_id"], "refus")
    page = client.get(f"/formulaires/refus/?lien={token}")
    assert page.status_code == 200 and "Décliner ce binôme" in page.get_data(as_text=True)
    assert repo(app).pair(pair["id"])["status"] == "active"
    response = client.post("/formulaires/refus/", headers=JSON,
                           data={"lien": token, "raison": "Nous travaillons déjà ensemble"})
    assert response.status_code == 200
    closed = repo(app).pair(pair["id"])
    assert closed["status"] == "non_demarre"
    assert {repo(app).enrollment(p)["status"] for p in (pair["mentor_id"], pair["mentee_id"])} \
        == {"en_attente"}
    assert (pair["mentor_id"], pair["mentee_id"]) in repo(app).rejected_pairs()
    texts = {m["To"]: text_of(m) for m in queued_mail(app)
             if "n’a pas abouti" in text_of(m) or "décliné" in m["Subject"]}
    assert "travaillons" not in texts["marc.petit@exemple.fr"]  # the partner never gets the reason
    coordination = app.config["PROGRAMME"].contacts["coordination"]
    assert "Nous travaillons déjà ensemble" in texts[coordination]


def test_a_paused_mentor_is_not_proposed_until_the_resume_date(app, pair):
    other = mentor(app, "Léa Roux")
    ids = lambda: {p["id"] for p in repo(app).matching_pool(selection=None)[0]}  # noqa: E731
    assert other["id"] in ids()
    repo(app).set_pause(other["id"], pause=True, resume=None, capacity=2)
    assert other["id"] not in ids()
    repo(app).set_pause(other["id"], pause=True, resume=date.today().isoformat(), capacity=2)
    assert other["id"] in ids()  # resumes on the date, by itself


def test_erasure_removes_the_persons_meetings(app, pair):
    from forms_service.records.purge import erase_person

    repo(app).log_meeting(pair["id"], pair["mentee_id"], date.today())
    erase_person(repo(app), pair["mentee_id"], secret=SECRET, outbox=None)
    assert repo(app).meetings.all() == []


def test_the_coordinator_sees_meetings_and_they_export(app, client, pair):
    import json
    import subprocess
    import sys

    from support.coordination import login
    from support.service import ROOT

    repo(app).log_meeting(pair["id"], pair["mentee_id"], date.today(), duration_minutes=50)
    login(app, client)
    page = client.get(f"/coordination/suivi/binomes/{pair['id']}/").get_data(as_text=True)
    assert "1 rencontre notée, la dernière le" in page
    followup = client.get("/coordination/suivi/").get_data(as_text=True)
    assert "1, la dernière le" in followup
    assert client.get("/coordination/tableau-de-bord/").status_code == 200
    env = {"MENTORAT_DATA_DIR": str(app.config["SETTINGS"].data_dir), "PATH": "/usr/bin:/bin"}
    repo(app).close()
    out = subprocess.run([sys.executable, "-m", "forms_service.cli", "export", "meetings",
                          "--format", "jsonl"], env=env, cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert [json.loads(line) for line in out.stdout.splitlines()] == [{
        "pair_id": pair["id"], "date": date.today().isoformat(), "duration_minutes": 50,
        "format": None, "logged_by": "mentee"}]
    csv_out = subprocess.run([sys.executable, "-m", "forms_service.cli", "export", "meetings",
                              "--format", "csv"], env=env, cwd=ROOT, capture_output=True,
                             text=True)
    assert "Noté par" in csv_out.stdout and "la personne mentorée" in csv_out.stdout


def personal_path(app, record) -> str:
    from forms_service.mail.links import personal_link

    return personal_link("", SECRET, record)


def test_a_waiting_mentee_ranks_visible_mentors_and_the_matching_weighs_it(app, client):
    from urllib.parse import parse_qs, urlsplit

    from forms_service.matching.suggest import suggest

    awa = enroll(app, "Awa Diallo")
    shy = mentor(app, "Marc Petit")
    shown = mentor(app, "Léa Roux", profil_visible=True, presentation="Vingt ans de négociation")
    html = client.get(personal_path(app, awa)).get_data(as_text=True)
    assert "Choisir vos mentors" in html and "Léa" in html and "Vingt ans" in html
    assert "Marc" not in html and "lea.roux@" not in html and "Roux" not in html
    token = parse_qs(urlsplit(personal_path(app, awa)).query)["lien"][0]
    refused = client.post("/api/mon-inscription/choix", headers=JSON,
                          data={"lien": token, "choix_1": str(shy["id"])})
    assert refused.status_code == 400  # only the mentors shown may be ranked
    for odd in ("²", "١", f"{shown['id']}²"):
        assert client.post("/api/mon-inscription/choix", headers=JSON,
                           data={"lien": token, "choix_1": odd}).status_code == 400
    gone = client.post("/api/mon-inscription/rencontres/retirer", headers=JSON,
                       data={"lien": token, "rencontre": "²"})
    assert gone.status_code == 404 and "n’existe pas" in gone.get_json()["errors"]["__form__"][0]
    done = client.post("/api/mon-inscription/choix", headers=JSON,
                       data={"lien": token, "choix_1": str(shown["id"])})
    assert done.status_code == 200
    assert repo(app).enrollment(awa["id"])["preferences"] == [shown["id"]]
    pool, load = repo(app).matching_pool(selection=None)
    weights = app.config["PROGRAMME"].weights
    [pick] = suggest(pool, weights, existing_load=load).suggestions
    assert pick.mentor["id"] == shown["id"]
    assert "choisi en premier par la personne mentorée" in pick.reasons
    assert not [r for r in pick.reasons if getattr(r, "tone", "") == "positif"
                and "choisi" in r]  # never a positive reason: never mailed to the mentor


def test_a_new_notice_version_is_announced_once_to_each_enrolled_person(app):
    from dataclasses import replace

    awa = enroll(app, "Awa Diallo")
    newer = replace(app.config["PROGRAMME"], notice_version="2027-01")
    for _run in range(2):
        send_reminders(repo(app), date.today(), programme=newer)
    notices = [m for m in queued_mail(app) if "notice" in m["Subject"]]
    assert [m["To"] for m in notices] == [awa["email"]]
    assert "/formulaires/mon-inscription/?lien=" in text_of(notices[0])
