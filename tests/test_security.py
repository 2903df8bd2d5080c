"""Security headers on every response: static files, Flask pages, errors;
a Content-Security-Policy that no built page breaks (read without a browser:
no inline style or event handler, every inline script allowed by its hash in
the header the page is served with) and that a real Chromium accepts, on one
page of each kind and on every page Flask answers; pages that fetch nothing
from another host."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from support.browser import load_side_by_side
from support.people import MENTEE, enroll_on
from support.service import JSON
from support.site_pages import built_pages, one_page_of_each_kind, read_page

from forms_service.web.static_site import FORM_MANIFEST

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


# ------------------------------------------------------- what would break the policy, statically

# Scripts of these types run; any other type (application/json…) is data.
RUNNING_TYPES = {"", "text/javascript", "application/javascript", "module"}
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "poster", "xlink:href")


def breaks_the_policy(elements, allowed_scripts: set[str]):
    """What in a page the policy would refuse: style-src 'self' refuses style
    attributes and <style> elements, script-src refuses event-handler attributes,
    javascript: URLs and any inline script whose hash it does not list."""
    for element in elements:
        if element.tag == "style":
            yield f"<style> « {element.text.strip()[:40]} »"
        if "style" in element.attrs:
            yield f'{element} style="{element.attrs["style"]}"'
        for name in element.attrs:
            if name.startswith("on"):
                yield f"{element} {name}=…"
        for name in URL_ATTRIBUTES:
            if element.attrs.get(name, "").strip().lower().startswith("javascript:"):
                yield f"{element} {name}=javascript:…"
        if (element.tag == "script" and "src" not in element.attrs
                and element.attrs.get("type", "").lower() in RUNNING_TYPES
                and sha256_source(element.text) not in allowed_scripts):
            yield f"script en ligne non autorisé « {element.text.strip()[:40]} »"


def test_no_built_page_holds_what_the_policy_refuses(client, built_site):
    checked = inline = 0
    problems = []
    for address, file in built_pages(built_site).items():
        with client.get(address) as response:  # as served: by WhiteNoise or by Flask
            policy = directives(response.headers["Content-Security-Policy"])
        elements = read_page(file.read_text(encoding="utf-8"))
        problems += [f"{address} : {p}"
                     for p in breaks_the_policy(elements, set(policy["script-src"].split()))]
        checked += 1
        inline += sum(e.tag == "script" and "src" not in e.attrs for e in elements)
    assert checked > 30 and inline > checked, "Material writes inline scripts: none was read"
    assert problems == []


def test_the_static_check_finds_what_the_policy_refuses():
    hashed = "console.log(1)"
    page = read_page(f"""<html><head><style>p {{}}</style></head><body>
        <p style="color: red">rouge</p><img src="x.png" onerror="alert(1)" alt="">
        <a href="JavaScript:alert(1)">lien</a><script>{hashed}</script><script>alert(2)</script>
        <script type="application/json">{{"donnée": 1}}</script><script src="a.js"></script>
        </body></html>""")
    found = list(breaks_the_policy(page, {sha256_source(hashed)}))
    assert len(found) == 5, found
    assert [p for p in found if "alert(2)" in p] and [p for p in found if "onerror" in p]


# ----------------------------------------------------------------------- in a real browser

# The pages Flask answers itself, besides the forms' pages (the built manifest lists them).
FLASK_PAGES = ["/formulaires/merci/", "/formulaires/mon-inscription/",
               "/formulaires/rencontre/", "/formulaires/refus/", "/coordination/"]
CSP_VIOLATION = ("Content Security Policy", "Content-Security-Policy")


def pages_for_the_browser(site: Path) -> list[str]:
    """One page of each kind of the built guide, and every page Flask answers."""
    forms = json.loads((site / FORM_MANIFEST).read_text(encoding="utf-8"))
    found = list(one_page_of_each_kind(site))
    found += [p for p in ["/" + page for page in forms] + FLASK_PAGES if p not in found]
    return found


@pytest.fixture(scope="module")
def browsed(server, browser, built_site):
    """Chromium on every page of pages_for_the_browser and the personal page, then
    a search and the palette toggle on the home page (the search runs in a worker,
    the toggle in Material's script), recording CSP violations and requests."""
    context = browser.new_context(locale="fr-FR")
    seen = SimpleNamespace(violations=[], context=context)
    requests: list[str] = []
    context.on("console", lambda m: seen.violations.append(f"{m.page.url if m.page else '?'}: "
                                                           f"{m.text}")
               if any(words in m.text for words in CSP_VIOLATION) else None)
    context.on("request", lambda r: requests.append(r.url))
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));")
    seen.paths = pages_for_the_browser(built_site)
    seen.paths.append(enroll_on(server, "csp.navigateur@exemple.fr"))  # the personal page
    seen.responses = load_side_by_side(context, [server.url + p for p in seen.paths])
    seen.page = page = context.new_page()
    page.goto(server.url + "/")
    page.locator("label.md-header__button[for^='__palette']").first.click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    page.keyboard.press("s")
    page.keyboard.type("mentor")
    page.locator(".md-search-result__item").first.wait_for()  # the worker answered
    seen.requests = list(requests)  # what the pages asked for, before any test adds to it
    yield seen
    context.close()


@pytest.mark.browser
def test_no_page_breaks_the_content_security_policy(browsed):
    for path, response in zip(browsed.paths, browsed.responses, strict=True):
        assert response is not None and "content-security-policy" in response.headers, path
    assert browsed.violations == []
    # The listener itself works: an inline style attribute added now is refused and reported.
    page = browsed.page
    with page.expect_console_message(lambda m: any(w in m.text for w in CSP_VIOLATION)):
        page.evaluate("document.body.insertAdjacentHTML('beforeend', "
                      "'<p style=\"color: red\">canari</p><img src=\"http://192.0.2.1/x.png\">')")
    assert browsed.violations, "a CSP violation should have been reported"


@pytest.mark.browser
def test_no_page_requests_anything_from_another_host(browsed, server):
    here = f"127.0.0.1:{server.port}"
    outside = [url for url in browsed.requests
               if urlsplit(url).netloc not in ("", here) and not url.startswith("data:")]
    assert len(browsed.requests) > len(browsed.paths)  # pages, their assets, the search index
    assert outside == []
