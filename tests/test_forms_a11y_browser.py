"""Issue 23 in Chromium, with and without JavaScript: the enrollment form marks what
the chosen role must answer, a refused form's page is titled « Erreur : » (without a
script it also starts focused on its error summary; with one, the first wrong field
has the focus), and the pages of a pair's links opened without
one explain themselves. One server, a few page loads.

The markup behind it, without a browser: test_form_requirements.py.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

FORM = "/formulaires/inscription/"
FOR_MENTOR, FOR_MENTEE = "(obligatoire pour un mentor)", "(obligatoire pour une personne mentorée)"


def mark(page, field: str) -> str:
    return page.locator(f'[data-field="{field}"] .mentorat-required').inner_text()


def required(page, field: str) -> bool:
    """Whether every control of the field is required (what assistive technology reads)."""
    return page.locator(f'[data-field="{field}"]').evaluate(
        "box => [...box.querySelectorAll('input, textarea')].every(c => c.required)")


def choose_role(page, role: str) -> None:
    page.locator("#enrollment-role").get_by_label(role, exact=True).check()


def test_with_javascript_the_marks_follow_the_chosen_role(server, page):
    page.goto(server.url + FORM)
    assert mark(page, "capacity") == FOR_MENTOR and mark(page, "goal_1") == FOR_MENTEE
    page.get_by_label("Mentorat classique").check()
    choose_role(page, "Mentor")
    assert mark(page, "capacity") == "(obligatoire)" and required(page, "capacity")
    assert mark(page, "skills_offered") == "(obligatoire)" and required(page, "skills_offered")
    choose_role(page, "Mentoré·e")
    assert mark(page, "capacity") == FOR_MENTOR and not required(page, "capacity")
    # The field's accessible name says it too.
    assert page.get_by_label("Objectif 1 (obligatoire)", exact=True).evaluate("e => e.required")
    choose_role(page, "Les deux")
    assert all(mark(page, f) == "(obligatoire)" for f in
               ("capacity", "skills_offered", "skills_sought", "goal_1",
                "department_preference"))
    # Refused in the page: the title says so, the focus is on the first wrong field.
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.locator(".mentorat-summary:not([hidden])").wait_for()
    assert page.title().startswith("Erreur\u00a0: ")
    assert page.evaluate("document.activeElement.id") == "enrollment-name"


def test_without_javascript_a_refused_page_starts_with_its_errors(server, page_without_js):
    page = page_without_js
    page.goto(server.url + FORM)
    assert mark(page, "capacity") == FOR_MENTOR and mark(page, "skills_sought") == FOR_MENTEE
    page.get_by_label("Prénom et nom (obligatoire)").fill("Nora Haddad")
    page.get_by_label("Mentorat classique").check()
    choose_role(page, "Mentor")  # the stylesheet shows the mentor's questions
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer mon inscription").click()
    assert page.title().startswith("Erreur\u00a0: ")
    assert page.evaluate("document.activeElement.id") == "enrollment-resume"
    summary = page.locator("#enrollment-resume")
    assert summary.bounding_box()["y"] < page.viewport_size["height"] / 2  # in view, at the top
    # One Tab from the summary: its first link, which leads to the first wrong field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#enrollment-email"
    # The answers are kept, and the mentor's questions now read « (obligatoire) ».
    assert page.get_by_label("Prénom et nom (obligatoire)").input_value() == "Nora Haddad"
    assert mark(page, "capacity") == "(obligatoire)" and required(page, "capacity")


@pytest.mark.parametrize("path", ["/formulaires/refus/", "/formulaires/rencontre/"])
def test_a_pair_page_without_its_link_says_where_to_find_it(server, page_without_js, path):
    page = page_without_js
    response = page.goto(server.url + path)
    assert response.status == 200
    assert page.get_by_text("Ouvrez le lien reçu par e-mail").is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Retrouver mon inscription").click()
    assert page.url.endswith("/formulaires/mon-inscription/#retrouver-titre")
    assert page.get_by_role("button", name="Recevoir mon lien").is_visible()
