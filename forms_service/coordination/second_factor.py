"""The « Sécurité » page: a coordinator turns the second factor (TOTP) on or off.

Turning it on takes three posts: « commencer » draws a secret and keeps it in
the (server-side) session only; the page then shows it once as a QR code
(inline SVG made here) and as text; « confirmer » with a first code stores it
on the account and shows ten recovery codes, once, kept only as hashes.
Turning it off (refused under ``MENTORAT_MFA=required``) and new recovery
codes both take a current code. With ``MENTORAT_MFA=required``, a coordinator
without the second factor is sent here and can do nothing else
(``auth.setup_first``). Every change is audited.
"""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ..i18n import _
from ..services import get_repo, get_settings
from .auth import current_coordinator, login_required
from .blueprint import bp, flash_fr
from .devices import known_device
from .login import attempt_for, audit_failure, wait_text
from .mfa import (
    check_second_factor,
    code_step,
    grouped,
    hash_recovery_code,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    qr_svg,
)
from .sessions import login_throttle

__all__ = ["second_factor"]

SETUP_KEY = "totp_setup"


class StartForm(FlaskForm):
    """Only its CSRF token: starting the set-up changes the session."""


class CodeForm(FlaskForm):
    code = StringField(_("Code à six chiffres affiché par l'application"), [
        InputRequired(_("Saisissez le code.")),
        Length(max=64, message=_("Ce code est trop long."))],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none",
                   "spellcheck": "false"})


def _forms() -> dict:
    return {"commencer": StartForm(prefix="commencer"), "confirmer": CodeForm(prefix="confirmer"),
            "desactiver": CodeForm(prefix="desactiver"),
            "regenerer": CodeForm(prefix="regenerer")}


@bp.route("/securite/", methods=["GET", "POST"])
@login_required
def second_factor():
    """Show the second factor's state; start, confirm or turn it off; new recovery codes."""
    forms = _forms()
    if request.method == "GET":
        return _page(forms)
    action = request.form.get("action", "")
    if action not in forms:
        abort(400)
    if not forms[action].validate_on_submit():
        return _page(forms, status=400)
    return ACTIONS[action](current_coordinator(), forms)


def _start(coordinator: dict, forms: dict):
    if coordinator["mfa"]:
        return redirect(url_for("coordination.second_factor"))
    session[SETUP_KEY] = new_secret()
    return redirect(url_for("coordination.second_factor"))


def _confirm(coordinator: dict, forms: dict):
    secret = session.get(SETUP_KEY)
    if not secret or coordinator["mfa"]:
        flash_fr(_("Commencez par « Activer la double authentification »."), "error")
        return redirect(url_for("coordination.second_factor"))
    step = code_step(secret, forms["confirmer"].code.data, login_throttle().clock())
    if step is None:
        forms["confirmer"].code.errors.append(_wrong_code())
        return _page(forms, status=400)
    codes = new_recovery_codes()
    get_repo().accounts.enable_totp(coordinator["id"], secret,
                                    [hash_recovery_code(c) for c in codes], step)
    session.pop(SETUP_KEY, None)
    get_repo().audit(coordinator["id"], "mfa_active")
    g.pop("coordinator", None)
    return _page(_forms(), recovery_codes=codes)


def _turn_off(coordinator: dict, forms: dict):
    if get_settings().mfa_required:
        abort(403, _("La double authentification est obligatoire pour ce service : elle ne "
                     "peut pas être désactivée."))
    refusal = _code_refusal(coordinator, forms, "desactiver")
    if refusal is not None:
        return refusal
    get_repo().accounts.disable_totp(coordinator["id"])
    get_repo().audit(coordinator["id"], "mfa_desactive")
    flash_fr(_("La double authentification est désactivée : le mot de passe seul ouvre "
               "désormais votre compte."))
    return redirect(url_for("coordination.second_factor"))


def _new_recovery_codes(coordinator: dict, forms: dict):
    refusal = _code_refusal(coordinator, forms, "regenerer")
    if refusal is not None:
        return refusal
    codes = new_recovery_codes()
    get_repo().accounts.replace_recovery_codes(coordinator["id"],
                                               [hash_recovery_code(c) for c in codes])
    get_repo().audit(coordinator["id"], "codes_secours_renouveles")
    g.pop("coordinator", None)
    return _page(_forms(), recovery_codes=codes)


ACTIONS = {"commencer": _start, "confirmer": _confirm, "desactiver": _turn_off,
           "regenerer": _new_recovery_codes}


def _code_refusal(coordinator: dict, forms: dict, action: str):
    """Ask for the factor itself before changing it; None when the code is right.

    A left-open session is not enough, and guessing codes here is throttled and
    audited like at login: the same counts, the same 429 with Retry-After.
    """
    form = forms[action]
    record = get_repo().coordinator(coordinator["id"])
    attempt = attempt_for(record["email"], record, known_device(record["id"]))
    throttle = login_throttle()
    admission = throttle.admit(attempt.email, attempt.client, attempt.device)
    if not admission:
        form.code.errors.append(_("Trop de codes incorrects : patientez %(wait)s, puis "
                                  "réessayez.") % {"wait": wait_text(admission.retry_after)})
        response = make_response(*_page(forms, status=429))
        response.headers["Retry-After"] = str(admission.retry_after)
        return response
    if check_second_factor(get_repo().accounts, record, form.code.data,
                           throttle.clock()) is None:
        audit_failure(attempt, admission, "code_echec")
        form.code.errors.append(_wrong_code())
        return _page(forms, status=400)
    throttle.forgive(attempt.email, attempt.client, attempt.device)
    return None


def _wrong_code() -> str:
    return _("Code incorrect : saisissez les six chiffres que l'application affiche "
             "maintenant (ils changent toutes les 30 secondes).")


def _page(forms: dict, *, status: int = 200, recovery_codes: list[str] | None = None):
    coordinator = current_coordinator()
    record = get_repo().coordinator(coordinator["id"]) or {}
    secret = session.get(SETUP_KEY) if not coordinator["mfa"] else None
    setup = None
    if secret:
        setup = {"qr": qr_svg(provisioning_uri(secret, coordinator["email"])),
                 "secret": grouped(secret)}
    return render_template(
        "coordination/second_factor.html", forms=forms, coordinator=coordinator,
        enabled_at=record.get("totp_enabled_at"), setup=setup,
        codes_left=len(record.get("recovery_codes") or []), recovery_codes=recovery_codes,
        required=get_settings().mfa_required), status
