"""Read the service's settings from ``MENTORAT_*`` environment variables.

Every setting has a default that works on a laptop. The secret key is never
written in code: when ``MENTORAT_SECRET_KEY`` is unset, a strong key is
generated once and kept in the data directory, readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .dates import DEFAULT_TIMEZONE, zone_named
from .i18n import _

__all__ = ["Settings", "ConfigError", "load_secret_key"]

ROOT = Path(__file__).resolve().parent.parent
WEAK_SECRETS = {"dev", "changeme", "secret", "password", "motdepasse", "test"}
MIN_SECRET_LENGTH = 32


class ConfigError(Exception):
    """A setting is missing or unsafe; the message says how to fix it."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "oui", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(_("%(name)s doit être un nombre entier (reçu : %(value)r).")
                          % {"name": name, "value": raw}) from None


def _timezone(env: dict) -> str:
    name = (env.get("MENTORAT_TIMEZONE") or DEFAULT_TIMEZONE).strip()
    try:
        zone_named(name)
    except ValueError:
        raise ConfigError(_("MENTORAT_TIMEZONE : fuseau horaire inconnu « %(value)s » (attendu : "
                            "un nom comme Europe/Paris, America/Montreal ou Indian/Reunion).")
                          % {"value": name}) from None
    return name


MFA_CHOICES = ("optional", "required")


def _mfa(env: dict) -> str:
    value = (env.get("MENTORAT_MFA") or "optional").strip().lower()
    if value not in MFA_CHOICES:
        raise ConfigError(_("MENTORAT_MFA : valeur inconnue « %(value)s » (attendu : required "
                            "pour rendre la double authentification obligatoire, ou optional).")
                          % {"value": value})
    return value


@dataclass(frozen=True)
class Settings:
    """The service's settings; see the README for each one."""

    port: int = 8000
    data_dir: Path = ROOT / "data"
    workers: int = 2
    base_url: str = "http://127.0.0.1:8000"
    # Whether MENTORAT_BASE_URL was given: then it alone is the site's origin (no Host trusted).
    base_url_set: bool = False
    programme: Path = ROOT / "programme.yml"
    site_dir: Path = ROOT / "site"
    secret_key: str | None = field(default=None, repr=False)
    debug: bool = False
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    mail_from: str = ""
    rate_limit: str = "5/minute;30/hour"
    # A person needs a few seconds to fill a form; a bot posts at once.
    min_fill_seconds: int = 3
    # Bounds what one request can make the service read into memory.
    max_content_length: int = 64 * 1024
    # Only these proxy hops may tell us the client's address.
    trusted_proxies: int = 0
    session_idle_minutes: int = 30
    # Origin of `make preview` (mkdocs serve), whose pages post to this service.
    preview_origin: str = ""
    # Where people live: every date shown to them (pages, e-mails, exports) is in this zone.
    timezone: str = DEFAULT_TIMEZONE
    # "required": every coordinator must set a second factor (TOTP) up at their next login.
    mfa: str = "optional"

    @property
    def mfa_required(self) -> bool:
        return self.mfa == "required"

    @property
    def mail_domain(self) -> str:
        """The host of the public address: the domain of Message-IDs."""
        return (urlsplit(self.base_url).hostname or "localhost").lower()

    @property
    def secure(self) -> bool:
        """Whether the public address is HTTPS (URL schemes are case-insensitive)."""
        return urlsplit(self.base_url).scheme.lower() == "https"

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        """Read ``MENTORAT_*``; an unset or empty variable keeps the field's default (above)."""
        env = dict(os.environ if env is None else env)
        default = cls()  # the defaults are written once: in the field declarations

        def text(name: str, fallback):
            return env.get(f"MENTORAT_{name}") or fallback

        def number(name: str) -> int:
            return _int(env, f"MENTORAT_{name}", getattr(default, name.lower()))

        port = number("PORT")
        return cls(
            port=port,
            data_dir=Path(text("DATA_DIR", default.data_dir)).resolve(),
            workers=number("WORKERS"),
            base_url=text("BASE_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            base_url_set=bool(env.get("MENTORAT_BASE_URL", "").strip()),
            programme=Path(text("PROGRAMME", default.programme)),
            site_dir=Path(text("SITE_DIR", default.site_dir)),
            secret_key=text("SECRET_KEY", default.secret_key),
            debug=_flag(env.get("MENTORAT_DEBUG")),
            smtp_host=text("SMTP_HOST", default.smtp_host),
            smtp_port=number("SMTP_PORT"),
            smtp_user=text("SMTP_USER", default.smtp_user),
            smtp_password=text("SMTP_PASSWORD", default.smtp_password),
            smtp_starttls=_flag(env.get("MENTORAT_SMTP_STARTTLS")),
            mail_from=text("MAIL_FROM", default.mail_from),
            rate_limit=text("RATE_LIMIT", default.rate_limit),
            min_fill_seconds=number("MIN_FILL_SECONDS"),
            max_content_length=number("MAX_CONTENT_LENGTH"),
            trusted_proxies=number("TRUSTED_PROXIES"),
            session_idle_minutes=number("SESSION_IDLE_MINUTES"),
            preview_origin=text("PREVIEW_ORIGIN", default.preview_origin).rstrip("/"),
            timezone=_timezone(env),
            mfa=_mfa(env),
        )


def _is_weak(key: str) -> bool:
    return key.strip().lower() in WEAK_SECRETS or len(key) < MIN_SECRET_LENGTH


def load_secret_key(settings: Settings) -> str:
    """Return the secret key: from the settings, else the data directory's.

    A weak configured key stops the service unless debug is on. The kept key
    is created with ``O_EXCL`` so workers starting together agree on one.
    """
    if settings.secret_key:
        if _is_weak(settings.secret_key) and not settings.debug:
            raise ConfigError(_(
                "MENTORAT_SECRET_KEY est trop faible (valeur connue ou moins de 32 caractères). "
                "Choisissez une valeur aléatoire, par exemple : "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))', "
                "ou retirez la variable pour qu'une clé soit créée dans le répertoire de données."
            ))
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_kept_key(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
        handle.flush()
        os.fsync(handle.fileno())
    return _read_kept_key(path)


def _read_kept_key(path: Path) -> str:
    # Another worker may have created the file an instant ago: wait for its content.
    for _attempt in range(50):
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        time.sleep(0.02)
    raise ConfigError(_("Le fichier %(path)s est vide : supprimez-le pour qu'une clé soit créée.")
                      % {"path": path})
