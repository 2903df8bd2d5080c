"""Goals measured, in a real browser: the mid-way checkpoint's goal levels, then the path on
the personal page; axe-core on both pages."""

from __future__ import annotations

import pytest
from support.browser import assert_clean, violations
from support.people import PERSON, STORED_MENTOR, running_pair, stored
from support.processes import server_and_store

from forms_service.mail.links import feedback_token, personal_link

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MENTOR = {**STORED_MENTOR, "name": "Marc Petit"}


def test_the_mentee_rates_a_goal_at_mid_way_and_sees_its_path(built_site, tmp_path, browser):
    from axe_playwright_python.sync_playwright import Axe

    with server_and_store(built_site, tmp_path) as (server, store):
        awa = stored(store, PERSON, name="Awa Diallo", email="awa@exemple.fr",
                     goal_ratings=[{"goal": 1, "value": 2, "moment": "inscription"}])
        marc = stored(store, MENTOR, email="marc@exemple.fr")
        pair = running_pair(store, marc, awa)
        secret = server.secret
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        page.goto(server.url + "/formulaires/retour/?lien="
                  + feedback_token(secret, pair["id"], 3, awa["id"]))
        found = violations(Axe(), page, "retour de mi-parcours")
        page.get_by_role("group", name="Objectif 1").get_by_label("4", exact=True).check()
        for group, answer in (("Votre satisfaction", "4"), ("Les progrès", "3")):
            page.get_by_role("group", name=group).get_by_label(answer, exact=True).check()
        page.get_by_label("Nombre de rencontres").fill("3")
        page.get_by_role("button", name="Envoyer mon retour").click()
        page.get_by_text("Votre retour est enregistré").wait_for()
        page.goto(server.url + personal_link("", secret, store.enrollment(awa["id"])))
        assert "2 → 4" in page.locator("#objectifs-titre").locator("..").inner_text()
        found += violations(Axe(), page, "mon inscription (chemin parcouru)")
        context.close()
        assert_clean(found)
