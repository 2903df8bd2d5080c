"""What a coordinator who mistypes ``programme.yml`` reads: French, the file, the line.

Each case changes one line of the shipped programme and writes it in ``tmp_path``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.service import ROOT, plain_spaces

from forms_service.programme import ProgrammeError, load_programme

SHIPPED = (ROOT / "programme.yml").read_text(encoding="utf-8")


def _programme(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SHIPPED, old
    path = tmp_path / "programme.yml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of the file that is exactly ``text``."""
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def _error(path: Path) -> str:
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path)
    return plain_spaces(str(caught.value))


# (line changed, its replacement, the line the message names, what it says)
SYNTAX_ERRORS = [
    ("sites:", "sites", "sites", r"un deux-points ou une indentation manque peut-être"),
    ("  - Nantes", "\t- Nantes", "\t- Nantes", r"une tabulation sert d.indentation"),
    ("  - Nantes", "  - \"Nantes", "  - \"Nantes", r"guillemet ouvert n.est pas refermé"),
    ("  - Nantes", "  - Nantes: Paris: Lyon", "  - Nantes: Paris: Lyon", r"deux-points est de trop"),
    ("sites:", "---\nsites:", "---", r"ligne « --- »"),
]


@pytest.mark.parametrize("old, new, line_text, hint", SYNTAX_ERRORS,
                         ids=["deux-points", "tabulation", "guillemet", "deux-points de trop",
                              "deux documents"])
def test_a_yaml_syntax_error_is_said_in_french_with_the_file_and_its_line(
        tmp_path, old, new, line_text, hint):
    path = _programme(tmp_path, old, new)
    message = _error(path)
    line = r"\d+" if line_text is None else str(_line_of(path, line_text))
    assert re.fullmatch(rf"{re.escape(str(path))}, ligne {line} : la syntaxe YAML n’est pas "
                        rf"valide \(.*{hint}.*\)\.", message), message
    # Nothing of PyYAML's own English words.
    assert not re.search(r"\b(found|expected|while|scanning|mapping|token)\b", message), message


# Items YAML folds into the one above: one value « Lyon - Paris », refused on the line
# of the stray « - ».
MISINDENTED = [
    ("  - Lyon\n  - Nantes", "  - Lyon\n    - Nantes", "    - Nantes", "sites", "Lyon - Nantes"),
    ("sites:\n  - Lyon\n  - Nantes", "sites:\n- Lyon\n  - Nantes", "  - Nantes", "sites",
     "Lyon - Nantes - Paris - Toulouse"),
    ("  - français\n  - anglais", "  - français\n   - anglais", "   - anglais", "langues",
     "français - anglais"),
]


@pytest.mark.parametrize("old, new, line_text, key, value", MISINDENTED,
                         ids=["plus indenté", "moins indenté au-dessus", "langues"])
def test_a_misindented_list_item_is_refused_with_its_line(tmp_path, old, new, line_text, key,
                                                          value):
    path = _programme(tmp_path, old, new)
    message = _error(path)
    assert message.startswith(f"{path}, ligne {_line_of(path, line_text)} : « {key} » : "
                              f"« {value} » devrait être plusieurs éléments."), message
    assert "sa propre ligne, qui commence par « - »" in message, message


@pytest.mark.parametrize("name", ["Ressources humaines - Paie", "Saint-Étienne",
                                  "\"Lyon\n    - Nantes\""])
def test_a_hyphen_within_one_item_is_kept(tmp_path, name):
    path = _programme(tmp_path, "  - Lyon\n", f"  - {name}\n")
    expected = name.strip('"').replace("\n    ", " ")
    assert expected in load_programme(path).sites


def test_the_reply_to_address_must_be_an_address(tmp_path, make_app):
    """Every e-mail answers to contacts.coordination (Reply-To): a name there stops the
    service at start-up, on its line, instead of mail nobody can answer."""
    path = _programme(tmp_path, "  coordination: mentorat@exemple.fr ",
                      "  coordination: Service RH, bureau 12 ")
    message = _error(path)
    assert message.startswith(f"{path}, ligne {_line_of_start(path, '  coordination:')} : "
                              "« contacts.coordination » doit être une adresse électronique")
    with pytest.raises(Exception, match="contacts.coordination"):
        make_app(programme=path)


def _line_of_start(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))
