"""Measure the guide's prose: word counts and overlap with the background text.

Run directly to check pages while writing them:
``python tests/support/content_rules.py docs/guides/ecoute-active.md``.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # run as a script too: no package import
BACKGROUND = ROOT.parent / "shared" / "background"
SHINGLE = 8

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_HTML_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.U)


def prose(markdown: str) -> str:
    """Return the Markdown's text without front matter, code and HTML tags."""
    text = _FRONT_MATTER.sub("", markdown)
    text = _FENCE.sub("", text)
    text = _INLINE_CODE.sub("", text)
    return _HTML_TAG.sub("", text)


def words(text: str) -> list[str]:
    """Split text into lower-case words, apostrophes unified, punctuation ignored."""
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    return [w for w in re.split(r"[^\w']+", text) if w.strip("'")]


def word_count(markdown: str) -> int:
    return len(_WORD.findall(prose(markdown)))


def total_words(docs: Path = ROOT / "docs") -> int:
    """Count the prose words of every page of the guide."""
    return sum(word_count(p.read_text(encoding="utf-8")) for p in docs.rglob("*.md"))


_SKIPPED = re.compile(r"<(script|style|pre|code|kbd|textarea)\b.*?</\1>", re.S | re.I)
_APOSTROPHES = re.compile(r"(?<=[^\W\d_])(['’])(?=[^\W\d_])")


def apostrophes(html: str) -> tuple[int, int]:
    """Count typographic and straight apostrophes between letters in a page's text."""
    text = unescape(_HTML_TAG.sub(" ", _SKIPPED.sub(" ", html)))
    found = _APOSTROPHES.findall(text)
    return found.count("’"), found.count("'")


def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    tokens = [w.strip("'") for w in words(text)]
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def background_shingles() -> set[tuple[str, ...]]:
    sources = sorted(BACKGROUND.glob("*.txt"))
    # Without the source text the originality check would compare with nothing and pass.
    if not sources:
        raise FileNotFoundError(f"texte source introuvable : {BACKGROUND}/*.txt")
    found: set[tuple[str, ...]] = set()
    for path in sources:
        found |= shingles(path.read_text(encoding="utf-8"))
    return found


def shared_sequences(markdown: str) -> list[str]:
    """Return every 8-word sequence the page shares with the background text."""
    common = shingles(prose(markdown)) & background_shingles()
    return sorted(" ".join(s) for s in common)


if __name__ == "__main__":
    if not sys.argv[1:]:
        print(f"docs/ : {total_words()} mots")
    for name in sys.argv[1:]:
        source = Path(name).read_text(encoding="utf-8")
        shared = shared_sequences(source)
        print(f"{name}: {word_count(source)} mots, {len(shared)} séquences communes")
        for seq in shared:
            print("   ", seq)
