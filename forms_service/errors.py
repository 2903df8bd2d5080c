"""What a refused request is: a status and a French message, defined once.

No Flask here, so every module (the rate limiter included) can raise it;
``guards.refusal`` turns it into the answer.
"""

from __future__ import annotations

from .i18n import _

__all__ = ["Rejected", "MESSAGES", "TOO_LARGE"]

TOO_LARGE = _("Le formulaire envoyé est trop volumineux : raccourcissez vos réponses.")
# The message of each status when nothing more precise is known.
MESSAGES = {
    400: _("La demande est incomplète ou mal formée."),
    403: _("Accès refusé."),
    404: _("Cette page n'existe pas."),
    405: _("Cette adresse n'accepte pas cette méthode."),
    409: _("Cette demande n'est plus possible dans l'état actuel."),
    413: TOO_LARGE,
    429: _("Trop d'envois depuis votre connexion : patientez quelques minutes puis réessayez."),
    500: _("Une erreur inattendue s'est produite. Vos réponses n'ont pas été enregistrées : "
           "réessayez dans un instant."),
    503: _("Le service est momentanément indisponible : vos réponses n'ont pas été "
           "enregistrées. Réessayez dans quelques minutes."),
}


class Rejected(Exception):
    """A request refused; carries the status, a French message and the field it concerns.

    ``retry_after`` (seconds) says when trying again makes sense (a 429).
    """

    def __init__(self, status: int, message: str | None = None, field: str = "__form__", *,
                 retry_after: int | None = None):
        message = message or MESSAGES.get(status, MESSAGES[500])
        super().__init__(message)
        self.status, self.message, self.field = status, message, field
        self.retry_after = retry_after
