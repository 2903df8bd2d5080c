"""MkDocs hook: the guide's table of indicators, rendered from their definitions.

``<!-- indicateurs -->`` on a line of its own becomes one row per indicator of
``forms_service.evaluation.indicators.INDICATORS``: its name, how it is
computed, what the programme aims at and what it does not tell. The round's
report and the « Bilan » page compute from the same definitions, so the
guide cannot describe a formula the service does not use.
"""

from __future__ import annotations

import re

from forms_service.evaluation.indicators import INDICATORS

# Alone on its line: the same words inside a code span stay.
MARKER = re.compile(r"^<!-- indicateurs -->$", re.M)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table() -> str:
    rows = ["| Indicateur | Calcul | Objectif visé | Ce qu’il ne dit pas |", "|---|---|---|---|"]
    rows += [f"| {_cell(i.title)} | {_cell(i.definition)} | {_cell(i.target)} | "
             f"{_cell(i.caveat)} |" for i in INDICATORS]
    return "\n".join(rows)


def on_page_markdown(markdown, page, config, files):
    return MARKER.sub(lambda match: table(), markdown)
