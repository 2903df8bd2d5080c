"""The words match the legal basis: the notice is read, nobody "consents".

The processing rests on the employer's legitimate interest (docs/confidentialite.md
says why consent is not the basis), so the checkbox, the personal page and the
exports speak of a notice read; the field stays ``consent`` and the stored date
``consented_at`` (the endpoint's contract).
"""

from __future__ import annotations

import html as htmllib
import re

from support.people import MENTEE, enroll_by_post
from support.service import ROOT, repo
from werkzeug.datastructures import MultiDict

from forms_service.exports.spreadsheet import rows
from forms_service.forms.definitions import EnrollmentForm
from forms_service.forms.render import blank_form, render_form

# What would speak of agreeing to the processing of one's data.
CONSENT = re.compile(r"consent|j['’]accepte|votre accord|accord (?:pour|donné)", re.I)
ABOUT_DATA = re.compile(r"notice|traitement|vos réponses|vos données|données personnelles", re.I)


def _msgids() -> list[tuple[str, str]]:
    """Every user-facing message of the package, as ``make catalogue`` extracts them."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    found = []
    for filename, line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2)}):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.append((f"{filename}:{line}", text))
    return found


def test_no_message_of_the_package_speaks_of_consent_to_the_processing():
    messages = _msgids()
    assert len(messages) > 500  # the walk found the package's messages
    for where, text in messages:
        assert not CONSENT.search(text), (where, text)
        # « accord » only as the mentoring agreement; « accepté(e)s » never about the data.
        assert "accord" not in text.lower().replace("accord de mentorat", ""), (where, text)
        assert not (re.search(r"accept", text, re.I) and ABOUT_DATA.search(text)), (where, text)


def test_the_checkbox_says_the_notice_was_read(programme):
    form = blank_form("enrollment", programme)
    assert form.consent.label.text == "J’ai pris connaissance de la notice sur les données personnelles."
    page = render_form(form, action="/api/formulaires/enrollment")
    assert 'name="consent"' in page  # the contract's field name stays
    words = re.sub(r"<[^>]*>", " ", page)  # what people read, not the markup's names
    assert not CONSENT.search(words) and "accepte" not in words
    unticked = EnrollmentForm(MultiDict({k: v for k, v in MENTEE.items() if k != "consent"}),
                              programme=programme)
    assert not unticked.validate()
    [error] = unticked.errors["consent"]
    assert "pris connaissance de la notice" in error and "accord" not in error


def test_the_personal_page_and_the_export_say_notice_read(app, client, data_dir):
    page = htmllib.unescape(client.get(enroll_by_post(client, data_dir)).get_data(as_text=True))
    table = page[page.index('class="mentorat-donnees"'):page.index("</table>")]
    assert ">Notice lue le<" in table and ">Notice lue<" in table
    assert ">Version de la notice lue<" in table
    words = re.sub(r"<[^>]*>", " ", page)
    assert not CONSENT.search(words) and "Accord" not in table and "accepté" not in table
    [row] = rows(repo(app), "enrollment")
    [stored] = repo(app).enrollments.all()
    assert row["Notice lue le"] and stored["consented_at"]  # same date, new header
    assert not [header for header in row if CONSENT.search(header) or "accord" in header.lower()]
