"""The downloadable templates on paper: A4, two pages at most, bordered rows to write in.

Every template's ``.odt`` and ``.docx`` from the session's built site is
printed to PDF by LibreOffice (Debian's ``libreoffice-writer-nogui``, one
``soffice`` call for all files) and measured with ``pdfinfo`` (poppler-utils);
the files' XML says whether tables have borders and rows room to write.
Guards issue 23: files in US Letter, borderless one-line rows, no
no-break space, and a template made of an example shown in a code block.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest
from lxml import etree
from support.service import ROOT

from forms_service.paper import paper_markdown
from forms_service.programme_text import MARKER, marker_value

MODELES = ROOT / "docs" / "modeles"
TEMPLATES = sorted(p.stem for p in MODELES.glob("*.md") if p.stem != "index")
FILES = [(name, suffix) for name in TEMPLATES for suffix in ("odt", "docx")]
BLOCK = re.compile(r'^<div class="mentorat-modele" markdown>\n(.*?)^</div>', re.DOTALL | re.MULTILINE)
# French spacing: no ordinary space before : ; ? ! nor inside « ».
ORDINARY_SPACE = re.compile(r"[ \t][:;?!»]|«[ \t]")
A4 = re.compile(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ODF = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
       "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
       "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
       "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
       "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}


def _block(name: str) -> str:
    return BLOCK.search((MODELES / f"{name}.md").read_text(encoding="utf-8")).group(1)


def _body_rows_per_table(markdown: str) -> list[int]:
    """Count the rows under each pipe table's header, in the order of the page."""
    counts, run = [], 0
    for line in [*markdown.split("\n"), ""]:
        if line.startswith("|"):
            run += 1
        elif run:
            counts.append(run - 2)
            run = 0
    return counts


def _xml(path, part: str):
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(part))


def _docx_paragraph_texts(path) -> list[str]:
    body = _xml(path, "word/document.xml")
    return ["".join(p.itertext()) for p in body.iter(f"{W}p")]


def _odt_paragraph_texts(path) -> list[str]:
    body = _xml(path, "content.xml")
    paragraphs = [e for e in body.iter() if e.tag in (f"{{{ODF['text']}}}p", f"{{{ODF['text']}}}h")]
    return ["".join(p.itertext()) for p in paragraphs]


@pytest.mark.parametrize(("markdown", "expected"), [
    ("Objectif 1 : …… Objectif 2 : ……", "Objectif 1\u00a0: …… Objectif 2\u00a0: ……"),
    ("le moins ? Et « ça » !", "le moins\u202f? Et «\u00a0ça\u00a0»\u202f!"),
    # Labels keep their length, a column to write in gets room, whatever the dashes typed.
    ("| Rubrique | À remplir |\n|---|---|\n| Date | |",
     "| Rubrique | À remplir |\n|" + "-" * 12 + "|" + "-" * 30 + "|\n| Date | |"),
    ("| Question | Réponse |\n|-|-|\n| Où en est chacun de mes objectifs, de 0 à 100 % ? | …… |",
     "| Question | Réponse |\n|" + "-" * 32 + "|" + "-" * 30 + "|\n"
     "| Où en est chacun de mes objectifs, de 0 à 100 %\u202f? | …… |"),
])
def test_paper_markdown_spaces_the_french_way_and_weighs_the_columns(markdown, expected):
    assert paper_markdown(markdown) == expected


@pytest.fixture(scope="module")
def printed(built_site, tmp_path_factory) -> dict[tuple[str, str], str]:
    """Print every template file to PDF in one soffice call; return ``pdfinfo`` per file."""
    if not shutil.which("soffice") or not shutil.which("pdfinfo"):
        pytest.fail("LibreOffice (libreoffice-writer-nogui) et poppler-utils sont requis : "
                    "voir le README, section des tests.")
    work = tmp_path_factory.mktemp("impression")
    sources = []
    for name, suffix in FILES:
        # One PDF per file: the .odt and the .docx share a name, so give each its own.
        source = work / f"{name}-{suffix}.{suffix}"
        shutil.copy(built_site / "modeles" / name / f"{name}.{suffix}", source)
        sources.append(str(source))
    # A private profile: no clash with a LibreOffice already open, nothing left behind.
    profile = (work / "profil").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work / "pdf"), *sources],
                   check=True, capture_output=True, timeout=300)
    return {(name, suffix): subprocess.run(
                ["pdfinfo", str(work / "pdf" / f"{name}-{suffix}.pdf")],
                check=True, capture_output=True, text=True).stdout
            for name, suffix in FILES}


@pytest.mark.slow  # starts LibreOffice
@pytest.mark.parametrize(("name", "suffix"), FILES)
def test_each_file_prints_on_at_most_two_a4_pages(printed, name, suffix):
    info = printed[(name, suffix)]
    assert A4.search(info), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 1 <= pages <= 2, f"{name}.{suffix} : {pages} pages"


@pytest.mark.parametrize("name", TEMPLATES)
def test_docx_tables_have_borders_and_rows_one_centimetre_high(built_site, name):
    body = _xml(built_site / "modeles" / name / f"{name}.docx", "word/document.xml")
    section = body.find(f".//{W}sectPr/{W}pgSz")
    assert (section.get(f"{W}w"), section.get(f"{W}h")) == ("11906", "16838")  # A4 in twips
    tables = body.findall(f".//{W}tbl")
    rows = []
    for table in tables:
        borders = table.find(f"{W}tblPr/{W}tblBorders")
        assert borders is not None
        assert {side.get(f"{W}val") for side in borders} == {"single"}
        assert len(borders) == 6  # the outline and the lines between rows and columns
        body_rows = [row for row in table.findall(f"{W}tr")
                     if row.find(f"{W}trPr/{W}tblHeader") is None]
        for row in body_rows:
            height = row.find(f"{W}trPr/{W}trHeight")
            assert int(height.get(f"{W}val")) >= 567 and height.get(f"{W}hRule") == "atLeast"
        rows.append(len(body_rows))
    assert rows == _body_rows_per_table(_block(name))


@pytest.mark.parametrize("name", TEMPLATES)
def test_odt_tables_have_borders_and_rows_one_centimetre_high(built_site, name):
    path = built_site / "modeles" / name / f"{name}.odt"
    layout = _xml(path, "styles.xml").find(".//style:page-layout-properties", ODF)
    assert (layout.get(f"{{{ODF['fo']}}}page-width"),
            layout.get(f"{{{ODF['fo']}}}page-height")) == ("21cm", "29.7cm")
    content = _xml(path, "content.xml")
    styles = {s.get(f"{{{ODF['style']}}}name"): s
              for s in content.iterfind(".//office:automatic-styles/style:style", ODF)}
    rows = []
    for table in content.iterfind(".//table:table", ODF):
        for cell in table.iterfind(".//table:table-cell", ODF):
            properties = styles[cell.get(f"{{{ODF['table']}}}style-name")][0]
            assert properties.get(f"{{{ODF['fo']}}}border", "none") != "none"
            assert cell.find("text:p", ODF) is not None  # an empty cell still has its line
        body_rows = table.findall("table:table-row", ODF)
        for row in body_rows:
            height = styles[row.get(f"{{{ODF['table']}}}style-name")][0].get(
                f"{{{ODF['style']}}}min-row-height")
            assert height and float(height.removesuffix("cm")) >= 1
        rows.append(len(body_rows))
    assert rows == _body_rows_per_table(_block(name))


def test_the_actions_table_has_rows_to_write_in():
    # Issue 23: « Actions d'ici la prochaine séance » had no row at all in the .odt.
    actions = _block("compte-rendu-de-seance").split("### Actions d’ici la prochaine séance")[1]
    assert _body_rows_per_table(actions)[0] >= 3


@pytest.mark.parametrize(("name", "suffix"), FILES)
def test_files_have_french_spacing_and_their_markers_filled_in(built_site, programme,
                                                               name, suffix):
    path = built_site / "modeles" / name / f"{name}.{suffix}"
    texts = _docx_paragraph_texts(path) if suffix == "docx" else _odt_paragraph_texts(path)
    wrong = [text for text in texts if ORDINARY_SPACE.search(text)]
    assert not wrong, wrong
    text = "\n".join(texts)
    assert "<!--" not in text
    for kind, key in MARKER.findall(_block(name)):
        value = marker_value(programme, kind, key)
        assert value and value.replace(" ", "\u00a0") in text.replace(" ", "\u00a0"), key


def test_a_block_shown_in_a_code_fence_is_no_template(built_site):
    assert '<div class="mentorat-modele" markdown>' in (ROOT / "docs" / "contribuer.md").read_text(
        encoding="utf-8")
    assert not list((built_site / "contribuer").glob("*.odt"))
    assert not list((built_site / "contribuer").glob("*.docx"))
    html = (built_site / "contribuer" / "index.html").read_text(encoding="utf-8")
    assert "Télécharger ce modèle" not in html
