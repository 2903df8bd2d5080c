"""The second factor's rules: TOTP codes (RFC 6238, pyotp), recovery codes, the QR code.

No views here (``second_factor`` has the set-up page, ``login`` the code
step). A coordinator's record holds ``totp_secret`` (base32, 160 bits),
``totp_last_step`` (the time step of the last code accepted: a code is
accepted once, and never one older) and ``recovery_codes`` (Argon2id hashes,
each removed when used). ``current_coordinator()`` never carries them.
"""

from __future__ import annotations

import hmac
import re
import secrets

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError
from markupsafe import Markup, escape

from ..i18n import _
from .auth import SECRET_FIELDS, password_hasher

__all__ = ["SECRET_FIELDS", "RECOVERY_CODES", "new_secret", "provisioning_uri", "qr_svg",
           "grouped", "code_step", "new_recovery_codes", "hash_recovery_code",
           "check_second_factor"]

ISSUER = "Mentorat"
STEP_SECONDS = 30
# One step either side: a phone's clock a little off, or a code typed as it changed.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
# No 0/o, 1/l/i: read on paper, typed by hand. 12 of 31 signs: about 59 bits.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_SHAPE = re.compile(r"[a-z0-9]{12}")
_TOTP_SHAPE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG, made here: no request elsewhere, no inline style.

    Dark on a white quiet zone whatever the page's colours, so a camera reads it
    in the dark theme too.
    """
    import segno  # loaded only on the set-up page

    label = escape(_("Code QR à scanner avec votre application d'authentification"))
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="mentorat-qr", lineclass=None,
        title=str(label))
    # segno's own markup, and our label escaped above.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704


def grouped(secret: str) -> str:
    """The secret in blocks of four, easier to copy by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _compact(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def code_step(secret: str, code: str, now: float) -> int | None:
    """Return the time step whose code this is (within the drift), or None."""
    code = _compact(code)
    if not _TOTP_SHAPE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten one-time codes, ``abcd-efgh-jkmn``, shown once then kept only as hashes."""
    codes = []
    for _number in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _sign in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def hash_recovery_code(code: str) -> str:
    return password_hasher.hash(_compact(code))


def _matching_recovery_hash(hashes: list[str], code: str) -> str | None:
    compact = _compact(code)
    if not _RECOVERY_SHAPE.fullmatch(compact):
        return None
    for stored in hashes:
        try:
            if password_hasher.verify(stored, compact):
                return stored
        except (VerificationError, InvalidHashError):
            continue
    return None


def check_second_factor(accounts, record: dict, code: str, now: float) -> str | None:
    """Accept a current TOTP code or an unused recovery code, once; say which, or None.

    ``accounts`` is the repository's ``AccountRecords``: the code is spent in
    the same locked write that checks it was not spent before.
    """
    secret = record.get("totp_secret")
    if not secret or len(code or "") > 64:
        return None
    step = code_step(secret, code, now)
    if step is not None:
        return "totp" if accounts.claim_totp_step(record["id"], step) else None
    found = _matching_recovery_hash(record.get("recovery_codes") or [], code)
    if found is not None and accounts.claim_recovery_code(record["id"], found):
        return "recovery"
    return None
