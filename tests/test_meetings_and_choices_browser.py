"""Between checkpoints in a real browser: the meeting log, ranking mentors, pausing.

A real `mentorat serve`, Debian's Chromium, with and without JavaScript;
axe-core on the new pages in both colour schemes.
"""

from __future__ import annotations

from datetime import date

import pytest
from support.browser import assert_clean, violations
from support.people import PERSON, STORED_MENTOR, running_pair, stored
from support.processes import server_and_store

from forms_service.mail.links import pair_link, personal_link

MENTEE = {**PERSON, "name": "Awa Diallo"}
MENTOR = {**STORED_MENTOR, "name": "Marc Petit"}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def people(built_site, tmp_path_factory):
    """A server with a running pair, a waiting mentee and a mentor showing a profile."""
    with server_and_store(built_site, tmp_path_factory.mktemp("between-data")) as (server,
                                                                                  store):
        awa = stored(store, MENTEE, email="awa@exemple.fr")
        marc = stored(store, MENTOR, email="marc@exemple.fr")
        pair = running_pair(store, marc, awa)
        zoe = stored(store, MENTEE, email="zoe@exemple.fr", name="Zoé Martin")
        lea = stored(store, MENTOR, email="lea@exemple.fr", name="Léa Roux",
                     profil_visible=True,
                     presentation="Vingt ans de négociation, curieuse de tout.")
        yield {"server": server, "secret": server.secret, "pair": pair, "awa": awa,
               "zoe": zoe, "lea": lea, "store": store}


def meeting_url(people) -> str:
    return people["server"].url + pair_link("", people["secret"], people["pair"]["id"],
                                            people["awa"]["id"], "rencontre")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_meeting_is_logged_with_one_button(browser, people, javascript):
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(meeting_url(people))
    assert people["store"].meetings.of_pair(people["pair"]["id"]) == [] or not javascript
    page.get_by_role("button", name="Nous nous sommes vus").click()
    page.wait_for_load_state()
    assert "C’est noté" in page.content()
    [meeting] = people["store"].meetings.of_pair(people["pair"]["id"])
    assert meeting["date"] == date.today().isoformat()
    # The participant page lists it, with a button to remove one's own.
    page.goto(people["server"].url + personal_link("", people["secret"], people["awa"]))
    section = page.locator("#rencontres-titre").locator("..")
    assert "Retirer" in section.inner_text()
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_waiting_mentee_ranks_a_mentor_and_a_mentor_pauses(browser, people, javascript):
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(people["server"].url + personal_link("", people["secret"], people["zoe"]))
    assert "Vingt ans de négociation" in page.content() and "lea@exemple.fr" not in page.content()
    page.get_by_label("Premier choix").select_option(str(people["lea"]["id"]))
    page.get_by_role("button", name="Enregistrer mes choix").click()
    page.wait_for_load_state()
    assert "Vos choix sont enregistrés" in page.content()
    assert people["store"].enrollment(people["zoe"]["id"])["preferences"] == [people["lea"]["id"]]
    page.goto(people["server"].url + personal_link("", people["secret"], people["lea"]))
    page.get_by_label("Je ne prends pas de nouveau binôme pour l’instant").check()
    page.get_by_role("button", name="Enregistrer mes disponibilités").click()
    page.wait_for_load_state()
    assert "Vos disponibilités sont enregistrées" in page.content()
    assert people["store"].enrollment(people["lea"]["id"])["pause"] is True
    people["store"].set_pause(people["lea"]["id"], pause=False, resume=None, capacity=1)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_new_pages(browser, people, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(locale="fr-FR", color_scheme=scheme)
    page = context.new_page()
    server, secret = people["server"], people["secret"]
    urls = {
        "rencontre": meeting_url(people),
        "refus": server.url + pair_link("", secret, people["pair"]["id"], people["awa"]["id"],
                                        "refus"),
        "mon-inscription (choix)": server.url + personal_link("", secret, people["zoe"]),
        "mon-inscription (binôme, pause)": server.url + personal_link("", secret,
                                                                      people["awa"]),
    }
    found = []
    for name, url in urls.items():
        page.goto(url)
        found += violations(axe, page, f"[{scheme}] {name}")
    context.close()
    assert_clean(found)
