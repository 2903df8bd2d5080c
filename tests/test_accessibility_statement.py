"""The accessibility statement says what is known, from one file: its state and its
non-conformities come from docs/accessibilite-ecarts.yml, rendered into the page and
the footer of every page, and the accessibility tests tolerate exactly the axe-core
rules that file names — no other rule is disabled, skipped or filtered anywhere.
"""

from __future__ import annotations

import re
import sys

import pytest
from support.browser import TOLERATED_AXE_RULES
from support.service import ROOT

sys.path.insert(0, str(ROOT / "overrides" / "hooks"))
import accessibility  # the build hook, read as the build reads it

DATA = ROOT / "docs" / accessibility.DATA


def test_the_tests_tolerate_exactly_the_statements_axe_rules():
    listed = {gap["axe"] for gap in accessibility.load(DATA)["ecarts"] if gap["axe"]}
    assert set(TOLERATED_AXE_RULES) == listed


def test_no_test_runs_axe_any_other_way():
    """axe runs with every rule: no options (rules disabled, tags, runOnly) anywhere; a
    run on part of a page (context) still fails on any violation. Only
    support.browser.violations filters, through TOLERATED_AXE_RULES."""
    calls = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name == "test_accessibility_statement.py":
            continue
        text = path.read_text(encoding="utf-8")
        calls += [(path.name, call) for call in re.findall(r"\.run\(page[^)]*\)", text)]
        for word in ("disableRules", "disable_rules", "runOnly", "run_only", "rules=",
                     '"rules"', "'rules'", "violations_count >", "violations_count <"):
            assert word not in text, f"{path.name} : {word}"
    assert calls and all("options" not in call for _name, call in calls), calls
    assert ("browser.py", ".run(page)") in calls


def test_the_statement_renders_its_state_and_each_gap(built_site):
    data = accessibility.load(DATA)
    html = (built_site / "accessibilite" / "index.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace("\u00a0", " ").replace(
        "\u202f", " ")
    assert data["etat"] == "non conforme"  # until an audit is made (RGAA)
    assert "est non conforme avec le RGAA 4.1" in text
    for gap in data["ecarts"]:
        words = " ".join(gap["texte"].replace("'", "’").split()[:6])
        assert words in text, words
        assert f"Critère {gap['critere']} : {words}" in text
    for section in ("État de conformité", "Environnement des vérifications",
                    "Technologies d’assistance", "Non-conformités connues",
                    "Dérogations pour charge disproportionnée", "Plan d’amélioration",
                    "Établissement de cette déclaration", "Voies de recours",
                    "Défenseur des droits", "320 pixels"):
        assert section in text, section
    assert "<!--" not in html.split('<article', 1)[1].split("</article>")[0]


def test_every_page_says_its_conformance_in_the_footer(built_site):
    for name in ("index.html", "formulaires/inscription/index.html", "404.html"):
        html = (built_site / name).read_text(encoding="utf-8")
        footer = html[html.index('class="md-copyright"'):]
        assert re.search(r'<a href="[^"]*accessibilite/">Accessibilité(?:&nbsp;|\u00a0) ?: '
                         r"non conforme</a>", footer), name


@pytest.mark.parametrize("text, complaint", [
    ("etat: conforme\n", "« etat » doit valoir"),
    ("etat: non conforme\necarts:\n  - texte: sans critère\n", "écart n° 1"),
    ("etat: non conforme\necarts:\n  - critere: '7.5'\n    texte: x\n    regle: y\n",
     "écart n° 1"),
])
def test_a_malformed_file_fails_the_build(tmp_path, text, complaint):
    from mkdocs.exceptions import PluginError

    path = tmp_path / accessibility.DATA
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PluginError, match=complaint):
        accessibility.load(path)
