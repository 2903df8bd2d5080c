"""Follow-up: reminders (once), the personal link, signed feedback, alerts, closing."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from support.coordination import csrf_token, login
from support.mail import queued_mail, text_of
from support.people import FEEDBACK, enroll, mentor
from support.service import SECRET, repo

from forms_service.coordination.followup import alerts, checkpoint_rows, silent_pairs
from forms_service.mail.links import feedback_token, read_feedback_token
from forms_service.records.checkpoints import checkpoint_schedule, due_reminders, send_reminders

CONFIRMED = date(2026, 1, 10)


@pytest.fixture
def pair(app):
    """An active pair confirmed on 10 January 2026 (checkpoints 10 Feb, 10 Apr, 10 Jul)."""
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    return repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=75.0,
                                  reasons=["langue commune : français"],
                                  checkpoints=checkpoint_schedule(CONFIRMED, (1, 3, 6)))


def remind(app, on: date) -> int:
    return send_reminders(repo(app), on)


def reminders_queued(app) -> list:
    """The queued reminders (enrolling and pairing queue their own messages too)."""
    return [m for m in queued_mail(app) if m["Subject"].startswith("Point d")]


def link_of(message) -> str:
    return re.search(r"http://\S+/formulaires/retour/\?lien=\S+", text_of(message)).group(0)


# ----------------------------------------------------------------------------- pure rules

def test_a_token_names_pair_checkpoint_and_person_and_cannot_be_forged():
    token = feedback_token(SECRET, 7, 3, 12)
    assert read_feedback_token(SECRET, token) == {"pair": 7, "month": 3, "person": 12}
    assert read_feedback_token("x" * 48, token) is None
    assert read_feedback_token(SECRET, token[:-2] + "xx") is None
    assert read_feedback_token(SECRET, "") is None


@pytest.mark.parametrize("on, expected", [
    (date(2026, 2, 9), []),
    (date(2026, 2, 10), [(1, "mentor"), (1, "mentore")]),
    (date(2026, 4, 30), [(1, "mentor"), (1, "mentore"), (3, "mentor"), (3, "mentore")]),
])
def test_reminders_fall_due_on_the_checkpoint_date(on, expected):
    pairs = [{"id": 1, "mentor_id": 1, "mentee_id": 2, "status": "active",
              "checkpoints": checkpoint_schedule(CONFIRMED, (1, 3, 6))}]
    assert [(d.month, d.role) for d in due_reminders(pairs, on)] == expected


def test_closed_pairs_and_reminded_people_get_no_reminder():
    schedule = checkpoint_schedule(CONFIRMED, (1,))
    schedule[0]["reminded"] = {"1": "2026-02-10T08:00:00+00:00"}
    pairs = [{"id": 1, "mentor_id": 1, "mentee_id": 2, "status": "active", "checkpoints": schedule},
             {"id": 2, "mentor_id": 3, "mentee_id": 4, "status": "closed",
              "checkpoints": checkpoint_schedule(CONFIRMED, (1,))}]
    assert [(d.pair["id"], d.person_id) for d in due_reminders(pairs, date(2026, 3, 1))] == [(1, 2)]


def test_checkpoint_rows_say_what_is_coming_due_and_late():
    pairs = [{"id": 1, "mentor_id": 1, "mentee_id": 2, "status": "active",
              "confirmed_at": "2026-01-10",
              "checkpoints": checkpoint_schedule(CONFIRMED, (1, 3, 6))}]
    pairs[0]["checkpoints"][0]["answered"] = {"1": {"at": "x", "feedback_id": 1}}
    rows = checkpoint_rows(pairs, date(2026, 4, 1))
    assert [(r["month"], r["state"], r["waiting"]) for r in rows] == [
        (1, "en_retard", [2]), (3, "a_venir", [1, 2])]
    assert [(r["month"], r["state"]) for r in checkpoint_rows(pairs, date(2026, 4, 15))] == [
        (1, "en_retard"), (3, "echu")]
    assert silent_pairs(pairs) == []


@pytest.mark.parametrize("feedback, alert", [
    ({"satisfaction": 4, "progress": 4}, False),
    ({"satisfaction": 2, "progress": 5}, True),
    ({"satisfaction": 5, "progress": 1}, True),
    ({"satisfaction": 3, "progress": 3, "contact_requested": True}, True),
])
def test_alerts_are_contact_requests_and_low_scores(feedback, alert):
    assert bool(alerts([feedback])) is alert


# ------------------------------------------------------------------------------ reminders

def test_remind_sends_each_due_reminder_once(app, pair):
    assert remind(app, date(2026, 2, 9)) == 0
    assert remind(app, date(2026, 2, 10)) == 2
    assert remind(app, date(2026, 2, 11)) == 0
    assert remind(app, date(2026, 3, 1)) == 0
    messages = reminders_queued(app)
    assert sorted(m["To"] for m in messages) == ["awa.diallo@exemple.fr", "marc.petit@exemple.fr"]
    stored = repo(app).pair(pair["id"])["checkpoints"][0]["reminded"]
    assert set(stored) == {str(pair["mentor_id"]), str(pair["mentee_id"])}
    assert remind(app, date(2026, 4, 10)) == 2
    assert len(reminders_queued(app)) == 4


def test_a_claimed_reminder_cannot_be_claimed_again(app, pair):
    assert repo(app).claim_reminder(pair["id"], 1, pair["mentee_id"]) is True
    assert repo(app).claim_reminder(pair["id"], 1, pair["mentee_id"]) is False


def test_a_linked_answer_whose_mark_was_lost_gets_it_back_at_the_next_reminder_run(app, pair):
    # As if the process died between the answer's append and the pair's mark.
    mentee, answered_at = pair["mentee_id"], "2026-02-12T09:00:00+00:00"
    repo(app).feedback.insert_unique(
        {**FEEDBACK, "identity": "signe", "v": 1, "reference": "R-TEST",
         "link_key": f"{pair['id']}:1:{mentee}", "created_at": answered_at}, "link_key")
    assert silent_pairs([repo(app).pair(pair["id"])]) != []
    remind(app, date(2026, 4, 1))
    checkpoint = repo(app).pair(pair["id"])["checkpoints"][0]
    assert checkpoint["answered"][str(mentee)]["at"] == answered_at
    assert silent_pairs([repo(app).pair(pair["id"])]) == []
    assert repo(app).enrollment(mentee)["status"] == "actif"
    assert repo(app).restore_answered_marks() == 0  # nothing left to restore


def test_the_personal_link_opens_a_prefilled_form_and_signs_the_feedback(app, client, pair,
                                                                         monkeypatch):
    monkeypatch.setattr("forms_service.records.checkpoints.today", lambda: date(2026, 2, 12))
    remind(app, date(2026, 2, 10))
    message = next(m for m in reminders_queued(app) if m["To"] == "awa.diallo@exemple.fr")
    assert "Marc Petit" in text_of(message) and "1 mois" in text_of(message)
    url = link_of(message)
    html = client.get(url.split("127.0.0.1:8000", 1)[-1]).get_data(as_text=True)
    token = url.split("lien=", 1)[1]
    assert f'name="lien" type="hidden" value="{token}"' in html
    assert re.search(r'value="1"[^>]*checked|checked[^>]*value="1"', html)
    assert re.search(r'value="mentore"[^>]*checked|checked[^>]*value="mentore"', html)
    assert re.search(r'value="signe"[^>]*checked|checked[^>]*value="signe"', html)
    rendu = unescape(re.search(r'name="rendu" value="([^"]+)"', html).group(1))
    response = client.post("/api/formulaires/feedback", headers={"Accept": "application/json"},
                           data={"rendu": rendu, "lien": token, "checkpoint": "3",
                                 "role": "mentor", "satisfaction": "2", "progress": "4",
                                 "meetings": "2", "identity": "signe",
                                 "contact_requested": "y", "what_is_hard": "Peu de temps"})
    assert response.status_code == 201, response.get_json()
    [feedback] = repo(app).feedback.all()
    assert (feedback["pair_id"], feedback["person_id"]) == (pair["id"], pair["mentee_id"])
    assert (feedback["checkpoint"], feedback["role"]) == ("1", "mentore")
    assert feedback["name"] == "Awa Diallo" and "lien" not in feedback
    answered = repo(app).pair(pair["id"])["checkpoints"][0]["answered"]
    assert answered[str(pair["mentee_id"])]["feedback_id"] == feedback["id"]


def test_a_forged_link_shows_the_blank_form_and_ties_nothing(app, client, pair):
    forged = feedback_token("z" * 48, pair["id"], 1, pair["mentee_id"])
    html = client.get(f"/formulaires/retour/?lien={forged}").get_data(as_text=True)
    assert forged not in html
    posted = client.post("/api/formulaires/feedback", headers={"Accept": "application/json"},
                         data={"lien": forged, "checkpoint": "1", "role": "mentore",
                               "satisfaction": "4", "progress": "4", "meetings": "1",
                               "identity": "signe"})
    # A forged link signs nothing: without a name and an address, nothing is stored.
    assert posted.status_code == 400 and repo(app).feedback.all() == []
    assert repo(app).pair(pair["id"])["checkpoints"][0]["answered"] == {}


# ---------------------------------------------------------------------------- the views

def test_followup_lists_alerts_first_then_due_checkpoints_and_silent_pairs(app, client, pair):
    for satisfaction, identity in ((1, "anonyme"), (5, "anonyme")):
        repo(app).add_feedback({"checkpoint": "1", "role": "mentore", "satisfaction": satisfaction,
                                "progress": 3, "meetings": 1, "identity": identity,
                                "what_is_hard": f"difficulté {satisfaction}",
                                "contact_requested": False}, submission_key=str(satisfaction))
    login(app, client)
    html = client.get("/coordination/suivi/").get_data(as_text=True)
    assert html.index("À contacter") < html.index("difficulté 1") < html.index("Points d")
    assert "difficulté 5" not in html and "faible (2 ou moins)" in html
    assert "en retard" in html and "Marc Petit → Awa Diallo" in html
    assert html.index("Binômes sans aucun retour") < html.rindex("Marc Petit → Awa Diallo")


def test_closing_a_pair_needs_a_reason_and_frees_the_people(app, client, pair):
    login(app, client)
    page = f"/coordination/suivi/binomes/{pair['id']}/"
    assert "Clore le binôme" in client.get(page).get_data(as_text=True)
    token = csrf_token(client, page)
    client.post(page + "clore", data={"csrf_token": token, "reason": "",
                                      "mentor_status": "en_attente", "mentee_status": "clos"})
    assert repo(app).pair(pair["id"])["status"] == "active"
    asked = client.post(page + "clore", data={
        "csrf_token": token, "reason": "Changement de poste",
        "end_category": "changement_poste", "mentor_status": "en_attente",
        "mentee_status": "clos"}).get_data(as_text=True)
    # Issue 13: closing asks for a confirmation first.
    assert "Oui, clore le binôme" in asked and repo(app).pair(pair["id"])["status"] == "active"
    client.post(page + "clore", data={"csrf_token": token, "reason": "Changement de poste",
                                      "end_category": "changement_poste",
                                      "mentor_status": "en_attente", "mentee_status": "clos",
                                      "confirme": "1"})
    closed = repo(app).pair(pair["id"])
    assert closed["status"] == "closed" and closed["close_reason"] == "Changement de poste"
    assert repo(app).enrollment(pair["mentor_id"])["status"] == "en_attente"
    assert repo(app).enrollment(pair["mentee_id"])["status"] == "clos"
    assert remind(app, date(2026, 12, 31)) == 0
    assert "Changement de poste" in client.get("/coordination/suivi/").get_data(as_text=True)


def test_a_close_reason_is_cleaned_and_no_stored_value_breaks_the_xlsx_export(
        app, client, pair):
    login(app, client)
    page = f"/coordination/suivi/binomes/{pair['id']}/"
    client.post(page + "clore", data={
        "csrf_token": csrf_token(client, page), "reason": "Départ\x1b[31m\u202e tnemeganam\x07",
        "end_category": "autre",
        "mentor_status": "en_attente", "mentee_status": "clos", "confirme": "1"})
    assert repo(app).pair(pair["id"])["close_reason"] == "Départ[31m tnemeganam"
    # A value stored by an earlier version, before any cleaning: the export still answers.
    repo(app).pairs.update(pair["id"], {"close_reason": "ancien\x01\x1bmotif"})
    response = client.get("/coordination/exports/pairs.xlsx")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"  # a workbook, not an error page


def test_a_handled_alert_leaves_the_list(app, client, pair):
    record, _new = repo(app).add_feedback({
        "checkpoint": "1", "role": "mentor", "satisfaction": 4, "progress": 4, "meetings": 1,
        "identity": "signe", "name": "Marc Petit", "email": "marc.petit@exemple.fr",
        "contact_requested": True, "what_is_hard": "Appel souhaité vite"}, submission_key="k")
    login(app, client)
    html = client.get("/coordination/suivi/").get_data(as_text=True)
    assert "Appel souhaité vite" in html and "4/5" in html
    # Signed by typing a name, not through a personal link: the coordination is told.
    assert "non vérifié (signé sans lien personnel)" in html
    token = csrf_token(client, "/coordination/suivi/")
    response = client.post(f"/coordination/suivi/retours/{record['id']}/traite",
                           data={"csrf_token": token})
    assert response.status_code == 302
    html = client.get("/coordination/suivi/").get_data(as_text=True)
    assert "Appel souhaité vite" not in html and "1 retour déjà traité" in html
    assert repo(app).feedback.get(record["id"])["handled_at"]
    assert client.post("/coordination/suivi/retours/999/traite",
                       data={"csrf_token": token}).status_code == 404
