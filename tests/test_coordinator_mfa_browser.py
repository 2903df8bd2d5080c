"""The second factor in a real Chromium, through two gunicorn workers.

What only a browser shows: the QR code (inline SVG) breaks no rule of the
Content-Security-Policy, nothing is fetched elsewhere, axe-core finds nothing
to fix on the new pages (light and dark), and a coordinator can set TOTP up
and log in with it through the labels alone.
"""

from __future__ import annotations

import time

import pyotp
import pytest
from support.browser import violations

PASSWORD = "une phrase de passe pour la double authentification"


def axe_findings(page, where: str) -> list[str]:
    """What axe-core reports on the page as it is now, one line per rule broken."""
    from axe_playwright_python.sync_playwright import Axe

    return violations(Axe(), page, where)


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_coordinator_turns_totp_on_then_logs_in_with_a_code(server, browser, scheme):
    from playwright.sync_api import expect

    email, password = f"coordination.totp.{scheme}@exemple.fr", PASSWORD
    added = server.cli("coordinator", "add", email, "--password-stdin", input=password + "\n")
    assert added.returncode == 0 or "existe" in added.stderr, added.stderr
    context = browser.new_context(locale="fr-FR", color_scheme=scheme)
    errors: list[str] = []
    found: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: errors.append(r.url) if not r.url.startswith(server.url)
            else None)
    try:
        page.goto(server.url + "/coordination/connexion/")
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_role("link", name="Sécurité").click()
        page.get_by_role("button", name="Activer la double authentification").click()

        qr = page.get_by_role("img", name="Code QR à scanner avec votre application "
                                           "d’authentification")
        expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert box["width"] >= 150 and box["height"] >= 150
        found += axe_findings(page, "mise en place")
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        totp = pyotp.TOTP(secret)
        # The code of the moment confirms; the login below types the next one (accepted a
        # step early, as for a phone a little ahead): both hold whenever the 30 s turn.
        page.get_by_label("Code à six chiffres affiché par l’application").fill(totp.now())
        page.get_by_role("button", name="Confirmer et activer").click()
        expect(page.locator("code.mentorat-recovery")).to_have_count(10)
        found += axe_findings(page, "codes de secours")

        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="Code de vérification")).to_be_visible()
        page.goto(server.url + "/coordination/inscriptions/")
        assert "/coordination/connexion/" in page.url  # the password alone opens nothing
        page.go_back()
        found += axe_findings(page, "code de vérification")
        page.get_by_label("Code", exact=True).fill(totp.at(time.time() + 30))
        page.get_by_role("button", name="Valider").click()
        expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()

        device = next(c for c in context.cookies() if c["name"] == "mentorat_appareil")
        assert device["httpOnly"] and device["sameSite"] == "Strict"
        assert device["path"] == "/coordination"
        assert errors == [], errors  # no CSP violation, no request elsewhere
        assert found == [], "\n".join(found)
    finally:
        context.close()
        server.cli("coordinator", "remove", email)
