"""Goals measured, in a real browser: the mid-way checkpoint's goal levels, then the path on
the personal page; axe-core on both pages."""

from __future__ import annotations

from datetime import date

import pytest
from support.browser import assert_clean, violations
from support.people import PERSON, STORED_MENTOR
from support.processes import Server

from forms_service.mail.links import feedback_token, personal_link
from forms_service.records.checkpoints import checkpoint_schedule

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MENTOR = {**STORED_MENTOR, "name": "Marc Petit"}


def test_the_mentee_rates_a_goal_at_mid_way_and_sees_its_path(built_site, tmp_path, browser):
    from axe_playwright_python.sync_playwright import Axe

    from forms_service.records.repository import Repository

    server, store = Server(built_site, tmp_path), Repository(tmp_path)
    try:
        awa, _ref = store.enroll({**PERSON, "name": "Awa Diallo", "email": "awa@exemple.fr",
                                  "goal_ratings": [{"goal": 1, "value": 2,
                                                    "moment": "inscription"}]},
                                 notice_version="2026-12")
        marc, _ref = store.enroll({**MENTOR, "email": "marc@exemple.fr"},
                                  notice_version="2026-12")
        pair = store.confirm_pair(marc["id"], awa["id"], by=None, score=80.0, reasons=[],
                                  checkpoints=checkpoint_schedule(date.today(), (1, 3, 6)))
        secret = (tmp_path / "secret_key").read_text().strip()
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
    finally:
        store.close()
        server.stop()
