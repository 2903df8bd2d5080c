"""The enrollment round ("cohorte"): open or closed, and what a visitor reads while closed.

The public path asks ``round_state`` on every enrollment page and post; the
coordinator area opens and closes rounds (``Repository.open_cohort`` /
``close_cohort``). No Flask here.
"""

from __future__ import annotations

from markupsafe import escape

from ..dates import format_date
from ..i18n import _
from ..typography import french_spacing

__all__ = ["round_state", "closed_message", "closed_notice"]


def closed_message(state: dict) -> str:
    """The sentence a participant reads while enrollment is closed."""
    if state.get("next_opening"):
        return _("Les inscriptions sont closes pour le moment. La prochaine cohorte "
                 "ouvrira le %(date)s.") % {"date": format_date(state["next_opening"])}
    return _("Les inscriptions sont closes pour le moment. La date d'ouverture de la prochaine "
             "cohorte sera annoncée sur ce site.")


def round_state(repo) -> dict:
    """``{"open", "name", "next_opening", "message"}`` of enrollment now."""
    state = dict(repo.cohort_state())
    state["message"] = "" if state["open"] else closed_message(state)
    return state


def closed_notice(state: dict) -> str:
    """The block shown in place of the enrollment form while enrollment is closed."""
    return ('<div class="admonition info mentorat-closed" role="status">'
            f'<p class="admonition-title">{escape(_("Inscriptions closes"))}</p>'
            f'<p>{escape(french_spacing(state["message"]))}</p></div>')
