"""The closing questionnaire (« bilan »): sent once per person and pair when the pair ends,
answered once per person and pair through its personal link, refused when it should be.

A pair ends when the coordination closes it or at its last checkpoint, whichever
comes first; a declined pair, a withdrawal and an erasure send nothing. The browser
checks (with and without JavaScript, axe) are in ``test_closing_questionnaire_browser``.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from support.coordination import login
from support.mail import mail_texts
from support.people import enroll, mentor
from support.service import JSON, SECRET, plain_spaces, repo

from forms_service.exports import spreadsheet
from forms_service.mail.links import pair_link
from forms_service.records.checkpoints import checkpoint_schedule, send_reminders
from forms_service.records.closing import closing_figures
from forms_service.records.personal_data import held_about
from forms_service.records.purge import _erase_pair, erase_person, withdraw_person

SUBJECT = "Le bilan de votre binôme de mentorat"
GOALS = ["Négocier seule d'ici juin", "Animer une réunion d'équipe"]


@pytest.fixture
def pair(app):
    awa = enroll(app, "Awa Diallo", goals=GOALS)
    marc = mentor(app, "Marc Petit")
    return repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=80.0, reasons=[],
                                  checkpoints=checkpoint_schedule(
                                      date.today() - timedelta(days=200), (1, 3, 6)))


def closing_mail(app) -> dict[str, str]:
    """The closing questionnaires queued now, by address: the link's path and query."""
    found = {}
    for to, subject, body in mail_texts(app):
        if plain_spaces(subject) == SUBJECT:
            url = re.search(r"http://\S+/formulaires/bilan/\?lien=\S+", body).group(0)
            found[to] = f"{urlsplit(url).path}?{urlsplit(url).query}"
    return found


def sent_all(app) -> None:
    for job in repo(app).mail.due():
        repo(app).mail.mark_sent(job["id"])


def close(app, pair):
    repo(app).close_pair(pair["id"], reason="fin", by=1, mentor_status="clos",
                         mentee_status="clos")


def test_closing_a_pair_sends_both_people_the_questionnaire_once(app, pair):
    sent_all(app)
    close(app, pair)
    links = closing_mail(app)
    assert set(links) == {"awa.diallo@exemple.fr", "marc.petit@exemple.fr"}
    assert set(repo(app).pair(pair["id"])["closing_invited"]) == {
        str(pair["mentor_id"]), str(pair["mentee_id"])}
    sent_all(app)
    assert closing_mail(app) == {}  # nothing is left to send, nothing is queued again


def test_the_last_checkpoint_sends_it_and_closing_later_sends_nothing_more(app, pair):
    sent_all(app)
    today = date.today()
    assert send_reminders(repo(app), today) == 6  # three checkpoints, two people, all past
    assert set(closing_mail(app)) == {"awa.diallo@exemple.fr", "marc.petit@exemple.fr"}
    sent_all(app)
    send_reminders(repo(app), today)
    close(app, pair)
    assert closing_mail(app) == {}


def test_an_earlier_checkpoint_does_not_send_it(app):
    awa, marc = enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")
    repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=80.0, reasons=[],
                           checkpoints=checkpoint_schedule(date.today() - timedelta(days=40),
                                                           (1, 3, 6)))
    assert send_reminders(repo(app), date.today()) == 2
    assert closing_mail(app) == {}


def test_no_questionnaire_after_a_withdrawal_an_erasure_or_a_decline(app, pair):
    sent_all(app)
    withdraw_person(repo(app), pair["mentee_id"])  # the mentor stays, told of the end only
    assert closing_mail(app) == {}
    awa, marc = enroll(app, "Zoé Martin"), mentor(app, "Paul Roy")
    second = repo(app).confirm_pair(marc["id"], awa["id"], by=None, score=80.0, reasons=[],
                                    checkpoints=checkpoint_schedule(date.today(), (1, 3, 6)))
    erase_person(repo(app), awa["id"], secret=SECRET, outbox=None)
    assert repo(app).pair(second["id"]) is None and closing_mail(app) == {}
    theo, lina = enroll(app, "Théo Blanc"), mentor(app, "Lina Haddad")
    third = repo(app).confirm_pair(lina["id"], theo["id"], by=None, score=80.0, reasons=[],
                                   checkpoints=checkpoint_schedule(date.today(), (1, 3, 6)))
    repo(app).decline_pair(third["id"], theo["id"], "", [])
    assert closing_mail(app) == {}


def test_someone_who_withdraws_before_it_goes_receives_nothing(app, client, pair):
    sent_all(app)
    close(app, pair)
    links = closing_mail(app)
    repo(app).set_enrollment_status(pair["mentee_id"], "retire", by=None, force=True)
    assert set(closing_mail(app)) == {"marc.petit@exemple.fr"}
    page = client.get(links["awa.diallo@exemple.fr"])  # and her link no longer opens it
    assert page.status_code == 403 and "retirée" in page.get_data(as_text=True)


def test_the_link_opens_the_persons_questions_and_one_answer_is_kept(app, client, pair):
    close(app, pair)
    links = closing_mail(app)
    mentee_page = client.get(links["awa.diallo@exemple.fr"])
    html = plain_spaces(mentee_page.get_data(as_text=True))
    assert mentee_page.status_code == 200
    assert mentee_page.headers["Referrer-Policy"] == "same-origin"
    assert "« Négocier seule d&#39;ici juin »" in html and "« Animer une réunion" in html
    assert 'name="progress_3"' not in html  # two goals, two questions
    assert 'name="skill_listening"' not in html  # a mentor's questions, not hers
    assert re.search(r'<input [^>]*checked [^>]*value="pseudonyme"', html)
    mentor_html = client.get(links["marc.petit@exemple.fr"]).get_data(as_text=True)
    assert 'name="skill_listening"' in mentor_html and 'name="gained"' in mentor_html
    token = links["awa.diallo@exemple.fr"].split("lien=")[1]
    for recommend in ("6", "9"):  # a later post updates the answer
        response = client.post("/api/formulaires/closing", headers=JSON, data={
            "lien": token, "progress_1": "4", "recommend": recommend, "meetings": "7",
            "skill_listening": "5", "changes": "Je prépare mieux mes réunions."})
        assert response.status_code == 201 and response.json["ok"]
    [answer] = repo(app).closing.all()
    assert (answer["recommend"], answer["progress_1"], answer["meetings"]) == (9, 4, 7)
    assert answer["identity"] == "pseudonyme" and answer["role"] == "mentore"
    assert "skill_listening" not in answer and "name" not in answer
    # Without JavaScript: the confirmation page, and the answer opens again to correct it.
    response = client.post("/api/formulaires/closing", data={"lien": token, "recommend": "10",
                                                             "identity": "signe"})
    assert response.status_code == 303
    assert repo(app).closing.all()[0]["identity"] == "signe"
    again = client.get(links["awa.diallo@exemple.fr"]).get_data(as_text=True)
    assert re.search(r'<input [^>]*checked [^>]*name="recommend" type="radio" value="10"', again)


@pytest.mark.parametrize("field, value, message", [
    ("meetings", "beaucoup", "Indiquez un nombre entre 0 et 100."),
    ("meetings", "500", "Indiquez un nombre entre 0 et 100."),
    ("recommend", "11", "Choisissez une des réponses proposées."),
    ("identity", "public", "Choisissez une des réponses proposées."),
])
def test_bad_answers_are_refused_in_french(app, client, pair, field, value, message):
    close(app, pair)
    token = closing_mail(app)["awa.diallo@exemple.fr"].split("lien=")[1]
    response = client.post("/api/formulaires/closing", headers=JSON,
                           data={"lien": token, field: value})
    assert response.status_code == 400
    assert plain_spaces(response.json["errors"][field][0]) == message
    assert repo(app).closing.all() == []


def test_without_javascript_a_refused_answer_comes_back_with_its_errors(app, client, pair):
    close(app, pair)
    token = closing_mail(app)["awa.diallo@exemple.fr"].split("lien=")[1]
    response = client.post("/api/formulaires/closing", data={
        "lien": token, "meetings": "500", "comment": "Merci à Marc"})
    html = plain_spaces(response.get_data(as_text=True))
    assert response.status_code == 400 and "Indiquez un nombre entre 0 et 100." in html
    assert "Merci à Marc" in html and "« Négocier seule d&#39;ici juin »" in html
    assert repo(app).closing.all() == []


def test_without_a_link_the_page_says_where_it_comes_from_and_a_post_is_refused(client):
    page = client.get("/formulaires/bilan/")
    html = plain_spaces(page.get_data(as_text=True))
    assert page.status_code == 200 and "lien personnel reçu par e-mail" in html
    assert 'name="progress_1"' not in html
    response = client.post("/api/formulaires/closing", headers=JSON, data={"recommend": "8"})
    assert response.status_code == 400 and "lien personnel" in response.json["message"]
    forged = client.post("/api/formulaires/closing", data={"lien": "abc", "recommend": "8"})
    assert forged.status_code == 404 and "aucun binôme" in plain_spaces(forged.get_data(
        as_text=True))


def test_refused_after_erasure_and_for_a_declined_pair(app, client, pair):
    close(app, pair)
    links = closing_mail(app)
    token = links["marc.petit@exemple.fr"].split("lien=")[1]
    assert client.post("/api/formulaires/closing", headers=JSON,
                       data={"lien": token, "recommend": "8"}).status_code == 201
    erase_person(repo(app), pair["mentor_id"], secret=SECRET, outbox=None)
    assert repo(app).closing.all() == []  # erased with the person
    for link in links.values():  # the pair went with him: neither link opens anything
        page = client.get(link)
        assert page.status_code == 404 and "aucun binôme" in plain_spaces(
            page.get_data(as_text=True))
    refused = client.post("/api/formulaires/closing", headers=JSON,
                          data={"lien": token, "recommend": "8"})
    assert refused.status_code == 404 and refused.json["ok"] is False
    theo, lina = enroll(app, "Théo Blanc"), mentor(app, "Lina Haddad")
    declined = repo(app).confirm_pair(lina["id"], theo["id"], by=None, score=80.0, reasons=[],
                                      checkpoints=checkpoint_schedule(date.today(), (1, 3, 6)))
    repo(app).decline_pair(declined["id"], theo["id"], "", [])
    forged = pair_link("", SECRET, declined["id"], theo["id"], "bilan")
    page = client.get(forged)
    assert page.status_code == 409 and "n’a pas démarré" in plain_spaces(
        page.get_data(as_text=True))
    response = client.post("/api/formulaires/closing", headers=JSON, data={
        "lien": forged.split("lien=")[1], "recommend": "3"})
    assert response.status_code == 409 and repo(app).closing.all() == []


def test_a_link_works_only_once_the_person_was_invited(app, client, pair):
    early = pair_link("", SECRET, pair["id"], pair["mentee_id"], "bilan")
    assert client.get(early).status_code == 409


def test_a_person_finds_their_own_answers_in_their_data(app, pair):
    close(app, pair)
    answered(app, pair, recommend=7, identity="pseudonyme")
    [mine] = held_about(repo(app), pair["mentee_id"])["bilans"]
    assert (mine["recommend"], mine["binome_id"]) == (7, pair["id"])
    assert held_about(repo(app), pair["mentor_id"])["bilans"] == []


def test_the_pairs_purge_takes_its_answers(app, pair):
    close(app, pair)
    repo(app).save_closing({"recommend": 7, "identity": "pseudonyme"}, pair_id=pair["id"],
                           person_id=pair["mentee_id"], role="mentore")
    assert _erase_pair(repo(app), repo(app).pair(pair["id"]))["bilans"] == 1
    assert repo(app).closing.all() == []


@pytest.mark.parametrize("answers, count, recommend", [
    ([{"recommend": 8}, {"recommend": 10}], None, None),  # two: nothing shown
    ([{"recommend": 8}, {"recommend": 10}, {"recommend": 9}], 3, 9.0),
    ([{"recommend": 8}, {"recommend": 10}, {}], 3, None),  # two answered that question
])
def test_the_coordination_sees_figures_over_three_answers_only(answers, count, recommend):
    figures = closing_figures(answers)
    assert figures["count"] == count and figures["averages"]["recommend"] == recommend


def answered(app, pair, **answers):
    return repo(app).save_closing(answers, pair_id=pair["id"], person_id=pair["mentee_id"],
                                  role="mentore")


def test_the_export_names_signed_answers_only(app, cli, pair):
    close(app, pair)
    answered(app, pair, recommend=8, identity="pseudonyme", comment="=1+1")
    repo(app).save_closing({"recommend": 10, "identity": "signe"}, pair_id=pair["id"],
                           person_id=pair["mentor_id"], role="mentor")
    rows = {row["role"]: row for row in json.loads(cli("export", "closing", "--format", "json").stdout)}
    assert "name" not in rows["mentore"] and "pair_id" not in rows["mentore"]
    assert "person_id" not in rows["mentore"] and "created_at" not in rows["mentore"]
    assert len(rows["mentore"]["month"]) == 7
    assert rows["mentor"]["name"] == "Marc Petit" and rows["mentor"]["pair_id"] == pair["id"]
    table = spreadsheet.table(repo(app), "closing").records()
    unsigned = next(row for row in table if row["Réponses"] == "non signées")
    assert unsigned["Nom"] is None and unsigned["Binôme"] is None
    assert unsigned["Recommandation (0 à 10)"] == 8  # a number, not text
    csv = cli("export", "closing", "--format", "csv").stdout
    assert "'=1+1" in csv and "Marc Petit" in csv  # a formula is neutralised


def test_the_dashboard_shows_figures_over_three_answers_only(app, client, pair):
    login(app, client)
    for recommend in (6, 8):
        answered(app, pair, recommend=recommend, identity="pseudonyme")
        pair = {**pair, "mentee_id": pair["mentee_id"] + 100}  # another person's answer
    html = plain_spaces(client.get("/coordination/tableau-de-bord/").get_data(as_text=True))
    assert "Moins de 3 questionnaires de bilan reçus" in html
    answered(app, pair, recommend=10, identity="pseudonyme")
    html = plain_spaces(client.get("/coordination/tableau-de-bord/").get_data(as_text=True))
    assert "3 questionnaires de bilan reçus." in html
    assert "8,0" in html  # the recommendation's average, in its data table
