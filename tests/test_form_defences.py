"""Defences of the public forms: honeypot, time-trap, rate limit, body size, origin."""

from __future__ import annotations

import logging
import re
import sqlite3
import time

import pytest
from itsdangerous import TimestampSigner
from support.people import FEEDBACK, MENTEE
from support.service import JSON, repo

from forms_service.forms.render import placeholder

RELOAD = re.compile(r"rechargez", re.I)


def token_of(client, page: str = "inscription") -> str:
    html = client.get(f"/formulaires/{page}/").get_data(as_text=True)
    return re.search(r'name="rendu" value="([^"]+)"', html).group(1)


def token_served_ago(client, monkeypatch, seconds: int, page: str = "inscription") -> str:
    """The signed render time of a page served that many seconds ago."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - seconds)
    token = token_of(client, page)
    monkeypatch.undo()
    return token


def stored(app) -> int:
    return len(repo(app).enrollments) + len(repo(app).feedback)


# ------------------------------------------------------------------------------ honeypot


def test_honeypot_is_hidden_from_people_and_assistive_technology(client):
    html = client.get("/formulaires/inscription/").get_data(as_text=True)
    trap = re.search(r'<div class="mentorat-trap" aria-hidden="true">(.*?)</div>', html, re.S)
    assert trap, "the honeypot sits in an aria-hidden wrapper"
    field = re.search(r"<input[^>]*name=\"url_complementaire\"[^>]*>", trap.group(1)).group(0)
    assert 'autocomplete="off"' in field and 'tabindex="-1"' in field
    assert 'value=""' in field
    # An unlikely name: no browser autofills "url_complementaire".
    assert "url" in field and "email" not in field and "name=\"name\"" not in field


@pytest.mark.parametrize("key, answers", [("enrollment", MENTEE), ("feedback", FEEDBACK)])
@pytest.mark.parametrize("accept", ["json", "html"])
def test_a_filled_honeypot_gets_the_normal_answer_and_stores_nothing(
        app, client, data_dir, caplog, key, answers, accept):
    caplog.set_level(logging.INFO)
    bait = "https://spam.example/achat-XQ7"
    headers = JSON if accept == "json" else {}
    response = client.post(f"/api/formulaires/{key}",
                           data={**answers, "url_complementaire": bait}, headers=headers)
    if accept == "json":
        assert response.status_code == 201
        body = response.get_json()
        assert body["ok"] is True and body["reference"].startswith(("M-", "R-"))
        assert body["message"].startswith("Merci")
    else:
        assert response.status_code == 303
        assert "/formulaires/merci/" in response.headers["Location"]
    assert stored(app) == 0
    assert not (data_dir / "outbox").exists() or not list((data_dir / "outbox").glob("*.eml"))
    counted = [r for r in caplog.records if "piège" in r.getMessage()]
    assert len(counted) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert bait not in logged and "Awa" not in logged and "awa.diallo" not in logged


@pytest.mark.browser
def test_the_honeypot_is_clean_for_axe(server, page):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(server.url + "/formulaires/inscription/")
    results = Axe().run(page, context=".mentorat-form")
    assert results.violations_count == 0, results.generate_report()
    page.keyboard.press("Tab")
    for _ in range(60):  # the trap is never reached with the keyboard
        assert page.evaluate("document.activeElement.name") != "url_complementaire"
        page.keyboard.press("Tab")


# ----------------------------------------------------------------------------- time-trap


def test_a_post_faster_than_a_person_is_refused(make_app):
    app = make_app(min_fill_seconds=3)
    client = app.test_client()
    token = token_of(client)
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "rendu": token},
                           headers=JSON)
    assert response.status_code == 400
    message = response.get_json()["errors"]["__form__"][0]
    assert "Envoi trop rapide" in message and "envoyez à nouveau" in message
    html = client.post("/api/formulaires/enrollment", data={**MENTEE, "rendu": token})
    assert html.status_code == 400 and "Envoi trop rapide" in html.get_data(as_text=True)
    assert stored(app) == 0


def test_a_post_after_the_minimum_time_is_accepted(make_app, monkeypatch):
    app = make_app(min_fill_seconds=3)
    client = app.test_client()
    token = token_served_ago(client, monkeypatch, 10)
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "rendu": token},
                           headers=JSON)
    assert response.status_code == 201
    assert len(repo(app).enrollments) == 1


def test_a_page_older_than_a_day_must_be_reloaded(make_app, monkeypatch):
    app = make_app(min_fill_seconds=3)
    client = app.test_client()
    token = token_served_ago(client, monkeypatch, 24 * 3600 + 60)
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "rendu": token},
                           headers=JSON)
    assert response.status_code == 400
    message = response.get_json()["errors"]["__form__"][0]
    assert "plus d’un jour" in message and RELOAD.search(message)
    assert stored(app) == 0


@pytest.mark.parametrize("token", ["", placeholder("enrollment"), "enrollment.forgé.abc",
                                   "feedback.AAAA.BBBB"])
def test_a_missing_or_forged_render_time_is_refused(make_app, token):
    app = make_app(min_fill_seconds=3)
    response = app.test_client().post("/api/formulaires/enrollment",
                                      data={**MENTEE, "rendu": token}, headers=JSON)
    assert response.status_code == 400
    assert RELOAD.search(response.get_json()["errors"]["__form__"][0])
    assert stored(app) == 0


def test_a_render_time_of_another_form_is_refused(make_app, monkeypatch):
    app = make_app(min_fill_seconds=3)
    client = app.test_client()
    token = token_served_ago(client, monkeypatch, 10, "retour")
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "rendu": token},
                           headers=JSON)
    assert response.status_code == 400 and stored(app) == 0


def test_zero_disables_the_time_trap(client, app):
    response = client.post("/api/formulaires/enrollment",
                           data={**MENTEE, "rendu": token_of(client)}, headers=JSON)
    assert response.status_code == 201


def test_the_default_minimum_is_three_seconds():
    from forms_service.config import Settings

    assert Settings.from_env({}).min_fill_seconds == 3
    assert Settings.from_env({"MENTORAT_MIN_FILL_SECONDS": "0"}).min_fill_seconds == 0


# ---------------------------------------------------------------------------- rate limit


def test_rate_limit_settings():
    from forms_service.config import Settings
    from forms_service.web.ratelimit import parse_limits

    assert Settings.from_env({}).rate_limit == "5/minute;30/hour"
    assert parse_limits("5/minute;30/hour") == [(5, 60), (30, 3600)]
    assert parse_limits("off") == []
    with pytest.raises(ValueError, match="5/minute"):
        parse_limits("beaucoup")


def test_the_sixth_post_in_a_minute_gets_a_french_429(make_app, steady_minute):
    app = make_app(rate_limit="5/minute;30/hour")
    client = app.test_client()
    answers = [client.post("/api/formulaires/feedback", data=FEEDBACK, headers=JSON)
               for _ in range(6)]
    assert [a.status_code for a in answers] == [201] * 5 + [429]
    assert "patientez" in answers[-1].get_json()["errors"]["__form__"][0]
    html = client.post("/api/formulaires/feedback", data=FEEDBACK)
    assert html.status_code == 429 and "patientez" in html.get_data(as_text=True)
    assert html.headers["Content-Type"].startswith("text/html")


def test_off_disables_the_rate_limit(make_app):
    app = make_app(rate_limit="off")
    client = app.test_client()
    codes = {client.post("/api/formulaires/feedback", data=FEEDBACK, headers=JSON).status_code
             for _ in range(8)}
    assert codes == {201}


def test_the_limit_is_shared_by_every_worker(make_app, steady_minute):
    # Two app instances on one data directory stand for two gunicorn workers.
    first = make_app(rate_limit="3/minute")
    second = make_app(rate_limit="3/minute")
    clients = [first.test_client(), second.test_client()]
    codes = [clients[n % 2].post("/api/formulaires/feedback", data=FEEDBACK,
                                 headers=JSON).status_code for n in range(4)]
    assert codes == [201, 201, 201, 429]


def test_the_counters_hold_no_raw_address(make_app, data_dir):
    app = make_app(rate_limit="5/minute")
    client = app.test_client()
    address = "203.0.113.77"
    client.post("/api/formulaires/feedback", data=FEEDBACK, headers=JSON,
                environ_base={"REMOTE_ADDR": address})
    files = [p for p in data_dir.glob("ratelimit.sqlite3*") if p.is_file()]
    assert files
    for path in files:
        assert address.encode() not in path.read_bytes()
    with sqlite3.connect(data_dir / "ratelimit.sqlite3") as db:
        clients = [row[0] for row in db.execute("SELECT client FROM hits")]
    assert clients and all(re.fullmatch(r"[0-9a-f]{64}", c) for c in clients)


def post_from(client, address: str, forwarded: str | None):
    headers = {**JSON, **({"X-Forwarded-For": forwarded} if forwarded else {})}
    return client.post("/api/formulaires/feedback", data=FEEDBACK, headers=headers,
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_forwarded_for_is_ignored_without_trusted_proxies(make_app, steady_minute):
    app = make_app(rate_limit="2/minute", trusted_proxies=0)
    client = app.test_client()
    codes = [post_from(client, "10.0.0.1", f"198.51.100.{n}") for n in range(3)]
    assert codes == [201, 201, 429]  # spoofed headers do not buy new allowances


def test_forwarded_for_is_honoured_with_a_trusted_proxy(make_app, steady_minute):
    app = make_app(rate_limit="2/minute", trusted_proxies=1)
    client = app.test_client()
    # Behind one proxy (10.0.0.1), each real client gets its own allowance.
    codes = [post_from(client, "10.0.0.1", f"198.51.100.{n}") for n in range(3)]
    assert codes == [201, 201, 201]
    same = [post_from(client, "10.0.0.1", "203.0.113.5") for _ in range(3)]
    assert same == [201, 201, 429]
    # A client adding its own header cannot escape: only the last hop counts.
    spoofed = [post_from(client, "10.0.0.1", f"1.2.3.{n}, 203.0.113.5") for n in range(2)]
    assert spoofed == [429, 429]


def test_two_trusted_proxies_take_the_second_last_hop(make_app, steady_minute):
    app = make_app(rate_limit="1/minute", trusted_proxies=2)
    client = app.test_client()
    assert post_from(client, "10.0.0.2", "198.51.100.1, 10.0.0.1") == 201
    assert post_from(client, "10.0.0.2", "198.51.100.2, 10.0.0.1") == 201
    assert post_from(client, "10.0.0.2", "198.51.100.1, 10.0.0.1") == 429


# ----------------------------------------------------------------------- size and origin


@pytest.mark.parametrize("accept", ["json", "html"])
def test_a_body_too_large_gets_a_french_413(make_app, accept):
    app = make_app(max_content_length=4096)
    response = app.test_client().post(
        "/api/formulaires/enrollment", data={**MENTEE, "comment": "é" * 5000},
        headers=JSON if accept == "json" else {"Accept": "text/html"})
    assert response.status_code == 413
    if accept == "json":
        assert "trop volumineux" in response.get_json()["message"]
    else:
        assert "trop volumineux" in response.get_data(as_text=True)
        assert response.headers["Content-Type"].startswith("text/html")
    assert stored(app) == 0


@pytest.mark.parametrize("headers", [
    {"Origin": "https://attaquant.example"},
    {"Origin": "http://127.0.0.1:9999"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://attaquant.example", "Sec-Fetch-Site": "cross-site"},
])
@pytest.mark.parametrize("path", ["/api/formulaires/enrollment", "/api/formulaires/feedback",
                                  "/api/mon-inscription/lien"])
def test_cross_site_posts_are_refused(app, client, headers, path):
    response = client.post(path, data={**MENTEE, "email": "awa.diallo@exemple.fr"},
                           headers={**JSON, **headers})
    assert response.status_code == 403
    assert "site du programme" in response.get_json()["errors"]["__form__"][0]
    assert stored(app) == 0


@pytest.mark.parametrize("headers", [
    {},
    {"Origin": "http://localhost"},
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},
])
def test_same_site_or_silent_posts_are_allowed(app, client, headers):
    response = client.post("/api/formulaires/enrollment", data=MENTEE,
                           headers={**JSON, **headers})
    assert response.status_code == 201


def test_consent_is_recorded_with_the_notice_version_and_time(app, client):
    from datetime import datetime, timezone

    before = datetime.now(timezone.utc).replace(microsecond=0)
    client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    [record] = repo(app).enrollments.all()
    assert record["consent"] is True
    assert record["notice_version"] == app.config["PROGRAMME"].notice_version == "2026-12"
    consented = datetime.fromisoformat(record["consented_at"])
    assert before <= consented <= datetime.now(timezone.utc)
    without = client.post("/api/formulaires/enrollment",
                          data={**MENTEE, "email": "autre@exemple.fr", "consent": ""},
                          headers=JSON)
    assert without.status_code == 400 and "consent" in without.get_json()["errors"]


@pytest.mark.slow
def test_two_gunicorn_workers_share_one_limit(built_site, tmp_path, steady_minute):
    import urllib.error
    import urllib.parse
    import urllib.request

    from support.processes import Server

    server = Server(built_site, tmp_path / "data", MENTORAT_RATE_LIMIT="4/minute",
                    MENTORAT_WORKERS="2")
    try:
        codes = []
        for _ in range(6):
            request = urllib.request.Request(server.url + "/api/formulaires/feedback",
                                             data=urllib.parse.urlencode(FEEDBACK).encode(),
                                             headers=JSON)
            try:
                with urllib.request.urlopen(request) as answer:
                    codes.append(answer.status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
                error.close()
        # Whichever worker answers, the fifth post of the minute is refused.
        assert codes == [201] * 4 + [429] * 2
    finally:
        server.stop()
