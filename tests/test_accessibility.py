"""axe-core finds nothing to fix, in the light and the dark scheme, at desktop
width and on a 390 px phone, on one page of each kind of the built guide (which
also reflows at 320 px, RGAA 10.11: no sideways scrolling); in
both schemes on the forms showing their errors (with and without JavaScript),
on the confirmations, and in the coordinators' area.

The pages of each kind are chosen from what the build wrote
(support.site_pages.one_page_of_each_kind): together they hold every component
found anywhere in the site, the home and the 404 pages always. Every page is
held to the rules that need no browser by test_page_markup.py.

One browser, one context per scheme and situation, axe run once per page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from support.browser import (
    NARROW,
    PHONE,
    SCHEMES,
    assert_clean,
    fill_enrollment,
    log_in,
    one_page_of_each_kind_in_the_area,
    sideways_overflow,
    violations,
    wait_for_scheme,
)
from support.processes import Server, demo_programme
from support.site_pages import describe, one_page_of_each_kind

pytestmark = pytest.mark.browser

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
                                  reduced_motion="reduce", **PHONE)
    yield request.param, context
    context.close()


def open_page(context, url: str, *, scheme: str):
    page = context.new_page()
    page.goto(url)
    wait_for_scheme(page, scheme)
    return page


def axe_on_each_kind_of_page(server, built_site, axe, context, scheme: str, where: str):
    chosen = one_page_of_each_kind(built_site)
    print(f"[{where}] une page de chaque sorte ({len(chosen)}) :\n{describe(chosen)}")
    page = context.new_page()
    found = []
    for path in chosen:
        page.goto(server.url + path)
        wait_for_scheme(page, scheme)
        found += violations(axe, page, f"[{where}] {path}")
    return found


def test_one_page_of_each_kind(server, built_site, scheme_context, axe):
    scheme, context = scheme_context
    assert_clean(axe_on_each_kind_of_page(server, built_site, axe, context, scheme, scheme))


def test_one_page_of_each_kind_on_a_phone(server, built_site, phone_context, axe):
    scheme, context = phone_context
    assert_clean(axe_on_each_kind_of_page(server, built_site, axe, context, scheme,
                                          f"{scheme}, téléphone"))


def test_one_page_of_each_kind_reflows_at_320_px(server, built_site, browser):
    """At 320 px wide nothing but a wide table or code block scrolls sideways, and those
    scroll in their own box: the page itself never does (one scheme: colours do not
    change widths)."""
    context = browser.new_context(locale="fr-FR", reduced_motion="reduce", **NARROW)
    page = context.new_page()
    wider = []
    for path in dict.fromkeys([*one_page_of_each_kind(built_site), *FORMS]):
        page.goto(server.url + path)
        overflow = sideways_overflow(page)
        if overflow > 0:
            wider.append(f"{path} : {overflow} px de trop")
    context.close()
    assert wider == [], "défilement horizontal à 320 px :\n" + "\n".join(wider)


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


@pytest.fixture(scope="module")
def coordination_server(built_site, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("coordination-data")
    demo_programme(data_dir, COORDINATOR, "--participants", "24", "--seed", "3")
    server = Server(built_site, data_dir)
    yield server
    server.stop()


def test_coordination_area(coordination_server, scheme_context, axe):
    server = coordination_server
    scheme, context = scheme_context
    page = context.new_page()
    page.goto(server.url + "/coordination/connexion/")
    found = violations(axe, page, f"[{scheme}] /coordination/connexion/")
    log_in(page, server, *COORDINATOR)
    visited = []
    for path in one_page_of_each_kind_in_the_area(
            page, server, [urlsplit(page.url).path, *COORDINATION_PAGES],
            most=MAX_COORDINATION_PAGES):
        visited.append(path)
        found += violations(axe, page, f"[{scheme}] {path}")
    print(f"[{scheme}] coordination : {len(visited)} pages vérifiées : {', '.join(visited)}")
    assert len(visited) >= 4, visited
    assert_clean(found)
