"""Translate the service's user-facing strings through one gettext catalogue.

Messages are written in French in the code (the French text is the msgid),
extracted with ``pybabel extract`` (see ``babel.cfg``) into
``translations/messages.pot``; a translation is a ``.po``/``.mo`` pair under
``translations/<lang>/LC_MESSAGES/`` chosen with ``MENTORAT_LANGUAGE``, with no
code change. The language is chosen once per process, before forms are
defined, so module-level labels are translated too.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import os
from pathlib import Path

from .typography import french_message

__all__ = ["LANGUAGE", "gettext", "ngettext", "_", "translate_click"]

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGE = os.environ.get("MENTORAT_LANGUAGE", "fr")

_catalogue = _gettext.translation(
    "messages", localedir=TRANSLATIONS, languages=[LANGUAGE], fallback=True
)


# Messages are typed with the keyboard's apostrophe and ordinary spaces; people
# read French typography (l’inscription, « Merci ! » with its no-break space).
# It is set here, once, for every message the service shows: pages, e-mails,
# answers, the command's output. Values typed by people are not messages and
# keep their own.
@functools.lru_cache(maxsize=4096)
def gettext(message: str) -> str:
    """The message in the service's language, in French typography."""
    return french_message(_catalogue.gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural forms; without a catalogue, the French rule (0 and 1 take the singular)."""
    if isinstance(_catalogue, _gettext.GNUTranslations):
        return french_message(_catalogue.ngettext(singular, plural, n))
    return french_message(singular if n <= 1 else plural)


_ = gettext


# Click (the `mentorat` command's library) writes its own words — "Usage:",
# "Show this message and exit.", its error messages — with the stdlib's
# `gettext`, looked up at call time in each of its modules: they are pointed at
# this translation of Click's messages (`translations/<lang>/LC_MESSAGES/click.po`,
# refreshed by `make catalogue`).
_click_catalogue = _gettext.translation(
    "click", localedir=TRANSLATIONS, languages=[LANGUAGE], fallback=True
)
CLICK_MODULES = ("core", "exceptions", "formatting", "decorators", "types", "termui", "parser",
                 "utils", "shell_completion", "_termui_impl")


def translate_click() -> None:
    """Make Click's own messages use the service's language."""
    import importlib

    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # a module Click's version does not have
            continue
        if hasattr(module, "_"):
            module._ = _click_gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext


def _click_gettext(message: str) -> str:
    return french_message(_click_catalogue.gettext(message))


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return french_message(_click_catalogue.ngettext(singular, plural, n))
