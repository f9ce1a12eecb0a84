"""Passwords built on the words an attacker tries first are refused; ordinary phrases are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core.passwords import SERVICE_WORDS, context_word_in, person_words

AMIRA = person_words(
    email="amira.khan@northshire.gov.uk",
    full_name="Amira Khan",
    organisations=["Northshire County Council", "Brookfield Primary School"],
)
WORDS = [*SERVICE_WORDS, *AMIRA]


@pytest.mark.parametrize(
    ("password", "word"),
    [
        ("Accord2026!!!", "Accord"),
        ("acc0rd is great for us", "Accord"),
        ("DataSharing4ever!", "data sharing"),
        ("our caldicott guardian", "Caldicott"),
        ("P@55w0rd-P@55w0rd", "password"),
        ("Northshire2026!", "northshire"),
        ("n0rthsh1re rocks here", "northshire"),
        ("brookfield forever", "Brookfield"),
        ("Khan2026!!!!", "khan"),
        ("amira-2026-amira", "amira"),
        ("Northshire County Council 1", "northshire"),
    ],
)
def test_a_password_built_on_a_context_word_is_caught(password: str, word: str) -> None:
    assert context_word_in(password, WORDS) == word


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "a long school passphrase",  # "school" is in too many names to say whose it is
        "the county council tax is due",
        "khanate of the steppe",  # "khan" counts only as the whole password
        "planning a long walk in spring",
    ],
)
def test_ordinary_phrases_pass(password: str) -> None:
    assert context_word_in(password, WORDS) is None


def test_a_persons_words_come_from_their_name_address_and_organisations() -> None:
    assert AMIRA == [
        "amira",
        "khan",
        "northshire",
        "Amira",
        "Khan",
        "Northshire County Council",
        "Northshire",
        "Brookfield Primary School",
        "Brookfield",
    ]
    assert person_words(email="x@gov.uk", full_name="Al Li") == ["gov"]


@given(st.text(max_size=80), st.lists(st.text(max_size=30), max_size=5))
def test_the_answer_is_one_of_the_words_or_none(password: str, words: list[str]) -> None:
    found = context_word_in(password, words)
    assert found is None or found in words
