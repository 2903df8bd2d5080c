"""The personal link on the public feedback form: pre-fill it, tie its answers to the pair.

``web.public`` calls these when the feedback page or its endpoint carries
``?lien=`` (a token of ``mail.links.feedback_token``). A link works while its
pair is active and its checkpoint open (``records.checkpoints.checkpoint_closes``).
"""

from __future__ import annotations

from wtforms.fields.core import Label

from ..forms.definitions import FeedbackForm
from ..i18n import _
from ..mail.links import read_feedback_token
from ..records import checkpoints, goals
from ..services import get_programme, services
from ..vocabulary import PairState

__all__ = ["linked_feedback_form", "linked_answers", "ask_goal_levels"]


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


def _rated_goals(app, found) -> tuple[str | None, list[str]]:
    """The moment this link's checkpoint rates the goals at, and the mentee's goals."""
    if found is None:
        return None, []
    link, pair, _person = found
    moment = goals.rating_moment(link["month"], get_programme(app).checkpoints)
    if moment is None:
        return None, []
    mentee = services(app).repo().enrollment(pair["mentee_id"]) or {}
    return moment, list(mentee.get("goals") or [])[:goals.GOAL_SLOTS]


def ask_goal_levels(app, form: FeedbackForm, found=None) -> FeedbackForm:
    """Ask the form's goal ratings when its link's checkpoint rates the goals: the mentee
    about each goal, by its text (« où en êtes-vous ») ; the mentor about each of the
    mentee's goals, by its number (« où en est votre binôme »)."""
    found = found or _linked(app, form.lien.data)
    _moment, texts = _rated_goals(app, found)
    if not texts:
        return form
    mentee = _role(found[1], found[2]["id"]) == "mentore"
    rated = []
    for n, text in enumerate(texts, 1):
        field = form[f"level_goal_{n}"]
        # The mentor is asked by number: the notice promises a partner sees nothing of an
        # enrollment but name, address, department, site and the pair's reasons.
        field.label = Label(field.id, _(
            "Objectif %(n)d « %(goal)s » : où en êtes-vous aujourd’hui ?") % {"n": n, "goal": text}
            if mentee else _("Objectif %(n)d de votre binôme : où en est-il ou elle "
                             "aujourd’hui ?") % {"n": n})
        rated.append(field)
    form.rated_goals = tuple(rated)
    return form


def linked_feedback_form(app, token: str | None):
    """Return the feedback form pre-filled from a personal link, or ``None`` if it is not valid."""
    found = _linked(app, token)
    if found is None:
        return None
    link, pair, person = found
    form = FeedbackForm(programme=get_programme(app), data={
        "checkpoint": str(link["month"]), "role": _role(pair, person["id"]),
        "identity": "signe", "lien": token, "name": person.get("name", ""),
        "email": person.get("email", "")})
    return ask_goal_levels(app, form, found)


def linked_answers(app, answers: dict) -> tuple[dict, dict | None]:
    """Tie signed answers posted with a valid personal link to their pair and checkpoint.

    Returns the answers to store (with ``pair_id``, ``person_id``, the link's
    checkpoint, role and person: a name or address posted with it is ignored;
    the token itself is not kept) and the link, or the answers without the
    token and ``None`` when there is no valid link.
    """
    answers = dict(answers)
    levels = answers.pop("goal_levels", None) or {}
    found = _linked(app, answers.pop("lien", None))
    if found is None or answers.get("identity") != "signe":
        return answers, None
    link, pair, person = found
    answers.update(pair_id=pair["id"], person_id=person["id"], checkpoint=str(link["month"]),
                   role=_role(pair, person["id"]), name=person.get("name"),
                   email=person.get("email"))
    # Only the goals the mentee wrote, at the checkpoints that rate them: the mentee's
    # go to their enrollment (``save_linked_feedback``), the mentor's stay in this answer.
    moment, texts = _rated_goals(app, found)
    ratings = [{"goal": n, "value": levels[n], "moment": moment}
               for n in range(1, len(texts) + 1) if n in levels]
    if ratings:
        answers["goal_ratings"] = ratings
    return answers, link
