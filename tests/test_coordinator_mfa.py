"""A second factor for coordinators: TOTP (RFC 6238), recovery codes, MENTORAT_MFA=required.

Issue « Hardening », finding 5 (second factor). Codes are computed for real
with pyotp, as an authenticator app would, at the time of the area's clock:
the test freezes it (``clock_of``) and moves it by hand, so no test depends on
when in its 30 seconds a code happens to be typed.
"""

from __future__ import annotations

import html as html_lib
import re

import pyotp
import pytest
from click.testing import CliRunner
from support.coordination import EMAIL, PASSWORD, Clock, add_coordinator, csrf_token
from support.service import repo

LOGIN = "/coordination/connexion/"
CODE = "/coordination/connexion/code/"
SECURITY = "/coordination/securite/"
AREA = "/coordination/inscriptions/"


def post_login(client, password=PASSWORD, email=EMAIL):
    return client.post(LOGIN, data={"csrf_token": csrf_token(client), "email": email,
                                    "password": password})


def post_code(client, code):
    return client.post(CODE, data={"csrf_token": csrf_token(client, CODE), "code": code})


def post_security(client, action, **fields):
    data = {f"{action}-csrf_token": csrf_token(client, SECURITY), "action": action}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(SECURITY, data=data)


def clock_of(app) -> Clock:
    """The area's clock (the login throttle's, which TOTP checks use), frozen for the test."""
    from forms_service.coordination.sessions import login_throttle

    with app.app_context():
        throttle = login_throttle()
        if not isinstance(throttle.clock, Clock):
            throttle.clock = Clock()
        return throttle.clock


def code(app, secret: str, steps: int = 0) -> str:
    """The code an authenticator app shows now, or ``steps`` times 30 seconds later."""
    return pyotp.TOTP(secret).at(clock_of(app)() + 30 * steps)


def wrong_code(app, secret: str) -> str:
    """A well-formed code that is no code of the moment."""
    return f"{(int(code(app, secret)) + 500_000) % 1_000_000:06d}"


def turn_on_totp(app, client) -> tuple[str, list[str]]:
    """Go through the set-up page as a coordinator would; return the secret and recovery codes.

    The clock then moves on 30 seconds: the app shows a new code, unspent.
    """
    started = post_security(client, "commencer")
    assert started.status_code == 302, started.get_data(as_text=True)
    page = client.get(SECURITY).get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    confirmed = post_security(client, "confirmer", code=code(app, secret))
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    codes = re.findall(r'<li><code class="mentorat-recovery">([a-z0-9-]+)</code></li>',
                       confirmed.get_data(as_text=True))
    clock_of(app).advance(30)
    return secret, codes


def logged_in_client(app):
    clock_of(app)
    client = app.test_client()
    add_coordinator(app)
    assert post_login(client).status_code == 302
    return client


def log_out(client):
    client.post("/coordination/deconnexion/",
                data={"csrf_token": csrf_token(client, SECURITY)})


def actions(app, action) -> list[tuple]:
    return [(e["coordinator"], e["record"]) for e in repo(app).audit_log.all()
            if e["action"] == action]


# ------------------------------------------------------------------------------ set-up


def test_setup_shows_an_inline_qr_code_and_the_secret_once_then_recovery_codes(app):
    client = logged_in_client(app)
    assert "Activer la double authentification" in client.get(SECURITY).get_data(as_text=True)
    post_security(client, "commencer")
    page = client.get(SECURITY).get_data(as_text=True)
    svg = re.search(r'<svg\b[^>]*class="mentorat-qr".*?</svg>', page, re.S).group(0)
    assert "style=" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert 'role="img"' in svg
    assert re.search(r'id="totp-secret">[A-Z2-7 ]{32,}<', page)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert repo(app).coordinator_by_email(EMAIL).get("totp_secret") is None  # not yet

    confirmed = post_security(client, "confirmer", code=code(app, secret))
    body = confirmed.get_data(as_text=True)
    codes = re.findall(r'<code class="mentorat-recovery">([a-z0-9-]+)</code>', body)
    assert len(codes) == 10 and len(set(codes)) == 10
    record = repo(app).coordinator_by_email(EMAIL)
    assert record["totp_secret"] == secret
    stored = str(record["recovery_codes"])
    assert all(recovery not in stored for recovery in codes)
    assert all(h.startswith("$argon2id$") for h in record["recovery_codes"])
    # Shown once: the page now only says the factor is on.
    again = client.get(SECURITY).get_data(as_text=True)
    assert secret not in again and codes[0] not in again and "<svg" not in again.split(
        "</header>")[1]
    assert "La double authentification est activée" in again
    assert actions(app, "mfa_active") == [(record["id"], None)]


def test_a_wrong_first_code_does_not_turn_it_on(app):
    client = logged_in_client(app)
    post_security(client, "commencer")
    response = post_security(client, "confirmer", code="000000")
    assert response.status_code == 400
    assert "Code incorrect" in response.get_data(as_text=True).replace("\u00a0", " ")
    assert repo(app).coordinator_by_email(EMAIL).get("totp_secret") is None


@pytest.mark.parametrize("code", ["", "abc", "1" * 300, "12 34 5"])
def test_a_malformed_code_gets_a_french_400_never_a_500(app, code):
    client = logged_in_client(app)
    post_security(client, "commencer")
    response = post_security(client, "confirmer", code=code)
    assert response.status_code == 400


def test_the_setup_forms_need_their_csrf_token(app):
    client = logged_in_client(app)
    response = client.post(SECURITY, data={"action": "commencer"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


# ------------------------------------------------------------------------------- login


def test_with_totp_on_the_password_alone_does_not_open_the_area(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    log_out(client)
    response = post_login(client)
    assert response.status_code == 302 and response.headers["Location"].startswith(CODE)
    assert client.get(AREA).status_code == 302  # not authenticated yet
    assert client.get(CODE).status_code == 200
    wrong = post_code(client, wrong_code(app, secret))
    assert wrong.status_code == 401
    assert client.get(AREA).status_code == 302
    ok = post_code(client, code(app, secret))
    assert ok.status_code == 302
    assert client.get(AREA).status_code == 200


def test_a_code_is_accepted_once_within_its_window(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    log_out(client)
    current = code(app, secret)
    post_login(client)
    assert post_code(client, current).status_code == 302
    log_out(client)
    post_login(client)
    replay = post_code(client, current)
    assert replay.status_code == 401
    assert client.get(AREA).status_code == 302


def test_the_confirmation_code_cannot_log_in(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    log_out(client)
    post_login(client)
    # 30 seconds later, the confirmation's code is still within the drift: spent all the same.
    assert post_code(client, code(app, secret, steps=-1)).status_code == 401


def test_a_code_of_the_next_step_is_accepted_once(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    # A phone whose clock is a little ahead: accepted once, then never again.
    ahead = code(app, secret, steps=1)
    log_out(client)
    post_login(client)
    assert post_code(client, ahead).status_code == 302
    log_out(client)
    post_login(client)
    assert post_code(client, ahead).status_code == 401
    # Nor is a code older than the last one accepted, though within the drift.
    post_login(client)
    assert post_code(client, code(app, secret)).status_code == 401
    assert client.get(AREA).status_code == 302


def test_recovery_codes_work_once_each(app):
    client = logged_in_client(app)
    _secret, codes = turn_on_totp(app, client)
    account_id = repo(app).coordinator_by_email(EMAIL)["id"]
    log_out(client)
    post_login(client)
    assert post_code(client, codes[3].upper().replace("-", " ")).status_code == 302
    assert client.get(AREA).status_code == 200
    log_out(client)
    post_login(client)
    assert post_code(client, codes[3]).status_code == 401
    assert len(repo(app).coordinator_by_email(EMAIL)["recovery_codes"]) == 9
    assert actions(app, "code_secours_utilise") == [(account_id, None)]


def test_the_code_step_expires(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    log_out(client)
    post_login(client)
    token = csrf_token(client, CODE)
    clock_of(app).advance(6 * 60)
    response = client.post(CODE, data={"csrf_token": token, "code": code(app, secret)})
    assert response.status_code == 302 and response.headers["Location"].startswith(LOGIN)
    assert client.get(AREA).status_code == 302


def test_wrong_codes_are_throttled_and_audited(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    account_id = repo(app).coordinator_by_email(EMAIL)["id"]
    log_out(client)
    post_login(client)
    good, wrong = code(app, secret), wrong_code(app, secret)
    statuses = [post_code(client, wrong).status_code for _n in range(12)]
    assert statuses[0] == 401 and 429 in statuses
    refused = post_code(client, good)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert (account_id, None) in actions(app, "code_echec")


def test_the_code_page_without_a_password_first_goes_to_login(client):
    response = client.get(CODE)
    assert response.status_code == 302 and response.headers["Location"].startswith(LOGIN)
    assert client.post(CODE, data={"code": "123456"}).status_code == 403


# ----------------------------------------------------------------------- turning it off


def test_turning_it_off_needs_a_current_code_and_is_audited(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    assert post_security(client, "desactiver", code=wrong_code(app, secret)).status_code == 400
    assert repo(app).coordinator_by_email(EMAIL).get("totp_secret")
    response = post_security(client, "desactiver", code=code(app, secret))
    assert response.status_code == 302
    record = repo(app).coordinator_by_email(EMAIL)
    assert record.get("totp_secret") is None and not record.get("recovery_codes")
    assert actions(app, "mfa_desactive") == [(record["id"], None)]


# ------------------------------------------------------------------- MENTORAT_MFA=required


@pytest.fixture
def mfa_app(built_site, data_dir):
    from forms_service import create_app

    app = create_app({"TESTING": True, "data_dir": data_dir, "site_dir": built_site,
                      "secret_key": "k" * 48, "mfa": "required"})
    yield app
    repo(app).close()


def test_required_mfa_sends_a_coordinator_without_it_to_the_setup_first(mfa_app):
    client = logged_in_client(mfa_app)
    for path in (AREA, "/coordination/exports/", "/coordination/journal/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == SECURITY, path
    page = client.get(SECURITY).get_data(as_text=True)
    assert "obligatoire" in page
    refused = client.post("/coordination/inscriptions/ouverture/", data={
        "fermer-csrf_token": csrf_token(client, SECURITY), "action": "fermer"})
    assert refused.status_code == 403
    assert repo(mfa_app).cohort_state()["open"] is True
    turn_on_totp(mfa_app, client)
    assert client.get(AREA).status_code == 200


def test_required_mfa_cannot_be_turned_off(mfa_app):
    client = logged_in_client(mfa_app)
    secret, _codes = turn_on_totp(mfa_app, client)
    response = post_security(client, "desactiver", code=code(mfa_app, secret))
    assert response.status_code == 403
    assert repo(mfa_app).coordinator_by_email(EMAIL).get("totp_secret") == secret


def test_the_mfa_setting_is_read_from_the_environment_and_checked():
    from forms_service.config import ConfigError, Settings

    assert Settings.from_env({}).mfa_required is False
    assert Settings.from_env({"MENTORAT_MFA": "required"}).mfa_required is True
    assert Settings.from_env({"MENTORAT_MFA": "optional"}).mfa_required is False
    with pytest.raises(ConfigError, match="MENTORAT_MFA"):
        Settings.from_env({"MENTORAT_MFA": "toujours"})


# ------------------------------------------------------------------- mentorat reset-mfa


def test_reset_mfa_removes_a_lost_device_and_is_audited(app, data_dir, monkeypatch):
    from forms_service.cli.commands import main

    client = logged_in_client(app)
    turn_on_totp(app, client)
    account_id = repo(app).coordinator_by_email(EMAIL)["id"]
    log_out(client)
    monkeypatch.setenv("MENTORAT_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(main, ["coordinator", "reset-mfa", EMAIL.upper()],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Double authentification retirée" in result.stderr.replace("\u00a0", " ")
    record = repo(app).coordinator_by_email(EMAIL)
    assert record.get("totp_secret") is None and not record.get("recovery_codes")
    assert actions(app, "mfa_reinitialise") == [(None, account_id)]
    # The password alone opens the area again (until the coordinator sets a new device up).
    assert post_login(client).headers["Location"] == "/coordination/"
    unknown = CliRunner().invoke(main, ["coordinator", "reset-mfa", "personne@exemple.fr"])
    assert unknown.exit_code != 0 and "Aucun compte" in unknown.stderr


def test_the_secret_never_reaches_a_page_or_the_session_data(app):
    client = logged_in_client(app)
    secret, codes = turn_on_totp(app, client)
    for path in (AREA, SECURITY, "/coordination/journal/"):
        page = html_lib.unescape(client.get(path).get_data(as_text=True))
        assert secret not in page and codes[0] not in page


def test_new_recovery_codes_replace_the_old_ones(app):
    client = logged_in_client(app)
    secret, old = turn_on_totp(app, client)
    response = post_security(client, "regenerer", code=code(app, secret))
    assert response.status_code == 200
    new = re.findall(r'<code class="mentorat-recovery">([a-z0-9-]+)</code>',
                     response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    log_out(client)
    post_login(client)
    assert post_code(client, old[0]).status_code == 401
    assert post_code(client, new[0]).status_code == 302
    account_id = repo(app).coordinator_by_email(EMAIL)["id"]
    assert actions(app, "codes_secours_renouveles") == [(account_id, None)]


def test_the_audit_page_names_the_second_factor_events_in_french(app):
    client = logged_in_client(app)
    turn_on_totp(app, client)
    html = client.get("/coordination/journal/").get_data(as_text=True)
    assert "double authentification activée" in html


def test_a_right_password_is_not_counted_against_the_code_step(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    log_out(client)
    # Nine typos on this (known) browser: one more failure would make it wait.
    for _typo in range(9):
        assert post_login(client, password="pas le bon mot de passe").status_code == 401
    assert post_login(client).status_code == 302
    assert post_code(client, code(app, secret)).status_code == 302


def test_guessing_codes_to_turn_it_off_is_throttled_and_audited(app):
    client = logged_in_client(app)
    secret, _codes = turn_on_totp(app, client)
    wrong = wrong_code(app, secret)
    # This browser logged in before: its own count (10 free failures) applies.
    answers = [post_security(client, "desactiver", code=wrong) for _n in range(12)]
    assert answers[0].status_code == 400 and answers[-1].status_code == 429
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert "Trop de codes incorrects" in answers[-1].get_data(as_text=True)
    assert repo(app).coordinator_by_email(EMAIL).get("totp_secret") == secret
    assert actions(app, "code_echec")
