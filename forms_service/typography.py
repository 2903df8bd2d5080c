"""Give French typography to HTML and text: non-breaking spaces.

Coordinators type ordinary spaces; this hook turns the space before
``: ; ? !`` and inside « guillemets » into the non-breaking spaces French
requires, so a line never starts with a lone « ? » or « : ». Only text
between tags is touched: never markup, code blocks, scripts or styles.
"""

from __future__ import annotations

import re

__all__ = ["curly_apostrophes", "french_spacing", "typeset"]

NNBSP = "\u202f"  # narrow no-break space, before ; ? !
NBSP = "\u00a0"  # no-break space, before : and inside « »

_TOKENS = re.compile(r"(<[^>]*>)")
_SKIP = re.compile(r"<(/?)(code|pre|script|style|textarea|kbd)\b", re.I)
_SPACE_BEFORE = re.compile(r"[ \t]+([;?!])")
# An entity such as ``&amp;`` ends with ";" too: match it first, keep it.
_GLUED_BEFORE = re.compile(r"(&#?\w+;)|(?<=[^\W\d_\)»])([;?!])(?=\s|$)")
_SPACE_BEFORE_COLON = re.compile(r"[ \t]+:(?=\s|$)")
_GLUED_COLON = re.compile(r"(?<=[^\W\d_\)»]):(?=\s|$)")
# Spaces already made no-break are matched too: typesetting twice changes nothing.
_OPEN_QUOTE = re.compile("«[ \t\u00a0\u202f]*")
_CLOSE_QUOTE = re.compile("[ \t\u00a0\u202f]*»")
# Only an apostrophe between two letters (l'été, aujourd'hui): never a quote.
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")


def french_spacing(text: str) -> str:
    """Return text with French non-breaking spaces before high punctuation."""
    text = _SPACE_BEFORE.sub(NNBSP + r"\1", text)
    text = _GLUED_BEFORE.sub(lambda m: m.group(1) or NNBSP + m.group(2), text)
    text = _SPACE_BEFORE_COLON.sub(NBSP + ":", text)
    text = _GLUED_COLON.sub(NBSP + ":", text)
    text = _OPEN_QUOTE.sub("«" + NBSP, text)
    return _CLOSE_QUOTE.sub(NBSP + "»", text)


def french_message(text: str) -> str:
    """A message people read: French spacing and typographic apostrophes (i18n.gettext)."""
    return curly_apostrophes(french_spacing(text))


def curly_apostrophes(text: str) -> str:
    """Return text with the apostrophes between letters made typographic (’)."""
    return _APOSTROPHE.sub("’", text)


def typeset(html: str, *, apostrophes: bool = False) -> str:
    """Apply ``french_spacing`` to every text node outside code and scripts.

    With ``apostrophes``, straight apostrophes in those text nodes become ’ too.
    """
    parts = _TOKENS.split(html)
    depth = 0
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            tag = _SKIP.match(part)
            if tag:
                depth = max(0, depth + (-1 if tag.group(1) else 1))
        elif depth == 0 and part:
            text = french_spacing(part)
            parts[index] = curly_apostrophes(text) if apostrophes else text
    return "".join(parts)
