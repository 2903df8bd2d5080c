"""The service under test: the project's root, the tests' secret and default
settings, the application's repository, and the few constants every kind of
test needs."""

from __future__ import annotations

from pathlib import Path

from forms_service.services import services

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k" * 48
JSON = {"Accept": "application/json"}


def app_settings(data_dir: Path, site_dir: Path, **overrides) -> dict:
    """The configuration of an application under test: no time-trap, no rate
    limit, no SMTP, a fixed secret; keyword settings override any of them."""
    return {"TESTING": True, "data_dir": data_dir, "site_dir": site_dir, "secret_key": SECRET,
            "min_fill_seconds": 0, "rate_limit": "off", "smtp_host": "", **overrides}


def repo(app):
    """The application's repository (opened on first use)."""
    return services(app).repo()


def close_repository(app) -> None:
    """Close the application's repository if a request or a test opened it."""
    found = app.extensions["mentorat"]._repo
    if found is not None:
        found.close()


def plain_spaces(text: str) -> str:
    """Text with French no-break spaces (before « : », inside « ») as ordinary ones.

    Messages come out in French typography (i18n.gettext); a test compares them
    with what a person types.
    """
    return text.replace("\u00a0", " ").replace("\u202f", " ")
