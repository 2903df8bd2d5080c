"""Logging in and out of the area: the password, then the second factor's code when it is on.

Step one checks the password. With TOTP on, the session then holds only a
pending login (``login_pending``: which account, since when, the known
device), never a logged-in coordinator, and step two (``/connexion/code/``)
asks for a code of the authenticator app or a recovery code, within
``PENDING_SECONDS``.

Both steps go through the throttle (``sessions.LoginThrottle``): an attempt
that must wait is answered at once with 429 and ``Retry-After``. A browser
that logged in before carries a device cookie (``devices``) and is counted on
its own. Failures, lockouts and logins are audited with identifiers only:
never the typed address, password or code, nor the client's address.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass

from flask import g, make_response, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..i18n import _, ngettext
from ..services import get_limiter, get_repo
from .auth import (
    auth_stamp,
    current_coordinator,
    hash_password,
    is_safe_next,
    password_hasher,
    verify_password,
)
from .blueprint import bp, flash_fr
from .devices import known_device, remember_device
from .mfa import check_second_factor
from .sessions import Admission, login_throttle

__all__ = ["login", "login_code", "logout", "audit_failure", "wait_text", "Attempt",
           "attempt_for", "PENDING_SECONDS"]

# Time to take the phone out and type the code; then the password again.
PENDING_SECONDS = 5 * 60
UNKNOWN_ACCOUNT = "compte_inconnu"
# From this few recovery codes left on, the coordinator is told to make new ones.
RECOVERY_CODES_LOW = 3


class LoginForm(FlaskForm):
    email = EmailField(_("Adresse électronique"), [InputRequired(_("Saisissez votre adresse."))],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_("Mot de passe"), [
        InputRequired(_("Saisissez votre mot de passe.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"})


class CodeForm(FlaskForm):
    code = StringField(_("Code"), [
        InputRequired(_("Saisissez le code.")),
        Length(max=64, message=_("Ce code est trop long."))],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none",
                   "spellcheck": "false"})


@dataclass(frozen=True)
class Attempt:
    """Who a login attempt is for and where it comes from (never shown nor logged)."""

    email: str
    client: str
    device: str | None
    record: dict | None


def attempt_for(email: str, record: dict | None, device: str | None) -> Attempt:
    return Attempt(email, get_limiter().client_address(), device, record)


@bp.route("/connexion/", methods=["GET", "POST"])
def login():
    """Show the login form; check the password, then open the area or ask for the code."""
    form = LoginForm()
    next_url = request.args.get("next")
    if current_coordinator() is not None and request.method == "GET":
        return redirect(_after_login(next_url))
    if not form.validate_on_submit():
        return _page("coordination/login.html", form, 400 if request.method == "POST" else 200)
    record = get_repo().coordinator_by_email(form.email.data)
    attempt = attempt_for(form.email.data, record, known_device(record and record["id"]))
    admission = login_throttle().admit(attempt.email, attempt.client, attempt.device)
    if not admission:
        return _too_many("coordination/login.html", form, admission)
    if not verify_password(record and record.get("password_hash"), form.password.data):
        audit_failure(attempt, admission, "connexion_echec")
        form.form_errors.append(_("Adresse ou mot de passe incorrect."))
        return _page("coordination/login.html", form, 401)
    record = _rehashed(record, form.password.data)
    if record.get("totp_secret"):
        # A right password is no failure, but earlier failures stay counted until the
        # code is right too: knowing the password buys no fresh guesses at the code.
        login_throttle().forgive(attempt.email, attempt.client, attempt.device)
        return _ask_for_code(record, attempt, next_url)
    return _logged_in(record, attempt, next_url)


@bp.route("/connexion/code/", methods=["GET", "POST"])
def login_code():
    """Step two: a code of the authenticator app, or a recovery code."""
    pending, record = _pending_login()
    if record is None:
        return redirect(url_for("coordination.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _page("coordination/login_code.html", form,
                     400 if request.method == "POST" else 200)
    attempt = attempt_for(record["email"], record, pending.get("device"))
    throttle = login_throttle()
    admission = throttle.admit(attempt.email, attempt.client, attempt.device)
    if not admission:
        return _too_many("coordination/login_code.html", form, admission)
    used = check_second_factor(get_repo().accounts, record, form.code.data, throttle.clock())
    if used is None:
        audit_failure(attempt, admission, "code_echec")
        form.form_errors.append(_("Code incorrect ou déjà utilisé : saisissez le code que votre "
                                  "application affiche maintenant, ou un code de secours."))
        return _page("coordination/login_code.html", form, 401)
    if used == "recovery":
        _recovery_code_used(record["id"])
    return _logged_in(record, attempt, pending.get("next"))


@bp.post("/deconnexion/")
def logout():
    """End the session on the server, then go back to the login page."""
    coordinator = current_coordinator()
    if coordinator is not None:
        get_repo().audit(coordinator["id"], "deconnexion")
    session.destroy()
    flash_fr(_("Vous êtes déconnecté·e."))
    return redirect(url_for("coordination.login"))


# ----------------------------------------------------------------------------- answers


def _page(template: str, form, status: int):
    return render_template(template, form=form), status


def _too_many(template: str, form, admission: Admission):
    """429 at once, saying how long to wait: no worker is held asleep."""
    form.form_errors.append(_("Trop de tentatives de connexion : patientez %(wait)s, puis "
                              "réessayez.") % {"wait": wait_text(admission.retry_after)})
    response = make_response(render_template(template, form=form), 429)
    response.headers["Retry-After"] = str(admission.retry_after)
    return response


def wait_text(seconds: int) -> str:
    if seconds < 60:
        return ngettext("%(n)d seconde", "%(n)d secondes", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def _after_login(next_url: str | None) -> str:
    return next_url if is_safe_next(next_url) else url_for("coordination.index")


# ------------------------------------------------------------------------------- steps


def _rehashed(record: dict, password: str) -> dict:
    """Store a stronger hash when the parameters changed since this one was made."""
    if password_hasher.check_needs_rehash(record["password_hash"]):
        return get_repo().set_coordinator_password(record["id"], hash_password(password))
    return record


def _ask_for_code(record: dict, attempt: Attempt, next_url: str | None):
    # A new session id: what was seen before the password is worth nothing after it.
    session.regenerate()
    session["login_pending"] = {
        "id": record["id"], "stamp": auth_stamp(record), "since": login_throttle().clock(),
        "device": attempt.device, "next": next_url if is_safe_next(next_url) else None}
    return redirect(url_for("coordination.login_code"))


def _pending_login() -> tuple[dict, dict | None]:
    """The pending login and its account, or (…, None) when there is none any more."""
    pending = session.get("login_pending")
    if not isinstance(pending, dict) or not isinstance(pending.get("id"), int):
        return {}, None
    record = get_repo().coordinator(pending.get("id"))
    expired = login_throttle().clock() - pending.get("since", 0) > PENDING_SECONDS
    if expired or record is None or not record.get("totp_secret") or \
            not hmac.compare_digest(auth_stamp(record), pending.get("stamp", "")):
        session.pop("login_pending", None)
        if expired:
            flash_fr(_("Le délai pour saisir le code est dépassé : saisissez à nouveau votre "
                       "mot de passe."), "error")
        return pending, None
    return pending, record


def _logged_in(record: dict, attempt: Attempt, next_url: str | None):
    """Every factor was right: forget the failures, open the session, remember the device."""
    login_throttle().clear(attempt.email, attempt.client, attempt.device)
    # A new random id at login: a session id seen before login is worth nothing after.
    session.regenerate()
    session["coordinator_id"] = record["id"]
    session["stamp"] = auth_stamp(record)
    g.pop("coordinator", None)
    get_repo().audit(record["id"], "connexion")
    response = redirect(_after_login(next_url))
    remember_device(response, record["id"])
    return response


# ------------------------------------------------------------------------------- audit


def audit_failure(attempt: Attempt, admission: Admission, action: str) -> None:
    """A failure, and the lockout it starts: the account's id, or « compte_inconnu »."""
    repo = get_repo()
    who = attempt.record["id"] if attempt.record else None
    about = None if who else UNKNOWN_ACCOUNT
    repo.audit(who, action, about)
    if admission.locks_if_failed:
        repo.audit(who, "verrouillage_appareil" if attempt.device else "verrouillage", about)


def _recovery_code_used(coordinator_id: int) -> None:
    get_repo().audit(coordinator_id, "code_secours_utilise")
    left = len(get_repo().coordinator(coordinator_id).get("recovery_codes") or [])
    message = ngettext("Code de secours accepté : il vous en reste %(n)d.",
                       "Code de secours accepté : il vous en reste %(n)d.", left) % {"n": left}
    if left <= RECOVERY_CODES_LOW:
        message += " " + _("Générez-en de nouveaux sur la page « Sécurité ».")
    flash_fr(message, "error" if left <= RECOVERY_CODES_LOW else "success")
