"""Issue 25: the limits of confidentiality are written once and included everywhere.

One file (``docs/includes/confidentialite-et-limites.md``) says what stays in the
pair and what does not; the charter, the agreement, the first-meeting agenda, the
well-being page and the FAQ include it with ``<!-- inclure: … -->``, and no other
paragraph of the guide lists the limits in its own words. The built pages and the
agreement's ``.odt``/``.docx`` carry the included text.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from support.service import ROOT

from forms_service.includes import INCLUDE, IncludeError, expand_includes
from forms_service.programme_text import marker_value

DOCS = ROOT / "docs"
NAME = "confidentialite-et-limites"
SOURCE = DOCS / "includes" / f"{NAME}.md"
PAGES = ["charte.md", "modeles/accord-de-mentorat.md", "guides/premier-rendez-vous.md",
         "guides/bien-etre.md", "faq.md"]
# Stems, so « discriminatoire » or « violent » count as well.
LIMITS = ("danger", "violen", "harcèlement", "discrimin", "illégal")
CONFIDENTIAL = re.compile(r"confidenti(alité|el)", re.I)
# The opening words of each paragraph of the text, as a reader sees them.
HEADINGS = re.compile(r"^\*\*([^*]+?)\.?\*\*", re.M)
SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _plain(text: str) -> str:
    return SPACES.sub(" ", text)


def _headings() -> list[str]:
    found = HEADINGS.findall(SOURCE.read_text(encoding="utf-8"))
    assert len(found) >= 4, found
    return found


def _paragraphs(markdown: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", markdown) if p.strip()]


def _document_text(path: Path) -> str:
    part = "word/document.xml" if path.suffix == ".docx" else "content.xml"
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(part).decode("utf-8")
    return _plain(re.sub(r"<[^>]+>", "", xml))


@pytest.mark.parametrize("page", PAGES)
def test_each_page_includes_the_one_text(page):
    markdown = (DOCS / page).read_text(encoding="utf-8")
    assert [name for _indent, name in INCLUDE.findall(markdown)] == [NAME]


def test_no_other_paragraph_lists_the_limits():
    offenders = []
    for path in sorted(DOCS.rglob("*.md")):
        if path == SOURCE:
            continue
        for paragraph in _paragraphs(path.read_text(encoding="utf-8")):
            limits = {word for word in LIMITS if word in paragraph.lower()}
            if CONFIDENTIAL.search(paragraph) and len(limits) >= 2:
                offenders.append(f"{path.relative_to(DOCS)}: {paragraph.strip()[:80]}")
    assert not offenders, offenders


def test_the_text_says_what_the_law_asks():
    text = _plain(SOURCE.read_text(encoding="utf-8"))
    for needed in ("L4121-1", "L1152-4", "L1153-5", "2016-1691", "fait partie de l’employeur",
                   "évaluer, rémunérer ou promouvoir", "sans son accord",
                   "<!-- contact: referent_harcelement -->",
                   "<!-- programme: referent_harcelement_cse -->",
                   "<!-- programme: alerte_professionnelle -->"):
        assert needed in text, needed


def test_the_charter_excludes_evaluation_pay_and_promotion_in_its_own_words_too():
    charter = (DOCS / "charte.md").read_text(encoding="utf-8")
    assert "évaluation, de rémunération ou de promotion" in charter


def test_an_indented_marker_indents_the_whole_text(tmp_path):
    (tmp_path / "includes").mkdir()
    (tmp_path / "includes" / "essai.md").write_text("Un.\n\nDeux.\n", encoding="utf-8")
    page = '!!! note "Titre"\n    <!-- inclure: essai -->\n'
    assert expand_includes(page, tmp_path) == '!!! note "Titre"\n    Un.\n\n    Deux.\n'


def test_a_marker_in_a_code_fence_is_an_example(tmp_path):
    page = "```markdown\n<!-- inclure: absent -->\n```\n"
    assert expand_includes(page, tmp_path) == page


def test_an_unknown_text_fails(tmp_path):
    with pytest.raises(IncludeError, match="absent"):
        expand_includes("<!-- inclure: absent -->\n", tmp_path)


@pytest.mark.parametrize(("key", "configured", "shown"), [
    ("referent_harcelement_cse", {"referent_harcelement_cse": "cse@exemple.fr"}, "cse@exemple.fr"),
    ("referent_harcelement_cse", {}, "renseignez-vous auprès des ressources humaines"),
    ("alerte_professionnelle", {"alerte_professionnelle": " "}, "renseignez-vous auprès des "
                                                                "ressources humaines"),
    ("alerte_professionnelle", {"alerte_professionnelle": "alerte@exemple.fr"}, "alerte@exemple.fr"),
])
def test_an_optional_contact_left_out_says_where_to_ask(key, configured, shown):
    programme = SimpleNamespace(contacts=configured)
    assert shown in marker_value(programme, "programme", key)


@pytest.mark.parametrize("page", PAGES)
def test_the_built_page_shows_the_text(built_site, page):
    html = (built_site / page.removesuffix(".md") / "index.html").read_text(encoding="utf-8")
    text = _plain(re.sub(r"<[^>]+>", "", html))
    assert "<!-- inclure" not in html
    for heading in _headings():
        assert _plain(heading) in text, heading


@pytest.mark.parametrize("suffix", ["odt", "docx"])
def test_the_agreement_files_carry_the_text(built_site, suffix):
    path = built_site / "modeles" / "accord-de-mentorat" / f"accord-de-mentorat.{suffix}"
    text = _document_text(path)
    for heading in _headings():
        assert _plain(heading) in text, heading
    assert "inclure" not in text
