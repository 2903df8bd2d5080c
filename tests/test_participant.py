""""Mon inscription": the personal signed link, what it shows, correct, withdraw, find again."""

from __future__ import annotations

import html as htmllib
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from support.mail import link_in, mails, token_of
from support.people import FEEDBACK, MENTEE, MENTOR, enroll_by_post
from support.service import JSON, SECRET, repo

from forms_service.dates import format_datetime


def _opens(link: str):
    from forms_service.mail.links import read_personal_token

    return read_personal_token(SECRET, parse_qs(urlsplit(link).query)["lien"][0])


def test_the_confirmation_email_carries_a_personal_signed_link(app, client, data_dir):
    from itsdangerous import URLSafeTimedSerializer

    link = enroll_by_post(client, data_dir)
    assert link.startswith("/formulaires/mon-inscription/?lien=")
    [record] = repo(app).enrollments.all()
    payload = URLSafeTimedSerializer(app.secret_key, salt="mentorat-participant-2").loads(
        token_of(link), max_age=90 * 24 * 3600)
    assert payload == {"id": record["id"], "ref": record["reference"]}


def test_the_page_shows_every_stored_field_escaped_in_the_sites_look(app, client, data_dir):
    link = enroll_by_post(client, data_dir, {**MENTEE, "job_title": "Cheffe <b>d'études</b> & co"})
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "md-header" in page and "<title>" in page and 'lang="fr"' in page
    assert "mentorat:participant" not in page
    assert "Cheffe &lt;b&gt;d&#39;études&lt;/b&gt; &amp; co" in page
    assert "<b>d'études</b>" not in page
    [record] = repo(app).enrollments.all()
    table = page[page.index('class="mentorat-donnees"'):page.index("</table>")]
    for value in (record["name"], record["email"], record["reference"], record["department"],
                  record["site"], record["notice_version"],
                  # Dates in French, in the organisation's zone (never the stored ISO form).
                  format_datetime(record["consented_at"]),
                  record["goals"][0], "Hybride", "Toutes les deux semaines", "Lundi matin",
                  "Mentoré·e", "Mentorat classique"):
        assert str(htmllib.escape(value)) in table or value in htmllib.unescape(table), value
    assert "reçue, en attente d’étude" in htmllib.unescape(page)
    assert record["created_at"] not in page and "+00:00" not in table


@pytest.mark.parametrize("link", [
    "/formulaires/mon-inscription/?lien=faux",
    "/formulaires/mon-inscription/?lien=eyJpZCI6MSwicmVmIjoiTS1BQUFBLUJCQkIifQ.forge",
])
def test_a_bad_link_opens_nothing(client, data_dir, link):
    enroll_by_post(client, data_dir)
    response = client.get(link)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Awa" not in page and "Retrouver mon inscription" in page


def test_a_link_signed_for_another_purpose_opens_nothing(app, client, data_dir):
    from itsdangerous import URLSafeSerializer

    enroll_by_post(client, data_dir)
    [record] = repo(app).enrollments.all()
    other = URLSafeSerializer(app.secret_key, salt="mentorat-lien").dumps(
        {"id": record["id"], "ref": record["reference"]})
    assert client.get(f"/formulaires/mon-inscription/?lien={other}").status_code == 404


def test_without_a_link_the_page_offers_to_find_the_enrollment(client):
    response = client.get("/formulaires/mon-inscription/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Retrouver mon inscription" in page and 'name="email"' in page
    assert 'action="/api/mon-inscription/lien"' in page


def test_the_pages_messages_read_in_french_typography(client, data_dir):
    # Set once, in i18n.gettext: the templates apply no filter of their own.
    def text(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.S)

    without_link, personal = text("/formulaires/mon-inscription/"), text(enroll_by_post(
        client, data_dir))
    assert "inscription\u00a0: nous y envoyons" in without_link
    assert not re.search(r"[^\W\d_](?:'|&#39;)[^\W\d_]", without_link)
    # The personal page also shows what was typed (« Chargée d'études »), kept as typed.
    assert not re.search(r"[^\W\d_] [:;?!]", without_link + personal)
    assert "Vous ne souhaitez plus participer\u202f? Un clic" in personal


def test_the_correction_form_is_prefilled(client, data_dir):
    page = client.get(enroll_by_post(client, data_dir)).get_data(as_text=True)
    form = page[page.index('action="/api/mon-inscription/corriger"'):]
    assert 'value="Awa Diallo"' in form and 'value="awa.diallo@exemple.fr"' in form
    assert re.search(r'<option value="Marketing" selected>', form)
    assert re.search(r'value="hybride"[^>]*checked|checked[^>]*value="hybride"', form)
    assert re.search(r'name="goal_1"[^>]*value="Mener seule', form)
    assert 'name="lien"' in form and "Enregistrer mes corrections" in form


def correction(link: str, **changes) -> dict:
    return {**MENTEE, **changes, "lien": token_of(link)}


def test_a_correction_is_stored_and_keeps_the_enrollment(app, client, data_dir, caplog):
    caplog.set_level(logging.INFO)
    link = enroll_by_post(client, data_dir)
    [before] = repo(app).enrollments.all()
    response = client.post("/api/mon-inscription/corriger",
                           data=correction(link, site="Lyon", goal_1="Négocier un contrat-cadre"))
    assert response.status_code == 303
    assert "fait=corrige" in response.headers["Location"]
    [after] = repo(app).enrollments.all()
    assert after["id"] == before["id"] and after["reference"] == before["reference"]
    assert after["site"] == "Lyon" and after["goals"] == ["Négocier un contrat-cadre"]
    assert after["created_at"] == before["created_at"] and after["updated_at"]
    assert after["status"] == "nouveau"
    assert "corrections sont enregistrées" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert "Négocier un contrat-cadre" not in caplog.text


def test_a_correction_in_json(app, client, data_dir):
    link = enroll_by_post(client, data_dir)
    response = client.post("/api/mon-inscription/corriger",
                           data=correction(link, rhythm="mensuel"), headers=JSON)
    assert response.status_code == 200 and response.get_json()["ok"] is True
    assert repo(app).enrollments.all()[0]["rhythm"] == "mensuel"


def test_an_invalid_correction_is_shown_with_its_errors_and_changes_nothing(app, client, data_dir):
    link = enroll_by_post(client, data_dir)
    response = client.post("/api/mon-inscription/corriger", data=correction(link, name=""))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ce champ est obligatoire." in page and "md-header" in page
    json_answer = client.post("/api/mon-inscription/corriger",
                              data=correction(link, name="x" * 121), headers=JSON)
    assert json_answer.status_code == 400
    assert json_answer.get_json()["errors"]["name"] == ["120 caractères au maximum."]
    assert repo(app).enrollments.all()[0]["name"] == "Awa Diallo"


def test_an_email_change_keeps_addresses_unique_and_reveals_no_one(app, client, data_dir):
    link = enroll_by_post(client, data_dir)
    enroll_by_post(client, data_dir, MENTOR)
    taken = client.post("/api/mon-inscription/corriger",
                        data=correction(link, email="MARC.PETIT@exemple.fr"), headers=JSON)
    free = client.post("/api/mon-inscription/corriger",
                       data=correction(link, email="awa.d@exemple.fr"), headers=JSON)
    # The same answer whether another enrollment holds the address or not.
    assert taken.status_code == free.status_code == 200
    assert taken.get_json()["message"] == free.get_json()["message"]
    emails = sorted(r["email"] for r in repo(app).enrollments.all())
    assert emails == ["awa.diallo@exemple.fr", "marc.petit@exemple.fr"]  # nothing applied yet
    sent = {to: text for to, _subject, text in mails(client)}
    assert "déjà celle d’une inscription" in sent["marc.petit@exemple.fr"]
    confirm = re.search(r"http://\S+(/formulaires/mon-inscription/adresse/\?lien=\S+)",
                        sent["awa.d@exemple.fr"]).group(1)
    page = client.get(confirm)  # a GET never acts: mail scanners follow links
    assert page.status_code == 200 and "Oui, utiliser cette adresse" in page.get_data(as_text=True)
    assert len(repo(app).enrollments.search(lambda r: r["email"] == "awa.d@exemple.fr")) == 0
    done = client.post("/formulaires/mon-inscription/adresse/",
                       data={"lien": parse_qs(urlsplit(confirm).query)["lien"][0]})
    assert done.status_code == 303
    emails = sorted(r["email"] for r in repo(app).enrollments.all())
    assert emails == ["awa.d@exemple.fr", "marc.petit@exemple.fr"]
    # The new address is now the one that counts as enrolled.
    again = client.post("/api/formulaires/enrollment",
                        data={**MENTEE, "email": "awa.d@exemple.fr"}, headers=JSON)
    assert again.status_code == 201 and len(repo(app).enrollments) == 2


def address_link_to(client, address: str) -> str:
    """The address-confirmation token last mailed to address."""
    links = [found.group(1) for to, _subject, text in mails(client) if to == address
             if (found := re.search(r"http://\S+(/formulaires/mon-inscription/adresse/\?lien=\S+)",
                                    text))]
    return parse_qs(urlsplit(links[-1]).query)["lien"][0]


def test_an_old_address_link_cannot_roll_the_address_back(app, client, data_dir):
    link = enroll_by_post(client, data_dir)
    received = {}  # each confirmation link as it was mailed
    for address in ("x.awa@exemple.fr", "y.awa@exemple.fr"):
        client.post("/api/mon-inscription/corriger", data=correction(link, email=address),
                    headers=JSON)
        received[address] = address_link_to(client, address)
        confirmed = client.post("/formulaires/mon-inscription/adresse/",
                                data={"lien": received[address]})
        assert confirmed.status_code == 303
    replayed = client.post("/formulaires/mon-inscription/adresse/", headers=JSON,
                           data={"lien": received["x.awa@exemple.fr"]})
    assert replayed.status_code == 410
    assert "ne vaut plus" in replayed.get_json()["errors"]["__form__"][0]
    [record] = repo(app).enrollments.all()
    assert record["email"] == "y.awa@exemple.fr"
    # Each previous address heard of the change, with no personal link, and whom to tell.
    told = {to: text for to, subject, text in mails(client)
            if subject == "L’adresse de votre inscription a changé"}
    assert set(told) == {"awa.diallo@exemple.fr", "x.awa@exemple.fr"}
    for text in told.values():
        assert "lien=" not in text and "coordination" in text
    assert [e["action"] for e in repo(app).audit_log.all()] == ["adresse_changee"] * 2


def test_a_withdrawal_and_an_erasure_are_audited_by_id_only(app, client, data_dir):
    awa = enroll_by_post(client, data_dir)
    marc = enroll_by_post(client, data_dir, MENTOR)
    ids = {r["email"]: r["id"] for r in repo(app).enrollments.all()}
    for link, action in ((awa, "retirer"), (marc, "effacer")):
        client.post(f"/api/mon-inscription/{action}",
                    data={"lien": token_of(link), "confirme": "oui"})
    entries = [(e["action"], e["record"], e["coordinator"]) for e in repo(app).audit_log.all()]
    assert entries == [("retrait_participant", ids[MENTEE["email"]], None),
                       ("effacement_participant", ids[MENTOR["email"]], None)]


def test_withdrawal_takes_one_click_and_a_confirmation(app, client, data_dir):
    link = enroll_by_post(client, data_dir)
    first = client.post("/api/mon-inscription/retirer", data={"lien": token_of(link)})
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "Confirmer le retrait" in page and 'name="confirme" value="oui"' in page
    assert repo(app).enrollments.all()[0]["status"] == "nouveau"
    done = client.post("/api/mon-inscription/retirer",
                       data={"lien": token_of(link), "confirme": "oui"})
    assert done.status_code == 303
    [record] = repo(app).enrollments.all()
    assert record["status"] == "retire"
    assert record["status_history"][-1]["status"] == "retire"
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "retirée à votre demande" in shown
    # Correction stays open after a withdrawal (Art. 16), and erasure too.
    assert 'action="/api/mon-inscription/corriger"' in shown
    assert 'action="/api/mon-inscription/effacer"' in shown
    late = client.post("/api/mon-inscription/corriger", data=correction(link), headers=JSON)
    assert late.status_code == 200
    assert repo(app).enrollments.all()[0]["status"] == "retire"


def test_withdrawal_ends_an_active_pair(app, client, data_dir):
    mentee_link = enroll_by_post(client, data_dir)
    enroll_by_post(client, data_dir, MENTOR)
    store = repo(app)
    mentee, mentor = sorted(store.enrollments.all(), key=lambda r: r["role"] != "mentore")
    store.confirm_pair(mentor["id"], mentee["id"], by=None, score=80.0, reasons=[],
                       checkpoints=[])
    client.post("/api/mon-inscription/retirer",
                data={"lien": token_of(mentee_link), "confirme": "oui"})
    [pair] = store.pairs.all()
    assert pair["status"] == "closed" and pair["close_reason"] == "retrait"
    assert store.enrollment(mentee["id"])["status"] == "retire"
    assert store.enrollment(mentor["id"])["status"] == "en_attente"


@pytest.mark.parametrize("action", ["retirer", "effacer", "corriger", "limiter"])
def test_posts_need_a_valid_link(app, client, data_dir, action):
    enroll_by_post(client, data_dir)
    for token in ("", "faux", "x" * 2000):
        response = client.post(f"/api/mon-inscription/{action}",
                                data={**MENTEE, "lien": token, "confirme": "oui"}, headers=JSON)
        assert response.status_code == 404
    [record] = repo(app).enrollments.all()
    assert record["status"] == "nouveau" and record["name"] == "Awa Diallo"


@pytest.mark.parametrize("action", ["retirer", "effacer", "corriger", "limiter"])
def test_cross_site_posts_are_refused_even_with_the_link(app, client, data_dir, action):
    link = enroll_by_post(client, data_dir)
    response = client.post(f"/api/mon-inscription/{action}",
                           data={**correction(link), "confirme": "oui"},
                           headers={**JSON, "Origin": "https://attaquant.example",
                                    "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert len(repo(app).enrollments) == 1
    assert repo(app).enrollments.all()[0]["status"] == "nouveau"


def test_the_link_is_sent_again_to_an_enrolled_address_only(app, client, data_dir):
    link = enroll_by_post(client, data_dir)
    answers = []
    for email in ("AWA.DIALLO@exemple.fr", "personne@exemple.fr", "pas-une-adresse@"):
        response = client.post("/api/mon-inscription/lien", data={"email": email}, headers=JSON)
        answers.append((response.status_code, response.get_json()["message"]))
    assert len(set(answers)) == 1 and answers[0][0] == 200
    sent = mails(client)
    assert len(sent) == 2  # the confirmation, then the link again
    to, subject, text = sent[-1]
    assert to == "awa.diallo@exemple.fr" and "Mon inscription" in subject
    # Links carry their issue time now: the same enrollment, not the same string.
    assert _opens(link_in(text)) == _opens(link)
    html = client.post("/api/mon-inscription/lien", data={"email": "personne@exemple.fr"})
    assert html.status_code == 303
    shown = client.get(html.headers["Location"]).get_data(as_text=True)
    assert "Si cette adresse est inscrite" in shown


def test_asking_for_the_link_without_an_address_is_a_french_400(client):
    response = client.post("/api/mon-inscription/lien", data={"email": ""}, headers=JSON)
    assert response.status_code == 400
    assert "adresse électronique" in response.get_json()["message"]


def test_asking_for_the_link_with_the_honeypot_filled_sends_nothing(client, data_dir):
    enroll_by_post(client, data_dir)
    response = client.post("/api/mon-inscription/lien", headers=JSON, data={
        "email": "awa.diallo@exemple.fr", "url_complementaire": "http://spam.example"})
    assert response.status_code == 200
    assert len(mails(client)) == 1


def test_asking_for_the_link_is_rate_limited(make_app, steady_minute):
    client = make_app(rate_limit="2/minute").test_client()
    codes = [client.post("/api/mon-inscription/lien", data={"email": "a@exemple.fr"},
                         headers=JSON).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_reminder_link_for_feedback_is_not_a_participant_link(client):
    response = client.post("/api/formulaires/feedback", data=FEEDBACK, headers=JSON)
    assert response.status_code == 201
    assert client.get("/formulaires/mon-inscription/?lien=" + "a" * 40).status_code == 404


@pytest.mark.browser
def test_a_participant_corrects_withdraws_and_erases_in_a_browser(server, page):
    from support.people import enroll_on

    link = enroll_on(server, "navigateur.mon-inscription@exemple.fr")
    page.goto(server.url + link)
    table = page.locator(".mentorat-donnees table")
    assert "navigateur.mon-inscription@exemple.fr" in table.inner_text()
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context="#mon-inscription")
    assert results.violations_count == 0, results.generate_report()
    page.get_by_label("Intitulé de poste (obligatoire)").fill("Responsable d'études")
    page.get_by_role("button", name="Enregistrer mes corrections").click()
    page.get_by_text("Vos corrections sont enregistrées").wait_for()
    page.goto(server.url + link)
    assert "Responsable d'études" in page.locator(".mentorat-donnees table").inner_text()

    page.get_by_role("button", name="Retirer mon inscription").click()
    page.get_by_role("button", name="Oui, retirer mon inscription").click()
    page.get_by_text("Votre inscription est retirée").first.wait_for()
    assert "retirée à votre demande" in page.content()

    page.get_by_role("button", name="Effacer mes données").click()
    page.get_by_role("button", name="Oui, effacer toutes mes données").click()
    page.get_by_text("Vos données sont effacées").wait_for()
    assert page.goto(server.url + link).status == 404


def test_the_correction_form_carries_its_link_itself(app, client, data_dir):
    # A browser posts the form as rendered: the personal link must be inside it.
    link = enroll_by_post(client, data_dir)
    html = client.get(link).get_data(as_text=True)
    form = html[html.index('action="/api/mon-inscription/corriger"'):]
    form = form[:form.index("</form>")]
    assert f'name="lien" value="{token_of(link)}"' in form
