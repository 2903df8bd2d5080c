"""Clean the text people type before it is checked or stored.

Text is normalised to NFC, trimmed, and rid of control and invisible
formatting characters, except those writing needs: the zero-width joiner
inside emoji sequences, the non-joiner used by some scripts, and the
direction marks that keep a right-to-left name readable.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "clean_multiline", "is_address", "looks_encoded", "ENCODED_WORD",
           "ascii_number"]

# An RFC 2047 encoded word: some mail libraries decode it into header structure
# (CVE-2024-6923), so no value someone typed may hold one, whatever Python runs here.
ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?", re.ASCII)
# One plain addr-spec, ASCII only: dot-atom local part, a domain of LDH labels with a dot.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+"
                     r"[A-Za-z]{2,63}", re.ASCII)
# Characters that end a line somewhere (mail headers, log files, JavaScript strings).
LINE_BREAKS = {"\u2028", "\u2029", "\u0085", "\x0b", "\x0c"}

KEPT_FORMAT = {
    "\u200c",  # zero-width non-joiner (Persian, Indic scripts)
    "\u200d",  # zero-width joiner (emoji sequences, Indic scripts)
    "\u200e", "\u200f",  # left-to-right / right-to-left marks
}


def _keep(char: str, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return True
    if char in LINE_BREAKS:
        return False
    category = unicodedata.category(char)
    if category == "Cf":
        return char in KEPT_FORMAT
    return category not in {"Cc", "Cs", "Co", "Cn"}


def clean_text(value, multiline: bool = False):
    """Return value normalised (NFC), trimmed, without control characters."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for brk in LINE_BREAKS:  # a line break typed in one-line text becomes a space
        value = value.replace(brk, "\n" if multiline else " ")
    value = unicodedata.normalize("NFC", value)
    if value.isprintable():  # no Cc, Cf, Cs, Co, Cn, Zl, Zp: _keep would keep every character
        return value.strip()
    return "".join(c for c in value if _keep(c, multiline)).strip()


def clean_multiline(value):
    """Like ``clean_text`` but keeps line breaks and tabs."""
    return clean_text(value, multiline=True)


def looks_encoded(value: str) -> bool:
    """Whether value holds an encoded-word opening (``=?charset?q?``) or a bare ``=?``/``?=`` pair."""
    return bool(ENCODED_WORD.search(value)) or ("=?" in value and "?=" in value)


def is_address(value) -> bool:
    """Whether value is one plain ASCII ``addr-spec``, safe in a ``To`` header."""
    return (isinstance(value, str) and len(value) <= 254 and ADDRESS.fullmatch(value) is not None
            and not looks_encoded(value))


# ASCII digits only: str.isdigit() and int() also take « ² », « ١٢ » or « １２ ».
_NUMBER = re.compile(r"[0-9]{1,9}", re.ASCII)


def ascii_number(value) -> int | None:
    """The whole number a form field holds in ASCII digits (at most 9), else ``None``."""
    if not isinstance(value, str) or not _NUMBER.fullmatch(value.strip()):
        return None
    return int(value.strip())
