"""Who may enter the coordinators' area: password hashes, ``login_required``, the guard's rules.

Other modules of the area protect their views with::

    from .auth import login_required, current_coordinator

    @bp.get("/appariement/")
    @login_required
    def pairs(): ...

``current_coordinator()`` returns the logged-in coordinator's record
(``{"id", "email", …}``, never the password hash) or ``None``. Every URL under
``/coordination/`` is also guarded before any view runs (see
``coordination.init_app``), so a forgotten decorator still fails closed.
The login pages themselves (password, then the code of the second factor)
are in ``login``; the second factor's set-up in ``second_factor``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import abort, g, redirect, request, session, url_for

from ..i18n import _
from ..services import get_repo, get_settings
from .blueprint import flash_fr
from .password_policy import MIN_PASSWORD_LENGTH

__all__ = ["login_required", "current_coordinator", "hash_password", "verify_password",
           "password_hasher", "MIN_PASSWORD_LENGTH", "SECRET_FIELDS", "is_safe_next",
           "auth_stamp", "deny_anonymous", "second_factor_missing", "setup_first"]

# Fields of a coordinator record no page, session or log ever shows.
SECRET_FIELDS = frozenset({"password_hash", "totp_secret", "recovery_codes"})
# OWASP's Argon2id parameters: 19 MiB of memory, 2 passes, 1 lane.
password_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when the e-mail is unknown, so both answers take as long.
_DUMMY_HASH = password_hasher.hash("mentorat-compte-inexistant")


def hash_password(password: str) -> str:
    """Return the Argon2id hash of a password (``$argon2id$v=19$m=19456,t=2,p=1$…``)."""
    return password_hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Tell whether the password matches; an unknown account costs the same time."""
    try:
        return password_hasher.verify(stored_hash or _DUMMY_HASH, password) and bool(stored_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def auth_stamp(coordinator: dict) -> str:
    """A short digest of the password hash: a password change ends older sessions."""
    return hashlib.sha256(coordinator.get("password_hash", "").encode()).hexdigest()[:16]


def _repo():
    return get_repo()


def current_coordinator() -> dict | None:
    """Return the logged-in coordinator (without password hash), or ``None``."""
    if "coordinator" not in g:
        g.coordinator = _load_coordinator()
    return g.coordinator


def _load_coordinator() -> dict | None:
    coordinator_id = session.get("coordinator_id")
    if not isinstance(coordinator_id, int):
        return None
    record = _repo().coordinator(coordinator_id)
    if record is None or not hmac.compare_digest(auth_stamp(record), session.get("stamp", "")):
        return None
    visible = {k: v for k, v in record.items() if k not in SECRET_FIELDS}
    visible["mfa"] = bool(record.get("totp_secret"))
    return visible


def deny_anonymous():
    """The answer to a visitor without a session: to the login page, or 403 for a post."""
    if request.method in ("GET", "HEAD"):
        if getattr(session, "stale", False):
            flash_fr(_("Votre session a expiré : reconnectez-vous pour continuer."))
        return redirect(url_for("coordination.login", next=request.full_path.rstrip("?")))
    abort(403, _("Votre session a expiré ou vous n'êtes pas connecté·e : "
                 "reconnectez-vous, puis recommencez."))


def login_required(view):
    """Let the view run only for a logged-in coordinator."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_coordinator() is None:
            return deny_anonymous()
        return view(*args, **kwargs)

    return wrapped


def is_safe_next(target: str | None) -> bool:
    """Only paths of the area itself may follow a login (no open redirect)."""
    return bool(target) and target.startswith("/coordination/") and "//" not in target \
        and "\\" not in target and target.isprintable()


def second_factor_missing(coordinator: dict) -> bool:
    """``MENTORAT_MFA=required`` and this coordinator has not set the second factor up yet."""
    return get_settings().mfa_required and not coordinator.get("mfa")


def setup_first():
    """The answer to anything but the set-up while a required second factor is missing."""
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("coordination.second_factor"))
    abort(403, _("La double authentification est obligatoire : activez-la d'abord "
                 "(page « Double authentification »), puis recommencez."))
