"""The public summary of a signed agreement, in plain English, for the transparency register.

Read from the signed wording only (format accord.agreement/1), so the register never says more
or other than the parties signed: who shares what with whom, why, under which law, how long it
is kept, whom to ask, when it is next reviewed, and the wording each party can paste into its
own privacy notice.

Nothing here names an individual's e-mail address: parties are named as organisations, and any
e-mail address in the free text that is published (the purpose, the rights contact, the privacy
notice wording) is replaced by words saying it was removed. Links are kept only when they are
https addresses, as the legal-basis section holds them (legislation.gov.uk, ico.org.uk).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from accord.core import codes

FORMAT: Final = "accord.transparency/1"
EMAIL_REMOVED: Final = "(e-mail address removed)"
# Loose on purpose: anything that looks like an address is removed, never published.
_EMAIL: Final = re.compile(
    r"[\w.!#$%&*+/=?^`{|}~-]+(?:'[\w.!#$%&*+/=?^`{|}~-]+)*"  # the local part, o'neill too
    r"@[^\s<>()\[\]{},;:\"'@]+\.[A-Za-z]{2,}"
)
_DISCLOSING: Final = frozenset({"discloses", "both"})
_RECEIVING: Final = frozenset({"receives", "both"})
# How each kind of provision in the legal-basis section is grouped for readers.
LAWFUL_BASIS_KINDS: Final = frozenset({"article-6", "law-enforcement"})
CONDITION_KINDS: Final = frozenset({"article-9", "schedule-1", "article-10"})
GATEWAY_KINDS: Final = frozenset({"gateway"})
_END_ACTIONS: Final = {
    "delete": "it is deleted securely",
    "return": "it is returned to the organisation that shared it",
}


class SummaryError(ValueError):
    """The content is not an agreement this module can summarise; the message says where."""


@dataclass(frozen=True, slots=True)
class Provision:
    label: str
    url: str  # an https link to the provision, or "" when the agreement holds none


@dataclass(frozen=True, slots=True)
class PartyLaw:
    """The law one party relies on, as the signed legal-basis section records it."""

    party: str
    lawful_bases: tuple[Provision, ...]
    conditions: tuple[Provision, ...]  # Art 9, DPA 2018 Sch 1 and Art 10 conditions
    gateways: tuple[Provision, ...]


@dataclass(frozen=True, slots=True)
class DataGroup:
    category: str  # in words: "Health"
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Retention:
    months: int
    end_action: str  # delete | return


@dataclass(frozen=True, slots=True)
class Summary:
    reference: str
    title: str
    version: int
    content_hash: str
    disclosers: tuple[str, ...]
    recipients: tuple[str, ...]
    parties: tuple[str, ...]
    data: tuple[DataGroup, ...]
    subjects: tuple[str, ...]
    purposes: tuple[str, ...]
    purpose_text: str
    law: tuple[PartyLaw, ...]
    retention: Retention | None
    contact: str
    review_on: dt.date | None
    privacy_notice: str

    @property
    def who(self) -> str:
        """Who shares what with whom, in one sentence."""
        what = _and([g.category.lower() for g in self.data])
        about = f" about {_and([s.lower() for s in self.subjects])}" if self.subjects else ""
        others = [r for r in self.recipients if r not in self.disclosers]
        mutual = len(self.disclosers) > 1 and any(d in self.recipients for d in self.disclosers)
        whom = " and with ".join(
            (["each other"] if mutual else []) + ([_and(others)] if others else [])
        )
        verb = "shares" if len(self.disclosers) == 1 else "share"
        said = f"{_and(self.disclosers)} {verb} information{about} with {whom or 'no one'}"
        return f"{said}: {what}." if what else f"{said}."

    @property
    def why(self) -> str:
        if not self.purposes:
            return "The agreement names no purpose."
        return f"The data is shared for {_and([p.lower() for p in self.purposes])}."

    @property
    def how_long(self) -> str:
        if self.retention is None:
            return "The agreement does not say how long the data is kept."
        months = "1 month" if self.retention.months == 1 else f"{self.retention.months} months"
        after = _END_ACTIONS.get(self.retention.end_action, _END_ACTIONS["delete"])
        return (
            "The data is kept only as long as the purpose needs it, and for no more than "
            f"{months}. After that, {after}."
        )

    @property
    def whom_to_ask(self) -> str:
        ask = f"You can ask {_or(self.parties)} about the data they hold about you."
        if self.contact:
            ask += (
                f" {self.contact} is the single point of contact: it coordinates requests "
                "that concern more than one organisation."
            )
        return ask


def summarise(
    content: Mapping[str, Any],
    *,
    version: int,
    content_hash: str,
    review_on: dt.date | None = None,
) -> Summary:
    """The public summary of one signed version. `review_on` overrides the first review date
    written in the agreement (after a recorded review the next one falls later)."""
    if not isinstance(content, Mapping) or not isinstance(content.get("sections"), list):
        raise SummaryError("The agreement content has no list of sections.")
    parties = _values(content, "parties").get("parties") or []
    names = tuple(str(p.get("name", "")) for p in parties if p.get("name"))
    if not names:
        raise SummaryError("The parties section (parties.values.parties) names no party.")
    disclosers = tuple(str(p["name"]) for p in parties if p.get("role") in _DISCLOSING)
    recipients = tuple(str(p["name"]) for p in parties if p.get("role") in _RECEIVING)
    data = _values(content, "data")
    retention = _values(content, "retention")
    review = _values(content, "review")
    months = retention.get("months")
    return Summary(
        reference=str(content.get("reference", "")),
        title=str(content.get("title", "")),
        version=version,
        content_hash=content_hash,
        disclosers=disclosers,
        recipients=recipients,
        parties=names,
        data=tuple(
            DataGroup(
                codes.label(str(i.get("category", ""))), tuple(map(str, i.get("fields") or ()))
            )
            for i in data.get("items") or ()
            if i.get("category")
        ),
        subjects=tuple(codes.label(str(s)) for s in data.get("subjects") or ()),
        purposes=tuple(
            codes.label(str(p)) for p in _values(content, "purpose").get("purposes") or ()
        ),
        purpose_text=redact(_first_paragraph(_text(content, "purpose"))),
        law=tuple(_party_law(b) for b in _values(content, "legal-basis").get("bases") or ()),
        retention=Retention(int(months), str(retention.get("end_action") or "delete"))
        if isinstance(months, int) and not isinstance(months, bool)
        else None,
        contact=redact(str(_values(content, "rights").get("contact") or "")),
        review_on=review_on or _date(review.get("first_review_on")),
        privacy_notice=redact(_text(content, "transparency")),
    )


def redact(text: str) -> str:
    """The text with every e-mail address replaced by words saying it was removed."""
    return _EMAIL.sub(EMAIL_REMOVED, text)


def as_data(summary: Summary) -> dict[str, Any]:
    """The summary as JSON-ready data (format accord.transparency/1), for the API and exports."""
    return {
        "format": FORMAT,
        "reference": summary.reference,
        "title": summary.title,
        "version": summary.version,
        "content_hash": summary.content_hash,
        "parties": list(summary.parties),
        "disclosing": list(summary.disclosers),
        "receiving": list(summary.recipients),
        "who": summary.who,
        "data": [{"category": g.category, "items": list(g.items)} for g in summary.data],
        "subjects": list(summary.subjects),
        "purposes": list(summary.purposes),
        "why": summary.why,
        "purpose_text": summary.purpose_text,
        "law": [
            {
                "party": law.party,
                "lawful_bases": _provisions(law.lawful_bases),
                "conditions": _provisions(law.conditions),
                "gateways": _provisions(law.gateways),
            }
            for law in summary.law
        ],
        "retention": {
            "months": summary.retention.months,
            "end_action": summary.retention.end_action,
        }
        if summary.retention
        else None,
        "how_long": summary.how_long,
        "contact": summary.contact,
        "whom_to_ask": summary.whom_to_ask,
        "review_on": summary.review_on.isoformat() if summary.review_on else None,
        "privacy_notice": summary.privacy_notice,
    }


def matches(summary: Summary, organisation: str) -> bool:
    """Whether any party's name contains these words (case and spacing ignored)."""
    wanted = " ".join(organisation.split()).casefold()
    return not wanted or any(wanted in " ".join(p.split()).casefold() for p in summary.parties)


# --- Reading the content ---------------------------------------------------------------------


def _section(content: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    for section in content.get("sections") or ():
        if isinstance(section, Mapping) and section.get("key") == key:
            return section
    return {}


def _values(content: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    values = _section(content, key).get("values")
    return values if isinstance(values, Mapping) else {}


def _text(content: Mapping[str, Any], key: str) -> str:
    return str(_section(content, key).get("text") or "").strip()


def _first_paragraph(text: str) -> str:
    return " ".join(text.split("\n\n", 1)[0].split())


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _party_law(basis: Mapping[str, Any]) -> PartyLaw:
    provisions = [p for p in basis.get("provisions") or () if isinstance(p, Mapping)]

    def of(kinds: frozenset[str]) -> tuple[Provision, ...]:
        return tuple(
            Provision(str(p.get("label", "")), _https(p.get("url")))
            for p in provisions
            if p.get("kind") in kinds
        )

    return PartyLaw(
        party=str(basis.get("party", "")),
        lawful_bases=of(LAWFUL_BASIS_KINDS),
        conditions=of(CONDITION_KINDS),
        gateways=of(GATEWAY_KINDS),
    )


def _https(url: object) -> str:
    return url if isinstance(url, str) and url.startswith("https://") else ""


def _provisions(provisions: Iterable[Provision]) -> list[dict[str, str]]:
    return [{"label": p.label, "url": p.url} for p in provisions]


def _join(words: Sequence[str], last: str) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _and(words: Sequence[str]) -> str:
    return _join(words, "and")


def _or(words: Sequence[str]) -> str:
    return _join(words, "or")
