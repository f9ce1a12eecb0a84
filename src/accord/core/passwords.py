"""Words a password here must not be built on: the first guesses of anyone attacking Accord.

An attacker guessing the password of a council's IG officer tries the service's name, the
council's name, the officer's own name and e-mail address, and the words of the trade ("data
sharing", "Caldicott"), with the usual disguises ("Acc0rd2026!"). NIST SP 800-63B and OWASP ASVS
5.0 (6.1.2, 6.2.11) ask for such context-specific words to be refused. The service's words are
SERVICE_WORDS; a person's are their name, their e-mail address and their organisations' names.

Pure: the caller gathers the person's words (accord.apps.accounts.passwords).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

# The service and the trade: documented in docs/security.md (6.1.2).
SERVICE_WORDS: Final = (
    "Accord",
    "data sharing",
    "sharing agreement",
    "information sharing",
    "information governance",
    "data protection",
    "Caldicott",
    "safeguarding",
    "password",
)
# Words in many organisations' names: on their own they say little about whose password it is.
_COMMON_IN_NAMES: Final = frozenset(
    {
        "academy",
        "authority",
        "borough",
        "care",
        "city",
        "college",
        "combined",
        "community",
        "constabulary",
        "council",
        "county",
        "district",
        "foundation",
        "health",
        "hospital",
        "hospitals",
        "infant",
        "integrated",
        "junior",
        "metropolitan",
        "national",
        "police",
        "primary",
        "school",
        "secondary",
        "service",
        "services",
        "social",
        "trust",
        "university",
        "example",
    }
)
# Shorter words would match inside unrelated ones ("ann" in "planning"): they count only as the
# whole password, once digits and symbols are set aside.
_SHORTEST_INSIDE: Final = 5
# The usual disguises of a letter.
_LOOKALIKES: Final = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
    }
)


def _letters(text: str) -> str:
    """Lower-case letters only, accents off: "Évaluation d'impact" -> "evaluationdimpact"."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain.lower() if c.isalpha() and not unicodedata.combining(c))


def _readings(password: str) -> set[str]:
    """The password as letters, with its digits and symbols dropped and read as letters."""
    lowered = password.lower()
    return {
        _letters(lowered),
        _letters(lowered.translate(_LOOKALIKES)),
        _letters(lowered.translate(_LOOKALIKES).replace("i", "l")),
    } - {""}


def person_words(
    *, email: str = "", full_name: str = "", organisations: Iterable[str] = ()
) -> list[str]:
    """A person's context words: their names, their e-mail address's parts (not the domain's
    ending) and their organisations' names, whole and by each distinctive word."""
    local, _, domain = email.partition("@")
    words = [
        *re.split(r"[._+\-]", local),
        *domain.split(".")[:1],
        *full_name.split(),
    ]
    for organisation in organisations:
        words.append(organisation)
        words += [w for w in organisation.split() if _letters(w) not in _COMMON_IN_NAMES]
    return [w for w in words if len(_letters(w)) >= 3]


def context_word_in(password: str, words: Iterable[str]) -> str | None:
    """The first of `words` the password is built on, as the word was given; else None."""
    readings = _readings(password)
    for word in words:
        letters = _letters(word)
        if len(letters) < 3 or letters in _COMMON_IN_NAMES:
            continue
        if letters in readings or (
            len(letters) >= _SHORTEST_INSIDE and any(letters in r for r in readings)
        ):
            return word
    return None
