"""The exchange terms of an agreement version: what may flow, between whom, when, how much.

Everything here is read from the signed wording (format accord.agreement/1), so the exchange
enforces exactly what the signatories saw. A clause is a numbered section of that wording.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from accord.core.agreement.drafting import add_months
from accord.core.agreement.sections import SECTION_BY_KEY, SECTIONS

RECEIVING_ROLES: Final = frozenset({"receives", "both"})
DISCLOSING_ROLES: Final = frozenset({"discloses", "both"})


@dataclass(frozen=True, slots=True)
class Clause:
    """A numbered section of the agreement, as the parties read it in the signed document."""

    key: str
    number: int
    title: str

    def __str__(self) -> str:
        return f"clause {self.number} ({self.title})"


def clause(key: str) -> Clause:
    number = next(i for i, s in enumerate(SECTIONS, start=1) if s.key == key)
    return Clause(key, number, SECTION_BY_KEY[key].title)


@dataclass(frozen=True, slots=True)
class TermsParty:
    key: str  # the organisation's identifier, supplied by the caller
    name: str
    role: str  # discloses | receives | both

    @property
    def receives(self) -> bool:
        return self.role in RECEIVING_ROLES

    @property
    def discloses(self) -> bool:
        return self.role in DISCLOSING_ROLES


@dataclass(frozen=True, slots=True)
class VolumeLimit:
    records: int
    per: str  # day | week | month

    def period_start(self, day: dt.date) -> dt.date:
        if self.per == "week":
            return day - dt.timedelta(days=day.weekday())
        if self.per == "month":
            return day.replace(day=1)
        return day


@dataclass(frozen=True, slots=True)
class ExchangeTerms:
    reference: str
    version: int
    content_hash: str
    parties: tuple[TermsParty, ...]
    data_items: frozenset[str]
    purposes: tuple[str, ...]
    mechanism: str
    start_on: dt.date | None
    end_on: dt.date | None
    review_every_months: int | None
    first_review_on: dt.date | None
    limit: VolumeLimit | None

    def party(self, key: str) -> TermsParty | None:
        return next((p for p in self.parties if p.key == key), None)

    def review_due_on(self, last_reviewed_on: dt.date | None) -> dt.date | None:
        """The next review falls a review period after the last one, else on the first date."""
        if last_reviewed_on and self.review_every_months:
            return add_months(last_reviewed_on, self.review_every_months)
        return self.first_review_on


def data_items(content: Mapping[str, Any]) -> tuple[str, ...]:
    """The agreed data items: each listed field, or the category where no fields were listed."""
    items: list[str] = []
    for entry in _values(content, "data").get("items", []):
        items.extend(entry.get("fields") or [entry["category"]])
    return tuple(dict.fromkeys(items))


def exchange_terms(
    content: Mapping[str, Any],
    *,
    version: int,
    content_hash: str,
    party_keys: Mapping[str, str],
) -> ExchangeTerms:
    """Read the terms from a version. `party_keys` maps each party's name to its key."""
    limit = _values(content, "limits")
    term = _values(content, "term")
    review = _values(content, "review")
    return ExchangeTerms(
        reference=str(content.get("reference", "")),
        version=version,
        content_hash=content_hash,
        parties=tuple(
            TermsParty(party_keys.get(p["name"], ""), p["name"], p["role"])
            for p in _values(content, "parties").get("parties", [])
        ),
        data_items=frozenset(data_items(content)),
        purposes=tuple(_values(content, "purpose").get("purposes", [])),
        mechanism=str(_values(content, "mechanism").get("mechanism", "")),
        start_on=_date(term.get("start_on")),
        end_on=_date(term.get("end_on")),
        review_every_months=review.get("every_months"),
        first_review_on=_date(review.get("first_review_on")),
        # Agreements drafted before limits were a clause have none: nothing then caps volume.
        limit=VolumeLimit(int(limit["records"]), str(limit.get("per", "day")))
        if limit.get("records")
        else None,
    )


def _values(content: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    for section in content.get("sections", []):
        if section["key"] == key:
            return section.get("values") or {}
    return {}


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
