"""Who gets into /coordination/: accounts, login, sessions, CSRF, throttle, audit."""

from __future__ import annotations

import re
import time

import pytest
from support.coordination import (
    EMAIL,
    PASSWORD,
    accounts_in,
    add_coordinator,
    csrf_token,
    login,
    session_cookie,
)
from support.people import MENTEE
from support.service import plain_spaces, repo
from werkzeug.routing import AnyConverter, IntegerConverter

LOGIN = "/coordination/connexion/"
OPEN_ENDPOINTS = {"coordination.login", "coordination.static"}


def _sample_url(app, rule) -> str:
    values = {}
    for name, converter in rule._converters.items():  # noqa: SLF001 - the rule's own converters
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "x"
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, values)


def _area_rules(app):
    rules = [r for r in app.url_map.iter_rules()
             if r.rule.startswith("/coordination") and r.endpoint not in OPEN_ENDPOINTS]
    assert len(rules) >= 8
    return rules


def test_every_page_of_the_area_redirects_to_login_when_logged_out(app, client):
    repo(app).enroll({**MENTEE}, notice_version="2026-12")
    checked = 0
    for rule in _area_rules(app):
        url = _sample_url(app, rule)
        if "GET" in rule.methods:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith(LOGIN), url
            checked += 1
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}:
            response = client.open(url, method=method, data={"status": "actif"})
            assert response.status_code in (302, 403), (method, url)
            if response.status_code == 302:
                assert response.headers["Location"].startswith(LOGIN)
            checked += 1
    assert checked >= 8


def test_unknown_paths_of_the_area_are_hidden_behind_login_too(client):
    response = client.get("/coordination/nulle-part/")
    assert response.status_code == 302 and response.headers["Location"].startswith(LOGIN)


def test_login_page_and_area_assets_are_open(client):
    assert client.get(LOGIN).status_code == 200
    with client.get("/coordination/static/coordination.css") as response:
        assert response.status_code == 200


def test_base_page_uses_the_guides_stylesheets_and_no_inline_script(app, client, built_site):
    login(app, client)
    html = client.get("/coordination/inscriptions/").get_data(as_text=True)
    assert '<html lang="fr">' in html
    main_css = next((built_site / "assets" / "stylesheets").glob("main.*.min.css")).name
    palette = next((built_site / "assets" / "stylesheets").glob("palette.*.min.css")).name
    assert f'href="/assets/stylesheets/{main_css}"' in html
    assert f'href="/assets/stylesheets/{palette}"' in html
    for label in ("Inscriptions", "Appariement", "Suivi", "Tableau de bord", "Exports",
                  "Se déconnecter"):
        assert label in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "script en ligne"
    assert not re.search(r"\son[a-z]+=", html), "gestionnaire d'événement en ligne"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "requête externe"


def test_login_with_a_good_password_opens_the_area_with_a_new_session_id(app, client):
    add_coordinator(app)
    token = csrf_token(client)
    before = session_cookie(client)
    assert before  # the login form's CSRF token lives in a (pre-login) server-side session
    response = client.post(LOGIN, data={"csrf_token": token, "email": EMAIL.upper(),
                                        "password": PASSWORD})
    assert response.status_code == 302
    after = session_cookie(client)
    assert after and after != before
    assert client.get("/coordination/inscriptions/").status_code == 200


@pytest.mark.parametrize("email, password", [
    (EMAIL, "mauvais mot de passe"),
    ("inconnu@exemple.fr", PASSWORD),
])
def test_login_failure_says_so_in_french_without_telling_which(app, client, email, password):
    add_coordinator(app)
    response = client.post(LOGIN, data={"csrf_token": csrf_token(client), "email": email,
                                        "password": password})
    assert response.status_code == 401
    assert "Adresse ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/coordination/inscriptions/").status_code == 302


@pytest.mark.parametrize("target, expected", [
    ("/coordination/exports/", "/coordination/exports/"),
    ("https://ailleurs.example/", "/coordination/"),
    ("//ailleurs.example/coordination/", "/coordination/"),
    ("/coordination/..//ailleurs.example", "/coordination/"),
])
def test_login_returns_only_to_pages_of_the_area(app, client, target, expected):
    add_coordinator(app)
    token = csrf_token(client)
    response = client.post(LOGIN, query_string={"next": target},
                           data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_session_cookie_is_httponly_lax_and_scoped_to_the_area(app, client):
    add_coordinator(app)
    token = csrf_token(client)
    response = client.post(LOGIN, data={"csrf_token": token, "email": EMAIL,
                                        "password": PASSWORD})
    # The login also sets the device cookie (test_coordinator_accounts): find the session's.
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("mentorat_coordination="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/coordination" in header
    assert "Secure" not in header and "Expires" not in header


def test_session_cookie_is_secure_when_the_public_address_is_https(make_app):
    client = make_app(base_url="https://mentorat.exemple.fr").test_client()
    response = client.get(LOGIN, base_url="https://mentorat.exemple.fr")
    assert "Secure" in response.headers["Set-Cookie"]


def test_public_pages_set_no_cookie(client):
    assert "Set-Cookie" not in client.get("/formulaires/inscription/").headers


def test_a_post_without_csrf_token_is_refused_in_french(app, client):
    login(app, client)
    response = client.post("/coordination/inscriptions/ouverture/",
                           data={"action": "fermer"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert repo(app).cohort_state()["open"] is True


def test_a_post_with_a_forged_csrf_token_is_refused(app, client):
    login(app, client)
    response = client.post("/coordination/inscriptions/ouverture/",
                           data={"action": "fermer", "fermer-csrf_token": "faux"})
    assert response.status_code == 400
    assert repo(app).cohort_state()["open"] is True


def test_the_login_form_itself_needs_its_csrf_token(app, client):
    add_coordinator(app)
    response = client.post(LOGIN, data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/coordination/inscriptions/").status_code == 302


def test_logout_deletes_the_session_and_the_old_cookie_no_longer_works(app, client):
    login(app, client)
    stolen = session_cookie(client)
    token = csrf_token(client, "/coordination/inscriptions/")
    response = client.post("/coordination/deconnexion/", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == LOGIN
    assert client.get("/coordination/inscriptions/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("mentorat_coordination", stolen, path="/coordination")
    response = replay.get("/coordination/inscriptions/")
    assert response.status_code == 302 and response.headers["Location"].startswith(LOGIN)


def test_logout_needs_the_csrf_token(app, client):
    login(app, client)
    assert client.post("/coordination/deconnexion/").status_code == 400
    assert client.get("/coordination/inscriptions/").status_code == 200


def test_a_session_ends_after_the_idle_timeout(app, client):
    from forms_service.coordination.sessions import SessionStore

    login(app, client)
    assert client.get("/coordination/inscriptions/").status_code == 200
    store = app.session_interface.store
    assert isinstance(store, SessionStore) and store.idle_seconds == 30 * 60
    store.set_last_seen(session_cookie(client), time.time() - 31 * 60)
    response = client.get("/coordination/inscriptions/")
    assert response.status_code == 302 and response.headers["Location"].startswith(LOGIN)
    assert "Votre session a expiré" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_an_active_session_stays_open(app, client):
    login(app, client)
    store = app.session_interface.store
    store.set_last_seen(session_cookie(client), time.time() - 29 * 60)
    assert client.get("/coordination/inscriptions/").status_code == 200


def test_idle_timeout_zero_ends_a_session_at_once(make_app):
    app = make_app(session_idle_minutes=0)
    client = app.test_client()
    add_coordinator(app)
    token = csrf_token(client)
    # The login page's own session is already gone: the token no longer matches.
    response = client.post(LOGIN, data={"csrf_token": token, "email": EMAIL,
                                        "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/coordination/inscriptions/").status_code == 302


def test_sessions_are_seen_by_every_worker(app, client, make_app):
    """Another app on the same data directory (another gunicorn worker) accepts the cookie."""
    login(app, client)
    worker = make_app().test_client()
    worker.set_cookie("mentorat_coordination", session_cookie(client), path="/coordination")
    assert worker.get("/coordination/inscriptions/").status_code == 200


def test_removing_an_account_or_changing_its_password_ends_its_sessions(app, client):
    from forms_service.coordination.auth import hash_password

    login(app, client)
    coordinator = repo(app).coordinator_by_email(EMAIL)
    repo(app).set_coordinator_password(coordinator["id"], hash_password("un autre mot de passe"))
    assert client.get("/coordination/inscriptions/").status_code == 302
    login(app, client, password="un autre mot de passe", create=False)
    assert client.get("/coordination/inscriptions/").status_code == 200
    repo(app).remove_coordinator(EMAIL)
    assert client.get("/coordination/inscriptions/").status_code == 302


def _attempt(client, email, password):
    return client.post(LOGIN, data={"csrf_token": csrf_token(client), "email": email,
                                    "password": password})


def test_login_is_throttled_after_five_failures(app, client):
    add_coordinator(app)
    for _attempt_number in range(5):
        assert _attempt(client, EMAIL, "pas le bon").status_code == 401
    response = _attempt(client, EMAIL, PASSWORD)  # even the right password must wait
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.get_data(as_text=True)
    # Another client (another address) is not blocked by this one's failures.
    other = app.test_client()
    response = other.post(LOGIN, environ_base={"REMOTE_ADDR": "192.0.2.7"}, data={
        "csrf_token": csrf_token(other), "email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302


def test_throttle_is_shared_by_workers_and_keeps_no_raw_value(app, client, make_app, data_dir):
    import sqlite3

    add_coordinator(app)
    for _attempt_number in range(5):
        _attempt(client, EMAIL, "pas le bon")
    assert _attempt(make_app().test_client(), EMAIL, PASSWORD).status_code == 429
    with sqlite3.connect(data_dir / "coordination.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    db.close()
    assert EMAIL not in dump and "127.0.0.1" not in dump


def test_a_burst_of_parallel_attempts_cannot_pass_the_limit(data_dir):
    from concurrent.futures import ThreadPoolExecutor

    from forms_service.coordination.sessions import FAILURES_PER_ACCOUNT, LoginThrottle

    throttle = LoginThrottle(data_dir, "k" * 48)
    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(lambda _i: throttle.attempt(EMAIL, "192.0.2.1"), range(24)))
    assert allowed.count(True) == FAILURES_PER_ACCOUNT


def test_a_success_resets_the_failure_count(app, client):
    add_coordinator(app)
    for _attempt_number in range(4):
        _attempt(client, EMAIL, "pas le bon")
    assert _attempt(client, EMAIL, PASSWORD).status_code == 302
    client.delete_cookie("mentorat_coordination", path="/coordination")
    for _attempt_number in range(4):
        assert _attempt(client, EMAIL, "pas le bon").status_code == 401
    assert _attempt(client, EMAIL, PASSWORD).status_code == 302


def test_password_hashes_are_argon2id_with_owasp_parameters(app):
    record = add_coordinator(app)
    assert record["password_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in str(record)


def test_audit_log_records_who_did_what_without_personal_values(app, client):
    enrollment, _new = repo(app).enroll({**MENTEE}, notice_version="2026-12")
    login(app, client)
    coordinator = repo(app).coordinator_by_email(EMAIL)
    assert client.get(f"/coordination/inscriptions/{enrollment['id']}/").status_code == 200
    assert client.get("/coordination/exports/enrollment.csv").status_code == 200
    entries = repo(app).audit_log.all()
    actions = [(e["coordinator"], e["action"], e["record"]) for e in entries]
    assert (coordinator["id"], "consultation", enrollment["id"]) in actions
    assert (coordinator["id"], "export", "enrollment.csv") in actions
    personal = {EMAIL, MENTEE["name"], MENTEE["email"], MENTEE["department"], "Awa", "awa",
                "Diallo"}
    for entry in entries:
        assert set(entry) == {"id", "v", "coordinator", "action", "record", "at"}
        text = str(entry)
        assert not any(value in text for value in personal), entry


# ---------------------------------------------------------------------------- command line


def test_cli_adds_lists_changes_and_removes_coordinators(cli, data_dir):
    result = cli("coordinator", "add", "Claire.Martin@exemple.fr", "--password-stdin",
                 input="une longue phrase secrète\n")
    assert result.exit_code == 0, result.output
    assert "Compte créé" in result.stderr
    first_hash = accounts_in(data_dir)["claire.martin@exemple.fr"]["password_hash"]
    assert first_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    result = cli("coordinator", "list")
    assert result.exit_code == 0 and result.stdout.startswith("claire.martin@exemple.fr\t")

    result = cli("coordinator", "password", "claire.martin@exemple.fr", "--password-stdin",
                 input="une autre phrase secrète\n")
    assert result.exit_code == 0, result.output
    second_hash = accounts_in(data_dir)["claire.martin@exemple.fr"]["password_hash"]
    assert second_hash != first_hash
    from forms_service.coordination.auth import verify_password

    assert verify_password(second_hash, "une autre phrase secrète")

    result = cli("coordinator", "remove", "claire.martin@exemple.fr")
    assert result.exit_code == 0 and accounts_in(data_dir) == {}
    assert cli("coordinator", "list").stdout == ""


def test_cli_add_prompts_twice_without_password_stdin(cli, data_dir):
    result = cli("coordinator", "add", "a@exemple.fr",
                 input="une longue phrase secrète\nune longue phrase secrète\n")
    assert result.exit_code == 0, result.output
    assert "a@exemple.fr" in accounts_in(data_dir)


@pytest.mark.parametrize("args, stdin, message", [
    (("coordinator", "add", "a@exemple.fr", "--password-stdin"), "court\n", "au moins 12"),
    (("coordinator", "add", "pas-une-adresse", "--password-stdin"), "une longue phrase\n",
     "n’est pas une adresse"),
    (("coordinator", "remove", "personne@exemple.fr"), None, "Aucun compte"),
    (("coordinator", "password", "personne@exemple.fr", "--password-stdin"),
     "une longue phrase\n", "Aucun compte"),
])
def test_cli_refuses_with_a_french_message(cli, data_dir, args, stdin, message):
    data_dir.mkdir()  # only "add" creates a missing data directory; the others refuse it
    result = cli(*args, input=stdin)
    assert result.exit_code != 0 and message in plain_spaces(result.stderr)


def test_cli_asks_the_password_twice_in_french(cli, data_dir):
    result = cli("coordinator", "add", "a@exemple.fr",
                 input="une longue phrase\nune longue phrase\n")
    assert result.exit_code == 0, result.stderr
    assert "Mot de passe\u00a0: " in result.stderr
    assert "Répétez le mot de passe\u00a0: " in result.stderr
    assert list(accounts_in(data_dir)) == ["a@exemple.fr"]


def test_cli_refuses_a_second_account_for_the_same_email(cli, data_dir):
    cli("coordinator", "add", "a@exemple.fr", "--password-stdin", input="une longue phrase\n")
    result = cli("coordinator", "add", "A@exemple.fr", "--password-stdin",
                 input="une autre longue phrase\n")
    assert result.exit_code != 0 and "existe déjà" in result.stderr
    assert len(accounts_in(data_dir)) == 1


def test_cli_refuses_a_missing_data_directory_except_to_create_an_account(cli, data_dir):
    for args in (("coordinator", "list"), ("coordinator", "remove", "a@exemple.fr")):
        result = cli(*args)
        assert result.exit_code == 1 and "MENTORAT_DATA_DIR" in result.stderr
        assert f"Répertoire de données : {data_dir}" in plain_spaces(result.stderr)
        assert not data_dir.exists()
    result = cli("coordinator", "add", "a@exemple.fr", "--password-stdin",
                 input="une longue phrase\n")
    assert result.exit_code == 0 and data_dir.is_dir()


@pytest.mark.parametrize("action, record", [
    ("consultation", "awa.diallo@exemple.fr"),
    ("consultation", "Awa Diallo"),
    ("Awa Diallo", 3),
    ("export", True),
    ("export", {"email": "x"}),
])
def test_the_audit_log_refuses_anything_but_identifiers(app, action, record):
    with pytest.raises(ValueError):
        repo(app).audit(1, action, record)
    assert len(repo(app).audit_log) == 0


def test_the_audit_page_names_coordinators_and_actions(app, client):
    enrollment, _new = repo(app).enroll({**MENTEE}, notice_version="2026-12")
    login(app, client)
    client.get(f"/coordination/inscriptions/{enrollment['id']}/")
    html = client.get("/coordination/journal/").get_data(as_text=True)
    assert "consultation d’une inscription" in html and EMAIL in html
    assert f'href="/coordination/inscriptions/{enrollment["id"]}/"' in html
    assert MENTEE["name"] not in html


def test_pages_of_the_area_are_never_cached(app, client):
    login(app, client)
    response = client.get("/coordination/inscriptions/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_errors_inside_the_area_keep_its_look(app, client):
    login(app, client)
    response = client.get("/coordination/inscriptions/999/")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Cette page n’existe pas." in html and "Se déconnecter" in html


# ------------------------------------------------------------------------ in a real browser

BROWSER_ACCOUNT = ("coordination.navigateur@exemple.fr", "une phrase de passe pour le test")


@pytest.mark.browser
@pytest.mark.parametrize("scheme, expected", [("light", "default"), ("dark", "slate")])
def test_a_coordinator_logs_in_works_and_logs_out_in_a_browser(server, browser, scheme,
                                                                expected):
    """Through two gunicorn workers: the session must hold whichever answers."""
    from playwright.sync_api import expect

    email, password = BROWSER_ACCOUNT
    added = server.cli("coordinator", "add", email, "--password-stdin", input=password + "\n")
    assert added.returncode == 0 or "existe" in added.stderr, added.stderr
    context = browser.new_context(locale="fr-FR", color_scheme=scheme)
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: errors.append(r.url) if not r.url.startswith(server.url)
            else None)
    try:
        page.goto(server.url + "/coordination/inscriptions/")
        assert "/coordination/connexion/" in page.url
        expect(page.locator("body")).to_have_attribute("data-md-color-scheme", expected)
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="Inscriptions", level=1)).to_be_visible()
        for _visit in range(6):  # several requests: both workers answer some
            page.get_by_role("link", name="Exports").click()
            expect(page.get_by_role("heading", name="Exports", level=1)).to_be_visible()
            page.get_by_role("link", name="Inscriptions").first.click()
            expect(page.get_by_role("heading", name="Inscriptions", level=1)).to_be_visible()
        page.get_by_label("Rôle").select_option("mentor")
        page.get_by_role("button", name="Filtrer").click()
        assert "role=mentor" in page.url
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.get_by_role("heading", name="Connexion à la coordination")).to_be_visible()
        page.goto(server.url + "/coordination/exports/")
        assert "/coordination/connexion/" in page.url
        assert errors == [], errors  # no CSP violation, no request elsewhere
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/coordination/tableau-de-bord/", "/coordination/suivi/",
                                  "/coordination/appariement/"])
def test_pages_of_the_area_follow_french_typography(app, client, path):
    # Apostrophes are set once, in i18n.gettext (messages only); the no-break spaces
    # once, in the area's base template (every page, whatever it holds).
    repo(app).enroll({**MENTEE}, notice_version="2026-12")
    login(app, client)
    html = client.get(path).get_data(as_text=True)
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S)
    assert not re.search(r"[^\W\d_](?:'|&#39;)[^\W\d_]", text), path
    assert not re.search(r"[^\s>] [:;?!»]|« ", text), path
    assert "\u00a0:" in text or "\u202f" in text, path


def test_a_participants_own_apostrophe_is_kept(app, client):
    enrollment, _new = repo(app).enroll({**MENTEE}, notice_version="2026-12")
    assert "d'études" in MENTEE["job_title"]
    login(app, client)
    detail = client.get(f"/coordination/inscriptions/{enrollment['id']}/").get_data(as_text=True)
    assert "Chargée d&#39;études" in detail  # as the participant typed it
