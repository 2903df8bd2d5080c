"""Which passwords a coordinator account may have: long, and not a common or breached one.

OWASP ASVS 5.0 (V6.2) asks for a length, no composition rule, and a check
against the most common and breached passwords. The check runs offline:
zxcvbn ships the 30,000 most frequent passwords of public breaches and
English words, names and keyboard patterns; ``wordlists/mots-de-passe-courants.txt``
adds the French ones (« azerty », « motdepasse », « doudou »…, first names,
the AZERTY rows). A password is refused when zxcvbn's estimate of the guesses
an attacker needs, with these lists and the account's own address, stays under
``MIN_GUESSES``.

No Flask here: ``mentorat coordinator add|password`` and the area share it.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from pathlib import Path

from ..i18n import _

__all__ = ["MIN_PASSWORD_LENGTH", "MIN_GUESSES", "password_problem", "french_words"]

MIN_PASSWORD_LENGTH = 12
# zxcvbn's top score (4, « very unguessable »): 10^10 guesses, Argon2id's cost on top.
MIN_GUESSES = 10**10
# zxcvbn's work grows with the square of the length; a longer password is at least
# as strong as its first characters.
CHECKED_LENGTH = 64
FRENCH_LIST = Path(__file__).parent / "wordlists" / "mots-de-passe-courants.txt"
# Words of the service itself, which an attacker tries first.
SERVICE_WORDS = ["mentorat", "coordination", "programme", "mentor", "mentore"]
# zxcvbn keeps its per-call words in a module global: one call at a time.
_zxcvbn_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def french_words() -> tuple[str, ...]:
    """The French list, most common first, each word once (with and without accents)."""
    words: dict[str, None] = {}
    for line in FRENCH_LIST.read_text(encoding="utf-8").splitlines():
        word = line.strip().casefold()
        if word and not word.startswith("#"):
            words.setdefault(word, None)
            words.setdefault(_without_accents(word), None)
    return tuple(words)


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))


def _account_words(email: str) -> list[str]:
    """The address and its parts (« claire », « martin », « exemple »)."""
    email = (email or "").strip().casefold()
    parts = [part for part in re.split(r"[@._+\-]", email) if len(part) >= 3]
    return [email, email.partition("@")[0], *parts]


def _estimate(password: str, email: str) -> dict:
    from zxcvbn import zxcvbn

    words = [*_account_words(email), *SERVICE_WORDS, *french_words()]
    checked = _without_accents(password[:CHECKED_LENGTH])
    with _zxcvbn_lock:
        return zxcvbn(checked, user_inputs=words, max_length=CHECKED_LENGTH)


def password_problem(password: str, email: str = "") -> str | None:
    """Return why this password is refused for the account at email (French), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Le mot de passe doit compter au moins %(n)d caractères ; une phrase de "
                 "quelques mots convient.") % {"n": MIN_PASSWORD_LENGTH}
    estimate = _estimate(password, email)
    if estimate["guesses"] >= MIN_GUESSES:
        return None
    return _("Mot de passe refusé : %(why)s Choisissez plutôt une phrase de quelques mots "
             "sans rapport avec vous ni avec le programme.") % {"why": _reason(estimate)}


def _reason(estimate: dict) -> str:
    """Say what made the password guessable: its longest predictable part."""
    longest = max(estimate["sequence"], key=lambda match: len(match["token"]))
    pattern = longest["pattern"]
    if pattern == "dictionary" and longest.get("dictionary_name") == "user_inputs" \
            and longest["matched_word"] not in french_words():
        return _("il reprend l'adresse du compte ou le nom du programme.")
    if pattern == "dictionary" and longest.get("dictionary_name") in ("passwords",
                                                                     "user_inputs"):
        return _("il est trop courant (il figure parmi les mots de passe les plus utilisés "
                 "ou déjà divulgués, en France ou ailleurs), même avec des chiffres ajoutés.")
    if pattern in ("repeat", "sequence", "spatial"):
        return _("une répétition, une suite ou une rangée du clavier se devine trop vite.")
    return _("il se devine trop vite (mots, prénoms ou dates courants).")
