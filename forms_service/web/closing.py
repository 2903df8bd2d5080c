"""The closing questionnaire's personal link: who it opens the form for, or why not.

``web.public`` calls these when ``/formulaires/bilan/`` or its endpoint
carries ``?lien=`` (``mail.links.pair_link`` with the purpose ``bilan``,
mailed once per person and pair by ``records.pairs``). A link works for a
pair that exists and was not declined, a person of that pair who was invited,
is still enrolled and has not withdrawn; any other link is refused (4xx) with a
French sentence saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape

from ..errors import Rejected
from ..forms.definitions import ClosingForm
from ..i18n import _
from ..mail.links import Expired, read_pair_token
from ..services import services
from ..typography import french_spacing
from ..vocabulary import PairState, Status

__all__ = ["Closing", "closing_of", "fit_closing_form", "refused_notice", "without_link_notice"]

WITHOUT_LINK = _("Ce questionnaire s’ouvre avec le lien personnel reçu par e-mail quand votre "
                 "binôme se termine. Ouvrez ce message et suivez son lien.")


@dataclass(frozen=True)
class Closing:
    """What a valid link stands for: the pair, the person answering, their role, the goals."""

    pair: dict
    person: dict
    role: str  # "mentor" or "mentore"
    goals: tuple[str, ...]


def _goals(record: dict | None) -> tuple[str, ...]:
    if record is None:
        return ()
    goals = record.get("goals") or [record.get(f"goal_{n}") for n in (1, 2, 3)]
    return tuple(str(goal) for goal in goals if goal)


def closing_of(app, token: str | None) -> Closing:
    """Return what the link opens; raise ``Rejected`` (4xx, French) when it opens nothing."""
    if not token:
        raise Rejected(400, WITHOUT_LINK)
    try:
        found = read_pair_token(app.secret_key, token, "bilan")
    except Expired:
        raise Rejected(403, _("Ce lien a expiré. Écrivez à la coordination si vous souhaitez "
                              "encore répondre.")) from None
    repo = services(app).repo()
    pair = repo.pair(found[0]) if found else None
    if pair is None or found[1] not in (pair["mentor_id"], pair["mentee_id"]):
        raise Rejected(404, _("Ce lien ne correspond à aucun binôme : il a peut-être été "
                              "effacé."))
    if pair.get("status") == PairState.NON_DEMARRE:
        raise Rejected(409, _("Ce binôme n’a pas démarré : il n’a pas de bilan."))
    person = repo.enrollment(found[1])
    if person is None:
        raise Rejected(410, _("Vos données ont été effacées : ce questionnaire n’est plus "
                              "disponible."))
    if person.get("status") == Status.RETIRE:
        raise Rejected(403, _("Votre inscription est retirée : ce questionnaire n’est plus "
                              "disponible."))
    if str(person["id"]) not in pair.get("closing_invited", {}):
        raise Rejected(409, _("Le bilan de ce binôme n’est pas encore ouvert."))
    role = "mentor" if person["id"] == pair["mentor_id"] else "mentore"
    return Closing(pair, person, role, _goals(repo.enrollment(pair["mentee_id"])))


def fit_closing_form(form: ClosingForm, closing: Closing, token: str) -> ClosingForm:
    """Ask this person's questions: the pair's goals, the mentors' ones for a mentor."""
    form.for_person(closing.goals, closing.role == "mentor")
    form.lien.data = token
    return form


def _notice(title: str, message: str) -> str:
    return ('<div class="admonition info mentorat-closed" role="status">'
            f'<p class="admonition-title">{escape(title)}</p>'
            f'<p>{escape(french_spacing(message))}</p></div>')


def without_link_notice() -> str:
    """Shown in place of the form on the page opened without a link."""
    return _notice(_("Un lien personnel est nécessaire"), WITHOUT_LINK)


def refused_notice(message: str) -> str:
    """Shown in place of the form when the link opens nothing."""
    return _notice(_("Ce lien ne permet pas de répondre"), message)
