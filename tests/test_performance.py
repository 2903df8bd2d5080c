"""A light site: every page described, compressed, cached the right way, and
the forms' stylesheet and script only where a form is. (The sizes a browser
receives are measured by bench/pages.py; these are the rules behind them.)"""

from __future__ import annotations

import re

import brotli
import pytest
from support.service import ROOT

from forms_service.forms.render import placeholder


def html_pages(site):
    return sorted(site.rglob("*.html"))


def meta_description(html: str) -> str | None:
    match = re.search(r'<meta name="description" content="([^"]*)"', html)
    return match.group(1) if match else None


def test_every_page_has_its_own_description(built_site):
    pages = html_pages(built_site)
    assert (built_site / "404.html") in pages
    descriptions = {}
    for path in pages:
        description = meta_description(path.read_text(encoding="utf-8"))
        assert description and len(description) >= 50, path
        descriptions[path] = description
    guide = [d for p, d in descriptions.items() if p.name == "index.html"]
    # Each page says what it holds: the site's description is the 404's alone.
    assert len(set(guide)) == len(guide)


def test_forms_assets_only_on_pages_holding_a_form(built_site):
    for path in html_pages(built_site):
        html = path.read_text(encoding="utf-8")
        if "data-mentorat-form" in html:
            assert "formulaires.css" in html and "formulaires.js" in html, path
        # (a form page of the service may get its form when Flask answers it)
        elif path.parent.parent.name != "formulaires":
            assert "formulaires.css" not in html and "formulaires.js" not in html, path


def test_forms_script_is_small_and_needs_no_framework():
    script = (ROOT / "overrides/assets/mentorat/formulaires.js").read_text(encoding="utf-8")
    assert len(script.encode()) < 10_000
    assert "import " not in script and "require(" not in script


def test_the_build_leaves_brotli_and_gzip_beside_each_text_file(built_site):
    for pattern in ("*.html", "*.css", "*.js", "*.json", "*.xml"):
        for path in built_site.rglob(pattern):
            if path.stat().st_size > 1024:
                assert path.with_name(path.name + ".br").exists(), path
                assert path.with_name(path.name + ".gz").exists(), path


def test_fingerprinted_assets_are_cached_for_good_and_pages_revalidate(client, built_site):
    [bundle] = (built_site / "assets/javascripts").glob("bundle.*.min.js")
    with client.get(f"/assets/javascripts/{bundle.name}") as response:
        cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=315360000" in cache
    for path in ("/charte/", "/assets/mentorat/site.css", "/search/search_index.json"):
        with client.get(path) as response:
            headers = response.headers
        assert headers["Cache-Control"].startswith("max-age=0"), path
        assert headers.get("ETag") and headers.get("Last-Modified"), path
        with client.get(path, headers={"If-None-Match": headers["ETag"]}) as again:
            assert again.status_code == 304, path


@pytest.mark.parametrize("path", ["/formulaires/inscription/", "/formulaires/retour/",
                                  "/formulaires/merci/", "/formulaires/mon-inscription/"])
def test_pages_flask_answers_are_compressed_too(client, path):
    plain = client.get(path).get_data(as_text=True)
    response = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    html = brotli.decompress(response.get_data()).decode()
    assert html.lstrip().startswith("<!doctype html>") and len(response.get_data()) < len(plain) / 3
    if path in ("/formulaires/inscription/", "/formulaires/retour/"):
        key = "enrollment" if "inscription" in path else "feedback"
        # The built page's placeholder is replaced by a signed render time of this form.
        assert placeholder(key) not in html
        assert re.search(rf'name="rendu" value="{key}\|{path.strip("/")}/\.[^"]+"', html)
    gzipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"


def test_answers_that_echo_input_are_not_compressed(client):
    # A page echoing what was typed, compressed, could leak a secret beside it (BREACH).
    response = client.post("/api/formulaires/enrollment", data={"name": "x"},
                           headers={"Accept-Encoding": "br, gzip", "Accept": "text/html"})
    assert response.status_code == 400 and "Content-Encoding" not in response.headers
    for personal in ("/formulaires/retour/?lien=abc", "/formulaires/mon-inscription/?lien=abc"):
        response = client.get(personal, headers={"Accept-Encoding": "br"})
        assert "Content-Encoding" not in response.headers, personal
