"""The guide: strict build, French, complete, original, self-contained."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support.content_rules import prose, shared_sequences, word_count
from support.service import ROOT
from support.site_pages import mkdocs_config, nav_files

DOCS = ROOT / "docs"
NBSPS = "\u00a0\u202f"


CONFIG = mkdocs_config(ROOT)
NAV = nav_files(CONFIG["nav"])
NOT_IN_NAV = [line.strip().lstrip("/") for line in CONFIG["not_in_nav"].splitlines() if line.strip()]
# Excluded from the build (the shared texts pages include, docs/includes/): not pages.
EXCLUDED = [line.strip().lstrip("/") for line in CONFIG["exclude_docs"].splitlines()
            if line.strip()]


def test_every_page_is_in_the_nav_or_declared_outside_it():
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")
                   if not str(p.relative_to(DOCS)).startswith(tuple(EXCLUDED)))
    assert [p for p in pages if p not in NAV and p not in NOT_IN_NAV] == []
    assert [p for p in NAV if not (DOCS / p).exists()] == []


@pytest.mark.parametrize("page", NAV)
def test_navigation_page_is_real_content(page):
    source = (DOCS / page).read_text(encoding="utf-8")
    assert word_count(source) >= 150, f"{page} : page trop courte"
    assert re.search(r"^description: .{60,}", source, re.M), f"{page} : description manquante"


def test_the_guide_holds_at_least_15000_words():
    total = sum(word_count(p.read_text(encoding="utf-8")) for p in DOCS.rglob("*.md"))
    assert total >= 15000


@pytest.mark.parametrize("page", sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")))
def test_no_sentence_is_taken_from_the_background_text(page):
    assert shared_sequences((DOCS / page).read_text(encoding="utf-8")) == []


def test_word_count_ignores_front_matter_code_and_tags():
    source = "---\ndescription: un deux trois\n---\n# Titre\n\n```\ncode ici\n```\n<b>mot</b> `x`\n"
    assert prose(source).split() == ["#", "Titre", "mot"]
    assert word_count(source) == 2


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class _Assets(HTMLParser):
    """Collect every URL a page makes the browser fetch."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href") and set((attrs.get("rel") or "").split()) & {
            "stylesheet", "icon", "preload", "modulepreload", "manifest", "apple-touch-icon"
        }:
            self.urls.append(attrs["href"])


def _external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme not in ("", "data")


# What the pages' scripts fetch once running is watched in Chromium: test_security.py.
def test_every_page_is_french_and_loads_nothing_from_another_host(built_site):
    pages = _pages(built_site)
    assert len(pages) >= len(NAV)
    for path in pages:
        parser = _Assets()
        parser.feed(path.read_text(encoding="utf-8"))
        assert parser.lang == "fr", path
        assert [u for u in parser.urls if _external(u)] == [], path


def test_stylesheets_load_nothing_from_another_host(built_site):
    for css in built_site.rglob("*.css"):
        urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8"))
        assert [u for u in urls if _external(u)] == [], css


_TEXT = re.compile(r"<(script|style|pre|code)\b.*?</\1>|<[^>]+>", re.S)


def _typography(html: str) -> tuple[int, int]:
    """Count French high punctuation and how much of it has its non-breaking space."""
    text = unescape(_TEXT.sub(" ", html))
    right = total = 0
    for match in re.finditer(r"(.)([;:!?»])(?=\s|$)|(«)(.)", text):
        before, mark, opening, after = match.groups()
        if opening:
            total += 1
            right += after in NBSPS
        elif mark and (before.isalpha() or before in NBSPS + " )"):
            total += 1
            right += before in NBSPS
    return right, total


def test_french_typography_on_rendered_pages(built_site):
    right = total = 0
    for path in _pages(built_site):
        r, t = _typography(path.read_text(encoding="utf-8"))
        right, total = right + r, total + t
    assert total > 500
    assert right / total >= 0.9, f"{right}/{total}"


@pytest.mark.parametrize("text, expected", [
    ("Oui : non ; peut-être ? Certes !", "Oui\u00a0: non\u202f; peut-être\u202f? Certes\u202f!"),
    ("« Bonjour »", "«\u00a0Bonjour\u00a0»"),
    ("Note: voir", "Note\u00a0: voir"),
    ("R&amp;D &amp; co", "R&amp;D &amp; co"),
    ("10:30 et https://a.fr/?x=1", "10:30 et https://a.fr/?x=1"),
])
def test_french_spacing(text, expected):
    from forms_service.typography import french_spacing

    assert french_spacing(text) == expected


def test_typesetting_leaves_code_and_scripts_alone():
    from forms_service.typography import typeset

    html = '<p>Question ?</p><code>a ? b</code><script>x = a ? b : c;</script>'
    assert typeset(html) == '<p>Question\u202f?</p><code>a ? b</code><script>x = a ? b : c;</script>'


def test_no_forge_link_or_edit_pencil_until_an_organisation_adds_its_own(built_site):
    # Issue 12: mkdocs.yml ships without repo_url/edit_uri (the README says how to add them).
    page = (built_site / "charte" / "index.html").read_text(encoding="utf-8")
    assert "edit/main/docs/charte.md" not in page and "forge.example.org" not in page
    assert 'data-md-component="source"' not in page


def test_print_hides_the_chrome(built_site):
    css = (built_site / "assets" / "mentorat" / "site.css").read_text(encoding="utf-8")
    block = css[css.index("@media print"):]
    for selector in (".md-header", ".md-sidebar", ".md-footer", ".md-search", ".md-tabs"):
        assert selector in block


def built_page(site: Path, source: str) -> Path:
    """Where MkDocs writes a page: charte.md → charte/index.html."""
    stem = source.removesuffix(".md")
    folder = stem.removesuffix("index") if stem.endswith("index") else stem + "/"
    return site / folder / "index.html"


def test_every_guide_page_shows_its_last_update(built_site):
    for page in NAV:
        html = built_page(built_site, page).read_text(encoding="utf-8")
        assert "git-revision-date-localized-plugin-date" in html, page
        assert re.search(r'<meta name="description" content=".{60,}">', html), page


def test_no_page_shows_a_placeholder_forge_or_an_english_footer(built_site):
    for path in built_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "forge.example.org" not in html, path
        assert "Made with" not in html, path
        assert 'class="md-source"' not in html and "md-content__button" not in html, path
    footer = (built_site / "index.html").read_text(encoding="utf-8")
    assert "Réalisé avec" in footer and "MkDocs</a>" in footer
    assert "Material for MkDocs</a>" in footer
