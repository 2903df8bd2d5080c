"""Expand ``<!-- inclure: nom -->`` markers with ``docs/includes/nom.md``.

A text several pages must say word for word (the limits of confidentiality) is
written once, in ``docs/includes/``, and each page names it with the marker on a
line of its own. The marker's indentation is given to every line of the text, so
it can stand inside an admonition or a FAQ answer. The build hook
(``overrides/hooks/includes.py``) and the templates' ``.odt``/``.docx``
(``overrides/hooks/downloads.py``) both call :func:`expand_includes`, so the
page and its files agree.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["INCLUDE", "INCLUDES_DIR", "IncludeError", "expand_includes"]

INCLUDE = re.compile(r"^([ \t]*)<!--\s*inclure\s*:\s*([\w-]+)\s*-->[ \t]*$", re.M)
# A marker shown inside a fence is an example (as in *Contribuer au guide*): left alone.
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$", re.S | re.M)
INCLUDES_DIR = "includes"


class IncludeError(LookupError):
    """A marker names a text that ``docs/includes/`` does not hold."""


def expand_includes(markdown: str, docs_dir: str | Path) -> str:
    """Return the Markdown with each include marker replaced by its text.

    Raises :class:`IncludeError` naming the missing file, so the build stops.
    """
    folder = Path(docs_dir) / INCLUDES_DIR

    def text(match: re.Match) -> str:
        indent, name = match.groups()
        path = folder / f"{name}.md"
        if not path.is_file():
            raise IncludeError(f"texte à inclure « {name} » introuvable ({path}).")
        lines = path.read_text(encoding="utf-8").strip().splitlines()
        return "\n".join(indent + line if line.strip() else "" for line in lines)

    parts, last = [], 0
    for fence in FENCE.finditer(markdown):
        parts += [INCLUDE.sub(text, markdown[last:fence.start()]), fence.group(0)]
        last = fence.end()
    return "".join([*parts, INCLUDE.sub(text, markdown[last:])])
