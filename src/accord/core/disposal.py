"""The end of an agreement: each party that received data confirms what became of it.

UK GDPR Art 5(1)(e) (storage limitation) and the ICO's data sharing code ("what happens to the
data at the end"): when sharing ends, every organisation that received personal data under the
agreement deletes it or returns it, unless a law requires it to keep the data, and says so.
Who owes a confirmation is read from the signed terms (the parties and their roles as signed),
never from who happens to be a party today.

Pure Python: the disposal app (accord.apps.disposal) stores the confirmations and sends the
notices; these rules say who owes one, whether an answer is complete, and how the state of an
ended agreement reads ("1 of 2 (Northshire Police outstanding)").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

DELETED: Final = "deleted"
RETURNED: Final = "returned"
RETAINED: Final = "retained"
METHODS: Final = {
    DELETED: "Deleted",
    RETURNED: "Returned to the organisation that shared it",
    RETAINED: "Kept because a law requires it",
}
RECEIVING_ROLES: Final = frozenset({"receives", "both"})

CONFIRMED: Final = "confirmed"
OUTSTANDING: Final = "outstanding"

DETAILS_MAX: Final = 5000
LAW_MAX: Final = 300


class SignedParty(Protocol):
    """A party as the signed terms name it (accord.core.exchange.terms.TermsParty fits)."""

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Owed:
    """A party that received data under the signed terms, so owes a confirmation."""

    key: str  # the organisation's identifier, as the terms carry it
    name: str


def owing(parties: Iterable[SignedParty]) -> tuple[Owed, ...]:
    """The parties that received data under the signed terms: each owes a confirmation.

    A party the terms name without a key (it is no longer an organisation Accord knows) cannot
    be asked, so it is left out rather than counted as outstanding for ever.
    """
    return tuple(Owed(p.key, p.name) for p in parties if p.role in RECEIVING_ROLES and p.key)


@dataclass(frozen=True, slots=True)
class PartyState:
    """Where one receiving party stands: confirmed (how and when) or outstanding."""

    key: str
    name: str
    method: str = ""  # one of METHODS once confirmed
    confirmed_on: dt.date | None = None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_on is not None

    @property
    def state(self) -> str:
        return CONFIRMED if self.is_confirmed else OUTSTANDING

    @property
    def method_label(self) -> str:
        return METHODS.get(self.method, "")


@dataclass(frozen=True, slots=True)
class Confirmed:
    """What a party confirmed: how it disposed of the data, and on which day."""

    method: str
    confirmed_on: dt.date


def states(owed: Iterable[Owed], confirmations: Mapping[str, Confirmed]) -> tuple[PartyState, ...]:
    """Each owing party's state, by name; `confirmations` are keyed like the parties."""
    found = []
    for party in owed:
        done = confirmations.get(party.key)
        found.append(
            PartyState(party.key, party.name, done.method, done.confirmed_on)
            if done
            else PartyState(party.key, party.name)
        )
    return tuple(sorted(found, key=lambda s: (s.name.casefold(), s.key)))


@dataclass(frozen=True, slots=True)
class Tally:
    """Who has and who has not confirmed, for a register row or a dashboard line."""

    confirmed: tuple[str, ...]
    outstanding: tuple[str, ...]

    @property
    def owed(self) -> int:
        return len(self.confirmed) + len(self.outstanding)

    @property
    def is_complete(self) -> bool:
        return not self.outstanding

    def __str__(self) -> str:
        """For example "1 of 2 (Northshire Police outstanding)", or "2 of 2" when all have."""
        text = f"{len(self.confirmed)} of {self.owed}"
        if self.outstanding:
            text += f" ({', '.join(self.outstanding)} outstanding)"
        return text


def tally(parties: Iterable[tuple[str, bool]]) -> Tally:
    """From (party name, has it confirmed?) pairs, in any order."""
    ordered = sorted(parties, key=lambda p: p[0].casefold())
    return Tally(
        confirmed=tuple(name for name, done in ordered if done),
        outstanding=tuple(name for name, done in ordered if not done),
    )


def confirmation_problems(
    *,
    method: str,
    law: str,
    details: str,
    confirmed_on: dt.date | None,
    ended_on: dt.date,
    today: dt.date,
) -> dict[str, str]:
    """What is wrong with a confirmation, by field; empty when it can be recorded.

    The data can only have been disposed of once the agreement ended (`ended_on`) and not in
    the future. Keeping it is lawful only under a law that requires it (UK GDPR Art 17(3)(b)):
    the confirmation names that law.
    """
    problems: dict[str, str] = {}
    if method not in METHODS:
        problems["method"] = "Select whether your organisation deleted, returned or kept the data"
    elif method == RETAINED and not law.strip():
        problems["law"] = "Enter the law that requires your organisation to keep the data"
    if len(law.strip()) > LAW_MAX:
        problems["law"] = f"Enter the law in {LAW_MAX} characters or fewer"
    if not details.strip():
        problems["details"] = (
            "Say what your organisation deleted, returned or kept, and from which systems"
        )
    elif len(details.strip()) > DETAILS_MAX:
        problems["details"] = f"Enter the details in {DETAILS_MAX} characters or fewer"
    if confirmed_on is None:
        problems["confirmed_on"] = "Enter the date it was done"
    elif confirmed_on > today:
        problems["confirmed_on"] = "The date it was done must be today or in the past"
    elif confirmed_on < ended_on:
        problems["confirmed_on"] = (
            f"The date it was done must be on or after {ended_on:%-d %B %Y}, "
            "when the agreement ended"
        )
    return problems
