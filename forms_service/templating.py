"""The Jinja environment over the package's templates: pages, forms and e-mails.

No app context: the build renders forms with it, the sender renders e-mails
with it, and the participant's pages use it inside requests.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from .dates import format_date, format_datetime
from .i18n import _, ngettext
from .vocabulary import SENSITIVE_HINTS, PairState, Status

__all__ = ["template_environment"]


def template_environment(*, autoescape: bool = True, **options) -> Environment:
    """A Jinja environment over the package's templates, translated, no app context."""
    env = Environment(loader=PackageLoader("forms_service", "templates"),
                      autoescape=select_autoescape(default=autoescape) if autoescape else False,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"],
                      **options)
    env.install_gettext_callables(_, ngettext, newstyle=True)
    # Pages and e-mails write dates for people with the one formatter, and compare
    # stored codes with the vocabulary's members, never with a bare string.
    env.globals.update(format_date=format_date, format_datetime=format_datetime,
                       Status=Status, PairState=PairState, SENSITIVE_HINTS=SENSITIVE_HINTS)
    return env
