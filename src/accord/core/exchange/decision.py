"""Allow or refuse one disclosure against the agreement's terms: the exchange's single policy.

`decide` is the only place the exchange says yes or no. It returns the effect, every reason and
the clauses it matched, so a refusal names the clause the request broke and an allowed
disclosure names the clauses that permitted it. The channel is closed (`closures`) while the
agreement is not live, outside its dates, while a party's required evidence has lapsed or a
review is overdue; it reopens by itself when the cause is put right, because nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from accord.core.exchange.terms import Clause, ExchangeTerms, clause
from accord.core.review import next_review_on

Effect = Literal["allow", "deny"]
KINDS: Final = ("records", "lookup", "match", "file")

LIVE, SUSPENDED, TERMINATED = "live", "suspended", "terminated"


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """The state of things when the request arrives, gathered by the caller."""

    status: str  # the agreement's status: negotiating | signed | live | suspended | terminated
    evidence_lapsed: tuple[str, ...] = ()  # parties whose required evidence is missing or expired
    last_reviewed_on: dt.date | None = None
    # The earliest due date of a review raised by an event (an incident, lapsed evidence...)
    # and not yet recorded: overdue, it closes the channel as the scheduled review does.
    open_review_due_on: dt.date | None = None
    used: int = 0  # records already disclosed to the requesting party in the current period


@dataclass(frozen=True, slots=True)
class DatasetTerms:
    """A provider's dataset as the agreement sees it: columns mapped to agreed data items."""

    provider: str  # the providing party's key
    columns: Mapping[str, str]  # column name -> data item it is mapped to ("" if none)
    key: str = ""  # the column that identifies a person, for look-ups and matches


@dataclass(frozen=True, slots=True)
class DisclosureRequest:
    kind: str  # one of KINDS
    party: str  # the requesting (receiving) party's key
    dataset: DatasetTerms | None = None
    provider: str = ""  # the providing party's key, where there is no dataset (a file)
    fields: tuple[str, ...] = ()  # columns asked for; empty means every permitted column
    records: int = 0  # how many records the request would disclose at most
    purpose: str = ""  # empty means the agreement's purposes
    credential: str = "active"  # active | revoked | expired, or "person" for a signed-in person
    reason: str = ""  # a person's reason for a look-up


@dataclass(frozen=True, slots=True)
class Reason:
    text: str
    clause: Clause


@dataclass(frozen=True, slots=True)
class Decision:
    effect: Effect
    reasons: tuple[Reason, ...]
    fields: tuple[str, ...] = ()  # the columns that may be disclosed, in dataset order
    records: int = 0  # how many records may be disclosed now
    matched: tuple[Clause, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return self.effect == "allow"

    @property
    def clauses(self) -> tuple[Clause, ...]:
        """The clauses the decision rests on: those broken when refused, matched when allowed."""
        if self.allowed:
            return self.matched
        return tuple(dict.fromkeys(r.clause for r in self.reasons))

    @property
    def first(self) -> Reason:
        return self.reasons[0]


def closures(terms: ExchangeTerms, facts: ChannelFacts, today: dt.date) -> tuple[Reason, ...]:
    """Why the channel is closed today; empty when it is open."""
    found: list[Reason] = []
    if facts.status == SUSPENDED:
        found.append(Reason("The agreement is suspended.", clause("termination")))
    elif facts.status == TERMINATED:
        found.append(Reason("The agreement has been terminated.", clause("termination")))
    elif facts.status != LIVE:
        found.append(Reason("The agreement is not live: it has not gone live.", clause("term")))
    if terms.start_on and today < terms.start_on:
        found.append(
            Reason(f"Sharing may not start before {terms.start_on:%-d %B %Y}.", clause("term"))
        )
    if terms.end_on and today > terms.end_on:
        found.append(Reason(f"The agreement ended on {terms.end_on:%-d %B %Y}.", clause("term")))
    for party in facts.evidence_lapsed:
        found.append(
            Reason(
                f"{party}'s required security evidence is missing or has expired.",
                clause("mechanism"),
            )
        )
    due = next_review_on(terms.review_due_on(facts.last_reviewed_on), [facts.open_review_due_on])
    if due and today > due:
        found.append(Reason(f"The review due on {due:%-d %B %Y} is overdue.", clause("review")))
    return tuple(found)


def decide(
    request: DisclosureRequest, terms: ExchangeTerms, facts: ChannelFacts, at: dt.datetime
) -> Decision:
    """Allow or refuse `request` at `at`. Refusal reasons come in the order a person would fix them."""
    if request.kind not in KINDS:
        raise ValueError(f"unknown kind of disclosure {request.kind!r}")
    refused: list[Reason] = []

    if request.credential in ("revoked", "expired"):
        refused.append(
            Reason(f"The client credential has been {request.credential}.", clause("mechanism"))
        )
    party = terms.party(request.party)
    dataset = request.dataset
    provider_key = dataset.provider if dataset is not None else request.provider
    if party is None or not party.receives:
        refused.append(
            Reason("The requesting organisation is not a receiving party.", clause("parties"))
        )
    elif provider_key and provider_key == request.party:
        refused.append(Reason("A party does not receive its own data.", clause("parties")))
    provider = terms.party(provider_key) if provider_key else None
    if provider_key and (provider is None or not provider.discloses):
        # Parties are those who signed, in the roles they signed for: nobody added since.
        refused.append(Reason("The data's provider is not a disclosing party.", clause("parties")))

    refused.extend(closures(terms, facts, at.date()))

    if request.purpose and request.purpose not in terms.purposes:
        refused.append(
            Reason(f"The purpose {request.purpose!r} is not an agreed purpose.", clause("purpose"))
        )
    if request.kind == "lookup" and not request.reason.strip():
        refused.append(Reason("A look-up needs the reason it is made.", clause("permitted-uses")))

    permitted: tuple[str, ...] = ()
    if dataset is not None:
        permitted = tuple(
            column for column, item in dataset.columns.items() if item in terms.data_items
        )
        asked = request.fields or permitted
        outside = [f for f in asked if f not in permitted]
        if outside:
            refused.append(
                Reason(
                    "Not agreed for sharing: " + ", ".join(outside) + ".",
                    clause("data"),
                )
            )
        elif not permitted:
            refused.append(
                Reason(
                    "No column of this dataset is mapped to an agreed data item.", clause("data")
                )
            )
        permitted = tuple(f for f in permitted if f in asked)
        if request.kind in ("lookup", "match") and (
            not dataset.key or dataset.columns.get(dataset.key) not in terms.data_items
        ):
            # Searching by a column means disclosing that column's values, even unseen.
            refused.append(
                Reason(
                    "People are found by a column that is not an agreed data item.",
                    clause("data"),
                )
            )

    records = request.records
    # A match answers "known" or "not known" about each person asked: it counts as much as a
    # record, so nobody can sweep a whole population through it.
    if terms.limit is not None and request.kind in ("records", "lookup", "match"):
        remaining = max(terms.limit.records - facts.used, 0)
        if remaining == 0:
            refused.append(
                Reason(
                    f"The limit of {terms.limit.records:,} records per {terms.limit.per} "
                    "has been reached.",
                    clause("limits"),
                )
            )
        records = min(records, remaining)

    if refused:
        return Decision("deny", tuple(refused))
    matched = ["parties", "term", "purpose"]
    if dataset is not None:
        matched.append("data")
    if terms.limit is not None and request.kind in ("records", "lookup", "match"):
        matched.append("limits")
    if request.kind == "lookup":
        matched.append("permitted-uses")
    return Decision(
        "allow",
        (Reason("Within the agreed terms.", clause("parties")),),
        fields=permitted,
        records=records,
        matched=tuple(clause(k) for k in matched),
    )
