"""MkDocs hook: the privacy notice's retention table, rendered from the registry.

``<!-- registre: conservation -->`` on a line of its own becomes the table of
every category the service stores (``forms_service.records.registry``): what
it holds and how long it is kept, with the periods of ``programme.yml``. The
purge runs the same registry, so the notice and what is erased cannot differ.
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

from forms_service.programme import ProgrammeError, configured_programme
from forms_service.records.registry import KEPT, retention_text

# Alone on its line: the same words inside a code span (contribuer.md shows them) stay.
MARKER = re.compile(r"^<!-- registre: conservation -->$", re.M)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(retention: dict) -> str:
    rows = ["| Catégorie | Ce qu’elle contient | Durée de conservation |", "|---|---|---|"]
    rows += [f"| {_cell(kept.label)} | {_cell(kept.contents)} | "
             f"{_cell(retention_text(kept, retention))} |" for kept in KEPT]
    return "\n".join(rows)


def on_page_markdown(markdown, page, config, files):
    if not MARKER.search(markdown):
        return markdown
    try:
        retention = configured_programme().retention
    except ProgrammeError as error:
        raise PluginError(str(error)) from None
    return MARKER.sub(lambda _match: table(retention), markdown)
