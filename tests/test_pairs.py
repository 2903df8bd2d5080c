"""Matching in the coordinators' area: suggestions, confirm, reject, replace, schedule."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from support.coordination import csrf_token, login
from support.mail import queued_mail, text_of
from support.people import enroll, mentor
from support.service import repo

from forms_service.records.checkpoints import add_months, checkpoint_schedule


def introductions(app) -> list:
    """The introductions waiting in the queue (enrolling queues confirmations too)."""
    return [m for m in queued_mail(app) if m["Subject"] == "Votre binôme de mentorat"]


def post(client, path: str, **data):
    token = csrf_token(client, "/coordination/appariement/")
    return client.post(path, data={"csrf_token": token, **data})


# ------------------------------------------------------------------------ checkpoint schedule

@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 15), 1, date(2026, 2, 15)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 5), 6, date(2027, 6, 5)),
    (date(2026, 8, 31), 12, date(2027, 8, 31)),
])
def test_add_months_keeps_the_day_or_takes_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_checkpoints_fall_the_configured_months_after_confirmation():
    schedule = checkpoint_schedule(date(2026, 11, 30), (1, 3, 6))
    assert [(c["month"], c["due"]) for c in schedule] == [
        (1, "2026-12-30"), (3, "2027-02-28"), (6, "2027-05-30")]
    assert all(c["reminded"] == {} and c["answered"] == {} for c in schedule)


# --------------------------------------------------------------------------- the repository

def test_confirming_stores_the_pair_and_moves_both_people_on(app):
    awa = enroll(app, "Awa Diallo")
    marc = mentor(app, "Marc Petit", capacity=2)
    pair = repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=80.0, reasons=["r"],
                                  checkpoints=checkpoint_schedule(date(2026, 1, 10), (1, 3)))
    assert pair["status"] == "active" and pair["confirmed_at"]
    assert (pair["mentor_id"], pair["mentee_id"]) == (marc["id"], awa["id"])
    assert repo(app).enrollment(awa["id"])["status"] == "apparie"
    # Issue 13: a confirmed pair makes both « apparié »; with one place left, the mentor
    # stays in the pool all the same.
    assert repo(app).enrollment(marc["id"])["status"] == "apparie"
    pool, load = repo(app).matching_pool(selection=None)
    assert [p["id"] for p in pool] == [marc["id"]] and load == {marc["id"]: 1}


def test_a_full_mentor_leaves_the_pool_and_cannot_be_overfilled(app):
    from forms_service.records.repository import PairingRefused

    marc = mentor(app, "Marc Petit")
    awa, zoe = enroll(app, "Awa Diallo"), enroll(app, "Zoé Martin")
    repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=1, reasons=[], checkpoints=[])
    assert repo(app).enrollment(marc["id"])["status"] == "apparie"
    with pytest.raises(PairingRefused, match="plus disponible"):
        repo(app).confirm_pair(marc["id"], zoe["id"], by=None, score=1, reasons=[],
                               checkpoints=[])
    with pytest.raises(PairingRefused, match="n’attend plus"):
        repo(app).confirm_pair(mentor(app, "Léa Roux")["id"], awa["id"], by=None, score=1,
                               reasons=[], checkpoints=[])
    assert len(repo(app).all_pairs()) == 1


def test_someone_enrolled_as_both_keeps_the_role_still_open(app):
    both = mentor(app, "Nina Blanc", role="les_deux", skills_sought=["Négociation"])
    marc = mentor(app, "Marc Petit", capacity=1)
    repo(app).confirm_pair(marc["id"], both["id"], by=None, score=1, reasons=[], checkpoints=[])
    # Issue 13: « apparié » (was « en attente »), still in the pool as a mentor.
    assert repo(app).enrollment(both["id"])["status"] == "apparie"
    pool, _load = repo(app).matching_pool(selection=None)
    assert [(p["name"], p["role"]) for p in pool] == [("Nina Blanc", "mentor")]


def test_closing_puts_people_back_in_the_pool_or_closes_them(app):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    pair = repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=1, reasons=[],
                                  checkpoints=[])
    closed = repo(app).close_pair(pair["id"], reason="déménagement", by=None,
                                  mentor_status="en_attente", mentee_status="clos")
    assert closed["status"] == "closed" and closed["close_reason"] == "déménagement"
    assert repo(app).enrollment(marc["id"])["status"] == "en_attente"
    assert repo(app).enrollment(awa["id"])["status"] == "clos"
    assert [p["id"] for p in repo(app).matching_pool(selection=None)[0]] == [marc["id"]]


# ----------------------------------------------------------------------------- the views

def test_the_page_needs_a_login(client):
    response = client.get("/coordination/appariement/")
    assert response.status_code == 302 and "/coordination/connexion/" in response.location


def test_suggestions_cover_the_waiting_pool_with_score_and_reasons(app, client):
    enroll(app, "Awa Diallo")
    enroll(app, "Zoé Martin", skills_sought=["Gestion de projet"])
    mentor(app, "Marc Petit", capacity=2, skills_offered=["Négociation", "Gestion de projet"])
    login(app, client)
    html = client.get("/coordination/appariement/").get_data(as_text=True)
    assert html.count('id="proposition-') == 2
    assert "/100" in html and "compétences recherchées" in html
    assert 'name="csrf_token"' in html and "<script>" not in html and " style=" not in html


def test_confirming_a_suggestion_stores_it_and_introduces_both_people(app, client):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    login(app, client)
    response = post(client, "/coordination/appariement/confirmer",
                    mentor_id=marc["id"], mentee_id=awa["id"])
    assert response.status_code == 302
    [pair] = repo(app).all_pairs()
    assert pair["confirmed_by"] == repo(app).coordinator_by_email("coord@exemple.fr")["id"]
    assert [c["month"] for c in pair["checkpoints"]] == [1, 3, 6]
    assert pair["checkpoints"][0]["due"] == add_months(date.today(), 1).isoformat()
    mails = {m["To"]: m for m in introductions(app)}
    assert len(mails) == len(introductions(app))  # one each
    assert set(mails) == {"awa.diallo@exemple.fr", "marc.petit@exemple.fr"}
    to_awa = text_of(mails["awa.diallo@exemple.fr"])
    assert "Marc Petit" in to_awa and "marc.petit@exemple.fr" in to_awa and "Ventes" in to_awa
    assert "/guides/premier-rendez-vous/" in to_awa and pair["reasons"][0] in to_awa
    assert "Awa Diallo" in text_of(mails["marc.petit@exemple.fr"])
    assert "Binôme confirmé" in client.get("/coordination/appariement/").get_data(as_text=True)


def test_a_rejected_suggestion_is_remembered_and_not_suggested_again(app, client):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    login(app, client)
    post(client, "/coordination/appariement/refuser", mentor_id=marc["id"], mentee_id=awa["id"])
    assert repo(app).rejected_pairs() == {(marc["id"], awa["id"])}
    html = client.get("/coordination/appariement/").get_data(as_text=True)
    assert 'id="proposition-' not in html and "écartés par la coordination" in html
    assert repo(app).all_pairs() == []


def test_replacing_the_mentor_by_hand_is_checked_against_hard_constraints(app, client):
    awa = enroll(app, "Awa Diallo")
    mentor(app, "Marc Petit")
    lea = mentor(app, "Léa Roux", skills_offered=["Gestion de projet"])
    far = mentor(app, "Paul Noir", format="presentiel", site="Lyon")
    other_track = mentor(app, "Jean Gris", track="inverse")
    login(app, client)
    html = client.get("/coordination/appariement/").get_data(as_text=True)
    assert f'<option value="{lea["id"]}">' in html
    assert f'<option value="{other_track["id"]}">' not in html
    post(client, "/coordination/appariement/confirmer", mentor_id=other_track["id"],
         mentee_id=awa["id"])
    post(client, "/coordination/appariement/confirmer", mentor_id=far["id"], mentee_id=awa["id"])
    assert repo(app).all_pairs() == []
    page = client.get("/coordination/appariement/").get_data(as_text=True)
    assert "Binôme impossible" in page and "présentiel" in page
    post(client, "/coordination/appariement/confirmer", mentor_id=lea["id"], mentee_id=awa["id"])
    [pair] = repo(app).all_pairs()
    assert pair["mentor_id"] == lea["id"]


def test_a_post_without_csrf_token_is_refused(app, client):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    login(app, client)
    response = client.post("/coordination/appariement/confirmer",
                           data={"mentor_id": marc["id"], "mentee_id": awa["id"]})
    assert response.status_code == 400 and repo(app).all_pairs() == []


def test_match_command_prints_the_suggestions_as_json(app, tmp_path):
    import subprocess
    import sys

    from support.service import ROOT

    enroll(app, "Awa Diallo")
    mentor(app, "Marc Petit")
    data_dir = app.config["SETTINGS"].data_dir
    result = subprocess.run([sys.executable, "-m", "forms_service.cli", "match", "--format",
                             "json"], capture_output=True, text=True, cwd=ROOT,
                            env={"MENTORAT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert [(p["mentor"]["name"], p["mentee"]["name"]) for p in body["pairs"]] == [
        ("Marc Petit", "Awa Diallo")]
    assert body["pairs"][0]["reasons"] and re.search("Vivier", result.stderr)


def test_an_unreadable_enrollment_gives_a_clear_message(app, client):
    enroll(app, "Awa Diallo", format="lune")
    mentor(app, "Marc Petit")
    login(app, client)
    response = client.get("/coordination/appariement/")
    assert response.status_code == 500
    assert "illisible pour l" in response.get_data(as_text=True)
