"""The public forms' rules, as tables of answers and the exact French messages."""

from __future__ import annotations

import dataclasses
import re

import pytest
from support.people import FEEDBACK, MENTEE, MENTOR
from werkzeug.datastructures import MultiDict

from forms_service.forms.definitions import EnrollmentForm, FeedbackForm
from forms_service.forms.render import blank_form, render_form


def enrollment(programme, **changes) -> EnrollmentForm:
    data = {**MENTEE, **changes}
    return EnrollmentForm(MultiDict([(k, v) for k, vs in data.items() if vs is not None
                                     for v in (vs if isinstance(vs, list) else [vs])]),
                          programme=programme)


def feedback(programme, **changes) -> FeedbackForm:
    data = {k: v for k, v in {**FEEDBACK, **changes}.items() if v is not None}
    return FeedbackForm(MultiDict(data), programme=programme)


@pytest.mark.parametrize("answers", [MENTEE, MENTOR, {**MENTOR, "role": "les_deux",
                                                      "skills_sought": ["Autre", "autre"][1:],
                                                      "skills_sought_other": "Écriture",
                                                      "goal_1": "Publier un article"}])
def test_valid_enrollments(programme, answers):
    form = enrollment(programme, **{k: answers[k] for k in answers})
    assert form.validate(), form.errors


@pytest.mark.parametrize("changes, field, message", [
    ({"name": ""}, "name", "Ce champ est obligatoire."),
    ({"name": "x" * 121}, "name", "120 caractères au maximum."),
    ({"email": "awa"}, "email", "Saisissez une adresse électronique valide, par exemple "
                                "prenom.nom@exemple.fr."),
    ({"department": "Cuisine"}, "department", "Choisissez une des réponses proposées."),
    ({"department": None}, "department", "Choisissez une réponse."),
    ({"languages": None}, "languages", "Cochez au moins une case."),
    ({"languages": ["klingon"]}, "languages", "Une des réponses cochées n’est pas proposée."),
    ({"manager_email": "chef"}, "manager_email", "Saisissez une adresse électronique valide, par "
                                                 "exemple prenom.nom@exemple.fr."),
    ({"role": "roi"}, "role", "Choisissez une des réponses proposées."),
    ({"track": None}, "track", "Choisissez une réponse."),
    ({"role": "mentor", "capacity": None, "skills_offered": ["Négociation"]}, "capacity",
     "Indiquez combien de personnes vous pouvez accompagner."),
    ({"role": "mentor", "capacity": "4", "skills_offered": ["Négociation"]}, "capacity",
     "Choisissez une des réponses proposées."),
    ({"role": "mentor", "capacity": "2", "skills_offered": None}, "skills_offered",
     "Cochez au moins une compétence que vous pouvez partager."),
    ({"skills_sought": None}, "skills_sought", "Cochez au moins une compétence à développer."),
    ({"skills_sought": ["autre"]}, "skills_sought_other",
     "Précisez la compétence que vous souhaitez développer."),
    ({"role": "mentor", "capacity": "2", "skills_offered": ["autre"]}, "skills_offered_other",
     "Précisez la compétence que vous pouvez partager."),
    ({"department_preference": None}, "department_preference", "Choisissez une réponse."),
    ({"goal_1": ""}, "goal_1", "Indiquez au moins un objectif."),
    ({"goal_2": "y" * 301}, "goal_2", "300 caractères au maximum."),
    ({"format": "lune"}, "format", "Choisissez une des réponses proposées."),
    ({"availability": None}, "availability", "Cochez au moins une case."),
    ({"availability": ["dimanche_soir"]}, "availability",
     "Une des réponses cochées n’est pas proposée."),
    ({"comment": "z" * 2001}, "comment", "2000 caractères au maximum."),
    ({"consent": None}, "consent",
     "Pour vous inscrire, confirmez avoir pris connaissance de la notice sur les données personnelles."),
])
def test_invalid_enrollments(programme, changes, field, message):
    form = enrollment(programme, **changes)
    assert not form.validate()
    assert form.errors[field] == [message]


def restricted(programme, *domains):
    return dataclasses.replace(programme, email_domains=domains)


def test_the_shipped_programme_accepts_any_address(programme):
    assert programme.email_domains == ()
    assert enrollment(programme, email="awa@gmail.com").validate()
    assert "Seules les adresses" not in render_form(blank_form("enrollment", programme),
                                                    action="/a")


def test_a_restricted_programme_names_its_domains_in_the_hint_and_the_error(programme):
    programme = restricted(programme, "exemple.fr", "filiale.fr")
    html = render_form(blank_form("enrollment", programme), action="/a")
    assert "Seules les adresses @exemple.fr, @filiale.fr sont acceptées." in html
    form = enrollment(programme, email="awa@gmail.com")
    assert not form.validate()
    assert form.errors["email"] == ["Utilisez votre adresse professionnelle (@exemple.fr, "
                                    "@filiale.fr)."]
    assert enrollment(programme, email="awa@filiale.fr").validate()


@pytest.mark.parametrize("role, asked, not_asked", [
    ("mentor", {"capacity", "skills_offered"}, {"skills_sought", "goal_1", "department_preference"}),
    ("mentore", {"skills_sought", "goal_1", "department_preference"}, {"capacity", "skills_offered"}),
    ("les_deux", {"capacity", "skills_offered", "skills_sought", "goal_1",
                  "department_preference"}, set()),
])
def test_each_role_is_checked_on_its_own_questions_only(programme, role, asked, not_asked):
    form = enrollment(programme, role=role, capacity=None, skills_offered=None,
                      skills_sought=None, goal_1="", department_preference=None)
    assert not form.validate()
    assert asked <= set(form.errors) and not (not_asked & set(form.errors))


def test_a_mentor_is_not_asked_about_a_mentor_from_another_department(programme):
    form = enrollment(programme, **{**MENTOR, "department_preference": None})
    assert form.validate(), form.errors
    assert form.cleaned()["department_preference"] is None


def test_other_skills_offered_and_sought_are_typed_in(programme):
    form = enrollment(programme, role="les_deux", capacity="1",
                      skills_offered=["autre"], skills_offered_other="Tableur avancé",
                      skills_sought=["autre"], skills_sought_other="Écriture")
    assert form.validate(), form.errors
    data = form.cleaned()
    assert (data["skills_offered_other"], data["skills_sought_other"]) == (
        "Tableur avancé", "Écriture")
    labels = {c.label for c in form.skills_offered.choices} & {c.label for c in
                                                               form.skills_sought.choices}
    assert "Autre (précisez)" in labels


def test_forms_built_one_after_another_share_no_answers_errors_or_choices(programme):
    # Fields are bound once per process and copied for each form (forms.PublicForm.Meta):
    # nothing one participant sends may show in the next one's form.
    refused = enrollment(programme, email="pas-une-adresse", name="Awa Diallo")
    assert not refused.validate()
    elsewhere = dataclasses.replace(programme, departments=("Achats",), email_domains=("ex.fr",))
    following = enrollment(elsewhere, name="Marc Petit", email="marc@ex.fr", department="Achats")
    assert following.validate(), following.errors
    assert following.name.data == "Marc Petit" and refused.name.data == "Awa Diallo"
    assert following.email.errors == [] and refused.email.errors
    assert [c.value for c in following.department.choices] == ["Achats"]
    assert [c.value for c in refused.department.choices] == list(programme.departments)
    assert "@ex.fr" in following.email.description
    assert "@ex.fr" not in refused.email.description
    assert following.name is not refused.name and following.name._form is following
    assert 'value="Marc Petit"' in following.name() and "Awa" not in following.name()


def test_the_shipped_departments_include_general_management(programme):
    assert "Direction générale" in programme.departments


def _order(html: str) -> list[str]:
    return re.findall(r'data-field="([a-z_0-9]+)"', html)


def test_the_track_comes_before_the_role_and_each_role_has_its_fieldset(programme):
    html = render_form(blank_form("enrollment", programme), action="/a")
    fields = _order(html)
    assert fields.index("track") < fields.index("role")
    mentor = html[html.index('data-role="mentor"'):html.index('data-role="mentore"')]
    mentee = html[html.index('data-role="mentore"'):html.index('data-field="format"')]
    assert set(_order(mentor)) == {"capacity", "skills_offered", "skills_offered_other",
                                   "profil_visible", "presentation", "level_listening",
                                   "level_questions", "level_feedback", "level_goals"}
    assert set(_order(mentee)) == {"skills_sought", "skills_sought_other", "goal_1", "goal_2",
                                   "goal_3", "department_preference", "level_goal_1",
                                   "level_goal_2", "level_goal_3"}
    # Each role says what it means in each track, and keeps its plain name.
    assert "vous êtes la personne la plus récente dans le métier" in html
    for index in range(3):
        assert f'id="enrollment-role-{index}-sens"' in html
    assert html.count('data-track="inverse"') == 3


def test_the_fields_are_declared_in_the_order_they_are_shown(programme):
    # The error summary (server and script) lists errors in this order.
    form = blank_form("enrollment", programme)
    shown = _order(render_form(form, action="/a"))
    declared = [f.name for f in form if f.name in shown]
    assert declared == shown


def test_the_error_summary_of_an_empty_form_follows_the_form(programme):
    from werkzeug.datastructures import MultiDict

    form = EnrollmentForm(MultiDict({"role": "les_deux"}), programme=programme)
    assert not form.validate()
    html = render_form(form, action="/a")
    summary = html[html.index("mentorat-summary"):html.index("mentorat-note")]
    linked = [re.sub(r"-\d+$", "", a).removeprefix("enrollment-")
              for a in re.findall(r'href="#([^"]+)"', summary)]
    shown = [name for name in _order(html) if name in form.errors]
    assert linked == shown and linked[0] == "name" and linked[-1] == "consent"


def test_enrollment_keeps_only_what_the_role_needs(programme):
    form = enrollment(programme, role="mentor", capacity="2", skills_offered=["Négociation"],
                      goal_1="ignoré", url_complementaire="", rendu="x", inconnu="y")
    assert form.validate(), form.errors
    data = form.cleaned()
    assert data["goals"] == [] and data["skills_sought"] == [] and data["capacity"] == 2
    assert not {"url_complementaire", "rendu", "inconnu", "goal_1"} & set(data)


def test_text_is_cleaned(programme):
    form = enrollment(programme, name="  Zoe\u0301 \x07Martin\u200b ", comment="a\r\nb\x00")
    assert form.validate(), form.errors
    assert form.cleaned()["name"] == "Zoé Martin"
    assert form.cleaned()["comment"] == "a\nb"


@pytest.mark.parametrize("changes, field, message", [
    ({"checkpoint": "2"}, "checkpoint", "Choisissez une des réponses proposées."),
    ({"satisfaction": "6"}, "satisfaction", "Choisissez une des réponses proposées."),
    ({"satisfaction": None}, "satisfaction", "Choisissez une réponse."),
    ({"progress": "trois"}, "progress", "Choisissez une des réponses proposées."),
    ({"meetings": "-1"}, "meetings", "Indiquez un nombre entre 0 et 100."),
    ({"meetings": None}, "meetings", "Indiquez un nombre, 0 si vous ne vous êtes pas encore vus."),
    ({"identity": "signe"}, "name", "Indiquez votre nom, ou choisissez un retour anonyme."),
    ({"identity": "signe", "name": "Awa"}, "email",
     "Indiquez votre adresse, ou choisissez un retour anonyme."),
    ({"contact_requested": "y"}, "contact_requested",
     "Pour être contacté·e, choisissez un retour signé."),
    ({"what_is_hard": "w" * 2001}, "what_is_hard", "2000 caractères au maximum."),
])
def test_invalid_feedback(programme, changes, field, message):
    form = feedback(programme, **changes)
    assert not form.validate()
    assert form.errors[field] == [message]


def test_anonymous_feedback_keeps_no_identity(programme):
    form = feedback(programme, name="Awa", email="awa@exemple.fr")
    assert form.validate(), form.errors
    assert not {"name", "email", "lien"} & set(form.cleaned())


def test_checkpoints_come_from_the_programme(programme):
    values = [c.value for c in blank_form("feedback", programme).checkpoint.choices]
    assert values == ["1", "3", "6", "autre"]


def test_rendered_form_ties_errors_to_fields(programme):
    form = enrollment(programme, email="awa")
    form.validate()
    html = render_form(form, action="/api/formulaires/enrollment")
    assert 'id="enrollment-email-erreur"' in html
    assert 'aria-describedby="enrollment-email-aide enrollment-email-erreur"' in html
    assert 'value="Awa Diallo"' in html  # answers kept
    assert "(obligatoire)" in html
    assert 'href="#enrollment-email"' in html  # summary links to the field
