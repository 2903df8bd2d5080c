"""The closing questionnaire in a real browser, with and without JavaScript; axe-core.

A real `mentorat serve` and Debian's Chromium. The pairs are closed as the
coordination would (both people invited); the links are those the e-mails carry.
The sending rules are checked without a browser in ``test_closing_questionnaire``.
"""

from __future__ import annotations

import pytest
from support.browser import assert_clean, violations
from support.people import PERSON, STORED_MENTOR, running_pair, stored
from support.processes import server_and_store

from forms_service.mail.links import pair_link
from forms_service.records.purge import erase_person

MENTEE = {**PERSON, "name": "Awa Diallo", "goals": ["Négocier seule d'ici juin"]}
MENTOR = {**STORED_MENTOR, "name": "Marc Petit"}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def people(built_site, tmp_path_factory):
    """A server with two closed pairs: one to answer, one whose mentee will be erased."""
    with server_and_store(built_site, tmp_path_factory.mktemp("closing-data")) as (server,
                                                                                  store):
        def closed_pair(mentor, mentee):
            pair = running_pair(store, mentor, mentee)
            store.close_pair(pair["id"], reason="fin", by=None, mentor_status="clos",
                             mentee_status="clos")
            return pair

        marc = stored(store, MENTOR, email="marc@exemple.fr")
        first = closed_pair(marc, stored(store, MENTEE, email="awa@exemple.fr"))
        second = closed_pair(stored(store, MENTOR, email="paul@exemple.fr", name="Paul Roy"),
                             stored(store, MENTEE, email="zoe@exemple.fr", name="Zoé Martin"))
        third = closed_pair(stored(store, MENTOR, email="lina@exemple.fr", name="Lina Haddad"),
                            stored(store, MENTEE, email="theo@exemple.fr", name="Théo Blanc"))

        def link(pair, side):
            return server.url + pair_link("", server.secret, pair["id"], pair[f"{side}_id"],
                                          "bilan")

        yield {"server": server, "store": store, "first": first, "second": second,
               "third": third, "link": link}


@pytest.mark.parametrize("javascript, side", [(True, "mentor"), (False, "mentee")])
def test_one_answer_per_person_through_the_link(browser, people, javascript, side):
    store, pair = people["store"], people["first"]
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = context.new_page()
    for recommend in ("7", "9"):  # the second answer replaces the first
        page.goto(people["link"](pair, side))
        assert "Négocier seule d’ici juin" in page.content() or \
            "Négocier seule d'ici juin" in page.content()
        assert (page.locator('[name="skill_listening"]').count() > 0) == (side == "mentor")
        page.locator(f'input[name="recommend"][value="{recommend}"]').check()
        page.locator('input[name="progress_1"][value="4"]').check()
        page.get_by_label("Nombre de rencontres tenues pendant le binôme").fill("8")
        page.get_by_role("button", name="Envoyer mon bilan").click()
        page.locator(".mentorat-reference").wait_for()  # the confirmation, inline or its page
    answer = store.closing_answer(pair["id"], pair[f"{side}_id"])
    assert (answer["recommend"], answer["progress_1"], answer["meetings"]) == (9, 4, 8)
    assert answer["identity"] == "pseudonyme"
    assert len([a for a in store.closing.all() if a["person_id"] == pair[f"{side}_id"]]) == 1
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_an_answer_is_refused_once_the_person_is_erased(browser, people, javascript):
    store, pair = people["store"], people["second" if javascript else "third"]
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(people["link"](pair, "mentor"))
    page.locator('input[name="recommend"][value="8"]').check()
    erase_person(store, pair["mentee_id"], secret=None, outbox=None)  # the pair goes too
    page.get_by_role("button", name="Envoyer mon bilan").click()
    page.get_by_text("Ce lien ne correspond à aucun binôme").first.wait_for()
    assert all(answer["pair_id"] != pair["id"] for answer in store.closing.all())
    response = page.goto(people["link"](pair, "mentor"))
    assert response.status == 404
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_questionnaire(browser, people, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(locale="fr-FR", color_scheme=scheme)
    page = context.new_page()
    urls = {"bilan (mentor)": people["link"](people["first"], "mentor"),
            "bilan (sans lien)": people["server"].url + "/formulaires/bilan/",
            "bilan (lien refusé)": people["link"](people["second"], "mentor")}
    store = people["store"]
    if store.enrollment(people["second"]["mentee_id"]) is not None:  # run alone
        erase_person(store, people["second"]["mentee_id"], secret=None, outbox=None)
    found = []
    for name, url in urls.items():
        page.goto(url)
        found += violations(axe, page, f"[{scheme}] {name}")
    context.close()
    assert_clean(found)
