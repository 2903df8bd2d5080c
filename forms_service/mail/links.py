"""Personal signed links: what each stands for, when it was issued, when it expires.

A link is a credential in a URL, so it carries as little as possible (ids
and a reference, never a name or an address in clear), its issue time is
signed with it, and it stops working:

* *Mon inscription* (``?lien=`` on ``/formulaires/mon-inscription/``): after
  ``PERSONAL_DAYS`` days, or as soon as the enrollment is erased (a later
  record never has the same reference). "Retrouver mon inscription" issues
  a fresh one.
* the feedback link of a reminder: when its checkpoint closes (the next
  checkpoint's due date, or ``LAST_CHECKPOINT_DAYS`` after the last one) or
  the pair closes; checked against the pair in ``records.checkpoints``.
* the confirmation of a corrected address: after ``ADDRESS_DAYS`` days.

Pages opened by a link answer with ``Referrer-Policy: same-origin`` so the
token never leaves the site in a ``Referer`` header.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

__all__ = ["PERSONAL_DAYS", "ADDRESS_DAYS", "LAST_CHECKPOINT_DAYS", "personal_token",
           "read_personal_token", "personal_link", "address_link", "read_address_token",
           "Expired", "MAX_TOKEN", "pair_token", "read_pair_token", "pair_link",
           "FEEDBACK_SALT", "feedback_token", "read_feedback_token", "feedback_link"]

PERSONAL_SALT = "mentorat-participant-2"
ADDRESS_SALT = "mentorat-adresse"
PERSONAL_DAYS = 90
ADDRESS_DAYS = 7
LAST_CHECKPOINT_DAYS = 60
DAY = 24 * 3600
MAX_TOKEN = 500  # longer than any link we issue: not worth verifying


class Expired(Exception):
    """The link was genuine but is too old."""


def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def _load(secret: str, salt: str, token: str | None, max_days: int):
    """Return the signed payload, ``None`` for a forged or mangled token; raise ``Expired``."""
    if not token or not isinstance(token, str) or len(token) > MAX_TOKEN:
        return None
    try:
        return _serializer(secret, salt).loads(token, max_age=max_days * DAY)
    except SignatureExpired:
        raise Expired() from None
    except (BadSignature, UnicodeError, ValueError):
        return None


def personal_token(secret: str, record: dict) -> str:
    """Sign the enrollment's id and reference, with the time of issue."""
    return _serializer(secret, PERSONAL_SALT).dumps({"id": record["id"],
                                                     "ref": record["reference"]})


def read_personal_token(secret: str, token: str | None) -> tuple[int, str] | None:
    """Return (enrollment id, reference) of a valid link, ``None``; ``Expired`` when too old."""
    data = _load(secret, PERSONAL_SALT, token, PERSONAL_DAYS)
    if not isinstance(data, dict) or type(data.get("id")) is not int or \
            not isinstance(data.get("ref"), str):
        return None
    return data["id"], data["ref"]


def personal_link(base_url: str, secret: str, record: dict) -> str:
    """The absolute address of the participant's page."""
    return f"{base_url}/formulaires/mon-inscription/?lien={personal_token(secret, record)}"


def address_link(base_url: str, secret: str, record: dict, new_email: str) -> str:
    """The link that confirms a corrected address, sent to that address.

    It names the record's address version (``address_version``): confirming
    any change moves the version on, so every earlier address link of that
    record stops working and cannot roll the address back.
    """
    token = _serializer(secret, ADDRESS_SALT).dumps(
        {"id": record["id"], "ref": record["reference"], "email": new_email,
         "av": record.get("address_version", 0)})
    return f"{base_url}/formulaires/mon-inscription/adresse/?lien={token}"


def read_address_token(secret: str, token: str | None) -> tuple[int, str, str, int] | None:
    """Return (enrollment id, reference, new address, address version); ``Expired`` when old.

    Links of the earlier format, without a version, are void.
    """
    data = _load(secret, ADDRESS_SALT, token, ADDRESS_DAYS)
    if not isinstance(data, dict) or type(data.get("id")) is not int or not all(
            isinstance(data.get(k), str) for k in ("ref", "email")) \
            or type(data.get("av")) is not int:
        return None
    return data["id"], data["ref"], data["email"], data["av"]


PAIR_SALT = "mentorat-binome"
# A pair's own links (meeting log, decline) are checked against the pair itself
# (active, within its decline window); this bound only keeps old tokens out.
PAIR_DAYS = 400


def pair_token(secret: str, pair_id: int, person_id: int, purpose: str) -> str:
    """Sign a pair member's link for one purpose (``rencontre``, ``refus``), with its issue time."""
    return _serializer(secret, PAIR_SALT).dumps({"pair": pair_id, "person": person_id,
                                                 "for": purpose})


def read_pair_token(secret: str, token: str | None, purpose: str) -> tuple[int, int] | None:
    """Return (pair id, person id) of a valid link for ``purpose``; ``Expired`` when too old."""
    data = _load(secret, PAIR_SALT, token, PAIR_DAYS)
    if not isinstance(data, dict) or data.get("for") != purpose or not all(
            type(data.get(k)) is int for k in ("pair", "person")):
        return None
    return data["pair"], data["person"]


def pair_link(base_url: str, secret: str, pair_id: int, person_id: int, purpose: str) -> str:
    # The purpose names the page too: /formulaires/rencontre/, /formulaires/refus/.
    token = pair_token(secret, pair_id, person_id, purpose)
    return f"{base_url}/formulaires/{purpose}/?lien={token}"


# A checkpoint's feedback link (``/formulaires/retour/?lien=…``): its salt and format
# are those of the links already mailed, which must keep working.
FEEDBACK_SALT = "mentorat-lien"


def _feedback_serializer(secret: str) -> URLSafeSerializer:
    # Untimed: a checkpoint's link closes with the checkpoint (``records.checkpoints``).
    return URLSafeSerializer(secret, salt=FEEDBACK_SALT)


def feedback_token(secret: str, pair_id: int, month: int, person_id: int) -> str:
    """Sign what a personal link stands for: pair, checkpoint month, person."""
    payload = {"pair": pair_id, "month": month, "person": person_id}
    return _feedback_serializer(secret).dumps(payload)


def read_feedback_token(secret: str, token: str | None) -> dict | None:
    """Return ``{"pair", "month", "person"}`` from a valid token, else ``None``."""
    if not token:
        return None
    try:
        data = _feedback_serializer(secret).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int)
                                             for k in ("pair", "month", "person")):
        return None
    return {"pair": data["pair"], "month": data["month"], "person": data["person"]}


def feedback_link(base_url: str, secret: str, pair_id: int, month: int, person_id: int) -> str:
    token = feedback_token(secret, pair_id, month, person_id)
    return f"{base_url}/formulaires/retour/?lien={token}"
