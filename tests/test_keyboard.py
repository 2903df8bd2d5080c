"""A person who uses no mouse fills in each form with the keyboard alone: Tab
and Shift+Tab to move, typing in text fields and lists, the arrow keys in a
group of radio buttons, Space on a checkbox, Enter to send. No click, no
filling of a field the keyboard did not reach. Each focused field shows a
visible focus ring; the confirmation appears and the record is stored."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return {id: el.id, tag: el.tagName.toLowerCase(), text: el.textContent.trim(), ring: ring};
}"""


class Keyboard:
    """What a keyboard user does, and where the focus is."""

    def __init__(self, page):
        self.page = page
        self.presses = 0

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.presses += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tab_to(self, element_id: str, *, backwards: bool = False, limit: int = 120) -> None:
        """Press Tab (or Shift+Tab) until the field has the focus; it must show it."""
        for _ in range(limit):
            self.press("Shift+Tab" if backwards else "Tab")
            focused = self.focused()
            if focused and focused["id"] == element_id:
                assert focused["ring"], f"#{element_id} a le focus sans le montrer"
                return
        raise AssertionError(f"#{element_id} jamais atteint au clavier ({limit} appuis)")

    def skip_to_content(self) -> None:
        """The first Tab reaches the "skip to content" link; Enter follows it."""
        self.press("Tab")
        assert self.focused()["text"] == "Aller au contenu"
        self.press("Enter")

    def value(self, element_id: str):
        return self.page.evaluate(
            "id => { const el = document.getElementById(id);"
            " return el.type === 'checkbox' || el.type === 'radio' ? el.checked : el.value; }",
            element_id)


def fill_enrollment_with_the_keyboard(keys: Keyboard, email: str) -> None:
    keys.skip_to_content()
    keys.tab_to("enrollment-name")
    keys.type("Chloé Bernard")
    keys.tab_to("enrollment-email")
    keys.type(email)
    keys.tab_to("enrollment-department")
    keys.type("Informatique")  # a focused list selects the option typed
    assert keys.value("enrollment-department") == "Informatique"
    keys.tab_to("enrollment-site")
    keys.type("Lyon")
    assert keys.value("enrollment-site") == "Lyon"
    keys.tab_to("enrollment-job_title")
    keys.type("Cheffe de projet")
    keys.tab_to("enrollment-experience-0")  # into the group: its first button
    keys.press("ArrowDown", 2)  # arrows move and choose: "De 5 à 10 ans"
    assert keys.value("enrollment-experience-2")
    keys.tab_to("enrollment-languages-0")
    keys.press("Space")  # français
    keys.tab_to("enrollment-languages-1")
    keys.press("Space")  # anglais
    keys.tab_to("enrollment-track-0")  # the track comes before the role (issue 12)
    keys.press("Space")  # Mentorat classique
    keys.tab_to("enrollment-role-0")
    keys.press("ArrowDown")  # Mentoré·e
    assert keys.value("enrollment-role-1")
    keys.tab_to("enrollment-skills_sought-4")
    keys.press("Space")  # Négociation
    keys.tab_to("enrollment-goal_1")
    keys.type("Négocier seule le contrat annuel d'un fournisseur d'ici juin")
    keys.tab_to("enrollment-goal_2")
    keys.tab_to("enrollment-goal_1", backwards=True)  # back to check it is kept
    assert keys.value("enrollment-goal_1").startswith("Négocier seule")
    keys.tab_to("enrollment-department_preference-0")  # asked of mentees, after their goals
    keys.press("Space")  # Oui, d'un autre département
    keys.tab_to("enrollment-format-0")
    keys.press("ArrowDown", 2)  # Hybride
    keys.tab_to("enrollment-rhythm-0")
    keys.press("Space")  # Toutes les deux semaines, the first choice since the weekly one went
    keys.tab_to("enrollment-availability-2")
    keys.press("Space")  # Mardi matin


def test_enrollment_with_the_keyboard_alone(server, page):
    page.goto(server.url + "/formulaires/inscription/")
    keys = Keyboard(page)
    fill_enrollment_with_the_keyboard(keys, "chloe.bernard@exemple.fr")
    # Sent without the consent ticked: the errors show and the focus goes to
    # the field to fix, so the person goes on from there.
    keys.tab_to("enrollment-consent")
    keys.press("Tab")
    assert keys.focused()["text"] == "Envoyer mon inscription"
    keys.press("Enter")
    page.locator("#enrollment-consent-erreur:not([hidden])").wait_for()
    assert keys.focused()["id"] == "enrollment-consent"
    described = page.get_attribute("#enrollment-consent", "aria-describedby").split()
    assert "enrollment-consent-erreur" in described
    keys.press("Space")
    keys.press("Tab")
    assert keys.focused()["text"] == "Envoyer mon inscription"
    keys.press("Enter")
    confirmation = page.locator(".mentorat-confirmation")
    confirmation.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('mentorat-confirmation')")
    reference = confirmation.locator(".mentorat-reference").inner_text()
    [record] = [r for r in server.exported("enrollment")
                if r["email"] == "chloe.bernard@exemple.fr"]
    assert record["reference"] == reference
    assert (record["role"], record["track"], record["format"], record["rhythm"]) == (
        "mentore", "classique", "hybride", "bimensuel")
    assert (record["department"], record["site"], record["experience"]) == (
        "Informatique", "Lyon", "5_10")
    assert record["languages"] == ["français", "anglais"]
    assert record["skills_sought"] == ["Négociation"]
    assert record["availability"] == ["mardi_matin"]


def test_enrollment_with_the_keyboard_alone_without_javascript(server, page_without_js):
    page = page_without_js
    page.goto(server.url + "/formulaires/inscription/")
    keys = Keyboard(page)
    fill_enrollment_with_the_keyboard(keys, "yanis.petit@exemple.fr")
    keys.tab_to("enrollment-consent")
    keys.press("Space")
    keys.press("Tab")
    assert keys.focused()["text"] == "Envoyer mon inscription"
    with page.expect_navigation():
        keys.press("Enter")
    page.wait_for_url("**/formulaires/merci/**")
    reference = page.locator(".mentorat-reference").inner_text()
    [record] = [r for r in server.exported("enrollment") if r["email"] == "yanis.petit@exemple.fr"]
    assert record["reference"] == reference and record["role"] == "mentore"


def test_feedback_with_the_keyboard_alone(server, page):
    page.goto(server.url + "/formulaires/retour/")
    keys = Keyboard(page)
    keys.skip_to_content()
    keys.tab_to("feedback-checkpoint-0")
    keys.press("ArrowDown")  # 3 mois
    keys.tab_to("feedback-role-0")
    keys.press("Space")  # Mentor
    keys.tab_to("feedback-satisfaction-0")
    keys.press("ArrowDown", 3)  # 4
    keys.tab_to("feedback-progress-0")
    keys.press("ArrowDown", 2)  # 3
    keys.tab_to("feedback-meetings")
    keys.type("6")
    keys.tab_to("feedback-what_works")
    words = "Des séances préparées à deux, au clavier"
    keys.type(words)
    keys.tab_to("feedback-identity-0")
    keys.press("ArrowDown")  # Signé
    keys.tab_to("feedback-name")
    keys.type("Hugo Lefèvre")
    keys.tab_to("feedback-email")
    keys.type("hugo.lefevre@exemple.fr")
    keys.tab_to("feedback-contact_requested")
    keys.press("Space")
    keys.press("Tab")
    assert keys.focused()["text"] == "Envoyer mon retour"
    keys.press("Enter")
    page.locator(".mentorat-confirmation .mentorat-reference").wait_for()
    [record] = [r for r in server.exported("feedback") if r.get("what_works") == words]
    assert record["checkpoint"] in ("3", 3) and record["satisfaction"] in ("4", 4)
    assert record["meetings"] == 6 and record["contact_requested"] is True
