"""MkDocs hook: each template page also downloads as ``.odt`` and ``.docx``.

A template page keeps its blank template inside one block::

    <div class="mentorat-modele" markdown>
    ## Modèle à remplir
    …
    </div>

At every build (``mkdocs build``, ``mentorat build``, ``make preview``) this
hook converts that block, from the same Markdown, with pandoc (shipped inside
the ``pypandoc-binary`` wheel), into ``<page>/<page>.odt`` and
``<page>/<page>.docx`` next to the built page, and puts the two links under
the page's title. ``forms_service.paper`` then makes them fit for paper: A4
with margins, bordered tables, rows at least 1 cm high, French spacing. The
files are never kept by hand. The print style sheet prints the same block
alone, so the page, the printout and the files agree.

The same block in any other page (the launch kit of ``lancer/``: the note to the
CSE, the announcement, the AIPD…) downloads the same way; its box says
« document » and promises no page count.

Only a block written in the page counts: one shown inside a code fence (as
*Contribuer au guide* does, to explain the block) is an example, not a template.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pypandoc
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from forms_service.includes import IncludeError, expand_includes
from forms_service.paper import PANDOC_ARGS, paper_markdown, shape_docx, shape_odt
from forms_service.programme import ProgrammeError, configured_programme
from forms_service.programme_text import MARKER, marker_value

BLOCK = re.compile(r'^<div class="mentorat-modele" markdown>\n(.*?)^</div>\s*$', re.S | re.M)
FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", re.DOTALL | re.MULTILINE)
TITLE = re.compile(r"^# (.+)$", re.M)
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# Templates of the pairs promise two pages; another page's block (the launch kit's
# note to the CSE, announcement, AIPD…) is a document of any length.
TEMPLATES_DIR = "modeles/"
FORMATS = {"odt": "OpenDocument (LibreOffice, OnlyOffice)", "docx": "Word (.docx)"}
_targets: dict[str, str] = {}  # page src_uri → base name of its files


def template_block(markdown: str) -> str | None:
    """Return the Markdown of the page's blank template, or None when it has none."""
    # A fence becomes blank lines of the same count: a block shown as code is no template.
    outside_code = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), markdown)
    found = BLOCK.search(outside_code)
    return found.group(1) if found else None


def document_source(markdown: str, programme) -> str:
    """Return the Markdown pandoc converts: the title, then the template, values filled in."""
    title = TITLE.search(markdown)
    block = template_block(markdown) or ""

    def value(match: re.Match) -> str:
        return marker_value(programme, *match.groups()) or ""

    # In a file the links of the site lead nowhere: keep their words.
    body = LINK.sub(r"\1", MARKER.sub(value, block))
    return paper_markdown(f"# {title.group(1) if title else ''}\n\n{body}")


SHAPE = {".odt": shape_odt, ".docx": shape_docx}


def convert(source: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    pypandoc.convert_text(source, target.suffix[1:], format="markdown-smart",
                          outputfile=str(target),
                          extra_args=["--metadata=lang:fr-FR", *PANDOC_ARGS])
    SHAPE[target.suffix](target)


def on_files(files, config):
    try:
        programme = configured_programme()
    except ProgrammeError as error:
        raise PluginError(str(error)) from None
    _targets.clear()
    workdir = Path(tempfile.mkdtemp(prefix="mentorat-modeles-"))
    for page in list(files.documentation_pages()):
        # The shared texts first, so the files say what the page says.
        try:
            markdown = expand_includes(Path(page.abs_src_path).read_text(encoding="utf-8"),
                                       config["docs_dir"])
        except IncludeError as error:
            raise PluginError(f"{page.src_uri} : {error}") from None
        if template_block(markdown) is None:
            continue
        stem = page.src_uri.rsplit("/", 1)[-1].removesuffix(".md")
        folder = page.src_uri.removesuffix(".md")
        source = document_source(markdown, programme)
        for suffix in FORMATS:
            uri = f"{folder}/{stem}.{suffix}"
            target = workdir / uri
            try:
                convert(source, target)
            except (OSError, RuntimeError) as error:
                raise PluginError(f"{page.src_uri} : conversion en .{suffix} impossible "
                                  f"({error}).") from None
            files.append(File.generated(config, uri, content=target.read_bytes()))
        _targets[page.src_uri] = stem
    return files


def on_page_markdown(markdown, page, config, files):
    stem = _targets.get(page.file.src_uri)
    if not stem:
        return markdown
    links = " · ".join(f"[{label}]({stem}/{stem}.{suffix})"
                       for suffix, label in FORMATS.items())
    if page.file.src_uri.startswith(TEMPLATES_DIR):
        box = (f'\n\n!!! info "Télécharger ce modèle"\n'
               f"    À remplir à l’écran ou à imprimer (A4, tableaux encadrés, lignes d’au moins "
               f"un centimètre pour écrire à la main, deux pages au plus) : {links}. Imprimée "
               f"depuis le navigateur, cette page ne garde elle aussi que le modèle, sur deux "
               f"pages A4 au plus.\n\n")
    else:
        # A document the coordination adapts (the launch kit): no promise of two pages.
        box = (f'\n\n!!! info "Télécharger ce document"\n'
               f"    À adapter dans votre traitement de texte avant de le diffuser (A4, "
               f"valeurs du programme déjà remplies) : {links}. Imprimée depuis le navigateur, "
               f"cette page ne garde elle aussi que le document.\n\n")
    return TITLE.sub(lambda m: m.group(0) + box, markdown, count=1)


TASK = re.compile(r'<label class="task-list-control"><input type="checkbox" disabled(?: checked)?/>'
                  r'<span class="task-list-indicator"></span></label>')


def on_page_content(html, page, config, files):
    if page.file.src_uri not in _targets:
        return html
    # Inside a template a box to tick is a character: printed, copied and read alike.
    return TASK.sub('<span class="mentorat-case" aria-hidden="true">☐</span>', html)
