"""Helpers for tests of the coordinators' area: accounts, login, CSRF tokens.

    from support.coordination import login, csrf_token

    def test_something(app, client):
        login(app, client)                      # creates the account, logs in
        token = csrf_token(client, "/coordination/inscriptions/")
        client.post("/coordination/…", data={"csrf_token": token, …})
"""

from __future__ import annotations

import re

from .service import repo

EMAIL = "coord@exemple.fr"
PASSWORD = "une phrase de passe assez longue"
_TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"')


def add_coordinator(app, email: str = EMAIL, password: str = PASSWORD) -> dict:
    """Create a coordinator account (Argon2id hash) and return its record."""
    from forms_service.coordination.auth import hash_password

    record, _created = repo(app).add_coordinator(email, hash_password(password))
    return record


def csrf_token(client, path: str = "/coordination/connexion/") -> str:
    """Return the CSRF token of the form(s) on the page at path."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"pas de jeton CSRF dans {path}"
    return match.group(1)


def login(app, client, email: str = EMAIL, password: str = PASSWORD, *, create: bool = True):
    """Log the client in (creating the account first unless create=False); return the response."""
    if create and repo(app).coordinator_by_email(email) is None:
        add_coordinator(app, email, password)
    token = csrf_token(client)
    response = client.post("/coordination/connexion/", data={
        "csrf_token": token, "email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("mentorat_coordination", path="/coordination")
    return cookie.value if cookie else None


COHORTS = "/coordination/inscriptions/ouverture/"


def close_enrollment(client, next_opening=""):
    return client.post(COHORTS, data={"action": "fermer", "fermer-next_opening": next_opening,
                                      "fermer-csrf_token": csrf_token(client, COHORTS)})


def accounts_in(data_dir) -> dict:
    """The coordinator accounts stored in a data directory, by address."""
    from forms_service.records.repository import Repository

    with Repository(data_dir).store as store:
        return {r["email"]: r for r in store.table("coordinators").all()}


class Clock:
    """A clock the test moves by hand (seconds since the epoch, like ``time.time``)."""

    def __init__(self, start: float = 1_900_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
