"""Security headers on every response: static files, Flask pages, errors;
a Content-Security-Policy that a real Chromium accepts on every page."""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.parse
from pathlib import Path
from xml.etree import ElementTree

import pytest
from support.people import MENTEE, enroll_on
from support.service import JSON

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(policy: str) -> dict[str, str]:
    found = {}
    for part in policy.split(";"):
        name, _sep, value = part.strip().partition(" ")
        found[name] = value.strip()
    return found


def inline_scripts(site: Path) -> set[str]:
    """The bodies the browser runs: inline <script> without src, data blocks excluded."""
    bodies = set()
    for page in site.rglob("*.html"):
        for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>",
                                      page.read_text(encoding="utf-8"), re.S):
            if "src=" not in attrs and "application/json" not in attrs:
                bodies.add(body)
    return bodies


def sha256_source(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def assert_secure(response, *, https: bool = False) -> None:
    headers = response.headers
    policy = directives(headers["Content-Security-Policy"])
    for name, value in REQUIRED_DIRECTIVES.items():
        assert policy[name] == value, (name, policy.get(name))
    script = policy["script-src"].split()
    assert script[0] == "'self'" and "'unsafe-inline'" not in script
    assert all(s.startswith("'sha256-") for s in script[1:])
    assert headers["X-Content-Type-Options"] == "nosniff"
    # Pages reached by a personal link send no referrer at all (the token stays in the URL bar).
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin",
                                          "no-referrer")
    assert ("Strict-Transport-Security" in headers) is https


@pytest.fixture
def erroring_app(make_app, steady_minute):
    app = make_app(rate_limit="1/minute", max_content_length=2048)

    @app.route("/api/boum")
    def boom():
        raise RuntimeError("boum")

    return app


@pytest.mark.parametrize("path", [
    "/", "/charte/", "/guides/ecoute-active/", "/assets/mentorat/site.css",
    "/assets/mentorat/formulaires.js", "/sitemap.xml", "/search/search_index.json",
])
def test_static_files_carry_the_headers(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
        assert_secure(response)


@pytest.mark.parametrize("path", ["/formulaires/inscription/", "/formulaires/retour/",
                                  "/formulaires/merci/", "/formulaires/mon-inscription/",
                                  "/healthz"])
def test_flask_pages_carry_the_headers(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
        assert_secure(response)


def test_error_pages_carry_the_headers(erroring_app):
    client = erroring_app.test_client()
    with client.get("/nulle-part/") as response:  # 404, HTML
        assert response.status_code == 404
        assert_secure(response)
    assert_secure(client.get("/api/rien", headers=JSON))  # 404, JSON
    assert_secure(client.get("/api/formulaires/enrollment"))  # 405
    big = client.post("/api/formulaires/feedback", data={"what_works": "x" * 5000})
    assert big.status_code == 413
    assert_secure(big)
    first = client.post("/api/formulaires/feedback", data={}, headers=JSON)
    limited = client.post("/api/formulaires/feedback", data={}, headers=JSON)
    assert (first.status_code, limited.status_code) == (400, 429)
    assert_secure(limited)
    crashed = client.get("/api/boum", headers=JSON)
    assert crashed.status_code == 500
    assert "Une erreur inattendue" in crashed.get_json()["message"]
    assert_secure(crashed)


def test_every_inline_script_of_the_built_site_is_allowed_by_its_hash(client, built_site):
    with client.get("/") as response:
        policy = directives(response.headers["Content-Security-Policy"])
    allowed = set(policy["script-src"].split()[1:])
    bodies = inline_scripts(built_site)
    assert bodies, "Material writes inline scripts: the scan found none"
    assert {sha256_source(body) for body in bodies} == allowed


def test_json_data_blocks_are_not_hashed(client, built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    config = re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S)
    assert config
    with client.get("/") as response:
        assert sha256_source(config.group(1)) not in response.headers["Content-Security-Policy"]


def test_hsts_only_over_https(make_app):
    secure = make_app(base_url="https://mentorat.exemple.fr")
    with secure.test_client().get("/charte/") as response:
        assert_secure(response, https=True)
        assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert_secure(secure.test_client().get("/formulaires/inscription/"), https=True)


def test_preview_origin_may_receive_the_forms(make_app):
    preview = "http://127.0.0.1:8001"
    app = make_app(preview_origin=preview)
    with app.test_client().get("/") as response:
        policy = directives(response.headers["Content-Security-Policy"])
    assert policy["form-action"] == f"'self' {preview}"


def test_the_sessionless_blueprints_are_not_asked_for_a_csrf_token(client):
    response = client.post("/api/formulaires/enrollment", data=MENTEE, headers=JSON)
    assert response.status_code == 201


# ----------------------------------------------------------------------- in a real browser


def site_paths(site: Path) -> list[str]:
    """Every page of the built site, from its sitemap, plus the pages Flask answers."""
    tree = ElementTree.parse(site / "sitemap.xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    paths = [urllib.parse.urlsplit(loc.text).path for loc in tree.findall(".//s:loc", namespace)]
    extra = ["/formulaires/merci/", "/formulaires/mon-inscription/", "/nulle-part/",
             "/coordination/"]
    return sorted(set(paths) | set(extra))


@pytest.mark.browser
def test_no_page_breaks_the_content_security_policy(server, page, built_site):
    violations: list[str] = []
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
            else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));")
    paths = site_paths(built_site)
    assert len(paths) >= 20
    paths.append(enroll_on(server, "csp.navigateur@exemple.fr"))
    for path in paths:
        response = page.goto(server.url + path)
        assert response is not None and "content-security-policy" in response.headers, path
        page.wait_for_load_state("networkidle")
    # The search runs in a worker and the palette toggle in Material's script.
    page.goto(server.url + "/")
    page.locator("label.md-header__button[for^='__palette']").first.click()
    page.keyboard.press("s")
    page.keyboard.type("mentor")
    page.wait_for_timeout(500)
    assert violations == []
    # The listener itself works: an inline style attribute added now is refused and reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', "
                  "'<p style=\"color: red\">canari</p><img src=\"http://192.0.2.1/x.png\">')")
    page.wait_for_timeout(300)
    assert violations, "a CSP violation should have been reported"
