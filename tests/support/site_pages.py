"""The built site's pages, read without a browser, and one page of each kind.

``built_pages(site)`` maps the address of every page MkDocs wrote to its file
(404.html answers any unknown address). ``read_page(html)`` reads a page into
its elements, in document order, each knowing its ancestors and its text, so
the static checks need no regular expression over HTML.

The checks that need a browser (axe-core, the Content-Security-Policy in
Chromium) cost about a second a page: they run on ``one_page_of_each_kind``,
a few pages that together hold every component found anywhere in the site,
chosen again at each run from what the build wrote, so a page with a new
kind of content is never left out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

HOME = "/"
NOT_FOUND = "/cette-page-n-existe-pas/"  # any unknown address: the site's 404.html

# Elements that never hold anything (no end tag).
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: tuple[Element, ...]
    _text: list[str] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        """The text inside the element, its descendants' included."""
        return "".join(self._text)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def inside(self, tag: str) -> bool:
        return any(a.tag == tag for a in self.ancestors)

    @property
    def hidden_from_assistive_technology(self) -> bool:
        return any(e.attrs.get("aria-hidden") == "true" for e in (self, *self.ancestors))

    def __str__(self) -> str:
        shown = " ".join(f'{k}="{v}"' for k, v in self.attrs.items() if k in ("id", "class",
                                                                               "name", "href"))
        return f"<{self.tag}{' ' if shown else ''}{shown}>"


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs}, tuple(self._open))
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):  # <input … />: opened and closed at once
        self.elements.append(Element(tag, {n: v or "" for n, v in attrs}, tuple(self._open)))

    def handle_endtag(self, tag):
        # Close up to the matching element; a stray end tag closes nothing.
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data):
        for element in self._open:
            element._text.append(data)


def read_page(html: str) -> list[Element]:
    """Every element of the page, in document order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.elements


def built_pages(site: Path) -> dict[str, Path]:
    """Every page of the built site: its address → its file."""
    pages = {}
    for file in sorted(site.rglob("*.html")):
        relative = file.relative_to(site).as_posix()
        if relative == "404.html":
            pages[NOT_FOUND] = file
        else:
            pages["/" + relative.removesuffix("index.html")] = file
    return pages


def components(elements: list[Element]) -> set[str]:
    """What a page is made of: each element and class of its content (``table``,
    ``details.question``, ``div.mentorat-modele``, ``span.k`` for highlighted
    code…), the theme's around it (``chrome:…``), its own style sheets and scripts."""
    found = set()
    for element in elements:
        where = "" if element.tag == "article" or element.inside("article") else "chrome:"
        found.add(where + element.tag)
        found.update(f"{where}{element.tag}.{name}" for name in element.classes)
        if element.tag == "link" and "stylesheet" in element.attrs.get("rel", "").split():
            found.add("feuille de style " + PurePosixPath(element.attrs["href"]).name)
        if element.tag == "script" and element.attrs.get("src"):
            found.add("script " + PurePosixPath(element.attrs["src"]).name)
        if element.tag == "a" and element.attrs.get("href", "").endswith((".odt", ".docx")):
            found.add("téléchargement " + PurePosixPath(element.attrs["href"]).suffix)
    return found


def page_kinds(site: Path) -> dict[str, set[str]]:
    """The components of every built page, with the kinds a page's place gives it."""
    pages = built_pages(site)
    kinds = {}
    for address, file in pages.items():
        found = components(read_page(file.read_text(encoding="utf-8")))
        if address == HOME:
            found.add("page d’accueil")
        elif address == NOT_FOUND:
            found.add("page introuvable")
        elif any(other != address and other.startswith(address) for other in pages):
            found.add("index de section")  # guides/ above guides/ecoute-active/
        kinds[address] = found
    return kinds


@functools.cache
def one_page_of_each_kind(site: Path) -> dict[str, list[str]]:
    """A few pages holding together every component of the site: address → what
    it was chosen for. The home and the 404 pages always; then, greedily, the
    page bringing the most components not yet covered (the first in address
    order on a tie), until none is left."""
    kinds = page_kinds(site)
    chosen = {HOME: _named_first(kinds[HOME]),
              NOT_FOUND: _named_first(kinds[NOT_FOUND] - kinds[HOME])}
    covered = kinds[HOME] | kinds[NOT_FOUND]
    everything = set().union(*kinds.values())
    while covered != everything:
        best = max(sorted(kinds), key=lambda address: len(kinds[address] - covered))
        chosen[best] = _named_first(kinds[best] - covered)
        covered |= kinds[best]
    return chosen


def _named_first(found: set[str]) -> list[str]:
    """« page d’accueil », « index de section »… before the elements and classes."""
    return sorted(found, key=lambda name: ("." in name or ":" in name, name))


def describe(chosen: dict[str, list[str]]) -> str:
    """The chosen pages, one a line, with a few of the components each brings."""
    return "\n".join(f"  {address} : {', '.join(brings[:6])}"
                     + (f" … (+{len(brings) - 6})" if len(brings) > 6 else "")
                     for address, brings in chosen.items())


def mkdocs_config(root: Path) -> dict:
    """``mkdocs.yml`` as plain data (its ``!!python`` and ``!ENV`` tags read as ``None``)."""
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader that reads any tag it does not know as ``None``."""

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def nav_files(items) -> list[str]:
    """Every page a nav (or a part of it) lists, in order."""
    files = []
    for item in items:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        files.extend(nav_files(value) if isinstance(value, list) else [value])
    return files
