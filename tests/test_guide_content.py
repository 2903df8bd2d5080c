"""The guide's content rules: length, one voice, contacts set once, a complete notice."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.content_rules import apostrophes, total_words
from support.service import ROOT, plain_spaces

DOCS = ROOT / "docs"
SOURCES = sorted(DOCS.rglob("*.md")) + [ROOT / "overrides" / "404.html"] + sorted(
    (ROOT / "forms_service" / "templates" / "mail").glob("*.txt"))
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def build(site: Path, **env) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f",
         str(ROOT / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env})


def test_the_guide_holds_at_least_30000_words():
    assert total_words() >= 30000


def test_rendered_prose_uses_typographic_apostrophes(built_site):
    curly = straight = 0
    for page in built_site.rglob("*.html"):
        c, s = apostrophes(page.read_text(encoding="utf-8"))
        curly, straight = curly + c, straight + s
    assert curly > 1000
    assert curly / (curly + straight) >= 0.99, f"{straight} apostrophes droites"


@pytest.mark.parametrize("text, expected", [
    ("l'été d'Anne", "l’été d’Anne"),
    ("'citation'", "'citation'"),
    ("10'30", "10'30"),
])
def test_straight_apostrophes_between_letters_become_typographic(text, expected):
    from forms_service.typography import curly_apostrophes

    assert curly_apostrophes(text) == expected


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_types_a_contact_address_by_hand(source):
    text = INLINE_CODE.sub("", FENCE.sub("", source.read_text(encoding="utf-8")))
    assert ADDRESS.findall(text) == []


def _programme(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "programme.yml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "programme.yml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, message", [
    # An empty value is refused with programme.yml's line…
    ("  dpo: dpo@exemple.fr ", "  dpo: \"\" ", r"programme\.yml, ligne \d+\s:\s«\scontacts\.dpo\s»"),
    # …a missing one by the first page that shows it, with its key.
    ("  referent_harcelement:", "  # referent_harcelement:",
     r"\w+\.md\s:\scontact\s«\sreferent_harcelement\s»\sabsent ou vide"),
])
def test_a_missing_contact_fails_the_build_naming_where_and_the_key(tmp_path, old, new, message):
    programme = _programme(tmp_path, old, new)
    result = build(tmp_path / "site", MENTORAT_PROGRAMME=str(programme))
    assert result.returncode != 0
    assert re.search(message, result.stderr), result.stderr


def test_an_unknown_contact_key_fails_the_build(tmp_path):
    from forms_service.programme import ProgrammeError, load_programme

    programme = _programme(tmp_path, "  dpo:", "  delegue:")
    with pytest.raises(ProgrammeError, match=r"ligne \d+\s:\scontact inconnu\s«\sdelegue\s»"):
        load_programme(programme)


def test_changing_the_coordination_address_changes_every_page_showing_it(built_site, tmp_path):
    shown = {p.relative_to(built_site) for p in built_site.rglob("*.html")
             if "mailto:mentorat@exemple.fr" in p.read_text(encoding="utf-8")}
    assert len(shown) >= 10 and Path("404.html") in shown
    programme = _programme(tmp_path, "coordination: mentorat@exemple.fr",
                           "coordination: binomes@exemple.fr")
    site = tmp_path / "site"
    assert build(site, MENTORAT_PROGRAMME=str(programme)).returncode == 0
    for page in shown:
        html = (site / page).read_text(encoding="utf-8")
        assert "mailto:binomes@exemple.fr" in html and "mentorat@exemple.fr" not in html, page


def test_the_privacy_notice_names_every_category_the_storage_holds(built_site, programme):
    """The notice's table is the registry of what is stored: every table the service
    declares is in it, every category and its period (from programme.yml) are shown."""
    from forms_service.records.registry import KEPT, retention_text

    source = "".join(path.read_text(encoding="utf-8")
                     for path in (ROOT / "forms_service").rglob("*.py") if "storage" not in path.parts)
    tables = set(re.findall(r"""store\.table\(\s*["'](\w+)["']""", source))
    registered = {where.strip() for kept in KEPT for where in kept.where.split(",")}
    assert tables and tables <= registered, tables - registered
    notice = plain_spaces(html.unescape(
        (built_site / "confidentialite" / "index.html").read_text(encoding="utf-8")))
    for kept in KEPT:
        assert f"<td>{kept.label}</td>" in notice, kept.label
        assert plain_spaces(retention_text(kept, programme.retention)) in notice, kept.label
    for days in programme.retention.values():
        assert f"{days} jours" in notice
    for word in ("Responsable du traitement", "DPO", "intérêt légitime", "Accès", "Rectification",
                 "Effacement", "Limitation", "Opposition", "Portabilité", "CNIL",
                 "article 22"):
        assert word in notice, word
    assert programme.contacts["dpo"] in notice


def test_retention_periods_are_validated_with_their_line(tmp_path):
    from forms_service.programme import ProgrammeError, load_programme

    programme = _programme(tmp_path, "sauvegardes_jours: 30", "sauvegardes_jours: jamais")
    with pytest.raises(ProgrammeError, match=r"ligne \d+\s:\s«\sconservation.sauvegardes_jours\s»"):
        load_programme(programme)


def test_the_shipped_programme_lists_direction_generale(programme):
    assert "Direction générale" in programme.departments


def test_the_record_of_processing_describes_every_table_and_purpose(built_site, monkeypatch):
    """Art. 30: the record is rendered from the registry; a table the code stores without
    a line in the registry stops the build, naming it."""
    import importlib.util

    from mkdocs.exceptions import PluginError

    from forms_service.records.registry import KEPT, PURPOSES

    page = plain_spaces(html.unescape(
        (built_site / "registre-des-traitements" / "index.html").read_text(encoding="utf-8")))
    for kept in KEPT:
        assert f"<td>{kept.label}</td>" in page, kept.label
    for purpose, ground in PURPOSES:
        assert plain_spaces(purpose) in page and plain_spaces(ground) in page
    assert "Société Exemple SA" in page and "dpo@exemple.fr" in page
    spec = importlib.util.spec_from_file_location(
        "registry_hook", ROOT / "overrides" / "hooks" / "registry.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    assert hook.undescribed_tables() == set()
    monkeypatch.setattr(hook, "stored_tables", lambda: {kept.where for kept in KEPT} - {"mail"})
    with pytest.raises(PluginError, match="mail"):
        hook.on_config({})
