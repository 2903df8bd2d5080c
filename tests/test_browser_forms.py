"""A person enrolls and gives feedback in a real Chromium, with and without
JavaScript, against a real `mentorat serve`; the answers then come out of
`mentorat export`."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def fill_enrollment(page, *, name: str, email: str, role: str) -> None:
    page.get_by_label("Prénom et nom (obligatoire)").fill(name)
    page.get_by_label("Adresse électronique professionnelle (obligatoire)").fill(email)
    page.get_by_label("Département (obligatoire)").select_option("Informatique")
    page.get_by_label("Site (obligatoire)").select_option("Lyon")
    page.get_by_label("Intitulé de poste (obligatoire)").fill("Développeuse")
    page.get_by_label("De 5 à 10 ans").check()
    page.locator("#enrollment-languages").get_by_label("français").check()
    page.locator("#enrollment-role").get_by_label(role, exact=True).check()
    page.get_by_label("Mentorat classique").check()
    if role == "Mentor":
        page.locator("#enrollment-capacity").get_by_label("2").check()
        page.locator("#enrollment-skills_offered").get_by_label("Gestion de projet").check()
    else:
        page.locator("#enrollment-skills_sought").get_by_label("Négociation").check()
        page.get_by_label("Objectif 1").fill("Conduire seule un appel d'offres d'ici juin")
    page.get_by_label("Hybride").check()
    page.get_by_label("Toutes les deux semaines").check()
    page.get_by_label("Mardi matin").check()
    page.get_by_label("Oui, d'un autre département").check()
    page.get_by_label("J'ai lu la notice").check()


def exported(server, what: str) -> list[dict]:
    result = server.cli("export", what, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_mentee_enrolls_with_javascript(server, page):
    page.goto(server.url + "/formulaires/inscription/")
    fill_enrollment(page, name="Inès Moreau", email="ines.moreau@exemple.fr", role="Mentoré·e")
    page.get_by_role("button", name="Envoyer mon inscription").dblclick()
    confirmation = page.locator(".mentorat-confirmation")
    confirmation.wait_for()
    assert page.url.endswith("/formulaires/inscription/")  # no reload
    reference = confirmation.locator(".mentorat-reference").inner_text()
    [record] = [r for r in exported(server, "enrollment") if r["email"] == "ines.moreau@exemple.fr"]
    assert record["reference"] == reference and record["role"] == "mentore"


def test_a_mentor_enrolls_without_javascript(server, page_without_js):
    page = page_without_js
    page.goto(server.url + "/formulaires/inscription/")
    fill_enrollment(page, name="Paul Girard", email="paul.girard@exemple.fr", role="Mentor")
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.wait_for_url("**/formulaires/merci/**")
    reference = page.locator(".mentorat-reference").inner_text()
    [record] = [r for r in exported(server, "enrollment") if r["email"] == "paul.girard@exemple.fr"]
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
    assert all(r["email"] != "lea.roux" for r in exported(server, "enrollment"))


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
    assert [r for r in exported(server, "feedback") if r.get("what_works") == words]
