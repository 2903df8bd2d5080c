"""MkDocs hook: the accessibility statement's state and known gaps, from one file.

``docs/accessibilite-ecarts.yml`` holds the site's conformance state (« non
conforme » until an audit) and its known non-conformities. In a page,
``<!-- accessibilite: etat -->`` becomes the state and, alone on its line,
``<!-- accessibilite: ecarts -->`` the list of gaps; the footer of every page
shows the state (``config.extra.accessibilite``). The accessibility tests
tolerate exactly the axe-core rules the file names (tests/test_accessibility_
statement.py checks both lists agree). A malformed file fails the build.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError

DATA = "accessibilite-ecarts.yml"
STATES = ("non conforme", "partiellement conforme", "totalement conforme")
STATE = re.compile(r"(?<!`)<!-- accessibilite: etat -->(?!`)")
# Alone on its line: the same words inside a code span stay an example.
GAPS = re.compile(r"^<!-- accessibilite: ecarts -->$", re.M)
CRITERION = re.compile(r"^\d{1,2}\.\d{1,2}$")


def load(path: Path) -> dict:
    """Read and check the file: ``{"etat": str, "ecarts": [{"critere", "texte", "axe"}]}``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PluginError(f"{path.name} : illisible ({error}).") from None
    if not isinstance(data, dict) or data.get("etat") not in STATES:
        raise PluginError(f"{path.name} : « etat » doit valoir {', '.join(STATES)}.")
    gaps = data.get("ecarts") or []
    if not isinstance(gaps, list):
        raise PluginError(f"{path.name} : « ecarts » doit être une liste.")
    for number, gap in enumerate(gaps, 1):
        if not isinstance(gap, dict) or not CRITERION.match(str(gap.get("critere", ""))) \
                or not str(gap.get("texte", "")).strip() or set(gap) - {"critere", "texte", "axe"}:
            raise PluginError(f"{path.name} : écart n° {number} : il faut « critere » (un "
                              "critère RGAA, par exemple 7.5), « texte » et, au besoin, « axe ».")
    return {"etat": data["etat"],
            "ecarts": [{"critere": str(g["critere"]), "texte": " ".join(str(g["texte"]).split()),
                        "axe": g.get("axe")} for g in gaps]}


def gaps_markdown(data: dict) -> str:
    if not data["ecarts"]:
        return "Aucune non-conformité connue à ce jour."
    return "\n".join(f"- **Critère {gap['critere']}** : {escape(gap['texte'], quote=False)}"
                     for gap in data["ecarts"])


_data: dict | None = None


def on_config(config):
    global _data
    _data = load(Path(config["docs_dir"]) / DATA)
    config["extra"]["accessibilite"] = _data["etat"]
    return config


def on_page_markdown(markdown, page, config, files):
    markdown = STATE.sub(_data["etat"], markdown)
    return GAPS.sub(lambda _m: gaps_markdown(_data), markdown)
