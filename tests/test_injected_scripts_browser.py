"""A script typed into the public form never runs in the coordinator area:
a real Chromium enrolls with hostile answers, then a coordinator reads them."""

from __future__ import annotations

import pytest
from support.browser import fill_enrollment
from support.processes import Server

pytestmark = pytest.mark.browser

PAYLOAD = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
EMAIL, PASSWORD = "rh@exemple.fr", "un-mot-de-passe-solide"


@pytest.fixture(scope="module")
def hostile_server(built_site, tmp_path_factory):
    server = Server(built_site, tmp_path_factory.mktemp("xss-data"))
    added = server.cli("coordinator", "add", EMAIL, "--password-stdin", input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    yield server
    server.stop()


def test_a_hostile_enrollment_is_inert_in_the_coordinator_area(hostile_server, page):
    server = hostile_server
    alerts = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.goto(server.url + "/formulaires/inscription/")
    fill_enrollment(page, name="Zoé " + PAYLOAD[:80], email="zoe.xss@exemple.fr", role="Mentoré·e")
    page.get_by_label("Commentaire libre (facultatif)").fill(PAYLOAD)
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.locator(".mentorat-confirmation").wait_for()

    page.goto(server.url + "/coordination/connexion/")
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    page.goto(server.url + "/coordination/inscriptions/")
    page.get_by_role("link", name="Zoé", exact=False).first.click()
    page.wait_for_load_state()
    # Shown as text, whole, where it was typed.
    comment = page.locator("tr", has=page.locator("th", has_text="Commentaire libre"))
    assert comment.locator("td").inner_text() == PAYLOAD
    assert page.locator("h1").inner_text() == "Zoé " + PAYLOAD[:80]
    for path in ("/coordination/inscriptions/", "/coordination/appariement/",
                 "/coordination/suivi/", "/coordination/tableau-de-bord/"):
        # goto waits for the load event, which comes after every image has loaded or
        # failed: an onerror handler would have run by then (the area's script
        # fetches nothing until a form is sent).
        page.goto(server.url + path)
        assert page.evaluate("window.__xss") is None, path
    assert alerts == []
