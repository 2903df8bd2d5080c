"""The public path's guards: where a post may come from, how big it may be, when to come back."""

from __future__ import annotations

import io

import pytest
from support.service import JSON, repo

from forms_service.exports.spreadsheet import rows

CHUNKED = {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}


@pytest.fixture
def limited(make_app):
    return make_app(rate_limit="2/minute")


def post_chunked(client, path: str, body: bytes, **headers):
    return client.post(path, input_stream=io.BytesIO(body), headers={**CHUNKED, **headers},
                       environ_overrides={"wsgi.input_terminated": True})


@pytest.mark.parametrize("path", ["/api/formulaires/enrollment", "/api/mon-inscription/corriger",
                                  "/formulaires/rencontre/"])
def test_a_chunked_body_over_the_limit_is_a_413_not_a_form_error(client, path):
    too_big = b"name=" + b"a" * 70_000  # MENTORAT_MAX_CONTENT_LENGTH is 64 KiB by default
    answer = post_chunked(client, path, too_big, **JSON)
    assert answer.status_code == 413
    assert "trop volumineux" in answer.get_json()["errors"]["__form__"][0]
    page = post_chunked(client, path, too_big, Accept="text/html")
    assert page.status_code == 413 and "trop volumineux" in page.get_data(as_text=True)


def test_a_chunked_body_within_the_limit_is_read_whole(client):
    answer = post_chunked(client, "/api/formulaires/enrollment", b"name=" + b"a" * 200, **JSON)
    assert answer.status_code == 400
    assert answer.get_json()["errors"]["name"] == ["120 caractères au maximum."]


def test_a_429_says_when_to_try_again(limited):
    client = limited.test_client()
    answers = [client.post("/api/formulaires/feedback", data={}, headers=JSON) for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60


def test_an_opaque_origin_is_refused(client):
    answer = client.post("/api/formulaires/feedback", data={},
                         headers={**JSON, "Origin": "null"})
    assert answer.status_code == 403
    assert "depuis le site du programme" in answer.get_json()["errors"]["__form__"][0]


@pytest.fixture
def public_site(make_app):
    return make_app(base_url="https://mentorat.exemple.fr", base_url_set=True)


@pytest.mark.parametrize("origin, host, status", [
    ("https://mentorat.exemple.fr", "mentorat.exemple.fr", 400),  # ours: on to the form
    ("http://piege.exemple", "piege.exemple", 403),  # a Host the client chose is not trusted
    ("http://localhost", "localhost", 403),
])
def test_with_a_public_address_set_only_that_origin_may_post(public_site, origin, host, status):
    answer = public_site.test_client().post(
        "/api/formulaires/feedback", data={}, base_url=f"http://{host}",
        headers={**JSON, "Origin": origin})
    assert answer.status_code == status


def test_a_link_that_does_not_check_out_signs_nothing(app, client):
    answers = {"checkpoint": "1", "role": "mentore", "satisfaction": "4", "progress": "3",
               "meetings": "2", "identity": "signe", "lien": "n-importe-quoi"}
    refused = client.post("/api/formulaires/feedback", data=answers, headers=JSON)
    assert refused.status_code == 400
    assert "lien personnel n’est plus valable" in refused.get_json()["errors"]["name"][0]
    assert len(repo(app).feedback) == 0
    # Typed name and address: kept, but shown and exported as « non vérifié ».
    typed = {**answers, "lien": "", "name": "Marc Petit", "email": "marc@exemple.fr"}
    assert client.post("/api/formulaires/feedback", data=typed,
                       headers=JSON).status_code == 201
    [stored] = repo(app).feedback.all()
    assert "person_id" not in stored
    [row] = rows(repo(app), "feedback")
    assert row["Identité"] == "signé, non vérifié"
