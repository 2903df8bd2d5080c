"""Clean the text people type before it is checked or stored.

Text is normalised to NFC, trimmed, and rid of control and invisible
formatting characters, except those writing needs: the zero-width joiner
inside emoji sequences, the non-joiner used by some scripts, and the
direction marks that keep a right-to-left name readable.
"""

from __future__ import annotations

import unicodedata

__all__ = ["clean_text", "clean_multiline"]

KEPT_FORMAT = {
    "\u200c",  # zero-width non-joiner (Persian, Indic scripts)
    "\u200d",  # zero-width joiner (emoji sequences, Indic scripts)
    "\u200e", "\u200f",  # left-to-right / right-to-left marks
}


def _keep(char: str, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return True
    category = unicodedata.category(char)
    if category == "Cf":
        return char in KEPT_FORMAT
    return category not in {"Cc", "Cs", "Co", "Cn"}


def clean_text(value, multiline: bool = False):
    """Return value normalised (NFC), trimmed, without control characters."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(c for c in value if _keep(c, multiline)).strip()


def clean_multiline(value):
    """Like ``clean_text`` but keeps line breaks and tabs."""
    return clean_text(value, multiline=True)
