"""What the browser tests share: Debian's Chromium, filling the enrollment form,
logging a coordinator in, Material's colour scheme, reading axe-core's report."""

from __future__ import annotations

import re
import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox (containers), and none of the background traffic a test never needs.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCHEMES = ["light", "dark"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}
# RGAA 10.11: content reflows at 320 CSS pixels (1 280 at 400 % zoom), no sideways scroll.
NARROW = {"viewport": {"width": 320, "height": 640}}

# axe-core rules the accessibility tests tolerate, each a known non-conformity of the
# statement: rule id → why. Exactly the « axe » entries of docs/accessibilite-ecarts.yml
# (test_accessibility_statement.py checks it); nothing else may disable or skip a rule.
TOLERATED_AXE_RULES: dict[str, str] = {}


def fill_enrollment(page, *, name: str, email: str, role: str) -> None:
    page.get_by_label("Prénom et nom (obligatoire)").fill(name)
    page.get_by_label("Adresse électronique professionnelle (obligatoire)").fill(email)
    page.get_by_label("Département (obligatoire)").select_option("Informatique")
    page.get_by_label("Site (obligatoire)").select_option("Lyon")
    page.get_by_label("Intitulé de poste (obligatoire)").fill("Développeuse")
    page.get_by_label("De 5 à 10 ans").check()
    page.locator("#enrollment-languages").get_by_label("français").check()
    # The track first (issue 12), then the role; mentors are not asked the department wish.
    page.get_by_label("Mentorat classique").check()
    page.locator("#enrollment-role").get_by_label(role, exact=True).check()
    if role == "Mentor":
        page.locator("#enrollment-capacity").get_by_label("2").check()
        page.locator("#enrollment-skills_offered").get_by_label("Gestion de projet").check()
    else:
        page.locator("#enrollment-skills_sought").get_by_label("Négociation").check()
        page.get_by_label("Objectif 1").fill("Conduire seule un appel d'offres d'ici juin")
        page.get_by_label("Oui, d’un autre département").check()
    page.get_by_label("Hybride").check()
    page.get_by_label("Toutes les deux semaines").check()
    page.get_by_label("Mardi matin").check()
    page.get_by_label("J’ai pris connaissance").check()


def log_in(page, server, email: str, password: str) -> None:
    """Log a coordinator in through the login page, as a person does."""
    page.goto(server.url + "/coordination/connexion/")
    form = page.locator("form:has(input[type=password])")
    form.locator("input[type=email]").fill(email)
    form.locator("input[type=password]").fill(password)
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    assert "/connexion/" not in page.url, "la connexion a échoué"


def one_page_of_each_kind_in_the_area(page, server, first: list[str], *, most: int):
    """Walk the coordinators' area from the paths ``first``, following its links,
    one page of each kind (/inscriptions/12/ stands for every enrollment): yield
    each path while its page is shown, at most ``most`` of them."""
    kinds: set[str] = set()
    todo, shown = list(first), 0
    while todo and shown < most:
        path = todo.pop(0)
        kind = re.sub(r"/[^/]*\d[^/]*(?=/)", "/N", path)
        if kind in kinds:
            continue
        kinds.add(kind)
        response = page.goto(server.url + path)
        assert response.ok, f"{path} : {response.status}"
        shown += 1
        yield path
        links = page.eval_on_selector_all(
            "a[href]", "links => links.map(a => new URL(a.href, location.href).pathname)")
        # Pages only: not a download (…/export.csv), not the login nor the logout.
        todo += [p for p in links if p.startswith("/coordination/") and p.endswith("/")
                 and "connexion" not in p]


def load_side_by_side(context, urls: list[str]) -> list:
    """Open each address in its own tab of the context, all loading at once; return
    their responses once every tab's network is idle (nothing more to fetch, its
    scripts done), the tabs closed. About one idle wait for all, not one a page."""
    tabs, responses = [], []
    for url in urls:
        tab = context.new_page()
        responses.append(tab.goto(url))
        tabs.append(tab)
    for tab in tabs:
        tab.wait_for_load_state("networkidle")
        tab.close()
    return responses


def wait_for_scheme(page, scheme: str) -> None:
    """Material applies the scheme from the media query once its script runs."""
    expected = "slate" if scheme == "dark" else "default"
    page.wait_for_function(
        f"document.body.getAttribute('data-md-color-scheme') === '{expected}'")


def violations(axe, page, where: str) -> list[str]:
    """Run axe once on the page as it is now; one line per rule broken."""
    report = axe.run(page).response
    return [
        f"{where}: {v['id']} ({v['impact']}) — {v['help']} — "
        + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:8])
        + (f" … (+{len(v['nodes']) - 8})" if len(v["nodes"]) > 8 else "")
        for v in report["violations"] if v["id"] not in TOLERATED_AXE_RULES
    ]


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than its window (0: it reflows)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")


def assert_clean(found: list[str]) -> None:
    assert not found, "axe-core signale :\n" + "\n".join(found)
