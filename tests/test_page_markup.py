"""Every page of the built guide, read without a browser: what assistive
technology needs from the markup alone — French, a title, one h1 and no
skipped heading level, unique ids, text alternatives, named links, labelled
fields, tables with header cells.

axe-core checks more in a real browser (contrast, the theme's scripts), but on
one page of each kind only (test_accessibility.py): these rules cost nothing a
page, so they hold every page to them.
"""

from __future__ import annotations

import re

import pytest
from support.site_pages import built_pages, one_page_of_each_kind, page_kinds, read_page

HEADING = re.compile(r"h[1-6]")
# Inputs people type or tick into; buttons (submit, button, reset, image) are named
# by their value, hidden ones are never seen.
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@pytest.fixture(scope="module")
def pages(built_site) -> dict:
    """Address → the page's elements, for every page the build wrote."""
    found = {address: read_page(file.read_text(encoding="utf-8"))
             for address, file in built_pages(built_site).items()}
    assert len(found) > 30 and "/formulaires/inscription/" in found
    return found


def inside(elements, container) -> list:
    return [e for e in elements if container in e.ancestors]


def problems_on_every_page(pages, check) -> list[str]:
    return [f"{address} : {problem}" for address, elements in pages.items()
            for problem in check(elements)]


def test_every_page_is_in_french_and_has_a_title(pages):
    def check(elements):
        [html] = [e for e in elements if e.tag == "html"]
        if html.attrs.get("lang") != "fr":
            yield f'<html lang="{html.attrs.get("lang")}">'
        titles = [e.text.strip() for e in elements if e.tag == "title"]
        if len(titles) != 1 or not titles[0]:
            yield f"titres {titles}"

    assert problems_on_every_page(pages, check) == []


def test_every_page_has_one_h1_and_never_skips_a_heading_level(pages):
    def check(elements):
        headings = [e for e in elements if HEADING.fullmatch(e.tag)]
        if [e.tag for e in headings].count("h1") != 1:
            yield f"{[e.tag for e in headings].count('h1')} h1"
        level = 0  # the first heading is the h1: an h2 before it skips a level too
        for heading in headings:
            if int(heading.tag[1]) > level + 1:
                yield f"h{level} puis {heading.tag} « {heading.text.strip()[:50]} »"
            level = int(heading.tag[1])

    assert problems_on_every_page(pages, check) == []


def test_ids_are_unique_on_every_page(pages):
    def check(elements):
        ids = [e.attrs["id"] for e in elements if "id" in e.attrs]
        yield from sorted({f"id « {i} » ×{ids.count(i)}" for i in ids if ids.count(i) > 1})

    assert problems_on_every_page(pages, check) == []


def test_every_image_has_a_text_alternative(pages):
    # alt="" is a text alternative too: it says the image is decoration.
    def check(elements):
        yield from (f"{e} sans alt" for e in elements if e.tag == "img" and "alt" not in e.attrs)

    assert problems_on_every_page(pages, check) == []


def accessible_name(element, elements) -> str:
    """What a screen reader announces for a link: ARIA first, then its text and its
    images' alternatives, then its title."""
    return (element.attrs.get("aria-label", "").strip()
            or element.attrs.get("aria-labelledby", "").strip()
            or element.text.strip()
            or " ".join(e.attrs.get("alt", "") for e in inside(elements, element)
                        if e.tag == "img").strip()
            or element.attrs.get("title", "").strip())


def test_every_link_has_a_name(pages):
    def check(elements):
        for link in (e for e in elements if e.tag == "a" and "href" in e.attrs):
            if not accessible_name(link, elements):
                yield f"lien sans nom {link}"

    assert problems_on_every_page(pages, check) == []


def test_every_form_control_has_a_label(pages, built_site):
    # Material keeps the state of its drawer, search and table of contents in
    # checkboxes (input.md-toggle) that its stylesheet never shows: no one sees,
    # focuses or hears them, so they need no label (a page without a table of
    # contents keeps its unlabelled __toc toggle). Checked here, not assumed.
    [theme] = (built_site / "assets" / "stylesheets").glob("main.*.min.css")
    assert ".md-toggle{display:none}" in theme.read_text(encoding="utf-8")

    def check(elements):
        targets = {e.attrs["for"] for e in elements if e.tag == "label" and e.attrs.get("for")}
        for control in elements:
            if control.tag == "input":
                if (control.attrs.get("type", "text") in UNLABELLED_TYPES
                        or "md-toggle" in control.classes):
                    continue
            elif control.tag not in ("select", "textarea"):
                continue
            if not (control.attrs.get("id", "") in targets or control.inside("label")
                    or control.attrs.get("aria-label", "").strip()
                    or control.attrs.get("aria-labelledby", "").strip()):
                yield f"champ sans étiquette {control}"

    assert problems_on_every_page(pages, check) == []


def test_every_table_has_header_cells(pages):
    def check(elements):
        for table in (e for e in elements if e.tag == "table"):
            if not any(e.tag == "th" for e in inside(elements, table)):
                yield f"tableau sans <th> après « {table.text.strip()[:50]} »"

    assert problems_on_every_page(pages, check) == []


# ------------------------------------------------------- one page of each kind, for the browser


def test_the_pages_of_each_kind_hold_every_component_of_the_site(built_site):
    kinds = page_kinds(built_site)
    chosen = one_page_of_each_kind(built_site)
    assert set().union(*(kinds[a] for a in chosen)) == set().union(*kinds.values())
    assert list(chosen)[:2] == ["/", "/cette-page-n-existe-pas/"]
    assert len(chosen) <= len(kinds) / 2, "le choix ne fait plus gagner de temps"
    # What the guide is made of today is recognised: a new kind would be too.
    everything = set().union(*kinds.values())
    for component in ("page d’accueil", "page introuvable", "index de section", "form",
                      "div.mentorat-modele", "téléchargement .odt", "table", "details",
                      "div.admonition", "dl", "ul.task-list", "div.highlight", "blockquote",
                      "feuille de style formulaires.css"):
        assert component in everything, component
