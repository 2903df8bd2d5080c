"""Small rules on what people type: names split on any space, addresses that route nowhere else."""

from __future__ import annotations

import pytest
from support.service import ROOT

from forms_service.programme import load_programme
from forms_service.web.participant import first_name


@pytest.mark.parametrize("name", ["Léa Roux", "Léa\u00a0Roux", "Léa\u202fRoux", "Léa\u2009Roux",
                                  "Léa\u3000Roux", " Léa\tRoux "])
def test_a_visible_mentor_shows_the_first_name_only_whatever_the_space(name):
    assert first_name(name) == "Léa"


@pytest.mark.parametrize("address, accepted", [
    ("awa.diallo@exemple.fr", True), ("AWA@EXEMPLE.FR", True),
    ("a%evil.fr@exemple.fr", False), ("a!evil.fr@exemple.fr", False),
    ("awa@autre.fr", False), ("awa@exemple.fr.evil.fr", False),
])
def test_restricted_domains_accept_no_routing_in_the_local_part(tmp_path, address, accepted):
    text = (ROOT / "programme.yml").read_text(encoding="utf-8")
    restricted = tmp_path / "programme.yml"
    restricted.write_text(text.replace("domaines_email: []", "domaines_email:\n  - exemple.fr"),
                          encoding="utf-8")
    programme = load_programme(restricted)
    assert programme.email_domains == ("exemple.fr",)
    assert programme.accepts_email(address) is accepted
