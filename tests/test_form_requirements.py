"""Issue 23, without a browser: the enrollment form says what each role must answer,
a refused page starts with its errors, the manager's address is not autofilled with
one's own, the 404 page has its own title, and the pages of a pair's links explain
themselves when opened without one; error pages are compressed like any page.

The same in Chromium, with and without JavaScript: test_forms_a11y_browser.py.
"""

from __future__ import annotations

import re

import pytest
from support.people import MENTEE, MENTOR
from werkzeug.datastructures import MultiDict

from forms_service.forms.definitions import ROLE_REQUIRED, EnrollmentForm
from forms_service.forms.render import render_form

FOR_MENTOR, FOR_MENTEE = "(obligatoire pour un mentor)", "(obligatoire pour une personne mentorée)"
ROLE_QUESTIONS = {"capacity", "skills_offered", "skills_sought", "goal_1",
                  "department_preference"}


def form_of(programme, role: str | None) -> EnrollmentForm:
    return EnrollmentForm(MultiDict({"role": role} if role else {}), programme=programme)


def mark_of(html: str, field: str) -> str:
    """The text of the field's « obligatoire » mark, in its label or legend."""
    box = html[html.index(f'data-field="{field}"'):]
    found = re.search(r'class="mentorat-required"[^>]*>([^<]*)<', box)
    return found.group(1)


def required_controls(html: str, field: str) -> list[bool]:
    box = html[html.index(f'data-field="{field}"'):]
    box = box[:box.index("</fieldset>" if "<legend" in box[:400] else "</div>")]
    return [" required" in tag for tag in re.findall(r"<(?:input|textarea)[^>]*>", box)]


@pytest.mark.parametrize("role", ["mentor", "mentore", "les_deux"])
def test_what_a_role_must_answer_is_what_the_server_asks_of_it(programme, role):
    form = form_of(programme, role)
    form.validate()
    asked = ROLE_QUESTIONS & set(form.errors)
    assert asked == {name for name, (roles, _mark) in ROLE_REQUIRED.items() if role in roles}
    assert set(ROLE_REQUIRED) == ROLE_QUESTIONS


def test_without_a_role_each_question_says_for_whom_it_is_required(programme):
    html = render_form(form_of(programme, None), action="/x")
    for field in ("capacity", "skills_offered"):
        assert mark_of(html, field) == FOR_MENTOR
        assert not any(required_controls(html, field))
    for field in ("skills_sought", "goal_1", "department_preference"):
        assert mark_of(html, field) == FOR_MENTEE
        assert not any(required_controls(html, field))
    assert 'data-requis-pour="les_deux mentor"' in html
    # The note that says unmarked fields are optional is now true of every field.
    assert "les autres sont facultatifs" in html


@pytest.mark.parametrize("role, plain, for_others", [
    ("mentor", {"capacity", "skills_offered"}, FOR_MENTEE),
    ("mentore", {"skills_sought", "goal_1", "department_preference"}, FOR_MENTOR),
    ("les_deux", ROLE_QUESTIONS, None),
])
def test_once_a_role_is_chosen_its_questions_read_obligatoire_and_are_required(
        programme, role, plain, for_others):
    form = form_of(programme, role)
    form.validate()
    html = render_form(form, action="/x")
    for field in ROLE_QUESTIONS:
        if field in plain:
            assert mark_of(html, field) == "(obligatoire)", field
            assert all(required_controls(html, field)), field
        else:
            assert mark_of(html, field) == for_others, field
            assert not any(required_controls(html, field)), field


def test_the_managers_address_is_not_autofilled_with_ones_own(programme):
    html = render_form(form_of(programme, None), action="/x")
    manager = re.search(r'<input[^>]*id="enrollment-manager_email"[^>]*>', html).group(0)
    own = re.search(r'<input[^>]*id="enrollment-email"[^>]*>', html).group(0)
    assert 'autocomplete="off"' in manager and 'autocomplete="email"' in own


def test_a_refused_page_starts_with_its_errors_and_says_so_in_its_title(client):
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "role": "mentor"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.startswith("Erreur\u00a0: ")
    summary = html.index('id="enrollment-resume"')
    # Right under the page's heading, before the page's text and the form, focused.
    assert html.index("</h1>") < summary < html.index('<form class="mentorat-form"')
    assert html.count('id="enrollment-resume"') == 1
    tag = html[html.rindex("<div", 0, summary):html.index(">", summary)]
    assert "autofocus" in tag and "hidden" not in tag
    assert 'href="#enrollment-capacity-0"' in html
    # The mentor's questions read « (obligatoire) » on the page that shows the error.
    assert mark_of(html, "capacity") == "(obligatoire)"


def test_a_page_shown_after_a_refused_post_of_the_feedback_form_too(client):
    response = client.post("/api/formulaires/feedback", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r"<title>Erreur\u00a0: ", html)
    assert html.index('id="feedback-resume"') < html.index('<form class="mentorat-form"')


def test_the_blank_form_page_has_no_error_title(client):
    html = client.get("/formulaires/inscription/").get_data(as_text=True)
    assert "<title>Erreur" not in html and "autofocus" not in html


def test_the_404_page_has_its_own_title(client, built_site):
    home = re.search(r"<title>(.*?)</title>",
                     (built_site / "index.html").read_text(encoding="utf-8")).group(1)
    html = client.get("/cette-page-n-existe-pas/").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith("Page introuvable") and title != home


def test_the_search_results_box_is_no_empty_tab_stop(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    scrollwrap = re.search(r'<div class="md-search__scrollwrap"[^>]*>', html).group(0)
    assert "tabindex" not in scrollwrap


@pytest.mark.parametrize("path", ["/formulaires/refus/", "/formulaires/rencontre/"])
def test_a_pair_page_opened_without_its_link_explains_itself(client, path):
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert "Ouvrez le lien reçu par e-mail" in html
    assert re.search(r'<a href="/formulaires/mon-inscription/#retrouver-titre">'
                     r"Retrouver mon inscription</a>", html)
    assert "<form" not in html.split('id="binome"')[1].split("</article>")[0]


@pytest.mark.parametrize("path", ["/formulaires/refus/", "/formulaires/rencontre/"])
def test_a_forged_link_is_still_refused(client, path):
    response = client.get(path + "?lien=faux", headers={"Accept-Encoding": "br"})
    assert response.status_code == 404
    assert response.headers["Content-Encoding"] == "br"  # nothing of the link in it
    response = client.get(path + "?lien=faux")
    assert "Ce lien ne correspond à aucun binôme en cours." in response.get_data(as_text=True)


def test_my_enrollment_without_a_link_is_unchanged(client):
    response = client.get("/formulaires/mon-inscription/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="retrouver-titre"' in html
    assert client.get("/formulaires/mon-inscription/?lien=faux").status_code == 404


def test_error_pages_are_compressed_like_any_page(client):
    response = client.get("/cette-page-n-existe-pas/", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 404 and response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    # Another error: the same page, its heading and its title saying what went wrong.
    response = client.put("/healthz")
    assert response.status_code == 405
    assert re.search(r"<title>Erreur\u00a0: [^<]+</title>", response.get_data(as_text=True))
    # A post refused with its answers kept is never compressed (it echoes what was typed).
    response = client.post("/api/formulaires/enrollment", data={**MENTOR, "capacity": ""},
                           headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 400 and "Content-Encoding" not in response.headers
