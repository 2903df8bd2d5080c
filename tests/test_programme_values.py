"""What programme.yml sets, the guide, the notice, the templates and the e-mails say.

Checkpoint months, follow-up delays, retention periods and the notice's version
are written once, in programme.yml; every page shows them through a
``<!-- programme: CLE -->`` marker and every e-mail reads them from the
programme the service loaded. The proof: one build with a changed file
(checkpoints [2, 5, 9], silence 20 days, enrollments kept 200 days), shared by
every check of this module, shows the new values everywhere and the old ones
nowhere.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from support.mail import text_of
from support.service import ROOT, plain_spaces
from support.site_pages import built_pages, read_page

# The shipped line → the changed one.
CHANGES = {
    "points_etape: [1, 3, 6]": "points_etape: [2, 5, 9]",
    "  silence_jours: 30": "  silence_jours: 20",
    "  inscriptions_jours: 365": "  inscriptions_jours: 200",
}


@pytest.fixture(scope="module")
def changed_programme(tmp_path_factory) -> Path:
    text = (ROOT / "programme.yml").read_text(encoding="utf-8")
    for old, new in CHANGES.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path_factory.mktemp("programme") / "programme.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def changed(changed_programme):
    from forms_service.programme import load_programme

    return load_programme(changed_programme)


@pytest.fixture(scope="module")
def changed_site(changed_programme, tmp_path_factory) -> Path:
    """The guide built once with the changed programme.yml (strict)."""
    site = tmp_path_factory.mktemp("changed-site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f",
         str(ROOT / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1",
             "MENTORAT_PROGRAMME": str(changed_programme)})
    assert result.returncode == 0, result.stderr
    return site


def _content(path: Path) -> str:
    """What a page's article says, with ordinary spaces."""
    html = path.read_text(encoding="utf-8")
    [article] = [e for e in read_page(html) if e.tag == "article"]
    return " ".join(plain_spaces(article.text).split())


@pytest.fixture(scope="module")
def changed_pages(changed_site) -> dict[str, str]:
    return {address: _content(path) for address, path in built_pages(changed_site).items()}


# ------------------------------------------------------------------ the words of each marker

@pytest.mark.parametrize("key, shown", [
    ("points_etape", "1, 3 et 6 mois"),
    ("points_etape.1", "1er mois"),
    ("points_etape.2", "3e mois"),
    ("points_etape.3", "6e mois"),
    ("points_etape.dernier", "6e mois"),
    ("points_etape.1.semaine", "4"),
    ("points_etape.2.semaine", "13"),
    ("points_etape.dernier.semaine", "26"),
    ("points_etape.2.jour", None),
    ("points_etape.nombre", "trois"),
    ("duree", "6 mois"),
    ("points_etape.4", None),
    ("points_etape.0", None),
    ("relances.silence_jours", "30 jours"),
    ("relances.alerte_jours", "45 jours"),
    ("relances.refus_jours", "14 jours"),
    ("relances.inconnu", None),
    ("conservation.inscriptions_jours", "365 jours"),
    ("conservation.courriels_envoyes_jours", "90 jours"),
    ("conservation.journal_jours", "365 jours"),
    ("conservation.sauvegardes_jours", "30 jours"),
    ("version_notice", "2026-12"),
    ("capacites", "1, 2 ou 3"),
    ("capacites.max", "3"),
    ("rythmes", "toutes les deux semaines, toutes les trois semaines ou une fois par mois"),
    ("contacts.dpo", None),
    ("poids", None),
])
def test_each_marker_says_its_value_the_french_way(programme, key, shown):
    from forms_service.programme_text import programme_value

    value = programme_value(programme, key)
    assert (plain_spaces(value) if value else value) == shown
    if value and re.fullmatch(r"[\d, et]+\s(jours?|mois)", value):
        assert "\u00a0" in value  # « 30 jours » never splits across two lines


@pytest.mark.parametrize("months, said", [
    ([6], "6 mois"), ([1, 6], "1 et 6 mois"), ([1, 2, 3, 4], "1, 2, 3 et 4 mois"),
])
def test_a_list_of_months_has_no_comma_before_et(months, said):
    from forms_service.programme_text import checkpoint_months

    assert plain_spaces(checkpoint_months(months)) == said


@pytest.mark.parametrize("marker, key", [
    ("<!-- programme: points_etape.4 -->", "points_etape.4"),
    ("<!-- programme: relances.silence -->", "relances.silence"),
    ("<!-- programme: delai -->", "delai"),
])
def test_an_unknown_key_fails_the_build_naming_the_page_and_the_key(programme, marker, key):
    from mkdocs.exceptions import PluginError

    sys.path.insert(0, str(ROOT / "overrides" / "hooks"))
    import contacts as hook

    hook._programme = programme
    named = rf"guides/page\.md\s:\sprogramme\s«\s{re.escape(key)}\s»"
    with pytest.raises(PluginError, match=named):
        hook.check(f"Au {marker}, faites le point.", "guides/page.md")
    hook.check(f"Un exemple : `{marker}`.", "guides/page.md")  # in code, it is an example


# ------------------------------------------------------ the changed file, everywhere at once

# (page, what it says with the changed file): checkpoints 2, 5, 9; silence 20; kept 200.
NEW_VALUES = [
    ("/", "à 2, 5 et 9 mois après l’appariement"),
    ("/faq/", "À 2, 5 et 9 mois, un questionnaire court"),
    ("/faq/", "Si le silence dure plus de 20 jours"),
    ("/fonctionnement/", "à 2, 5 et 9 mois après l’appariement"),
    ("/fonctionnement/", "Le point du 5e mois est le plus important"),
    ("/fonctionnement/", "pendant 20 jours, chacun reçoit un mot amical"),
    ("/charte/", "à 2, 5 et 9 mois après l’appariement"),
    ("/charte/", "Une relation dure environ 9 mois."),
    ("/modeles/accord-de-mentorat/", "date de clôture prévue (environ 9 mois)"),
    ("/calendrier/", "Point d’étape du 2e mois"),
    ("/calendrier/", "S39 Point d’étape du 9e mois et clôture"),
    ("/glossaire/", "vers le 5e mois"),
    ("/formulaires/retour/", "à 2, 5 et 9 mois après l’appariement"),
    ("/guides/partenaire-silencieux/", "20 jours sans réponse"),
    ("/guides/attentes-et-rythme/", "Silence de plus de 20 jours"),
    ("/modeles/accord-de-mentorat/", "sans nouvelles de l’autre pendant 20 jours"),
    ("/modeles/accord-de-mentorat/", "9e mois"),
    ("/modeles/bilan-mi-parcours/", "Vers le 5e mois"),
    ("/confidentialite/", "Aux points d’étape (2, 5 et 9 mois)"),
    ("/confidentialite/", "200 jours après votre dernière activité"),
    ("/confidentialite/", "Version de la notice : 2026-12"),
    ("/contribuer/", "au 5e mois"),
]
# Said nowhere once the file changed: the shipped checkpoints, and the silence typed by hand.
OLD_VALUES = ["1, 3 et 6 mois", "un, trois et six mois", "1er mois", "3e mois", "6e mois",
              "environ six mois", "environ 6 mois", "six semaines", "30 jours", "365 jours"]
# The notice, the record of processing and the launch kit's AIPD and note to the CSE show
# every retention period: backups are still kept 30 days, the log 365.
STILL_TRUE = {"/confidentialite/": ["30 jours", "365 jours"],
              "/registre-des-traitements/": ["30 jours", "365 jours"],
              "/lancer/aipd/": ["30 jours", "365 jours"],
              "/lancer/note-cse/": ["30 jours", "365 jours"]}


@pytest.mark.parametrize("address, said", NEW_VALUES)
def test_a_changed_programme_changes_what_the_pages_say(changed_pages, address, said):
    assert said in changed_pages[address]


def test_no_page_keeps_a_shipped_value_once_the_file_changed(changed_pages):
    assert len(changed_pages) > 30
    kept = {(address, old) for address, text in changed_pages.items() for old in OLD_VALUES
            if old in text and old not in STILL_TRUE.get(address, ())}
    assert kept == set()
    assert "puis 365 jours" not in changed_pages["/confidentialite/"]


def test_a_page_description_says_the_changed_values_too(changed_site):
    pages = {"plan-de-developpement": "sur 9 mois", "bilan-mi-parcours": "vers le 5e mois"}
    for page, said in pages.items():
        head = read_page((changed_site / "modeles" / page / "index.html").read_text("utf-8"))
        [meta] = [e for e in head if e.tag == "meta" and e.attrs.get("name") == "description"]
        assert said in plain_spaces(meta.attrs["content"]), page


def test_the_downloaded_templates_carry_the_changed_values(changed_site):
    import pypandoc

    for suffix in ("odt", "docx"):
        path = changed_site / "modeles" / "accord-de-mentorat" / f"accord-de-mentorat.{suffix}"
        text = " ".join(plain_spaces(pypandoc.convert_file(str(path), "plain")).split())
        assert "pendant 20 jours" in text and "5e mois" in text and "9e mois" in text, suffix
        assert "30 jours" not in text and "3e mois" not in text, suffix


class _Records:
    """The two records and the pair an e-mail about a pair reads, nothing else."""

    def __init__(self, pair: dict, people: list[dict]):
        self._pair, self._people = pair, {p["id"]: p for p in people}

    def pair(self, pair_id):
        return self._pair if pair_id == self._pair["id"] else None

    def enrollment(self, enrollment_id):
        return self._people.get(enrollment_id)


@pytest.fixture(scope="module")
def pair_mail(changed):
    """Render a pair's messages as the sender would, with the changed programme."""
    from forms_service.config import Settings
    from forms_service.mail.mailqueue import MailKind
    from forms_service.mail.messages import Outgoing, render
    from forms_service.records.checkpoints import checkpoint_schedule
    from forms_service.vocabulary import PairState

    confirmed = date(2026, 12, 1)
    pair = {"id": 7, "mentor_id": 1, "mentee_id": 2, "status": PairState.ACTIVE,
            "track": "classique", "confirmed_at": f"{confirmed}T09:00:00+00:00",
            "checkpoints": checkpoint_schedule(confirmed, changed.checkpoints)}
    people = [{"id": 1, "name": "Claire Martin", "email": "claire@exemple.fr",
               "department": "Achats", "site": "Lyon"},
              {"id": 2, "name": "Karim Haddad", "email": "karim@exemple.fr",
               "department": "Ventes", "site": "Lyon"}]
    out = Outgoing(Settings(), "secret-de-test", _Records(pair, people), changed)

    def mail(kind: MailKind, **refs):
        message, _enrollment = render({"kind": kind, "refs": {"pair_id": 7, "person_id": 2,
                                                               **refs}}, out)
        return message_from_bytes(message.as_bytes(), policy=default)

    return mail


def test_the_emails_say_the_changed_checkpoints_and_delays(pair_mail):
    from forms_service.mail.mailqueue import MailKind

    introduction = plain_spaces(text_of(pair_mail(MailKind.PRESENTATION)))
    assert "à 2, 5 et 9 mois après la confirmation du binôme" in introduction
    assert "pendant 14 jours" in introduction  # refus_jours, unchanged
    nudge = plain_spaces(text_of(pair_mail(MailKind.RELANCE)))
    assert "depuis 20 jours" in nudge
    reminder = pair_mail(MailKind.RAPPEL, month=2)
    assert "à 2 mois" in plain_spaces(reminder["Subject"])
    for text in (introduction, nudge, plain_spaces(text_of(reminder))):
        for old in ("1, 3 et 6 mois", "30 jours", "à 1 mois", "à 3 mois", "à 6 mois"):
            assert old not in text, old


def test_the_calendar_files_hold_the_changed_checkpoints(pair_mail):
    from icalendar import Calendar

    from forms_service.mail.mailqueue import MailKind

    introduction = pair_mail(MailKind.PRESENTATION)
    [attachment] = list(introduction.iter_attachments())
    events = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
    summaries = [plain_spaces(str(e["SUMMARY"])) for e in events]
    assert summaries == ["Mentorat : première rencontre à fixer",
                         "Mentorat : point d’étape à 2 mois", "Mentorat : point d’étape à 5 mois",
                         "Mentorat : point d’étape à 9 mois"]
    assert [str(e["DTSTART"].dt) for e in events][1:] == ["2027-02-01", "2027-05-01",
                                                          "2027-09-01"]


# ------------------------------------------------------------- no value typed by hand

SOURCES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "overrides" / "404.html"] + sorted(
    (ROOT / "forms_service" / "templates" / "mail").glob("*.txt"))
MARKER = re.compile(r"<!--\s*(?:contact|programme|conservation|relances)\s*:[^>]*-->")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
WORDS = {1: "un", 3: "trois", 6: "six"}


def _typed_values(programme) -> list[re.Pattern]:
    """Ways a page could type what the shipped programme.yml sets."""
    months = programme.checkpoints
    listed = [rf"{', '.join(map(str, months[:-1]))} (?:et|ou) {months[-1]}\s+mois",
              (rf"{', '.join(WORDS.get(m, str(m)) for m in months[:-1])} (?:et|ou) "
               rf"{WORDS.get(months[-1], months[-1])}\s+mois"),
              rf"\b(?:{'|'.join(f'{m}e' for m in months)}|1er)\s+mois",
              # one checkpoint: « point à 3 mois », « Clôture à 6 mois », « | 1 mois | »
              (rf"(?:point|retour|[Cc]lôture|[Bb]ilan)[^.|\n]{{0,25}}"
               rf"\bà (?:{'|'.join(map(str, months))}) mois"),
              rf"\|\s*\**(?:{'|'.join(map(str, months))}) mois\**\s*\|"]
    delays = {*programme.followup.values(), *programme.retention.values()}
    return [re.compile(p) for p in listed] + [
        re.compile(rf"\b(?:{'|'.join(map(str, sorted(delays)))})\s+jours\b"),
        re.compile(rf"\b(?:{WORDS.get(months[-1], months[-1])}|{months[-1]}) mois\b"),
        re.compile(r"\bsix semaines\b"),
        re.compile(rf"\b{re.escape(programme.notice_version)}\b")]


# A worked example keeps its own dates: it tells one person's story.
EXAMPLES = {"docs/modeles/plan-de-developpement.md": "Dans six mois, piloter seule"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_types_a_configured_value_by_hand(programme, source):
    text = INLINE_CODE.sub("", FENCE.sub("", MARKER.sub("", source.read_text(encoding="utf-8"))))
    text = text.replace(EXAMPLES.get(source.relative_to(ROOT).as_posix(), "\0"), "")
    typed = [m.group() for pattern in _typed_values(programme) for m in pattern.finditer(text)]
    assert typed == []
