"""Templates people use: editable downloads built from the page, a printout of two pages."""

from __future__ import annotations

import re
import zipfile

import pytest
from support.service import ROOT

TEMPLATES = sorted(p.stem for p in (ROOT / "docs" / "modeles").glob("*.md") if p.stem != "index")
HEADING = re.compile(r"^#{2,3} (.+)$", re.M)


def template_headings(name: str) -> list[str]:
    source = (ROOT / "docs" / "modeles" / f"{name}.md").read_text(encoding="utf-8")
    block = re.search(r'<div class="mentorat-modele" markdown>\n(.*?)^</div>', source, re.S | re.M)
    assert block, f"{name} : pas de bloc « mentorat-modele »"
    return HEADING.findall(block.group(1))


@pytest.mark.parametrize("name", TEMPLATES)
def test_docx_opens_and_holds_the_template_headings(built_site, name):
    import docx

    path = built_site / "modeles" / name / f"{name}.docx"
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    for heading in template_headings(name):
        assert heading in text, heading
    assert document.tables, "les tableaux du modèle manquent"


@pytest.mark.parametrize("name", TEMPLATES)
def test_odt_opens_and_holds_the_template_headings(built_site, name):
    from odfdo import Document

    path = built_site / "modeles" / name / f"{name}.odt"
    assert zipfile.is_zipfile(path)
    text = Document(str(path)).body.text_recursive
    for heading in template_headings(name):
        assert heading in text, heading


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_page_links_its_downloads(built_site, name):
    html = (built_site / "modeles" / name / "index.html").read_text(encoding="utf-8")
    assert f'href="{name}.odt"' in html and f'href="{name}.docx"' in html


@pytest.mark.browser
@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_prints_on_two_a4_pages_at_most_with_room_to_write(server, page, name):
    page.goto(f"{server.url}/modeles/{name}/")
    page.emulate_media(media="print")
    # Empty rows are where people write: at least 1 cm (37.8 CSS pixels).
    heights = page.eval_on_selector_all(".mentorat-modele tbody tr",
                                        "rows => rows.map(r => r.getBoundingClientRect().height)")
    assert heights and min(heights) >= 37.7, min(heights)
    copied = page.eval_on_selector(".mentorat-modele", "e => e.innerText")
    assert "¶" not in copied
    source = (ROOT / "docs" / "modeles" / f"{name}.md").read_text(encoding="utf-8")
    if "- [ ]" in source.split('<div class="mentorat-modele" markdown>')[1].split("</div>")[0]:
        assert "☐" in copied  # the boxes survive a copy
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 2
