"""Goals measured, not only felt (issue 24): where a mentee stands on each goal at
enrollment, mid-way and at the end, and a mentor's own levels on the mentoring skills."""

from __future__ import annotations

from datetime import date

import pytest
from support.coordination import login
from support.mail import token_of
from support.people import FEEDBACK, MENTEE, MENTOR, enroll, enroll_by_post, mentor
from support.service import JSON, repo

from forms_service.mail.links import feedback_token, personal_link
from forms_service.records.checkpoints import checkpoint_schedule
from forms_service.records.goals import corrected, rating_moment

BAD_LEVEL = "Choisissez un niveau de 1 à 5."


# ----------------------------------------------------------------------------- pure rules

@pytest.mark.parametrize("months, month, moment", [
    ((1, 3, 6), 1, None), ((1, 3, 6), 3, "mi-parcours"), ((1, 3, 6), 6, "fin"),
    ((1, 2, 3, 6, 12), 6, "mi-parcours"), ((1, 2, 3, 6, 12), 3, None),
    ((2, 4, 6, 8), 4, "mi-parcours"),  # 4 is half of 8
    ((1, 6), 1, "mi-parcours"), ((6,), 6, "fin"), ((), 3, None),
])
def test_the_checkpoint_nearest_the_middle_and_the_last_one_rate_the_goals(months, month,
                                                                             moment):
    assert rating_moment(month, months) == moment


def test_an_emptied_goal_takes_its_ratings_away_and_the_next_one_keeps_its_own():
    before = [{"goal": 2, "value": 1, "moment": "mi-parcours", "at": "t1"},
              {"goal": 3, "value": 4, "moment": "mi-parcours", "at": "t1"}]
    # Goal 2 emptied on the personal page: goal 3 becomes the second, with its path.
    after = corrected(before, [], "t2", slots=[1, 3])
    assert after == [{"goal": 2, "value": 4, "moment": "mi-parcours", "at": "t1"}]


def test_a_correction_replaces_the_enrollment_levels_and_keeps_the_checkpoints_ones():
    before = [{"goal": 1, "value": 2, "moment": "inscription", "at": "t0"},
              {"goal": 1, "value": 3, "moment": "mi-parcours", "at": "t1"},
              {"goal": 2, "value": 1, "moment": "inscription", "at": "t0"}]
    after = corrected(before, [{"goal": 1, "value": 2, "moment": "inscription"}], "t2")
    # Goal 1 unchanged keeps its date; goal 2's level left blank goes; mid-way stays.
    assert after == [before[0], before[1]]


# ------------------------------------------------------------------------------ enrollment

def test_the_enrollment_stores_each_goal_level_by_position_and_a_mentor_s_skills(app, client,
                                                                                data_dir):
    enroll_by_post(client, data_dir, {**MENTEE, "level_goal_1": "2", "goal_3": "Parler en public",
                                      "level_goal_3": "4", "level_goal_2": "5"})
    awa = repo(app).enrollment_by_email(MENTEE["email"])
    # Goal 2 was empty: goal 3 is the second goal, and a level without a goal is dropped.
    assert awa["goals"] == [MENTEE["goal_1"], "Parler en public"]
    assert [(r["goal"], r["value"], r["moment"]) for r in awa["goal_ratings"]] == [
        (1, 2, "inscription"), (2, 4, "inscription")]
    assert all(r["at"] for r in awa["goal_ratings"]) and awa["skill_ratings"] == []
    assert "goal_slots" not in awa
    enroll_by_post(client, data_dir, {**MENTOR, "level_listening": "3", "level_goals": "1"})
    marc = repo(app).enrollment_by_email(MENTOR["email"])
    assert {(r["skill"], r["value"]) for r in marc["skill_ratings"]} == {("listening", 3),
                                                                          ("goals", 1)}
    assert marc["goal_ratings"] == []


def test_the_levels_stay_optional(app, client, data_dir):
    enroll_by_post(client, data_dir, MENTEE)
    assert repo(app).enrollment_by_email(MENTEE["email"])["goal_ratings"] == []


@pytest.mark.parametrize("field, value", [
    ("level_goal_1", "0"), ("level_goal_1", "6"), ("level_goal_2", "abc"),
    ("level_listening", "12345678901"), ("level_feedback", "-1"),
])
def test_a_level_out_of_range_is_refused_in_french(app, client, field, value):
    answers = {**MENTEE, "role": "les_deux", "capacity": "1",
               "skills_offered": ["Négociation"], field: value}
    answer = client.post("/api/formulaires/enrollment", data=answers, headers=JSON)
    assert answer.status_code == 400
    assert answer.get_json()["errors"][field] == [BAD_LEVEL]
    page = client.post("/api/formulaires/enrollment", data=answers)  # no JavaScript
    assert page.status_code == 400 and BAD_LEVEL in page.get_data(as_text=True)
    assert repo(app).enrollments.all() == []


def test_the_form_without_javascript_stores_the_levels(app, client):
    answer = client.post("/api/formulaires/enrollment", data={**MENTEE, "level_goal_1": "3"})
    assert answer.status_code == 303
    [awa] = repo(app).enrollments.all()
    assert awa["goal_ratings"][0]["value"] == 3


# ----------------------------------------------------------------------------- checkpoints

@pytest.fixture
def pair(app, monkeypatch):
    """Awa (two goals, rated 2 and 1 at enrollment) with Marc, checkpoints at 1, 3, 6 months."""
    monkeypatch.setattr("forms_service.records.checkpoints.today", lambda: date(2026, 2, 12))
    awa = enroll(app, "Awa Diallo", goals=["Négocier seule d'ici juin", "Animer une réunion"],
                 goal_ratings=[{"goal": 1, "value": 2, "moment": "inscription"},
                               {"goal": 2, "value": 1, "moment": "inscription"}])
    marc = mentor(app, "Marc Petit")
    return repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=75.0, reasons=[],
                                  checkpoints=checkpoint_schedule(date(2026, 1, 10), (1, 3, 6)))


def _linked_form(app, client, pair, month, person) -> str:
    token = feedback_token(app.secret_key, pair["id"], month, person)
    return client.get(f"/formulaires/retour/?lien={token}").get_data(as_text=True)


def test_the_mid_and_final_checkpoints_ask_both_people_about_the_goals(app, client, pair):
    for month in (3, 6):
        mentee = _linked_form(app, client, pair, month, pair["mentee_id"])
        assert "où en êtes-vous aujourd’hui" in mentee and "Animer une réunion" in mentee
        assert 'name="level_goal_2"' in mentee and 'name="level_goal_3"' not in mentee
        partner = _linked_form(app, client, pair, month, pair["mentor_id"])
        assert "Objectif 2 de votre binôme" in partner and 'name="level_goal_3"' not in partner
        # The notice: a partner sees nothing of the enrollment but name, address, department,
        # site and the pair's reasons; the goals are asked by number.
        assert "Animer une réunion" not in partner
    for html in (_linked_form(app, client, pair, 1, pair["mentee_id"]),
                 client.get("/formulaires/retour/").get_data(as_text=True)):
        assert 'name="level_goal_1"' not in html


def _answer(app, client, pair, month, person, **levels):
    token = feedback_token(app.secret_key, pair["id"], month, person)
    answer = client.post("/api/formulaires/feedback", headers=JSON, data={
        **FEEDBACK, "identity": "signe", "checkpoint": str(month), "lien": token, **levels})
    assert answer.status_code == 201, answer.get_json()


def test_each_goal_keeps_its_path_through_a_correction_page_and_download(app, client, pair):
    awa = pair["mentee_id"]
    _answer(app, client, pair, 1, awa, level_goal_1="5")  # not a rating checkpoint: ignored
    _answer(app, client, pair, 3, awa, level_goal_1="3", level_goal_2="2")
    _answer(app, client, pair, 6, awa, level_goal_1="4")
    _answer(app, client, pair, 3, pair["mentor_id"], level_goal_1="2", level_goal_3="5")
    # The mentor's view stays in the mentor's answer, for the goals Awa wrote only.
    [marc_says] = [f for f in repo(app).feedback.all() if f.get("role") == "mentor"]
    assert marc_says["goal_ratings"] == [{"goal": 1, "value": 2, "moment": "mi-parcours"}]
    assert all("goal_levels" not in f for f in repo(app).feedback.all())

    # Awa rewords goal 1 on her page and leaves its level as it was.
    record = repo(app).enrollment(awa)
    link = personal_link("", app.secret_key, record)
    answers = {**MENTEE, "name": record["name"], "email": record["email"], "lien": token_of(link),
               "goal_1": "Négocier seule un contrat d'ici juin", "goal_2": record["goals"][1],
               "level_goal_1": "2"}
    assert client.post("/api/mon-inscription/corriger", headers=JSON, data=answers
                       ).status_code == 200
    record = repo(app).enrollment(awa)
    assert record["goals"][0] == "Négocier seule un contrat d'ici juin"
    assert "goal_slots" not in record  # the form's bookkeeping, never stored
    path = sorted((r["goal"], r["moment"], r["value"]) for r in record["goal_ratings"])
    assert path == [(1, "fin", 4), (1, "inscription", 2), (1, "mi-parcours", 3),
                    (2, "mi-parcours", 2)]  # goal 2's enrollment level was left blank

    page = client.get(link).get_data(as_text=True)
    assert "2 → 3 → 4" in page and "inscription → mi-parcours → fin" in page
    held = client.get(f"/formulaires/mon-inscription/donnees.json?lien={token_of(link)}"
                      ).get_json()
    assert [g["parcours"] for g in held["objectifs"]] == ["2 → 3 → 4", "2"]
    assert held["objectifs"][0]["notes"] == {"inscription": 2, "mi-parcours": 3, "fin": 4}
    assert len(held["inscription"]["goal_ratings"]) == 4
    # The mentor's ratings stay in the mentor's answer: never on Awa's page or download.
    assert all(f.get("role") != "mentor" for f in held["retours"])

    login(app, client)
    detail = client.get(f"/coordination/inscriptions/{awa}/").get_data(as_text=True)
    assert "2 → 3 → 4 (inscription → mi-parcours → fin)" in detail
    # The mentor's view shows with the mentor's answer on the pair's follow-up page.
    followup = client.get(f"/coordination/suivi/binomes/{pair['id']}/").get_data(as_text=True)
    assert "objectif 1\u00a0: 2/5" in followup  # the area's typography: no-break space


def test_a_checkpoint_level_out_of_range_is_refused_in_french(app, client, pair):
    token = feedback_token(app.secret_key, pair["id"], 3, pair["mentee_id"])
    answer = client.post("/api/formulaires/feedback", headers=JSON, data={
        **FEEDBACK, "identity": "signe", "checkpoint": "3", "lien": token, "level_goal_1": "9"})
    assert answer.status_code == 400
    assert answer.get_json()["errors"]["level_goal_1"] == [BAD_LEVEL]
    page = client.post("/api/formulaires/feedback", data={
        **FEEDBACK, "identity": "signe", "checkpoint": "3", "lien": token, "level_goal_1": "9"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and BAD_LEVEL in html and "Animer une réunion" in html


def test_the_levels_never_weigh_in_the_matching():
    from support.people import PERSON

    from forms_service.matching.suggest import score_pair

    weights = {"competences": 5, "disponibilites": 2, "rythme": 1, "departement": 2,
               "experience": 1}
    mentee = {**PERSON, "id": 1, "name": "Awa Diallo", "email": "awa@exemple.fr",
              "status": "nouveau"}
    guide = {**PERSON, "id": 2, "name": "Marc Petit", "email": "marc@exemple.fr",
             "role": "mentor", "capacity": 1, "experience": "10_20", "skills_sought": [],
             "skills_offered": ["Négociation"], "goals": [], "department": "Ventes",
             "status": "nouveau"}
    rated_mentee = {**mentee, "goal_ratings": [{"goal": 1, "value": 1,
                                                "moment": "inscription", "at": "t"}]}
    rated_guide = {**guide, "skill_ratings": [{"skill": "listening", "value": 5,
                                               "moment": "inscription", "at": "t"}]}
    assert score_pair(guide, mentee, weights) is not None
    assert score_pair(rated_guide, rated_mentee, weights) == score_pair(guide, mentee, weights)
