"""Who may enter the coordinators' area: login, logout, ``login_required``.

Other modules of the area protect their views with::

    from .auth import login_required, current_coordinator

    @bp.get("/appariement/")
    @login_required
    def pairs(): ...

``current_coordinator()`` returns the logged-in coordinator's record
(``{"id", "email", …}``, never the password hash) or ``None``. Every URL under
``/coordination/`` is also guarded before any view runs (see
``coordination.init_app``), so a forgotten decorator still fails closed.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import (
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from ..i18n import _
from ..services import get_limiter, get_repo
from .blueprint import bp, flash_fr

__all__ = ["login_required", "current_coordinator", "hash_password", "verify_password",
           "password_hasher", "MIN_PASSWORD_LENGTH", "is_safe_next"]

MIN_PASSWORD_LENGTH = 12
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
    return {k: v for k, v in record.items() if k != "password_hash"}


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


class LoginForm(FlaskForm):
    email = EmailField(_("Adresse électronique"), [InputRequired(_("Saisissez votre adresse."))],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_("Mot de passe"), [
        InputRequired(_("Saisissez votre mot de passe.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"})


@bp.route("/connexion/", methods=["GET", "POST"])
def login():
    """Show the login form; on success start a new session."""
    form = LoginForm()
    next_url = request.args.get("next")
    if current_coordinator() is not None and request.method == "GET":
        return redirect(next_url if is_safe_next(next_url) else url_for("coordination.index"))
    status = 200
    if form.validate_on_submit():
        coordinator = _authenticate(form.email.data, form.password.data)
        if coordinator is not None:
            _start_session(coordinator)
            return redirect(next_url if is_safe_next(next_url) else url_for("coordination.index"))
        form.form_errors.append(_("Adresse ou mot de passe incorrect."))
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("coordination/login.html", form=form), status


def _authenticate(email: str, password: str) -> dict | None:
    """Check the password, counting failures; raise 429 once the limit is reached."""
    from .sessions import login_throttle

    throttle = login_throttle()
    client = get_limiter().client_address()
    if not throttle.attempt(email, client):
        abort(429, _("Trop de tentatives de connexion : patientez quinze minutes, "
                     "puis réessayez."))
    repo = _repo()
    record = repo.coordinator_by_email(email)
    if not verify_password(record and record.get("password_hash"), password):
        return None
    throttle.clear(email, client)
    if password_hasher.check_needs_rehash(record["password_hash"]):
        record = repo.set_coordinator_password(record["id"], hash_password(password))
    return record


def _start_session(coordinator: dict) -> None:
    # A new random id at login: a session id seen before login is worth nothing after.
    session.regenerate()
    session["coordinator_id"] = coordinator["id"]
    session["stamp"] = auth_stamp(coordinator)
    g.pop("coordinator", None)
    _repo().audit(coordinator["id"], "connexion")


@bp.post("/deconnexion/")
def logout():
    """End the session on the server, then go back to the login page."""
    coordinator = current_coordinator()
    if coordinator is not None:
        _repo().audit(coordinator["id"], "deconnexion")
    session.destroy()
    flash_fr(_("Vous êtes déconnecté·e."))
    return redirect(url_for("coordination.login"))
