"""A real SMTP exchange: introductions and reminders reach a mail server (aiosmtpd).

Confirm pairs → both people receive the introduction through SMTP;
`mentorat remind` → reminders with the personal link; the link opens the
pre-filled form, the feedback posted with it is signed, tied to the pair,
and counts on the dashboard.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date
from html import unescape

import pytest
from support.coordination import csrf_token, login
from support.mail import text_of
from support.people import enroll, mentor
from support.processes import Inbox, smtp_server
from support.service import ROOT, SECRET, repo

from forms_service.records.checkpoints import add_months


@pytest.fixture
def smtp():
    inbox = Inbox()
    with smtp_server(inbox) as controller:
        yield controller, inbox


@pytest.fixture
def mail_app(make_app, smtp):
    controller, _inbox = smtp
    return make_app(smtp_host="127.0.0.1", smtp_port=controller.port)


def test_introductions_and_reminders_go_through_smtp_and_the_link_signs_feedback(
        mail_app, smtp):
    app, (controller, inbox) = mail_app, smtp
    client = app.test_client()
    couples = [(enroll(app, "Awa Diallo"), mentor(app, "Marc Petit")),
               (enroll(app, "Zoé Martin", site="Lyon"), mentor(app, "Léa Roux", site="Lyon"))]
    login(app, client)
    for mentee, coach in couples:
        response = client.post("/coordination/appariement/confirmer", data={
            "csrf_token": csrf_token(client, "/coordination/appariement/"),
            "mentor_id": coach["id"], "mentee_id": mentee["id"]})
        assert response.status_code == 302
    assert len(repo(app).active_pairs()) == 2

    # Nothing went out during the requests: the sender delivers the queue.
    assert inbox.messages == []
    env = {"MENTORAT_DATA_DIR": str(app.config["SETTINGS"].data_dir),
           "MENTORAT_SECRET_KEY": SECRET, "MENTORAT_SMTP_HOST": "127.0.0.1",
           "MENTORAT_SMTP_PORT": str(controller.port), "PATH": "/usr/bin:/bin"}

    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "forms_service.cli", *args],
                                capture_output=True, text=True, cwd=ROOT, env=env)
        assert result.returncode == 0, result.stderr
        return result.stderr

    cli("send-mail")

    def introductions(address):
        return [m for m in inbox.to(address) if m["Subject"] == "Votre binôme de mentorat"]

    # Introductions: received by the server, each naming the other person.
    [to_awa] = introductions("awa.diallo@exemple.fr")
    [to_marc] = introductions("marc.petit@exemple.fr")
    assert "Marc Petit" in text_of(to_awa) and "marc.petit@exemple.fr" in text_of(to_awa)
    assert "Awa Diallo" in text_of(to_marc)
    assert "/guides/premier-rendez-vous/" in text_of(to_awa)
    assert all(job["status"] == "envoye" for job in repo(app).mail.table.all())
    before = len(inbox.messages)

    # Reminders, from the cron command, a month later; a second run queues nothing.
    due = add_months(date.today(), 1).isoformat()
    for expected in ("4 rappels mis en file d’envoi.", "0 rappel mis en file d’envoi."):
        assert expected in cli("remind", "--date", due)
        cli("send-mail")
    assert len(inbox.messages) == before + 4

    # Each personal link opens the pre-filled form; the feedback posted is signed and tied.
    pairs = {p["mentee_id"]: p for p in repo(app).all_pairs()}
    awa, marc, zoe = couples[0][0], couples[0][1], couples[1][0]
    for person, role, satisfaction in ((awa, "mentore", 4), (marc, "mentor", 5),
                                       (zoe, "mentore", 3)):
        [reminder] = [m for m in inbox.to(person["email"]) if m["Subject"].startswith("Point")]
        assert "1 mois" in text_of(reminder)
        link = re.search(r"http://\S+/formulaires/retour/\?lien=\S+",
                         text_of(reminder)).group(0)
        html = client.get("/" + link.split("://", 1)[1].split("/", 1)[1]).get_data(as_text=True)
        assert person["name"] in html
        rendu = unescape(re.search(r'name="rendu" value="([^"]+)"', html).group(1))
        token = unescape(re.search(r'name="lien" type="hidden" value="([^"]+)"', html).group(1))
        response = client.post("/api/formulaires/feedback", data={
            "rendu": rendu, "lien": token, "checkpoint": "1", "role": role,
            "satisfaction": str(satisfaction), "progress": "3", "meetings": "2",
            "identity": "signe", "name": person["name"], "email": person["email"]})
        assert response.status_code == 303
    feedback = repo(app).feedback.all()
    assert [(f["pair_id"], f["person_id"], f["checkpoint"]) for f in feedback] == [
        (pairs[awa["id"]]["id"], awa["id"], "1"), (pairs[awa["id"]]["id"], marc["id"], "1"),
        (pairs[zoe["id"]]["id"], zoe["id"], "1")]
    answered = repo(app).pair(pairs[awa["id"]]["id"])["checkpoints"][0]["answered"]
    assert set(answered) == {str(awa["id"]), str(marc["id"])}

    # They count on the dashboard: response rate and average satisfaction at 1 month.
    dashboard = client.get("/coordination/tableau-de-bord/").get_data(as_text=True)
    assert "1 mois (3 sur 4)" in dashboard and "75\u202f%" in dashboard
    assert "1 mois (3 réponses)" in dashboard and "4,0" in dashboard


# ----------------------------------------------------------------------------- in a browser

def post_form(server, form: str, data: dict) -> dict:
    import json
    import urllib.parse
    import urllib.request

    request = urllib.request.Request(
        f"{server.url}/api/formulaires/{form}", data=urllib.parse.urlencode(data, doseq=True)
        .encode(), headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def mail_server(built_site, tmp_path, smtp):
    from support.processes import Server

    controller, _inbox = smtp
    server = Server(built_site, tmp_path / "server-data", MENTORAT_SMTP_HOST="127.0.0.1",
                    MENTORAT_SMTP_PORT=controller.port)
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.slow
def test_a_coordinator_matches_follows_up_and_reads_the_dashboard(mail_server, smtp, page):
    from axe_playwright_python.sync_playwright import Axe
    from support.browser import assert_clean, violations
    from support.people import MENTEE, MENTOR

    axe = Axe()

    server, (_controller, inbox) = mail_server, smtp
    expect = pytest.importorskip("playwright.sync_api").expect
    # In person at Lyon, Zoé can only meet Léa: the suggestions are known in advance.
    lyon = {"site": "Lyon", "format": "presentiel", "capacity": "1"}
    people = [
        {**MENTEE},
        {**MENTOR, "capacity": "1"},
        {**MENTEE, "name": "Zoé Martin", "email": "zoe.martin@exemple.fr", **lyon},
        {**MENTOR, "name": "Léa Roux", "email": "lea.roux@exemple.fr", **lyon},
    ]
    for person in people:
        assert post_form(server, "enrollment", person)["ok"]
    account = server.cli("coordinator", "add", "coord@exemple.fr", "--password-stdin",
                         input="une phrase de passe assez longue\n")
    assert account.returncode == 0, account.stderr

    page.goto(server.url + "/coordination/appariement/")
    page.get_by_label("Adresse électronique").fill("coord@exemple.fr")
    page.get_by_label("Mot de passe").fill("une phrase de passe assez longue")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Appariement", exact=True)).to_be_visible()
    # Issue 13: suggestions are cards of a worklist (li), answered in place.
    expect(page.locator("li[id^=proposition-]")).to_have_count(2)
    found = violations(axe, page, "/coordination/appariement/")
    for mentee in ("Awa Diallo", "Zoé Martin"):
        row = page.locator("li[id^=proposition-]", has_text=mentee)
        row.get_by_role("button", name="Confirmer").click()
        expect(row.get_by_role("status").filter(has_text="Binôme confirmé")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Aucun binôme à proposer")).to_be_visible()
    # The service's sender delivers the queue within seconds of each confirmation.
    deadline = time.monotonic() + 20
    while len(inbox.messages) < 8 and time.monotonic() < deadline:
        time.sleep(0.1)
    introductions = {recipients[0]: text_of(message) for recipients, message in inbox.messages
                     if message["Subject"] == "Votre binôme de mentorat"}
    assert "Marc Petit" in introductions["awa.diallo@exemple.fr"]  # in the body, never a header
    assert "Awa Diallo" in introductions["marc.petit@exemple.fr"]
    assert len(inbox.messages) == 4 + 4  # enrollment confirmations, then introductions

    page.get_by_role("link", name="Suivi").click()
    expect(page.get_by_role("link", name="Marc Petit → Awa Diallo").first).to_be_visible()
    found += violations(axe, page, "/coordination/suivi/")
    page.get_by_role("link", name="Marc Petit → Awa Diallo").first.click()
    expect(page.get_by_role("button", name="Clore le binôme")).to_be_visible()
    found += violations(axe, page, "/coordination/suivi/binomes/…/")

    due = add_months(date.today(), 1).isoformat()
    result = server.cli("remind", "--date", due)
    assert result.returncode == 0 and "4 rappels mis en file d’envoi." in result.stderr, \
        result.stderr
    deadline = time.monotonic() + 20  # the service's sender delivers them
    while len(inbox.messages) < 12 and time.monotonic() < deadline:
        time.sleep(0.1)
    links = {recipients[0]: re.search(r"http://\S+/formulaires/retour/\?lien=\S+",
                                      text_of(message)).group(0)
             for recipients, message in inbox.messages[8:]}
    assert set(links) == {p["email"] for p in people}

    # Two answer straight from their link's token, Awa in the browser.
    for email, satisfaction in (("marc.petit@exemple.fr", "5"), ("zoe.martin@exemple.fr", "3")):
        token = urllib_unquote(links[email].split("lien=", 1)[1])
        assert post_form(server, "feedback", {"lien": token, "checkpoint": "1",
                                              "role": "mentor", "satisfaction": satisfaction,
                                              "progress": "3", "meetings": "2",
                                              "identity": "signe"})["ok"]
    page.goto(links["awa.diallo@exemple.fr"])
    expect(page.locator("input[name=identity][value=signe]")).to_be_checked()
    expect(page.locator("input[name=checkpoint][value='1']")).to_be_checked()
    expect(page.locator("input[name=role][value=mentore]")).to_be_checked()
    expect(page.locator("input[name=name]")).to_have_value("Awa Diallo")
    page.locator("input[name=satisfaction][value='4']").check()
    page.locator("input[name=progress][value='4']").check()
    page.locator("input[name=meetings]").fill("2")
    page.get_by_role("button", name="Envoyer mon retour").click()
    expect(page.get_by_text("Votre retour est enregistré")).to_be_visible()

    page.goto(server.url + "/coordination/tableau-de-bord/")
    figure = page.locator("#taux-de-reponse table")
    expect(figure).to_contain_text("1 mois (3 sur 4)")
    expect(page.locator("#satisfaction-par-point table")).to_contain_text("1 mois (3 réponses)")
    expect(page.locator("#satisfaction-par-point table")).to_contain_text("4,0")
    for summary in page.locator("summary").all():
        summary.click()  # the data tables, open
    found += violations(axe, page, "/coordination/tableau-de-bord/")
    assert_clean(found)


def urllib_unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)
