"""The form endpoint, through Flask's test client: the contract of DESIGN.md."""

from __future__ import annotations

import json
import re

import pytest
from support.mail import mail_texts
from support.people import FEEDBACK, MENTEE, MENTOR
from support.service import JSON, repo


def test_form_page_is_served_by_flask_with_a_signed_render_time(client):
    response = client.get("/formulaires/inscription/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    token = re.search(r'name="rendu" value="([^"]+)"', html).group(1)
    assert token.startswith("enrollment|formulaires/inscription/.") and "__MENTORAT" not in token
    assert 'action="/api/formulaires/enrollment"' in html


def test_static_pages_are_served_compressed(client):
    with client.get("/charte/", headers={"Accept-Encoding": "br, gzip"}) as response:
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
    with client.get("/assets/mentorat/site.css", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["Content-Encoding"] == "gzip"


def test_valid_enrollment_json_is_stored_with_consent(app, client):
    response = client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    assert response.status_code == 201
    body = response.get_json()
    assert body["ok"] is True and re.fullmatch(r"M-[2-9A-Z]{4}-[2-9A-Z]{4}", body["reference"])
    [record] = repo(app).enrollments.all()
    assert record["email"] == "awa.diallo@exemple.fr" and record["reference"] == body["reference"]
    assert record["notice_version"] == "2026-12" and record["consented_at"]
    assert record["v"] == 1 and record["goals"] == [MENTEE["goal_1"]]


def test_valid_enrollment_without_javascript_redirects_to_the_confirmation(app, client):
    response = client.post("/api/formulaires/enrollment", data=MENTOR)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    reference = repo(app).enrollments.all()[0]["reference"]
    assert reference in page.get_data(as_text=True)


def test_confirmation_page_ignores_a_forged_reference(client):
    page = client.get("/formulaires/merci/?ref=M-AAAA-BBBB")
    assert page.status_code == 200 and "M-AAAA-BBBB" not in page.get_data(as_text=True)


def test_invalid_enrollment_json_stores_nothing(app, client):
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "email": "awa"},
                           headers=JSON)
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "errors": {"email": [
        "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."]}}
    assert len(repo(app).enrollments) == 0


def test_invalid_enrollment_without_javascript_rerenders_the_page(app, client):
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "email": "awa"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Le formulaire contient 1 erreur" in html
    assert 'value="Awa Diallo"' in html and 'value="awa"' in html
    assert '<p class="mentorat-error" id="enrollment-email-erreur">Saisissez' in html
    assert "<title>" in html and 'lang="fr"' in html
    assert len(repo(app).enrollments) == 0


def test_a_second_enrollment_with_the_same_email_creates_no_duplicate(app, client, data_dir):
    first = client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    second = client.post("/api/formulaires/enrollment",
                         data={**MENTEE, "email": "AWA.Diallo@exemple.fr", "name": "Autre"},
                         headers=JSON)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["message"] == second.get_json()["message"]
    [record] = repo(app).enrollments.all()
    assert record["name"] == "Awa Diallo"
    messages = mail_texts(app)
    assert len(messages) == 2
    [notice] = [text for _to, _subject, text in messages if "déjà inscrit" in text]
    assert "/formulaires/mon-inscription/?lien=" in notice  # the owner may get their link again


def test_confirmation_email_is_written_to_the_outbox(app, client, data_dir):
    body = client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON).get_json()
    [(to, subject, text)] = mail_texts(app)
    assert to == "awa.diallo@exemple.fr" and body["reference"] in text
    assert subject == "Votre inscription au programme de mentorat"
    # The address has not acted yet: nothing typed in the form goes to it, not even the name.
    assert text.startswith("Bonjour,") and "Awa" not in text and "Diallo" not in text


def test_feedback_is_stored_once_when_posted_twice(app, client):
    token = re.search(r'name="rendu" value="([^"]+)"',
                      client.get("/formulaires/retour/").get_data(as_text=True)).group(1)
    answers = {**FEEDBACK, "rendu": token, "what_works": "Des échanges francs"}
    first = client.post("/api/formulaires/feedback", data=answers, headers=JSON)
    second = client.post("/api/formulaires/feedback", data=answers, headers=JSON)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["reference"] == second.get_json()["reference"]
    assert len(repo(app).feedback) == 1


def test_anonymous_feedback_stores_no_identity(app, client):
    response = client.post("/api/formulaires/feedback", headers={**JSON, "User-Agent": "Bot/1"},
                           data={**FEEDBACK, "name": "Awa", "email": "awa@exemple.fr"})
    assert response.status_code == 201
    [record] = repo(app).feedback.all()
    stored = json.dumps(record, ensure_ascii=False)
    assert "Awa" not in stored and "awa@" not in stored and "Bot/1" not in stored
    assert "127.0.0.1" not in stored


def test_unknown_form_is_a_404(client):
    response = client.post("/api/formulaires/inconnu", data={}, headers=JSON)
    assert response.status_code == 404 and response.get_json()["ok"] is False


def test_healthz(client):
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/nulle-part/", "/api/rien"])
def test_unknown_pages_are_french_404s(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "introuvable" in response.get_data(as_text=True).lower() or \
        "n'existe pas" in response.get_data(as_text=True)


def test_preview_origin_is_accepted_only_when_configured(make_app):
    preview = "http://127.0.0.1:8001"
    headers = {**JSON, "Origin": preview, "Sec-Fetch-Site": "cross-site"}
    app = make_app(preview_origin=preview)
    response = app.test_client().post("/api/formulaires/feedback", data=FEEDBACK, headers=headers)
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == preview
    strict = make_app()
    response = strict.test_client().post("/api/formulaires/feedback", data=FEEDBACK, headers=headers)
    assert response.status_code == 403 and "Access-Control-Allow-Origin" not in response.headers


def test_static_files_carry_the_policy_but_not_document_only_headers(client):
    with client.get("/assets/mentorat/site.css") as css, client.get("/charte/") as page:
        for response in (css, page):
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "Access-Control-Allow-Origin" not in response.headers
        assert "X-Frame-Options" not in css.headers
        assert page.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("name", ["collègue. URGENT compte bloqué, réactivez ici https://x.io/a",
                                  "Voir exemple.fr pour débloquer", "awa@exemple.fr",
                                  "www.exemple", "Marc Petit (bit.ly/3xyz)"])
def test_a_name_holding_a_web_or_mail_address_is_refused(app, client, name):
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "name": name},
                           headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["errors"]["name"] == [
        "Indiquez seulement un prénom et un nom, sans adresse web ni adresse électronique."]
    assert len(repo(app).enrollments) == 0 and len(repo(app).mail.table) == 0
