"""MkDocs hook: what the service stores and why, rendered from the registry.

``<!-- registre: conservation -->`` on a line of its own becomes the table of
every category the service stores (``forms_service.records.registry``): what
it holds and how long it is kept, with the periods of ``programme.yml``. The
purge runs the same registry, so the notice and what is erased cannot differ.
``<!-- registre: finalites -->`` becomes the purposes and their legal ground
(the notice and the record of processing show the same table).

The build fails when a table the code stores (``store.table("…")``) is not in
the registry: a new table must say what it holds before it ships.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from forms_service.programme import ProgrammeError, configured_programme
from forms_service.records.registry import KEPT, PURPOSES, retention_text, stored_tables

# Alone on its line: the same words inside a code span (contribuer.md shows them) stay.
MARKER = re.compile(r"^<!-- registre: (conservation|finalites) -->$", re.M)
PACKAGE = Path(__file__).resolve().parents[2] / "forms_service"
TABLE_IN_CODE = re.compile(r"""store\.table\(\s*["'](\w+)["']""")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(retention: dict) -> str:
    rows = ["| Catégorie | Ce qu’elle contient | Durée de conservation |", "|---|---|---|"]
    rows += [f"| {_cell(kept.label)} | {_cell(kept.contents)} | "
             f"{_cell(retention_text(kept, retention))} |" for kept in KEPT]
    return "\n".join(rows)


def purposes() -> str:
    rows = ["| Finalité | Base légale (RGPD, article 6) |", "|---|---|"]
    rows += [f"| {_cell(purpose)} | {_cell(ground)} |" for purpose, ground in PURPOSES]
    return "\n".join(rows)


def undescribed_tables() -> set[str]:
    """Tables the package stores that the registry does not describe."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if "storage" not in path.parts:
            found |= set(TABLE_IN_CODE.findall(path.read_text(encoding="utf-8")))
    return found - stored_tables()


def on_config(config):
    missing = undescribed_tables()
    if missing:
        raise PluginError("records/registry.py ne décrit pas ces tables stockées : "
                          + ", ".join(sorted(missing)))
    return config


def on_page_markdown(markdown, page, config, files):
    if not MARKER.search(markdown):
        return markdown
    try:
        retention = configured_programme().retention
    except ProgrammeError as error:
        raise PluginError(str(error)) from None
    return MARKER.sub(lambda match: table(retention) if match.group(1) == "conservation"
                      else purposes(), markdown)
