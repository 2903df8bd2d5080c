"""Known devices: the browser a coordinator logged in from before (OWASP's device cookie).

After a complete login the browser gets a long-lived cookie, signed with the
service's secret key, holding the account's id and a random id for this
device. At the next login to *that* account, a valid cookie takes the attempt
out of the account's throttle (an attacker's failures from everywhere else)
and counts it on the device's own (``sessions.LoginThrottle``): the owner
gets in during an attack, and a stolen laptop still cannot guess for ever.

The cookie proves nothing else: it is no session and opens no page.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

from ..services import get_settings

__all__ = ["COOKIE_NAME", "LIFETIME", "known_device", "remember_device"]

COOKIE_NAME = "mentorat_appareil"
# Long enough that a coordinator who logs in every few months stays known.
LIFETIME = 180 * 86400
_SALT = "mentorat.coordination.appareil"
# A real cookie is about 100 characters; anything much longer is not ours.
_LONGEST = 512


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def known_device(coordinator_id: int | None) -> str | None:
    """Return this browser's device id if it logged in to that account before, else None."""
    raw = request.cookies.get(COOKIE_NAME, "")
    if coordinator_id is None or not raw or len(raw) > _LONGEST:
        return None
    try:
        owner, device = _serializer().loads(raw, max_age=LIFETIME)
    except (BadData, TypeError, ValueError):
        return None
    if owner != coordinator_id or not isinstance(device, str):
        return None
    return device


def remember_device(response, coordinator_id: int) -> None:
    """Give the browser a new device cookie for that account (after a complete login)."""
    value = _serializer().dumps([coordinator_id, secrets.token_urlsafe(18)])
    response.set_cookie(COOKIE_NAME, value, max_age=LIFETIME, path="/coordination",
                        secure=get_settings().secure, httponly=True, samesite="Strict")
