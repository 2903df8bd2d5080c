"""Health and other sensitive data stay out of free text: every field where a participant
or a coordinator writes freely says so, and points to the well-being page's contacts."""

from __future__ import annotations

import html
import re

from support.coordination import login
from support.people import enroll, mentor
from support.service import plain_spaces, repo

from forms_service.vocabulary import SENSITIVE_HINTS

FREE_TEXT = re.compile(r"<textarea[^>]*>|<input[^>]*name=\"(?:presentation|goal_1)\"[^>]*>")


def described_free_fields(page: str, hint: str) -> list[str]:
    """Each free-text field of the page, and whether its description is the hint."""
    text = html.unescape(page)
    problems = []
    for field in FREE_TEXT.findall(text) or ["(aucun champ)"]:
        described = re.search(r'aria-describedby="([^"]+)"', field)
        ids = described.group(1).split() if described else []
        helps = [re.search(rf'id="{re.escape(i)}"[^>]*>(.*?)</p>', text, re.S) for i in ids]
        if not any(h and plain_spaces(hint) in plain_spaces(h.group(1)) for h in helps):
            problems.append(field[:80])
    return problems


def test_every_participant_free_text_field_says_to_keep_sensitive_data_out(built_site):
    hint = SENSITIVE_HINTS["participant"]
    assert "Bien-être et épuisement" in hint and "médecine du travail" in hint
    for page in ("formulaires/inscription/index.html", "formulaires/retour/index.html"):
        source = (built_site / page).read_text(encoding="utf-8")
        assert described_free_fields(source, hint) == [], page


def test_the_decline_reason_and_the_coordinations_notes_say_it_too(make_app):
    from forms_service.mail.links import pair_token

    app = make_app()
    client = app.test_client()
    a, b = mentor(app, "Marc Petit"), enroll(app, "Awa Diallo")
    pair = repo(app).confirm_pair(a["id"], b["id"], by=None, score=80, reasons=[],
                                  checkpoints=[])
    token = pair_token(app.secret_key, pair["id"], a["id"], "refus")
    decline = client.get(f"/formulaires/refus/?lien={token}").get_data(as_text=True)
    assert "refus-raison" in decline
    assert described_free_fields(decline, SENSITIVE_HINTS["participant"]) == []
    login(app, client)
    for path in (f"/coordination/inscriptions/{a['id']}/",
                 f"/coordination/suivi/binomes/{pair['id']}/"):
        page = client.get(path).get_data(as_text=True)
        assert described_free_fields(page, SENSITIVE_HINTS["coordination"]) == [], path
