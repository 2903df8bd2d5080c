"""« Lancer le programme »: the coordinators' launch kit (docs/lancer/).

Every page of the kit is in the strict build and in the nav's « Lancer le
programme » section (with the record of processing, whose URL stays); the
pieces HR edits download as ``.odt`` and ``.docx`` holding their key words;
the AIPD shows the retention periods of ``programme.yml`` and types none; the
serious-situation protocol shows the configured contacts and includes the one
confidentiality text. Reads the session's built site: no browser.
"""

from __future__ import annotations

import re
import zipfile
from html import unescape

import pytest
from support.service import ROOT
from support.site_pages import mkdocs_config, nav_files

from forms_service.programme_text import days, marker_value

DOCS = ROOT / "docs"
LANCER = DOCS / "lancer"
SECTION = "Lancer le programme"
PAGES = sorted(p.stem for p in LANCER.glob("*.md"))
# The pieces HR adapts and sends, each with words its files must hold.
EDITABLE = {
    "aipd": ["Contexte", "Principes fondamentaux", "Durées de conservation",
             "Accès illégitime à des données", "Modification non désirée",
             "Disparition de données", "Plan d’action", "Avis du ou de la DPO",
             "Avis des personnes concernées"],
    "note-cse": ["comité social et économique", "Les données traitées",
                 "Ce que le programme ne fait pas", "évaluation professionnelle",
                 "contrôler l’activité"],
    "kit-annonce": ["E-mail à tout le personnel", "Article pour l’intranet",
                    "Message aux managers", "Rappel avant la clôture"],
    "guide-du-manager": ["Ce qu’est le mentorat", "Ce qu’il n’est pas",
                         "Ce que le programme vous demande", "mentorat inversé",
                         "ligne hiérarchique"],
    "attestation": ["Attestation de participation", "ne comporte aucune appréciation",
                    "signature"],
    "comite-de-direction": ["Sponsor et gouvernance", "Temps demandé", "deux heures par mois",
                            "Indicateurs suivis", "Budget", "Risques et parades"],
}
SPACES = re.compile(r"[\s\u00a0\u202f]+")
TAG = re.compile(r"<[^>]+>")
INLINE = re.compile(r"</?(?:a|strong|em|code|span|abbr)\b[^>]*>")


def _plain(text: str) -> str:
    return SPACES.sub(" ", text).strip()


def _html_text(built_site, stem: str) -> str:
    folder = built_site / "lancer" if stem == "index" else built_site / "lancer" / stem
    html = (folder / "index.html").read_text(encoding="utf-8")
    article = re.search(r"<article[^>]*>(.*?)</article>", html, re.DOTALL).group(1)
    # Inline tags (a mailto link in a sentence) join their words; blocks part them.
    return _plain(unescape(TAG.sub(" ", INLINE.sub("", article))))


def _document_text(path) -> str:
    """The words of an .odt or .docx, paragraphs apart, spaces as a reader sees them."""
    part = "word/document.xml" if path.suffix == ".docx" else "content.xml"
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        xml = archive.read(part).decode("utf-8")
    xml = re.sub(r"<text:s(?: [^>]*)?/>|</w:p>|</text:p>|</text:h>", " ", xml)
    return _plain(unescape(TAG.sub("", xml)))


def _nav_section(nav, title):
    for item in nav:
        if isinstance(item, dict) and title in item:
            return item[title]
    return None


@pytest.fixture(scope="module")
def nav():
    return mkdocs_config(ROOT)["nav"]


def test_the_section_comes_after_the_templates_and_holds_every_page(nav):
    titles = [next(iter(item)) if isinstance(item, dict) else item for item in nav]
    assert titles.index(SECTION) == titles.index("Modèles") + 1
    section = nav_files(_nav_section(nav, SECTION))
    assert section[0] == "lancer/index.md"
    assert sorted(f"lancer/{stem}.md" for stem in PAGES) == sorted(
        f for f in section if f.startswith("lancer/"))
    # The record of processing moved into the section; its file (and URL) did not.
    assert "registre-des-traitements.md" in section
    assert nav_files(nav).count("registre-des-traitements.md") == 1
    assert (DOCS / "registre-des-traitements.md").exists()


@pytest.mark.parametrize("stem", PAGES)
def test_each_page_is_built_and_shown_in_the_section(built_site, stem):
    folder = built_site / "lancer" if stem == "index" else built_site / "lancer" / stem
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert SECTION in html
    assert "<!--" not in _html_text(built_site, stem)


def test_the_record_of_processing_keeps_its_address(built_site):
    assert (built_site / "registre-des-traitements" / "index.html").exists()


def test_the_checklist_links_every_piece():
    checklist = (LANCER / "index.md").read_text(encoding="utf-8")
    for stem in PAGES:
        if stem != "index":
            assert f"]({stem}.md)" in checklist, stem
    assert "](../registre-des-traitements.md)" in checklist
    for when in ("J-90", "J-60", "J-30", "J+30"):
        assert when in checklist, when


@pytest.mark.parametrize("stem", sorted(EDITABLE))
@pytest.mark.parametrize("suffix", ["odt", "docx"])
def test_each_editable_piece_downloads_with_its_words(built_site, stem, suffix):
    path = built_site / "lancer" / stem / f"{stem}.{suffix}"
    text = _document_text(path)
    for words in EDITABLE[stem]:
        assert _plain(words) in text, words
    assert "<!--" not in text and "programme:" not in text and "contact:" not in text


@pytest.mark.parametrize("stem", sorted(EDITABLE))
def test_each_editable_page_links_its_files_as_a_document(built_site, stem):
    html = (built_site / "lancer" / stem / "index.html").read_text(encoding="utf-8")
    assert f'href="{stem}.odt"' in html and f'href="{stem}.docx"' in html
    assert "Télécharger ce document" in html and "deux pages" not in html


def test_the_templates_of_the_pairs_keep_their_two_page_box(built_site):
    html = (built_site / "modeles" / "accord-de-mentorat" / "index.html").read_text(
        encoding="utf-8")
    assert "Télécharger ce modèle" in html and "deux pages A4 au plus" in html


def test_the_aipd_shows_every_configured_retention_period(built_site, programme):
    page = _html_text(built_site, "aipd")
    files = [_document_text(built_site / "lancer" / "aipd" / f"aipd.{s}") for s in ("odt", "docx")]
    assert programme.retention
    for key, value in programme.retention.items():
        shown = _plain(days(int(value)))
        assert shown in page, key
        for text in files:
            assert shown in text, key


def test_the_aipd_types_no_period_by_hand():
    source = (LANCER / "aipd.md").read_text(encoding="utf-8")
    assert not re.search(r"\d+\s*jours", source)
    for key in ("inscriptions_jours", "retours_anonymes_jours", "courriels_envoyes_jours",
                "journal_jours", "sauvegardes_jours"):
        assert f"<!-- programme: conservation.{key} -->" in source, key


def test_the_aipd_follows_the_cnil_structure_and_says_why():
    source = (LANCER / "aipd.md").read_text(encoding="utf-8")
    for words in ("ressources humaines", "de manière constante l’activité", "Finalités",
                  "Base légale", "Minimisation", "Sous-traitants", "Transferts",
                  "Sources de risques", "Gravité proposée", "Vraisemblance proposée",
                  "../registre-des-traitements.md"):
        assert words.lower() in source.lower(), words


@pytest.mark.parametrize("contact", ["coordination", "referent_harcelement", "medecine_travail",
                                     "referent_harcelement_cse", "alerte_professionnelle"])
def test_the_protocol_shows_the_configured_contacts(built_site, programme, contact):
    kind = "programme" if contact in ("referent_harcelement_cse", "alerte_professionnelle") \
        else "contact"
    value = marker_value(programme, kind, contact)
    assert value
    assert _plain(value) in _html_text(built_site, "situations-graves")


def test_the_protocol_includes_the_one_confidentiality_text(built_site):
    source = (LANCER / "situations-graves.md").read_text(encoding="utf-8")
    assert "<!-- inclure: confidentialite-et-limites -->" in source
    page = _html_text(built_site, "situations-graves")
    for words in ("Ce qui reste dans le binôme", "La coordination fait partie de l’employeur",
                  "L4121-1", "L1152-4", "L1153-5", "2016-1691", "3114", "15", "112"):
        assert _plain(words) in page, words


def test_the_executive_page_points_to_the_configured_time_and_indicators():
    source = (LANCER / "comite-de-direction.md").read_text(encoding="utf-8")
    assert "deux heures par mois" in source and "](../fonctionnement.md)" in source
    assert "](../objectifs-et-indicateurs.md)" in source
    assert "programme: temps" not in source
