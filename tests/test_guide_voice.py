"""One voice: every model sentence of the guide says « vous », both ways.

The guide addresses its reader with « vous », and the sentences it offers a
pair (a mentor's questions, what a mentee or a reverse mentor may say) say
« vous » too, whatever the age or the position. Only the box that explains
how a pair may agree otherwise speaks of « tu ». Reads the Markdown sources,
so it needs no build and no browser.
"""

from __future__ import annotations

import re

import pytest
from support.service import ROOT

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
BOX_TITLE = "Tutoyer ou vouvoyer ?"
BOX_PAGE = DOCS / "guides" / "premier-rendez-vous.md"

# Lowercase or capitalised only, so « TA » or « TE » as acronyms stay out.
PRONOUN = re.compile(r"(?<![\w’'·])[Tt](?:u|oi|e|on|a|es)(?![\w’'·])")
ELIDED = re.compile(r"(?<![\w’'·-])[Tt][’'](?=\w)")
POSSESSIVE = re.compile(r"\b(?:[Ll]e|[Ll]a|[Ll]es|[Dd]u|[Dd]es|[Aa]u|[Aa]ux) (?:tien|tienne|tiens|tiennes)\b")
# « dis-moi », « dis-le-moi », « vas-y », « laisse-le » : a verb with a
# pronoun after a hyphen is an imperative or an inversion; « vous »
# imperatives end in -ez (« racontez-moi ») or -tes (« dites-moi »), and
# « -ons » is « nous » (« allons-y »).
HYPHENED = re.compile(
    r"(?<![\w’'-])(?P<verb>\w+)-(?:(?:le|la|les|en)-)?(?:moi|m’en|lui|leur|y|le|la|les|en)(?![\w-])",
    re.IGNORECASE)
VOUS_OR_NOUS = ("ez", "tes", "ons")
# These words are also 1st or 3rd person forms (« A raconte », « ce que je
# dis »): only an imperative opens a clause without a subject. « Écoute
# active » is the title of a guide.
BARE = ("dis", "raconte", "explique", "montre", "essaie", "essaye", "écoute",
        "regarde", "fais", "prends", "imagine", "parle", "attends", "viens")
CLAUSE_START = (r"(?:^\s*(?:[-*+]|\d+\.|>)?\s*(?:\*\*[^*\n]+\*\*\s*:\s*)?"
                r"|«\s*|[.!?…:;]\s+)")
BARE_IMPERATIVE = re.compile(
    CLAUSE_START + r"(?P<verb>" + "|".join(BARE) + r")(?![\w’'-])(?!\s+active)", re.IGNORECASE | re.MULTILINE)
ALWAYS_TU = re.compile(r"(?<![\w’'-])sois(?![\w’'-])", re.IGNORECASE)
# A noun (« donne le ton ») or the participle of « se taire » (« je me suis tu »).
NOT_A_PRONOUN = {"ton": {"le", "du", "au", "un", "ce", "même", "bon", "quel"},
                 "tu": {"suis", "est", "s’est", "sont", "été", "ai", "a", "ont"}}

COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"`[^`\n]*`")
ADMONITION = re.compile(r'^(?P<indent>\s*)(?:!!!|\?\?\?\+?)\s+\w+\s+"(?P<title>[^"]*)"')


def _blank(match: re.Match) -> str:
    # Keeps the newlines so that line numbers still point into the source.
    return re.sub(r"[^\n]", " ", match.group(0))


def _without_the_box(lines: list[str]) -> list[str]:
    """Blank the admonition titled BOX_TITLE and its indented body."""
    out, inside, indent = [], False, 0
    for line in lines:
        if inside and line.strip() and len(line) - len(line.lstrip()) <= indent:
            inside = False
        header = ADMONITION.match(line)
        if header and header["title"] == BOX_TITLE:
            inside, indent = True, len(header["indent"])
        out.append("" if inside else line)
    return out


def tu_forms(text: str) -> list[tuple[int, str]]:
    """Return (line number, form) for each « tu » form outside code, comments and the box."""
    for pattern in (COMMENT, FENCE, INLINE_CODE):
        text = pattern.sub(_blank, text)
    found = []
    for number, line in enumerate(_without_the_box(text.split("\n")), start=1):
        for match in PRONOUN.finditer(line):
            word = match.group(0).lower()
            before = re.findall(r"[\w’']+", line[:match.start()].lower())
            if (line[:match.start()].endswith(" ") and before
                    and before[-1] in NOT_A_PRONOUN.get(word, ())):
                continue
            found.append((number, match.group(0)))
        for pattern in (ELIDED, POSSESSIVE, ALWAYS_TU):
            found += [(number, m.group(0)) for m in pattern.finditer(line)]
        found += [(number, m.group(0)) for m in HYPHENED.finditer(line)
                  if not m["verb"].lower().endswith(VOUS_OR_NOUS)]
        found += [(number, m["verb"]) for m in BARE_IMPERATIVE.finditer(line)]
    return sorted(found)


@pytest.mark.parametrize("text, forms", [
    ("« De quoi aimerais-tu parler aujourd’hui ? »", ["tu"]),
    ("« Qu’est-ce qui t’a aidé ? »", ["t’"]),
    ("« Tu peux ralentir ? »", ["Tu"]),
    ("- Qui, autour de toi, pourrait te confier une occasion ?", ["te", "toi"]),
    ("« Pendant ta présentation, tu as lu tes notes. »", ["ta", "tes", "tu"]),
    ("« Ton responsable est-il au courant ? »", ["Ton"]),
    ("« en plus des tiennes », « le tien »", ["des tiennes", "le tien"]),
    ("« À quel point es-tu décidé ? »", ["tu"]),
    ("« Si je me trompe, dis-le-moi franchement. »", ["dis-le-moi"]),
    ("« Je ne sais pas, montre-moi. »", ["montre-moi"]),
    ("« Raconte ce qui s’est passé. » Puis : explique ton choix.", ["Raconte", "explique", "ton"]),
    ("« Vas-y, sois franc. »", ["Vas-y", "sois"]),
    ("**Marc** : Prends ton temps.", ["Prends", "ton"]),
    # What is not a « tu » form.
    ("« Dites-le-moi franchement, racontez-moi, allons-y. »", []),
    ("« Qu’avez-vous découvert ? Y a-t-il un obstacle ? Que va-t-on faire ? »", []),
    ("Le toit, la tente, le texte, il est tard, un tuteur, la tête.", []),
    ("La première rencontre donne le ton ; aucun écart ne décide du ton.", []),
    ("« Quand vous avez dit cela, je me suis tu·e. »", []),
    ("Il s’est tu ; elle a tu son nom.", []),
    ("**Rôles** : A raconte, B écoute. Chacun raconte son parcours.", []),
    ("Ce que je dis reste entre nous ; il explique, elle montre.", []),
    ("Le modèle `ton_fichier.md` <!-- tu, toi, dis-moi -->", []),
    ("Lors d’un entretien, TA et TE sont des sigles.", []),
    ('!!! note "Tutoyer ou vouvoyer ?"\n    Le « tu » se propose, dis-le.\n\nMais ici, tu.',
     [(4, "tu")]),
])
def test_the_detector_finds_tu_forms_and_only_them(text, forms):
    expected = [f if isinstance(f, tuple) else (1, f) for f in forms]
    assert sorted(tu_forms(text)) == sorted(expected)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_model_sentence_says_tu(page):
    found = tu_forms(page.read_text(encoding="utf-8"))
    assert not found, "\n".join(
        f"{page.relative_to(ROOT)}:{line}: « {form} » (le guide dit « vous », dans les deux sens)"
        for line, form in found)


def test_one_box_explains_how_a_pair_may_agree_otherwise():
    holders = [p for p in PAGES if f'"{BOX_TITLE}"' in p.read_text(encoding="utf-8")]
    assert holders == [BOX_PAGE]
    text = BOX_PAGE.read_text(encoding="utf-8")
    body = text.split(f'"{BOX_TITLE}"', 1)[1].split("\n\n", 1)[0]
    for words in ("« vous »", "proposer", "refuser sans donner de raison",
                  "mentorat inversé", "la première"):
        assert words in body, words
