"""The personal link on the public feedback form: pre-fill it, tie its answers to the pair.

``web.public`` calls these when the feedback page or its endpoint carries
``?lien=`` (a token of ``mail.links.feedback_token``). A link works while its
pair is active and its checkpoint open (``records.checkpoints.checkpoint_closes``).
"""

from __future__ import annotations

from ..forms.definitions import FeedbackForm
from ..mail.links import read_feedback_token
from ..records import checkpoints
from ..services import get_programme, services
from ..vocabulary import PairState

__all__ = ["linked_feedback_form", "linked_answers"]


def _linked(app, token: str | None) -> tuple[dict, dict, dict] | None:
    """Return (link, pair, person) for a valid token of an active pair's open checkpoint."""
    link = read_feedback_token(app.secret_key, token)
    if link is None:
        return None
    repo = services(app).repo()
    pair = repo.pair(link["pair"])
    if pair is None or pair.get("status") != PairState.ACTIVE \
            or link["person"] not in (pair["mentor_id"], pair["mentee_id"]):
        return None
    closes = checkpoints.checkpoint_closes(pair, link["month"])
    if closes is None or checkpoints.today() >= closes:
        return None
    person = repo.enrollment(link["person"])
    return (link, pair, person) if person is not None else None


def _role(pair: dict, person_id: int) -> str:
    return "mentor" if pair["mentor_id"] == person_id else "mentore"


def linked_feedback_form(app, token: str | None):
    """Return the feedback form pre-filled from a personal link, or ``None`` if it is not valid."""
    found = _linked(app, token)
    if found is None:
        return None
    link, pair, person = found
    return FeedbackForm(programme=get_programme(app), data={
        "checkpoint": str(link["month"]), "role": _role(pair, person["id"]),
        "identity": "signe", "lien": token, "name": person.get("name", ""),
        "email": person.get("email", "")})


def linked_answers(app, answers: dict) -> tuple[dict, dict | None]:
    """Tie signed answers posted with a valid personal link to their pair and checkpoint.

    Returns the answers to store (with ``pair_id``, ``person_id``, the link's
    checkpoint, role and person: a name or address posted with it is ignored;
    the token itself is not kept) and the link, or the answers without the
    token and ``None`` when there is no valid link.
    """
    answers = dict(answers)
    found = _linked(app, answers.pop("lien", None))
    if found is None or answers.get("identity") != "signe":
        return answers, None
    link, pair, person = found
    answers.update(pair_id=pair["id"], person_id=person["id"], checkpoint=str(link["month"]),
                   role=_role(pair, person["id"]), name=person.get("name"),
                   email=person.get("email"))
    return answers, link
