"""The guide says one thing in one voice: one rule, one word, one path per idea.

Each rule the guide states in several pages (the time the programme takes, what
the manager is told, the role words, the path a newcomer follows) is checked in
the built site, so a page that drifts from the others fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.service import ROOT, plain_spaces
from support.site_pages import built_pages, read_page

from forms_service.programme import ProgrammeError, load_programme

SHIPPED = (ROOT / "programme.yml").read_text(encoding="utf-8")
# The pages others write in parallel (launch kit, coordination guide, indicators).
OTHERS = ("lancer/", "coordination/", "objectifs-et-indicateurs")


def _content(path: Path) -> str:
    """What a page's article says, with ordinary spaces."""
    [article] = [e for e in read_page(path.read_text(encoding="utf-8")) if e.tag == "article"]
    return " ".join(plain_spaces(article.text).split())


@pytest.fixture(scope="module")
def pages(built_site) -> dict[str, str]:
    return {address: _content(path) for address, path in built_pages(built_site).items()
            if path.name == "index.html" and not address.startswith(tuple(f"/{o}" for o in OTHERS))}


def _guide_sources() -> list[Path]:
    return [p for p in sorted((ROOT / "docs").rglob("*.md"))
            if not p.relative_to(ROOT / "docs").as_posix().startswith(OTHERS)]


# ------------------------------------------------------------- time and the manager: one rule

# Pages that speak of the time the programme takes or of the manager.
TIME_PAGES = ["/", "/faq/", "/charte/", "/guides/attentes-et-rythme/",
              "/guides/guide-du-mentore/", "/guides/premier-rendez-vous/"]
MANAGER_PAGES = ["/", "/faq/", "/charte/", "/confidentialite/", "/guides/guide-du-mentore/"]


@pytest.mark.parametrize("address", TIME_PAGES)
def test_each_page_on_time_says_the_configured_hours(pages, programme, address):
    hours = programme.time["heures_par_mois"]
    assert f"dans la limite de {hours} heures par mois" in pages[address]
    assert "comme une réunion de travail" in pages[address]


@pytest.mark.parametrize("address", MANAGER_PAGES)
def test_each_page_on_the_manager_says_the_same_rule(pages, address):
    assert "sans avoir à lui demander la permission" in pages[address]


def test_no_page_asks_for_the_managers_agreement_by_another_rule(pages):
    said = {address for address, text in pages.items()
            if re.search(r"accepte que les rencontres|huit (?:à|et) douze heures", text)}
    assert said == set()


# A meeting is a work meeting: never an example at lunch or in the cafeteria.
LUNCH = re.compile(r"déjeuner|cafétéria|cantine|restaurant d.entreprise|pause de midi|"
                   r"pause méridienne|\b12 h 30\b|\b13 h\b", re.I)


def test_no_page_sets_a_meeting_at_lunch_or_in_the_cafeteria(pages):
    found = {address: LUNCH.findall(text) for address, text in pages.items()}
    assert {address: words for address, words in found.items() if words} == {}


@pytest.mark.parametrize("line, key, value", [
    ("  sur_temps_de_travail: oui", "sur_temps_de_travail", False),
    ("  accord_responsable: non", "accord_responsable", True),
])
def test_another_time_rule_changes_the_sentences(tmp_path, line, key, value):
    from forms_service.programme_text import programme_value

    path = tmp_path / "programme.yml"
    path.write_text(SHIPPED.replace(line, line.replace("oui", "x").replace("non", "oui")
                                    .replace("x", "non")), encoding="utf-8")
    changed = load_programme(path)
    assert changed.time[key] is value
    if key == "accord_responsable":
        assert "demandez le feu vert" in programme_value(changed, "temps.responsable")
    else:
        assert "hors du temps de travail" in programme_value(changed, "temps.responsable")
        assert "ne se tient pas sur le temps" in programme_value(changed, "temps")


@pytest.mark.parametrize("old, new, said", [
    ("  heures_par_mois: 2", "  heures_par_mois: deux",
     r"« temps.heures_par_mois » doit être un nombre entier d.heures entre 1 et 20"),
    ("  heures_par_mois: 2", "  heures_par_mois: 0", r"entre 1 et 20"),
    ("  sur_temps_de_travail: oui", "  sur_temps_de_travail: parfois",
     r"« temps.sur_temps_de_travail » : écrivez « oui » ou « non »"),
    ("  accord_responsable: non", "  accord_manager: non",
     r"réglage inconnu « accord_manager » dans « temps »"),
    ("temps:\n  heures_par_mois: 2\n  sur_temps_de_travail: oui\n  accord_responsable: non",
     "temps: 2", r"« temps » doit dire combien d.heures par mois"),
])
def test_a_wrong_time_rule_is_refused_in_french_with_its_line(tmp_path, old, new, said):
    assert old in SHIPPED
    path = tmp_path / "programme.yml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path)
    message = plain_spaces(str(caught.value))
    assert re.search(said, message), message
    assert re.search(r"programme\.yml, ligne \d+ :", message)


# ------------------------------------------------ the reporting line, in both directions

def _enrollment(number: int, **fields) -> dict:
    record = {"id": number, "name": f"Personne {number}", "email": f"personne.{number}@exemple.fr",
              "department": "Informatique", "site": "Lyon", "job_title": "Poste",
              "experience": "2_5", "languages": ["français"], "manager_email": "",
              "role": "mentore", "track": "inverse", "capacity": None, "skills_offered": [],
              "skills_sought": ["Outils numériques collaboratifs"], "format": "hybride",
              "rhythm": "bimensuel", "availability": ["lundi_matin"],
              "department_preference": "indifferent", "status": "nouveau"}
    record.update(fields)
    return record


@pytest.mark.parametrize("mentor_manager, mentee_manager, paired", [
    ("", "", True),
    ("personne.2@exemple.fr", "", False),   # the senior mentee is the junior mentor's manager
    ("", "personne.1@exemple.fr", False),   # the mentor is the mentee's manager
])
def test_the_matching_never_pairs_a_person_with_their_manager_in_either_direction(
        mentor_manager, mentee_manager, paired):
    from forms_service.matching.suggest import score_pair

    junior = _enrollment(1, role="mentor", capacity=1, experience="moins_2",
                         skills_offered=["Outils numériques collaboratifs"], skills_sought=[],
                         manager_email=mentor_manager)
    senior = _enrollment(2, experience="plus_20", manager_email=mentee_manager)
    weights = {"competences": 5, "disponibilites": 2, "rythme": 1, "departement": 2,
               "experience": 1}
    assert (score_pair(junior, senior, weights) is not None) is paired


# ------------------------------------------------------ checkpoints, choices, objectives

def test_no_page_makes_a_checkpoint_a_meeting_or_the_review_a_joint_form(pages):
    said = re.compile(r"points? d.étape avec la coordination|trois rendez-vous jalonnent|"
                      r"point (?:d.étape )?(?:du|au) [^.]{0,12}mois avec la coordination|"
                      r"rempli à deux|remplir ensemble le bilan|remplissez d.abord ensemble|"
                      r"Vous ne choisissez pas un nom|[Tt]oute personne salariée")
    assert {address: said.findall(text) for address, text in pages.items()
            if said.search(text)} == {}


def test_the_review_is_filled_alone_then_discussed_together(pages):
    for address in ("/modeles/bilan-mi-parcours/", "/fonctionnement/", "/formulaires/retour/",
                    "/guides/attentes-et-rythme/", "/modeles/accord-de-mentorat/"):
        assert re.search(r"[Cc]hacun remplit sa partie seul", pages[address]), address


def _enrollment_form(programme, **changes):
    from support.people import MENTEE
    from werkzeug.datastructures import MultiDict

    from forms_service.forms.definitions import EnrollmentForm

    data = {**MENTEE, **changes}
    return EnrollmentForm(MultiDict([(k, v) for k, vs in data.items() if vs is not None
                                     for v in (vs if isinstance(vs, list) else [vs])]),
                          programme=programme)


def test_a_provisional_objective_is_accepted_and_the_help_says_so(programme):
    form = _enrollment_form(programme, goal_1="Être plus à l’aise en réunion (provisoire)")
    assert form.validate(), form.errors
    assert "Un objectif provisoire suffit" in plain_spaces(str(form.goal_1.description))


def test_the_form_no_longer_offers_a_weekly_rhythm_and_refuses_it(programme):
    form = _enrollment_form(programme, rhythm="hebdomadaire")
    assert "hebdomadaire" not in [choice.value for choice in form.rhythm.choices]
    assert not form.validate()
    assert form.errors["rhythm"] == ["Choisissez une des réponses proposées."]


def test_the_enrollment_page_offers_the_guides_rhythms_only(built_site):
    html = (built_site / "formulaires" / "inscription" / "index.html").read_text("utf-8")
    assert 'value="hebdomadaire"' not in html and 'value="bimensuel"' in html


def test_a_stored_weekly_enrollment_is_still_read_matched_and_shown(app, cli):
    import json

    from support.coordination import login
    from support.people import enroll, mentor

    awa = enroll(app, "Awa Diallo", rhythm="hebdomadaire")
    marc = mentor(app, "Marc Petit", rhythm="bimensuel")
    result = cli("match", "--format", "json")
    assert result.exit_code == 0, result.output
    pairs = json.loads(result.stdout)["pairs"]
    assert [(p["mentor"]["id"], p["mentee"]["id"]) for p in pairs] == [(marc["id"], awa["id"])]
    client = app.test_client()
    login(app, client)
    page = plain_spaces(client.get(f"/coordination/inscriptions/{awa['id']}/")
                        .get_data(as_text=True))
    assert "Chaque semaine" in page


# ----------------------------------------------------------------- one word per idea

# The glossary's forms: « mentor » (épicène: le mentor, sa mentor for a named woman, les
# mentors) and « mentoré·e » (le mentoré·e… il, les mentoré·es). Never these variants.
ROLE_VARIANTS = re.compile(
    r"\b(?:la|une|sa|votre|cette|ma|des|les|aux|de)\s+mentores?\b|personnes?\s+mentores?\b"
    r"|\bmentor·e|(?<!l’)(?<!l')\bun·e\s+mentor\b|\bmentor\(e\)|\b(?:le|la) ou (?:la|le) "
    r"mentoré·e|\bla ou le mentor\b|\bla mentoré·e\b", re.I)
# Anglicisms the guide says in French (GROW stays, explained at its first use).
ANGLICISMS = re.compile(r"\b(?:débriefing|débriefe\w*|debrief\w*|cloud|open[ -]space|"
                        r"feedbacks?|coaching|check-?list)\b", re.I)
# Where the service speaks to people: its templates, e-mails and form labels.
SERVICE_TEXTS = [*sorted((ROOT / "forms_service" / "templates").rglob("*.*")),
                 ROOT / "forms_service" / "mail" / "messages.py",
                 *sorted((ROOT / "forms_service" / "forms").glob("*.py")),
                 ROOT / "forms_service" / "vocabulary.py",
                 ROOT / "forms_service" / "records" / "registry.py"]
# A word may appear as an example of what not to write.
ALLOWED = {"docs/contribuer.md": re.compile(r"pas check-list")}


def _prose(path: Path) -> str:
    from support.content_rules import prose

    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        text = prose(text)
    else:  # only what people read: the messages between quotes, not code values
        text = " ".join(re.findall(r"_\(\s*((?:\"[^\"]*\"\s*)+|'[^']*')", text)) + " " + \
            " ".join(re.findall(r">([^<>{}]+)<", text))
    allowed = ALLOWED.get(path.relative_to(ROOT).as_posix())
    return allowed.sub("", text) if allowed else text


@pytest.mark.parametrize("pattern", [ROLE_VARIANTS, ANGLICISMS], ids=["rôles", "anglicismes"])
def test_the_guide_and_the_service_use_the_glossarys_words(pattern):
    found = {path.relative_to(ROOT).as_posix(): sorted(set(pattern.findall(_prose(path))))
             for path in [*_guide_sources(), *SERVICE_TEXTS]}
    assert {where: words for where, words in found.items() if words} == {}


def test_no_generational_framing_of_the_reverse_track(pages):
    said = re.compile(r"génération|jeunes? mentors?|jeunes recrues|votre âge", re.I)
    found = {address: said.findall(text) for address, text in pages.items()
             if address != "/guides/inclusion-et-biais/"}  # it names the stereotype to avoid it
    assert {address: words for address, words in found.items() if words} == {}


@pytest.mark.parametrize("address, term, explained", [
    ("/guides/mentorat-inverse/", "sécurité psychologique", "sans être jugé ni pénalisé"),
    ("/guides/conduire-une-seance/", "GROW", "initiales de quatre mots anglais"),
    ("/", "appariement", "la formation de votre binôme"),
    ("/modeles/plan-de-developpement/", "70-20-10", "environ 70 % en faisant"),
])
def test_a_term_is_explained_where_it_first_appears(pages, address, term, explained):
    text = pages[address]
    assert explained in text
    assert text.index(explained) - text.index(term) < 600


# ------------------------------------------------------------ the path from each entry

def test_the_home_page_has_four_entries(built_site):
    elements = read_page((built_site / "index.html").read_text(encoding="utf-8"))
    entries = {e.text.strip(): e.attrs["href"] for e in elements
               if e.tag == "a" and e.inside("dt")}
    assert entries == {"Je cherche un mentor": "guides/guide-du-mentore/",
                       "Je veux accompagner": "guides/",
                       "Mentorat inversé": "guides/mentorat-inverse/",
                       "Je coordonne le programme": "lancer/"}


def test_the_thanks_page_names_the_guide_of_each_role(client):
    html = client.get("/formulaires/merci/").get_data(as_text=True)
    for guide in ("guides/guide-du-mentore/", "guides/premier-rendez-vous/",
                  "guides/mentorat-inverse/"):
        assert f'href="../../{guide}"' in html


@pytest.mark.parametrize("changes, guides", [
    ({}, ["/guides/guide-du-mentore/"]),
    ({"role": "mentor", "capacity": "2", "skills_offered": ["Négociation"], "goal_1": ""},
     ["/guides/premier-rendez-vous/"]),
    ({"role": "les_deux", "capacity": "1", "skills_offered": ["Négociation"]},
     ["/guides/guide-du-mentore/", "/guides/premier-rendez-vous/"]),
    ({"track": "inverse"}, ["/guides/mentorat-inverse/"]),
    ({"track": "inverse", "role": "mentor", "capacity": "1",
      "skills_offered": ["Négociation"], "goal_1": ""}, ["/guides/mentorat-inverse/"]),
])
def test_the_confirmation_email_points_to_the_guide_of_the_role(client, changes, guides):
    from support.mail import mails
    from support.people import MENTEE
    from support.service import JSON

    response = client.post("/api/formulaires/enrollment", data={**MENTEE, **changes},
                           headers=JSON)
    assert response.status_code == 201, response.get_data(as_text=True)
    [(to, _subject, text)] = mails(client)
    shown = re.findall(r"http://\S+(/guides/[\w-]+/)", text)
    assert shown == guides


# ------------------------------------------------------------------------- contacts

@pytest.mark.parametrize("address", ["/guides/bien-etre/", "/faq/"])
def test_the_occupational_health_contact_is_shown(pages, programme, address):
    assert programme.contacts["medecine_travail"] in pages[address]


@pytest.mark.parametrize("address", ["/", "/faq/", "/fonctionnement/", "/guides/",
                                     "/guides/ecoute-active/", "/calendrier/"])
def test_each_page_on_mentor_training_links_the_workshops(built_site, programme, address):
    html = (built_pages(built_site)[address]).read_text(encoding="utf-8")
    assert f'href="{programme.contacts["ateliers"]}"' in html


OPTIONAL = {"outils.ia": ["/guides/mentorat-inverse/", "/guides/e-mentorat/",
                          "/modeles/accord-de-mentorat/"],
            "espace_partage": ["/guides/mentorat-inverse/", "/guides/e-mentorat/",
                               "/modeles/accord-de-mentorat/"],
            "support_informatique": ["/guides/mentorat-inverse/", "/guides/e-mentorat/",
                                     "/modeles/accord-de-mentorat/"]}


@pytest.mark.parametrize("key", OPTIONAL)
def test_an_optional_contact_is_shown_where_it_helps(pages, programme, key):
    for address in OPTIONAL[key]:
        assert programme.contacts[key] in pages[address], address


@pytest.mark.parametrize("key, said", [
    ("outils.ia", "aucun outil d’intelligence artificielle n’est encore validé"),
    ("espace_partage", "les outils de stockage de documents fournis par l’entreprise"),
    ("support_informatique", "le support informatique habituel de votre site"),
])
def test_an_optional_contact_left_out_says_where_to_turn(programme, key, said):
    from dataclasses import replace

    from forms_service.programme_text import programme_value

    contacts = {k: v for k, v in programme.contacts.items() if k != key}
    assert said in plain_spaces(programme_value(replace(programme, contacts=contacts), key))
    assert programme_value(programme, key) == programme.contacts[key]


def test_the_file_accepts_the_three_optional_contacts_and_only_known_tools(tmp_path):
    path = tmp_path / "programme.yml"
    path.write_text(SHIPPED.replace("    ia: ", "    tableur: ", 1), encoding="utf-8")
    with pytest.raises(ProgrammeError, match="outil inconnu «\\s?tableur\\s?»"):
        load_programme(path)
    shipped = load_programme(ROOT / "programme.yml")
    assert {"outils.ia", "espace_partage", "support_informatique"} <= set(shipped.contacts)
