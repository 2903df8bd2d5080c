"""Make the downloadable templates fit for paper: A4, bordered tables, room to write.

The build (``overrides/hooks/downloads.py``) converts each template's Markdown
with pandoc. pandoc's own files are made for reading on screen: US Letter
(ODT) or no page size (DOCX), tables without borders, one text line per row
and, in ODT, empty rows of no height at all. Three steps fix that, at every
build, from the same Markdown:

1. ``paper_markdown`` gives the Markdown French spacing and gives each
   table relative column widths, so pandoc draws it across the page
   (with ``PANDOC_ARGS``);
2. ``shape_docx`` and ``shape_odt`` then set A4 with margins, compact
   styles, borders on every cell, and a height of at least 1 cm on every
   row below a table's header: the rows people write in.

Nothing here imports Flask or MkDocs; the tests call it directly.
"""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path

from lxml import etree

from forms_service.typography import french_spacing

__all__ = ["PANDOC_ARGS", "WRITING_ROW_CM", "paper_markdown", "shape_docx", "shape_odt"]

WRITING_ROW_CM = 1.0
# Any source line longer than this makes pandoc honour the dashes' proportions.
PANDOC_ARGS = ["--columns=20"]

_LABEL_MAX = 32  # a long label wraps rather than squeezing the columns people write in
_WRITING_MIN = 30  # an empty column is where a hand writes: give it room
_EMPTY = {"", "……", "…"}


def paper_markdown(markdown: str) -> str:
    """Return the template's Markdown with French spacing and weighted table columns."""
    lines = french_spacing(markdown).split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("|"):
            out.append(lines[index])
            index += 1
            continue
        start = index
        while index < len(lines) and lines[index].startswith("|"):
            index += 1
        out.extend(_weighted_table(lines[start:index]))
    return "\n".join(out)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _weighted_table(rows: list[str]) -> list[str]:
    """Redraw a pipe table's separator so its dashes give each column its share."""
    if len(rows) < 2 or not set(rows[1]) <= set("|-: "):
        return rows
    header, body = _cells(rows[0]), [_cells(row) for row in rows[2:]]
    weights = []
    for column, title in enumerate(header):
        texts = [row[column] for row in body if column < len(row)]
        longest = max([len(title), *map(len, texts)])
        if all(text in _EMPTY for text in texts):
            # Many columns to write in share the page: keep the labels readable.
            room = min(_WRITING_MIN, 90 // max(1, len(header) - 1))
            weights.append(max(18, room, min(longest, _LABEL_MAX)))
        else:
            weights.append(max(12, min(longest, _LABEL_MAX)))
    separator = "|" + "|".join("-" * weight for weight in weights) + "|"
    return [rows[0], separator, *rows[2:]]


# --- DOCX ----------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TWIPS_PER_CM = 567


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def shape_docx(path: Path) -> None:
    """Set A4 and margins, compact styles, borders and 1 cm writing rows in a .docx."""
    import docx
    from docx.shared import Cm, Pt

    document = docx.Document(str(path))
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(1.5)
        section.left_margin = section.right_margin = Cm(1.8)
    sizes = {"Normal": 10, "Body Text": 10, "First Paragraph": 10, "Compact": 10,
             "Heading 1": 16, "Heading 2": 12.5, "Heading 3": 11}
    for name, size in sizes.items():
        try:
            style = document.styles[name]
        except KeyError:
            continue
        style.font.size = Pt(size)
        style.paragraph_format.space_before = Pt(8 if name.startswith("Heading") else 0)
        style.paragraph_format.space_after = Pt(3)
    for table in document.tables:
        _docx_table(table._tbl)
    document.save(str(path))


def _docx_table(tbl) -> None:
    properties = tbl.find(_w("tblPr"))
    width = properties.find(_w("tblW"))
    width.set(_w("type"), "pct")
    width.set(_w("w"), "5000")
    borders = etree.Element(_w("tblBorders"))
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        etree.SubElement(borders, _w(side), {_w("val"): "single", _w("sz"): "4",
                                             _w("space"): "0", _w("color"): "000000"})
    # Word refuses a file whose elements are out of the schema's order: tblBorders
    # goes before shd, tblLayout, tblCellMar and tblLook.
    later = [child for child in properties
             if child.tag in {_w("shd"), _w("tblLayout"), _w("tblCellMar"), _w("tblLook")}]
    if later:
        later[0].addprevious(borders)
    else:
        properties.append(borders)
    for row in tbl.iterfind(_w("tr")):
        row_properties = row.find(_w("trPr"))
        if row_properties is not None and row_properties.find(_w("tblHeader")) is not None:
            continue
        if row_properties is None:
            row_properties = etree.Element(_w("trPr"))
            first_cell = row.find(_w("tc"))
            first_cell.addprevious(row_properties)
        etree.SubElement(row_properties, _w("cantSplit"))
        etree.SubElement(row_properties, _w("trHeight"),
                         {_w("val"): str(round(WRITING_ROW_CM * _TWIPS_PER_CM)),
                          _w("hRule"): "atLeast"})


# --- ODT -----------------------------------------------------------------------------------

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}
WRITING_ROW_STYLE = "LigneAEcrire"
BOX = "☐"


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def shape_odt(path: Path) -> None:
    """Set A4 and margins, compact styles, borders and 1 cm writing rows in an .odt."""
    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info.filename) for info in archive.infolist()}
    shapers = {"content.xml": _odt_content, "styles.xml": _odt_styles}
    parts = {info: shapers[info.filename](data) if info.filename in shapers else data
             for info, data in parts.items()}
    # The "mimetype" entry stays first and uncompressed, as ODF requires: keep each entry's
    # own compression.
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in parts.items():
            archive.writestr(info, data, compress_type=info.compress_type)


def _odt_content(data: bytes) -> bytes:
    root = etree.fromstring(data)
    automatic = root.find(_q("office:automatic-styles"))
    for cell_style in automatic.iterfind(_q("style:style")):
        if cell_style.get(_q("style:family")) == "table-cell":
            for properties in cell_style.iterfind(_q("style:table-cell-properties")):
                properties.set(_q("fo:border"), "0.5pt solid #000000")
                properties.set(_q("fo:padding"), "0.08cm")
    row_style = etree.SubElement(automatic, _q("style:style"),
                                 {_q("style:name"): WRITING_ROW_STYLE,
                                  _q("style:family"): "table-row"})
    etree.SubElement(row_style, _q("style:table-row-properties"),
                     {_q("style:min-row-height"): f"{WRITING_ROW_CM}cm",
                      _q("fo:keep-together"): "always"})
    for table_style in automatic.iterfind(_q("style:style")):
        if table_style.get(_q("style:family")) == "table":
            for properties in table_style.iterfind(_q("style:table-properties")):
                properties.set(_q("style:rel-width"), "100%")
                properties.set(_q("style:width"), "17.4cm")
                properties.set(_q("table:align"), "margins")
    for table in root.iter(_q("table:table")):
        for row in table.iterfind(_q("table:table-row")):  # header rows sit one level down
            row.set(_q("table:style-name"), WRITING_ROW_STYLE)
        for cell in table.iter(_q("table:table-cell")):
            if len(cell) == 0:  # pandoc leaves an empty cell without a paragraph
                cell.text = None
                etree.SubElement(cell, _q("text:p"),
                                 {_q("text:style-name"): "Table_20_Contents"})
    _odt_task_lists(automatic, root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _odt_task_lists(automatic, root) -> None:
    """Draw a list of boxes to tick with the box as its mark, not « • ☐ »."""
    list_styles = {style.get(_q("style:name")): style
                   for style in automatic.iterfind(_q("text:list-style"))}
    for number, task_list in enumerate(root.iter(_q("text:list"))):
        paragraphs = [item.find(_q("text:p")) for item in task_list.iterfind(_q("text:list-item"))]
        if not paragraphs or not all(p is not None and (p.text or "").startswith(BOX)
                                     for p in paragraphs):
            continue
        original = list_styles.get(task_list.get(_q("text:style-name")))
        if original is None:
            continue
        boxes = copy.deepcopy(original)
        name = f"CasesACocher{number}"
        boxes.set(_q("style:name"), name)
        level = boxes.find(_q("text:list-level-style-bullet"))
        level.set(_q("text:bullet-char"), BOX)
        level.attrib.pop(_q("style:num-suffix"), None)
        original.addnext(boxes)
        task_list.set(_q("text:style-name"), name)
        for paragraph in paragraphs:
            paragraph.text = paragraph.text.removeprefix(BOX).lstrip()


_ODT_SIZES = {"Standard": "10pt", "Text_20_body": "10pt", "First_20_paragraph": "10pt",
              "Table_20_Contents": "10pt", "Table_20_Heading": "10pt",
              "Heading_20_1": "16pt", "Heading_20_2": "12.5pt", "Heading_20_3": "11pt"}


def _odt_styles(data: bytes) -> bytes:
    root = etree.fromstring(data)
    for properties in root.iter(_q("style:page-layout-properties")):
        properties.set(_q("fo:page-width"), "21cm")
        properties.set(_q("fo:page-height"), "29.7cm")
        properties.set(_q("fo:margin-top"), "1.5cm")
        properties.set(_q("fo:margin-bottom"), "1.5cm")
        properties.set(_q("fo:margin-left"), "1.8cm")
        properties.set(_q("fo:margin-right"), "1.8cm")
    for style in root.iter(_q("style:style")):
        size = _ODT_SIZES.get(style.get(_q("style:name")))
        if size is None:
            continue
        text = style.find(_q("style:text-properties"))
        if text is None:
            text = etree.SubElement(style, _q("style:text-properties"))
        text.set(_q("fo:font-size"), size)
        paragraph = style.find(_q("style:paragraph-properties"))
        if paragraph is None:
            paragraph = etree.Element(_q("style:paragraph-properties"))
            text.addprevious(paragraph)
        heading = style.get(_q("style:name")).startswith("Heading")
        paragraph.set(_q("fo:margin-top"), "0.25cm" if heading else "0cm")
        paragraph.set(_q("fo:margin-bottom"), "0.1cm")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
