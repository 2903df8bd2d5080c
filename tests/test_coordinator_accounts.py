"""Coordinator accounts under attack: throttling per account, device cookies, password rule, audit.

Issue « Hardening », findings 4, 5 (passwords) and 9 (the accounts' audit),
at OWASP ASVS 5.0 level 2. The throttle's clock is injected: no test waits.
"""

from __future__ import annotations

import re

import pytest
from support.coordination import EMAIL, PASSWORD, Clock, accounts_in, add_coordinator, csrf_token
from support.service import repo

LOGIN = "/coordination/connexion/"
WRONG = "pas le bon mot de passe"
DEVICE_COOKIE = "mentorat_appareil"


@pytest.fixture
def proxied_app(built_site, data_dir):
    """The service behind one trusted proxy: the client address is X-Forwarded-For's."""
    from forms_service import create_app

    app = create_app({"TESTING": True, "data_dir": data_dir, "site_dir": built_site,
                      "secret_key": "k" * 48, "trusted_proxies": 1, "rate_limit": "off"})
    yield app
    repo(app).close()


@pytest.fixture
def clock(proxied_app):
    from forms_service.coordination.sessions import login_throttle

    clock = Clock()
    with proxied_app.app_context():
        login_throttle().clock = clock
    return clock


def attempt(client, password, *, address="198.51.100.1", email=EMAIL):
    """One login post from a client address (as the trusted proxy reports it)."""
    headers = {"X-Forwarded-For": address}
    token = csrf_token(client)
    return client.post(LOGIN, headers=headers, data={
        "csrf_token": token, "email": email, "password": password})


def audit_actions(app) -> list[tuple]:
    return [(e["coordinator"], e["action"], e["record"]) for e in repo(app).audit_log.all()]


# ------------------------------------------------------ finding 4: per account, all addresses


def test_forty_wrong_passwords_from_forty_addresses_end_in_429_with_retry_after(
        proxied_app, clock):
    account = add_coordinator(proxied_app)
    client = proxied_app.test_client()
    answers = [attempt(client, WRONG, address=f"198.51.100.{n}") for n in range(40)]
    statuses = [answer.status_code for answer in answers]
    assert 429 in statuses, "the account was never slowed down"
    first_refusal = statuses.index(429)
    assert statuses[:first_refusal] == [401] * first_refusal and first_refusal <= 10
    assert set(statuses[first_refusal:]) == {429}
    for answer in answers[first_refusal:]:
        assert int(answer.headers["Retry-After"]) > 0
        assert "Trop de tentatives de connexion" in answer.get_data(as_text=True)
    actions = audit_actions(proxied_app)
    assert actions.count((account["id"], "connexion_echec", None)) == first_refusal
    assert (account["id"], "verrouillage", None) in actions


def test_the_delay_doubles_with_each_failure_up_to_fifteen_minutes(proxied_app, clock):
    add_coordinator(proxied_app)
    client = proxied_app.test_client()
    address = iter(f"203.0.113.{n}" for n in range(200))
    while attempt(client, WRONG, address=next(address)).status_code == 401:
        pass
    waits = []
    for _failure in range(8):
        refused = attempt(client, WRONG, address=next(address))
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        clock.advance(wait - 1)
        assert attempt(client, WRONG, address=next(address)).status_code == 429
        clock.advance(1)
        assert attempt(client, WRONG, address=next(address)).status_code == 401
    assert waits == sorted(waits) and waits[0] >= 1
    assert waits[-1] == waits[-2] == 15 * 60, waits


def test_the_right_password_after_the_delay_logs_in_and_starts_afresh(proxied_app, clock):
    add_coordinator(proxied_app)
    client = proxied_app.test_client()
    for n in range(40):
        refused = attempt(client, WRONG, address=f"198.51.100.{n}")
    assert refused.status_code == 429
    clock.advance(int(refused.headers["Retry-After"]))
    owner = proxied_app.test_client()
    assert attempt(owner, PASSWORD, address="192.0.2.10").status_code == 302
    assert owner.get("/coordination/inscriptions/").status_code == 200
    # The success forgot the failures: a typo now costs no wait.
    assert attempt(client, WRONG, address="198.51.100.99").status_code == 401


def test_a_known_device_lets_its_owner_in_during_a_lockout(proxied_app, clock):
    add_coordinator(proxied_app)
    owner = proxied_app.test_client()
    assert attempt(owner, PASSWORD, address="192.0.2.10").status_code == 302
    assert owner.get_cookie(DEVICE_COOKIE, path="/coordination") is not None
    owner.delete_cookie("mentorat_coordination", path="/coordination")  # the session ended
    attacker = proxied_app.test_client()
    for n in range(40):
        attempt(attacker, WRONG, address=f"198.51.100.{n}")
    assert attempt(attacker, PASSWORD, address="198.51.100.200").status_code == 429
    # From anywhere (a new address, the train's Wi-Fi), the owner's browser gets in.
    assert attempt(owner, PASSWORD, address="192.0.2.99").status_code == 302
    assert owner.get("/coordination/inscriptions/").status_code == 200


def test_a_known_device_is_still_counted_on_its_own(proxied_app, clock):
    add_coordinator(proxied_app)
    owner = proxied_app.test_client()
    attempt(owner, PASSWORD)
    owner.delete_cookie("mentorat_coordination", path="/coordination")
    statuses = [attempt(owner, WRONG).status_code for _n in range(15)]
    assert statuses[0] == 401 and statuses[-1] == 429
    # ...which does not lock the account for its other browsers.
    other = proxied_app.test_client()
    assert attempt(other, PASSWORD, address="192.0.2.50").status_code == 302


def test_the_device_cookie_is_signed_and_bound_to_its_account(proxied_app, clock):
    from forms_service.coordination.auth import hash_password

    add_coordinator(proxied_app)
    repo(proxied_app).add_coordinator("autre@exemple.fr", hash_password(PASSWORD))
    owner = proxied_app.test_client()
    attempt(owner, PASSWORD)
    owner.delete_cookie("mentorat_coordination", path="/coordination")
    attacker = proxied_app.test_client()
    for n in range(40):
        attempt(attacker, WRONG, address=f"198.51.100.{n}", email="autre@exemple.fr")
    # EMAIL's device does not open the other account's lockout...
    assert attempt(owner, PASSWORD, email="autre@exemple.fr").status_code == 429
    # ...and a forged or altered cookie is no device at all.
    value = owner.get_cookie(DEVICE_COOKIE, path="/coordination").value
    forger = proxied_app.test_client()
    forger.set_cookie(DEVICE_COOKIE, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"),
                      path="/coordination")
    assert attempt(forger, PASSWORD, email="autre@exemple.fr").status_code == 429


def test_the_device_cookie_is_httponly_strict_scoped_and_long_lived(proxied_app, clock):
    add_coordinator(proxied_app)
    client = proxied_app.test_client()
    response = attempt(client, PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith(DEVICE_COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Strict" in header
    assert "Path=/coordination" in header and "Secure" not in header
    max_age = int(re.search(r"Max-Age=(\d+)", header).group(1))
    assert max_age >= 90 * 86400


def test_the_device_cookie_is_secure_when_the_site_is_https(built_site, data_dir):
    from forms_service import create_app

    app = create_app({"TESTING": True, "data_dir": data_dir, "site_dir": built_site,
                      "secret_key": "k" * 48, "base_url": "https://mentorat.exemple.fr"})
    try:
        add_coordinator(app)
        client = app.test_client()
        site = "https://mentorat.exemple.fr"
        page = client.get(LOGIN, base_url=site).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(LOGIN, base_url=site, headers={"Referer": site + LOGIN}, data={
            "csrf_token": token, "email": EMAIL, "password": PASSWORD})
        assert response.status_code == 302
        header = next(h for h in response.headers.getlist("Set-Cookie")
                      if h.startswith(DEVICE_COOKIE + "="))
        assert "Secure" in header
    finally:
        repo(app).close()


def test_failures_and_lockouts_are_audited_with_identifiers_only(proxied_app, clock):
    account = add_coordinator(proxied_app)
    client = proxied_app.test_client()
    for n in range(12):
        attempt(client, WRONG, address=f"198.51.100.{n}")
    attempt(client, WRONG, address="198.51.100.77", email="inconnu@exemple.fr")
    attempt(client, PASSWORD, address="198.51.100.78")
    actions = audit_actions(proxied_app)
    assert (account["id"], "connexion_echec", None) in actions
    assert (account["id"], "verrouillage", None) in actions
    assert (None, "connexion_echec", "compte_inconnu") in actions
    text = str(repo(proxied_app).audit_log.all())
    for typed in (EMAIL, "inconnu@exemple.fr", WRONG, PASSWORD, "198.51.100"):
        assert typed not in text


def test_the_throttle_file_keeps_no_raw_value(proxied_app, clock, data_dir):
    import sqlite3

    add_coordinator(proxied_app)
    owner = proxied_app.test_client()
    attempt(owner, PASSWORD, address="192.0.2.10")
    for n in range(12):
        attempt(proxied_app.test_client(), WRONG, address=f"198.51.100.{n}")
    with sqlite3.connect(data_dir / "coordination.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    db.close()
    assert EMAIL not in dump and "198.51.100" not in dump and "192.0.2.10" not in dump
    assert owner.get_cookie(DEVICE_COOKIE, path="/coordination").value not in dump


# ------------------------------------------------------------- finding 5: weak passwords


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")


WEAK = ["password1234", "azertyuiop12", "aaaaaaaaaaaa", "motdepasse123", "123456789012",
        "azerty123456", "soleil2024!!", "doudou123456", "Marseille2025", "chouchou1234",
        "qsdfghjklm12", "wxcvbn123456"]


def test_coordinator_add_refuses_password1234(cli, data_dir):
    result = cli("coordinator", "add", "a@exemple.fr", "--password-stdin",
                 input="password1234\n")
    assert result.exit_code != 0
    assert "trop courant" in _plain(result.stderr)
    assert not accounts_in(data_dir) if data_dir.exists() else True


@pytest.mark.parametrize("password", WEAK)
def test_common_english_and_french_passwords_are_refused(cli, data_dir, password):
    result = cli("coordinator", "add", "a@exemple.fr", "--password-stdin",
                 input=password + "\n")
    assert result.exit_code != 0, password
    assert "Mot de passe refusé" in _plain(result.stderr)
    assert "a@exemple.fr" not in (accounts_in(data_dir) if data_dir.exists() else {})


def test_a_password_made_of_the_account_address_is_refused(cli, data_dir):
    result = cli("coordinator", "add", "claire.martin@exemple.fr", "--password-stdin",
                 input="claire.martin2026\n")
    assert result.exit_code != 0
    assert "Mot de passe refusé" in _plain(result.stderr)


def test_coordinator_password_applies_the_same_rule(cli, data_dir):
    assert cli("coordinator", "add", "a@exemple.fr", "--password-stdin",
               input="une longue phrase secrète\n").exit_code == 0
    before = accounts_in(data_dir)["a@exemple.fr"]["password_hash"]
    result = cli("coordinator", "password", "a@exemple.fr", "--password-stdin",
                 input="azertyuiop12\n")
    assert result.exit_code != 0 and "Mot de passe refusé" in _plain(result.stderr)
    assert accounts_in(data_dir)["a@exemple.fr"]["password_hash"] == before


@pytest.mark.parametrize("password", ["une phrase de passe assez longue",
                                      "un mot de passe assez long", "un-mot-de-passe-solide",
                                      "Le chat de Lucie dort au soleil", "k7#Rq!2vXp9@Lm"])
def test_passphrases_and_random_passwords_are_accepted(password):
    from forms_service.coordination.password_policy import password_problem

    assert password_problem(password, "a@exemple.fr") is None


def test_the_rule_needs_no_network_and_answers_fast():
    """The lists ship with the package: the check is a look-up, not a request."""
    import socket
    import time

    from forms_service.coordination.password_policy import password_problem

    real = socket.socket

    def no_network(*args, **kwargs):
        raise AssertionError("requête réseau pendant la vérification")

    socket.socket = no_network
    try:
        started = time.perf_counter()
        assert password_problem("azertyuiop12", "a@exemple.fr")
        assert password_problem("x" * 1024, "a@exemple.fr")
        assert password_problem("correct horse battery staple " * 30, "a@exemple.fr") is None
        assert time.perf_counter() - started < 2
    finally:
        socket.socket = real


# --------------------------------------------------------- finding 9: the accounts' audit


def test_account_commands_are_audited_with_identifiers_only(cli, data_dir):
    from forms_service.records.repository import Repository

    cli("coordinator", "add", "a@exemple.fr", "--password-stdin",
        input="une longue phrase secrète\n")
    account_id = accounts_in(data_dir)["a@exemple.fr"]["id"]
    cli("coordinator", "password", "a@exemple.fr", "--password-stdin",
        input="une autre phrase secrète\n")
    cli("coordinator", "remove", "a@exemple.fr")
    with Repository(data_dir).store as store:
        entries = store.table("audit").all()
    assert [(e["coordinator"], e["action"], e["record"]) for e in entries] == [
        (None, "compte_cree", account_id), (None, "mot_de_passe_change", account_id),
        (None, "compte_supprime", account_id)]
    assert "a@exemple.fr" not in str(entries)


def test_the_audit_page_names_the_account_events_in_french(proxied_app, clock):
    client = proxied_app.test_client()
    add_coordinator(proxied_app)
    for n in range(11):
        attempt(client, WRONG, address=f"198.51.100.{n}")
    clock.advance(3600)
    assert attempt(client, PASSWORD).status_code == 302
    html = client.get("/coordination/journal/").get_data(as_text=True)
    assert "échec de connexion" in html and "connexion bloquée" in html
