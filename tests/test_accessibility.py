"""axe-core finds nothing to fix, in the light and the dark scheme, on every
page of the built guide, on the forms showing their errors (with and without
JavaScript), on the confirmations, and in the coordinators' area.

One browser, one context per scheme and situation, axe run once per page:
the whole file stays well under three minutes on a small machine.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from urllib.parse import urlsplit

import pytest
from support.browser import assert_clean, fill_enrollment, violations
from support.service import ROOT

pytestmark = pytest.mark.browser

SCHEMES = ["light", "dark"]
FORMS = {  # page → the button that sends its form
    "/formulaires/inscription/": "Envoyer mon inscription",
    "/formulaires/retour/": "Envoyer mon retour",
}
# The forms' own script: blocking it makes the browser post the form the way
# a browser without JavaScript does, so the service answers with a page
# (errors next to the fields, or the confirmation), while Material's script
# still applies the dark scheme the person asked for.
FORMS_SCRIPT = "**/assets/mentorat/formulaires.js"


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def site_pages(server) -> list[str]:
    """Every page of the sitemap, on the test server, plus the "not found" page."""
    with urllib.request.urlopen(server.url + "/sitemap.xml") as response:
        sitemap = response.read().decode()
    paths = [re.sub(r"^https?://[^/]+", "", loc) for loc in re.findall(r"<loc>(.*?)</loc>", sitemap)]
    assert len(paths) > 10 and "/formulaires/inscription/" in paths, paths
    return paths + ["/cette-page-n-existe-pas/"]


@pytest.fixture(params=SCHEMES)
def scheme_context(request, browser):
    """A browser context whose system preference is the light or the dark scheme."""
    context = browser.new_context(locale="fr-FR", color_scheme=request.param,
                                  reduced_motion="reduce")
    yield request.param, context
    context.close()


@pytest.fixture(params=SCHEMES)
def phone_context(request, browser):
    """The same on a phone: Material shows its drawer instead of tabs and sidebars."""
    context = browser.new_context(locale="fr-FR", color_scheme=request.param,
                                  reduced_motion="reduce", viewport={"width": 390, "height": 844},
                                  device_scale_factor=3, is_mobile=True, has_touch=True)
    yield request.param, context
    context.close()


def wait_for_scheme(page, scheme: str) -> None:
    """Material applies the scheme from the media query once its script runs."""
    expected = "slate" if scheme == "dark" else "default"
    page.wait_for_function(
        f"document.body.getAttribute('data-md-color-scheme') === '{expected}'")


def open_page(context, url: str, *, scheme: str):
    page = context.new_page()
    page.goto(url)
    wait_for_scheme(page, scheme)
    return page


def test_every_page_of_the_guide(server, scheme_context, axe):
    scheme, context = scheme_context
    page = context.new_page()
    found = []
    for path in site_pages(server):
        page.goto(server.url + path)
        wait_for_scheme(page, scheme)
        found += violations(axe, page, f"[{scheme}] {path}")
    assert_clean(found)


def test_every_page_of_the_guide_on_a_phone(server, phone_context, axe):
    scheme, context = phone_context
    page = context.new_page()
    found = []
    for path in site_pages(server):
        page.goto(server.url + path)
        wait_for_scheme(page, scheme)
        found += violations(axe, page, f"[{scheme}, téléphone] {path}")
    assert_clean(found)


def test_forms_showing_their_errors_with_javascript(server, scheme_context, axe):
    scheme, context = scheme_context
    found = []
    for path, button in FORMS.items():
        page = open_page(context, server.url + path, scheme=scheme)
        page.get_by_role("button", name=button).click()
        page.locator(".mentorat-summary:not([hidden])").wait_for()
        page.locator(".mentorat-error:not([hidden])").first.wait_for()
        found += violations(axe, page, f"[{scheme}, JS] {path} avec erreurs")
        page.close()
    assert_clean(found)


def test_forms_showing_their_errors_without_javascript(server, scheme_context, axe):
    scheme, context = scheme_context
    context.route(FORMS_SCRIPT, lambda route: route.abort())
    found = []
    for path, button in FORMS.items():
        page = open_page(context, server.url + path, scheme=scheme)
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()
        assert "/api/formulaires/" in page.url  # the service's own page, not the script
        page.locator(".mentorat-summary").wait_for()
        found += violations(axe, page, f"[{scheme}, sans JS] {path} avec erreurs")
        page.close()
    assert_clean(found)


def test_confirmations(server, scheme_context, axe):
    scheme, context = scheme_context
    found = []
    # With JavaScript: the confirmation replaces the form in the page.
    page = open_page(context, server.url + "/formulaires/inscription/", scheme=scheme)
    fill_enrollment(page, name="Awa Diallo", email=f"awa.diallo.js.{scheme}@exemple.fr",
                    role="Mentoré·e")
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.locator(".mentorat-confirmation .mentorat-reference").wait_for()
    found += violations(axe, page, f"[{scheme}, JS] confirmation dans la page")
    page.close()
    # Without: the service redirects to its "merci" page.
    context.route(FORMS_SCRIPT, lambda route: route.abort())
    page = open_page(context, server.url + "/formulaires/inscription/", scheme=scheme)
    fill_enrollment(page, name="Awa Diallo", email=f"awa.diallo.{scheme}@exemple.fr",
                    role="Mentoré·e")
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.wait_for_url("**/formulaires/merci/**")
    page.locator(".mentorat-reference").wait_for()
    found += violations(axe, page, f"[{scheme}, sans JS] {page.url.split('/', 3)[3]}")
    page.close()
    assert_clean(found)


# --- The coordinators' area -------------------------------------------------
# Pages behind the login, visited once logged in, on a programme filled by
# `mentorat demo` so lists, details and follow-ups have something to show.
# The area's pages are found by following its links (one page per kind:
# /inscriptions/12/ stands for every enrollment); list here any other page
# to check (a path, e.g. "/coordination/audit/").
COORDINATION_PAGES: list[str] = []
COORDINATOR = ("coordination.a11y@exemple.fr", "un mot de passe assez long")
MAX_COORDINATION_PAGES = 30


def mentorat(data_dir, *args: str, input: str | None = None) -> None:
    """Run the `mentorat` CLI on a data directory, the service being stopped."""
    env = {**os.environ, "MENTORAT_DATA_DIR": str(data_dir), "MENTORAT_SMTP_HOST": ""}
    result = subprocess.run([sys.executable, "-m", "forms_service.cli", *args], env=env,
                            cwd=ROOT, capture_output=True, text=True, input=input)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def coordination_server(built_site, tmp_path_factory):
    from support.processes import Server

    data_dir = tmp_path_factory.mktemp("coordination-data")
    mentorat(data_dir, "demo", "--participants", "24", "--seed", "3")
    email, password = COORDINATOR
    mentorat(data_dir, "coordinator", "add", email, "--password-stdin", input=password + "\n")
    server = Server(built_site, data_dir)
    yield server
    server.stop()


def page_kind(path: str) -> str:
    """/coordination/inscriptions/12/ and /coordination/inscriptions/31/ are one kind."""
    return re.sub(r"/[^/]*\d[^/]*(?=/)", "/N", path)


def area_links(page) -> list[str]:
    links = page.eval_on_selector_all(
        "a[href]", "links => links.map(a => new URL(a.href, location.href).pathname)")
    # Pages only: not a download (…/export.csv), not the logout (a form anyway).
    return [p for p in links if p.startswith("/coordination/") and p.endswith("/")
            and "deconnexion" not in p and "connexion" not in p]


def test_coordination_area(coordination_server, scheme_context, axe):
    server = coordination_server
    scheme, context = scheme_context
    email, password = COORDINATOR
    page = context.new_page()
    page.goto(server.url + "/coordination/connexion/")
    found = violations(axe, page, f"[{scheme}] /coordination/connexion/")
    login = page.locator("form:has(input[type=password])")
    login.locator("input[type=email]").fill(email)
    login.locator("input[type=password]").fill(password)
    with page.expect_navigation():
        login.locator("[type=submit]").click()
    assert "/connexion/" not in page.url, "la connexion a échoué"
    to_visit = [urlsplit(page.url).path, *COORDINATION_PAGES]
    seen_kinds: set[str] = set()
    visited = []
    while to_visit and len(visited) < MAX_COORDINATION_PAGES:
        path = to_visit.pop(0)
        if page_kind(path) in seen_kinds:
            continue
        seen_kinds.add(page_kind(path))
        response = page.goto(server.url + path)
        assert response.ok, f"{path} : {response.status}"
        visited.append(path)
        found += violations(axe, page, f"[{scheme}] {path}")
        to_visit += area_links(page)
    print(f"[{scheme}] coordination : {len(visited)} pages vérifiées : {', '.join(visited)}")
    assert len(visited) >= 4, visited
    assert_clean(found)
