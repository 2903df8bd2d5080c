"""A person enrolls and gives feedback in a real Chromium, with and without
JavaScript, against a real `mentorat serve`; the answers then come out of
`mentorat export`."""

from __future__ import annotations

import pytest
from support.browser import fill_enrollment

pytestmark = pytest.mark.browser


def test_a_mentee_enrolls_with_javascript(server, page):
    page.goto(server.url + "/formulaires/inscription/")
    fill_enrollment(page, name="Inès Moreau", email="ines.moreau@exemple.fr", role="Mentoré·e")
    page.get_by_role("button", name="Envoyer mon inscription").dblclick()
    confirmation = page.locator(".mentorat-confirmation")
    confirmation.wait_for()
    assert page.url.endswith("/formulaires/inscription/")  # no reload
    reference = confirmation.locator(".mentorat-reference").inner_text()
    [record] = [r for r in server.exported("enrollment") if r["email"] == "ines.moreau@exemple.fr"]
    assert record["reference"] == reference and record["role"] == "mentore"


def test_a_mentor_enrolls_without_javascript(server, page_without_js):
    page = page_without_js
    page.goto(server.url + "/formulaires/inscription/")
    fill_enrollment(page, name="Paul Girard", email="paul.girard@exemple.fr", role="Mentor")
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.wait_for_url("**/formulaires/merci/**")
    reference = page.locator(".mentorat-reference").inner_text()
    [record] = [r for r in server.exported("enrollment") if r["email"] == "paul.girard@exemple.fr"]
    assert record["reference"] == reference and record["capacity"] == 2


@pytest.mark.parametrize("javascript", [True, False])
def test_a_wrong_email_shows_its_error_and_keeps_the_answers(server, browser, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server.url + "/formulaires/inscription/")
    fill_enrollment(page, name="Léa Roux", email="lea.roux", role="Mentoré·e")
    page.get_by_role("button", name="Envoyer mon inscription").click()
    error = page.locator("#enrollment-email-erreur")
    error.wait_for()
    assert "adresse électronique valide" in error.inner_text()
    assert page.get_by_label("Prénom et nom (obligatoire)").input_value() == "Léa Roux"
    assert page.get_by_label("Mardi matin").is_checked()
    assert page.locator("#enrollment-resume").is_visible()
    if javascript:  # focus moves to the first wrong field
        assert page.evaluate("document.activeElement.id") == "enrollment-email"
    context.close()
    assert all(r["email"] != "lea.roux" for r in server.exported("enrollment"))


@pytest.mark.parametrize("javascript", [True, False])
def test_feedback_is_submitted(server, browser, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server.url + "/formulaires/retour/")
    page.get_by_label("3 mois").check()
    page.locator("#feedback-role").get_by_label("Mentor", exact=True).check()
    page.locator("#feedback-satisfaction").get_by_label("4").check()
    page.locator("#feedback-progress").get_by_label("3").check()
    page.get_by_label("Nombre de rencontres").fill("5")
    words = f"Des échanges réguliers ({'avec' if javascript else 'sans'} JavaScript)"
    page.get_by_label("Ce qui fonctionne bien").fill(words)
    page.get_by_label("Anonyme").check()
    page.get_by_role("button", name="Envoyer mon retour").click()
    page.locator(".mentorat-reference").wait_for()
    context.close()
    assert [r for r in server.exported("feedback") if r.get("what_works") == words]


def test_the_shipped_configuration_accepts_any_address(server, page):
    page.goto(server.url + "/formulaires/inscription/")
    assert "Seules les adresses" not in page.locator("#enrollment-email-aide").inner_text()
    fill_enrollment(page, name="Nora Benali", email="nora.benali@gmail.com", role="Mentoré·e")
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.locator(".mentorat-confirmation").wait_for()
    assert [r for r in server.exported("enrollment") if r["email"] == "nora.benali@gmail.com"]


@pytest.mark.parametrize("javascript", [True, False])
def test_the_error_summary_follows_the_forms_order(server, browser, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server.url + "/formulaires/inscription/")
    page.locator("#enrollment-role").get_by_label("Les deux", exact=True).check()
    page.get_by_role("button", name="Envoyer mon inscription").click()
    summary = page.locator("#enrollment-resume")
    summary.locator("li").first.wait_for()
    linked = [a.get_attribute("href") for a in summary.locator("a").all()]
    fields = page.evaluate("""() => [...document.querySelectorAll('form [data-field]')]
        .filter(box => box.classList.contains('mentorat-field--invalid'))
        .map(box => '#' + box.querySelector('input, select, textarea').id)""")
    context.close()
    assert len(linked) >= 15 and linked == fields
    assert linked[0] == "#enrollment-name" and linked[-1] == "#enrollment-consent"


@pytest.mark.parametrize("role, shown, hidden", [
    (None, [], ["mentor", "mentore"]),
    ("Mentor", ["mentor"], ["mentore"]),
    ("Mentoré·e", ["mentore"], ["mentor"]),
    ("Les deux", ["mentor", "mentore"], []),
])
def test_each_roles_questions_show_only_for_it_without_javascript(server, page_without_js,
                                                                  role, shown, hidden):
    page = page_without_js
    page.goto(server.url + "/formulaires/inscription/")
    if role:
        page.locator("#enrollment-role").get_by_label(role, exact=True).check()
    for name in shown:
        assert page.locator(f'fieldset[data-role="{name}"]').is_visible(), name
    for name in hidden:
        assert page.locator(f'fieldset[data-role="{name}"]').is_hidden(), name


def test_each_role_says_what_it_means_in_the_chosen_track(server, page_without_js):
    page = page_without_js
    page.goto(server.url + "/formulaires/inscription/")
    meaning = page.locator("#enrollment-role-0-sens")
    assert "Mentorat classique" in meaning.inner_text() and "Mentorat inversé" in \
        meaning.inner_text()
    page.get_by_label("Mentorat inversé").check()
    assert "plus récente dans le métier" in meaning.inner_text()
    assert "Mentorat classique" not in meaning.inner_text()
    described = page.get_attribute("#enrollment-role-0", "aria-describedby").split()
    assert "enrollment-role-0-sens" in described


@pytest.mark.parametrize("path", ["/", "/charte/", "/guides/ecoute-active/",
                                  "/formulaires/inscription/"])
def test_no_page_shows_a_placeholder_forge_or_an_english_footer(server, page, path):
    page.goto(server.url + path)
    footer = page.locator(".md-footer").inner_text()
    assert "Réalisé avec" in footer and "Made with" not in footer
    assert "forge.example.org" not in page.content()
    assert page.locator(".md-source, .md-content__button").count() == 0
