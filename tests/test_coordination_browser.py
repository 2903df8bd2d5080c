"""The matching worklist in a real browser, on `mentorat demo` data, at 1280 px and at 390 px.

A coordinator confirms, rejects and replaces suggestions without losing their
place (with JavaScript: answered in place; without: back to the same page and
row); no coordinator page scrolls sideways at 390 px, none is taller than
12,000 px at 1280 px. axe-core is run on these pages by test_accessibility.py.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from support.browser import (
    SCHEMES,
    assert_clean,
    log_in,
    one_page_of_each_kind_in_the_area,
    violations,
)
from support.processes import Server, demo_programme

pytestmark = pytest.mark.browser

COORDINATOR = ("coordination.ecrans@exemple.fr", "un mot de passe assez long")
WIDTHS = {"bureau": 1280, "telephone": 390}
MAX_HEIGHT = 12_000
# Pages reached by a form or a query rather than a link, checked as well.
EXTRA_PAGES = ["/coordination/suivi/?vue=points", "/coordination/suivi/?vue=actifs",
               "/coordination/appariement/?page=2", "/coordination/journal/"]


@pytest.fixture(scope="module")
def demo_server(built_site, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo-ecrans")
    demo_programme(data_dir, COORDINATOR, "--seed", "13")
    server = Server(built_site, data_dir)
    yield server
    server.stop()


def logged_in(browser, server, width: int, javascript: bool = True):
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900},
                                  java_script_enabled=javascript, reduced_motion="reduce")
    page = context.new_page()
    log_in(page, server, *COORDINATOR)
    return context, page


def cards(page) -> list[str]:
    return page.eval_on_selector_all("li[id^=proposition-]", "rows => rows.map(r => r.id)")


@pytest.mark.parametrize("screen", WIDTHS)
def test_confirm_reject_and_replace_in_place_with_javascript(browser, demo_server, screen):
    context, page = logged_in(browser, demo_server, WIDTHS[screen])
    page.goto(demo_server.url + "/coordination/appariement/?page=2")
    before = cards(page)
    assert len(before) >= 3, "pas assez de propositions en page 2"
    for row_id, button in ((before[1], "Confirmer"), (before[2], "Écarter")):
        row = page.locator(f"#{row_id}")
        row.scroll_into_view_if_needed()
        scrolled = page.evaluate("window.scrollY")
        row.locator(f"button:text-is('{button}')").click()
        message = row.locator(".mentorat-flash")
        message.wait_for()
        assert "page=2" in page.url
        text = message.inner_text()
        assert ("en attente d’envoi" in text) if button == "Confirmer" else ("écartée" in text)
        # Same page, the row still there, the view where it was.
        assert abs(page.evaluate("window.scrollY") - scrolled) < 400
        assert page.locator(f"#{row_id}.mentorat-card--done").count() == 1
    # Replace by hand: the list of compatible mentors, a confirmation, then back to page 2.
    row = page.locator(f"#{before[0]}")
    toggle = row.locator("summary")
    if toggle.count():
        toggle.click()
        with page.expect_navigation():
            row.get_by_role("button", name="Voir ce binôme").click()
        assert "/appariement/choisir/" in page.url
        page.locator("#a-confirmer").wait_for()
        assert page.locator("text=À confirmer").count() == 1
        with page.expect_navigation():
            page.get_by_role("button", name="Confirmer ce binôme et préparer les e-mails").click()
        assert "/appariement/" in page.url and "page=2" in page.url
        assert "Binôme confirmé" in page.locator("[role=status]").all_inner_texts()[0]
    context.close()


def test_without_javascript_an_action_comes_back_to_the_same_page_and_row(browser, demo_server):
    context, page = logged_in(browser, demo_server, 1280, javascript=False)
    page.goto(demo_server.url + "/coordination/appariement/?page=2")
    rows = cards(page)
    with page.expect_navigation():
        page.locator(f"#{rows[0]} button:text-is('Écarter')").click()
    parts = urlsplit(page.url)
    assert "page=2" in parts.query and parts.fragment == rows[1]
    flash = page.locator(f"li.mentorat-after + #{rows[1]}")
    assert flash.count() == 1
    assert "écartée" in page.locator("li.mentorat-after [role=status]").inner_text()
    context.close()


@pytest.mark.parametrize("screen", WIDTHS)
def test_no_page_scrolls_sideways_on_a_phone_nor_runs_too_long(browser, demo_server, screen):
    width = WIDTHS[screen]
    context, page = logged_in(browser, demo_server, width)
    problems = []
    pages = []
    # One page of each kind reachable from the area's links, plus the extra pages.
    for path in one_page_of_each_kind_in_the_area(
            page, demo_server, ["/coordination/inscriptions/", *EXTRA_PAGES], most=40):
        pages.append(path)
        # Disclosures open too (the manual choice's list of mentors is the widest thing).
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        size = page.evaluate("""() => ({
            wide: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            tall: document.documentElement.scrollHeight,
            letters: [...document.querySelectorAll('td, th, li, p')].filter(e =>
                e.textContent.trim().length > 12 && e.getBoundingClientRect().width < 40
                && e.getBoundingClientRect().height > 0).length})""")
        if size["wide"] > 0:
            problems.append(f"{path} : déborde de {size['wide']} px à {width} px")
        if size["letters"]:
            problems.append(f"{path} : {size['letters']} cellules coupées lettre par lettre")
        if width == 1280 and size["tall"] > MAX_HEIGHT:
            problems.append(f"{path} : {size['tall']} px de haut")
    print(f"{width} px : {len(pages)} pages : {', '.join(pages)}")
    assert len(pages) >= 8, pages
    assert not problems, "\n".join(problems)
    context.close()


def test_buttons_keep_their_label_on_hover_and_focus(browser, demo_server):
    context, page = logged_in(browser, demo_server, 1280)
    page.goto(demo_server.url + "/coordination/appariement/")
    button = page.locator("li[id^=proposition-] button", has_text="Écarter").first

    def colours():
        return button.evaluate("""b => { const s = getComputedStyle(b);
            return [s.color, s.backgroundColor]; }""")

    resting = colours()
    button.hover()
    hovered = colours()
    button.focus()
    focused = colours()
    for fg, bg in (resting, hovered, focused):
        assert fg != bg, (fg, bg)
    # Hovered and focused, the label sits on a filled background, never on transparent.
    assert hovered[1] not in ("rgba(0, 0, 0, 0)", "transparent")
    outline = page.locator("summary").first
    outline.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    style = outline.evaluate("s => getComputedStyle(s).outlineStyle")
    assert style != "none"
    context.close()


def test_axe_finds_nothing_on_the_confirmation_steps(browser, demo_server):
    """The hand pick's confirmation and the closing confirmation are reached by a form."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = []
    for scheme in SCHEMES:
        context = browser.new_context(locale="fr-FR", color_scheme=scheme,
                                      reduced_motion="reduce")
        page = context.new_page()
        log_in(page, demo_server, *COORDINATOR)
        page.goto(demo_server.url + "/coordination/appariement/")
        card = page.locator("li[id^=proposition-]").first
        card.locator("summary").click()
        with page.expect_navigation():
            card.locator("button:text-is('Voir ce binôme')").click()
        found += violations(axe, page, f"[{scheme}] choix à confirmer")
        page.goto(demo_server.url + "/coordination/suivi/?vue=actifs")
        with page.expect_navigation():
            page.locator("#binomes-actifs ~ div a").first.click()
        page.fill("#reason", "Fin de mission")
        page.select_option("#end_category", "changement_poste")
        with page.expect_navigation():
            page.locator("#clore ~ form button[type=submit]").click()
        assert page.locator("text=Oui, clore le binôme").count() == 1
        found += violations(axe, page, f"[{scheme}] clôture à confirmer")
        context.close()
    assert_clean(found)


def test_a_dark_screen_gets_the_dark_palette_before_anything_is_drawn(browser, demo_server):
    """Set after the page is parsed, the palette would flash light and run Material's colour
    transitions on every page (which axe once caught half-way, in too low a contrast)."""
    context = browser.new_context(locale="fr-FR", color_scheme="dark")
    context.add_init_script("""
        new MutationObserver(() => {
            if (document.body && !window.schemeSet) {
                window.schemeSet = {scheme: document.body.dataset.mdColorScheme,
                                    contentParsed: !!document.getElementById("contenu")};
            }
        }).observe(document, {subtree: true, attributes: true,
                              attributeFilter: ["data-md-color-scheme"]});
    """)
    page = context.new_page()
    page.goto(demo_server.url + "/coordination/connexion/")
    assert page.evaluate("window.schemeSet") == {"scheme": "slate", "contentParsed": False}
    context.close()


def test_the_round_report_shows_the_same_figures_on_the_page_and_in_the_pdf(
        browser, demo_server, tmp_path):
    """Issue 24: the « Bilan » page at 1280 and 390 px, and `mentorat report` as JSON and PDF,
    on `mentorat demo` data, tell the same figures."""
    import json
    import subprocess

    from support.processes import mentorat

    report = json.loads(mentorat("report", "--format", "json",
                                 data_dir=demo_server.data_dir).stdout)
    [by_role] = [i for i in report["indicators"] if i["key"] == "par_role"]
    total = {r["label"]: r["values"] for r in by_role["rows"]}["Ensemble"]
    assert total["enrolled"] > 100, "la démo remplit la dernière session"
    for width in WIDTHS.values():
        context, page = logged_in(browser, demo_server, width)
        page.goto(demo_server.url + "/coordination/bilan/")
        assert page.locator("h1").inner_text() == f"Bilan de la session {report['label']}"
        row = page.locator("#indicateur-par_role tbody tr", has_text="Ensemble")
        assert row.locator("td").first.inner_text() == str(total["enrolled"])
        assert page.evaluate("document.documentElement.scrollWidth "
                             "- document.documentElement.clientWidth") <= 0
        context.close()
    pdf = tmp_path / "bilan.pdf"
    made = mentorat("report", "--format", "pdf", "-o", str(pdf), data_dir=demo_server.data_dir)
    assert made.returncode == 0, made.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))
    assert 1 <= pages <= 4 and "595.276 x 841.89 pts (A4)" in info, info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    assert f"Bilan de la session {report['label']}" in text
    assert f"Ensemble {total['enrolled']}" in " ".join(text.split())
