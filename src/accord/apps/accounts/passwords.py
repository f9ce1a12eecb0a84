"""The password validator that refuses context-specific words (core.passwords), for Django's
AUTH_PASSWORD_VALIDATORS: changing a password, resetting one and joining by invitation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from accord.core.passwords import SERVICE_WORDS, context_word_in, person_words


def refuse_context_words(
    password: str, *, email: str = "", full_name: str = "", organisations: Iterable[str] = ()
) -> None:
    """ValidationError naming the word, if the password is built on one of the context words."""
    words = [
        *SERVICE_WORDS,
        *person_words(email=email, full_name=full_name, organisations=organisations),
    ]
    if (word := context_word_in(password, words)) is not None:
        raise ValidationError(
            f"Your password must not be built on “{word}”: it is among the first guesses of "
            "anyone who knows where you work. Choose words that have nothing to do with you, "
            "your organisation or Accord",
            code="password_context_word",
        )


class ContextWordsValidator:
    """Refuses a password built on Accord's words or the person's own: their name, e-mail
    address and organisations' names."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            refuse_context_words(password)
            return
        organisations = (
            [m.organisation.name for m in user.memberships.select_related("organisation")]
            if user.pk
            else []
        )
        refuse_context_words(
            password,
            email=user.email or "",
            full_name=user.full_name or "",
            organisations=organisations,
        )

    def get_help_text(self) -> str:
        return (
            "Your password must not be built on your name, your e-mail address, your "
            "organisation's name or Accord's"
        )
