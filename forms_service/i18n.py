"""Translate the service's user-facing strings through one gettext catalogue.

Messages are written in French in the code (the French text is the msgid),
extracted with ``pybabel extract`` (see ``babel.cfg``) into
``translations/messages.pot``; a translation is a ``.po``/``.mo`` pair under
``translations/<lang>/LC_MESSAGES/`` chosen with ``MENTORAT_LANGUAGE``, with no
code change. The language is chosen once per process, before forms are
defined, so module-level labels are translated too.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path

__all__ = ["LANGUAGE", "gettext", "ngettext", "_"]

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGE = os.environ.get("MENTORAT_LANGUAGE", "fr")

_catalogue = _gettext.translation(
    "messages", localedir=TRANSLATIONS, languages=[LANGUAGE], fallback=True
)
gettext = _catalogue.gettext
_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """Choose the singular or plural form by the catalogue's rule.

    Without a catalogue the msgids themselves are shown, and they are French:
    French takes the singular for 0 and 1 (« 0 inscription »), where
    gettext's fallback would take it for 1 only.
    """
    if type(_catalogue) is _gettext.NullTranslations:
        return singular if abs(n) < 2 else plural
    return _catalogue.ngettext(singular, plural, n)
