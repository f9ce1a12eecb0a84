"""Reading the register: who agreed to publish, and which agreements are published today.

An agreement is published only while it is live and every party named in its signed terms has
agreed. This is computed on every read, never stored, so withdrawing consent, suspending or
terminating takes an agreement out of the register, its pages, its CSV and its API at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404

from accord.apps.agreements.models import Agreement
from accord.apps.exchange.selectors import terms_of
from accord.apps.transparency.models import PublicationConsent
from accord.core.exchange.terms import ExchangeTerms
from accord.core.transparency import Summary, matches, summarise


@dataclass(frozen=True)
class PartyConsent:
    name: str
    organisation_id: int | None  # None when no party organisation bears the signed name
    agreed: bool | None  # None: not answered yet


@dataclass(frozen=True)
class Publication:
    """Whether an agreement is in the public register, and each party's answer."""

    agreement: Agreement
    parties: tuple[PartyConsent, ...]

    @property
    def everyone_agreed(self) -> bool:
        return bool(self.parties) and all(p.agreed is True for p in self.parties)

    @property
    def published(self) -> bool:
        return self.agreement.status == Agreement.LIVE and self.everyone_agreed


def publication_of(agreement: Agreement, *, terms: ExchangeTerms | None = None) -> Publication:
    """Each party of the signed terms with its answer; only meaningful once signed."""
    terms = terms or terms_of(agreement)
    answers = dict(
        PublicationConsent.objects.filter(agreement=agreement).values_list(
            "organisation_id", "agreed"
        )
    )
    parties = []
    for party in terms.parties:
        organisation_id = int(party.key) if party.key.isdigit() else None
        agreed = answers.get(organisation_id) if organisation_id is not None else None
        parties.append(PartyConsent(party.name, organisation_id, agreed))
    return Publication(agreement, tuple(parties))


@dataclass(frozen=True)
class Entry:
    """One published agreement: the row and its public summary."""

    agreement: Agreement
    summary: Summary


def _summary(agreement: Agreement, terms: ExchangeTerms) -> Summary:
    version = agreement.current_version()
    return summarise(
        version.content,
        version=version.number,
        content_hash=version.content_hash,
        review_on=terms.review_due_on(agreement.last_reviewed_on),
    )


def _candidates() -> list[Agreement]:
    # Narrowed in the database (live, and someone agreed); the full rule is checked per row.
    agreed = PublicationConsent.objects.filter(agreement=OuterRef("pk"), agreed=True)
    return list(
        Agreement.objects.filter(status=Agreement.LIVE)
        .filter(Exists(agreed))
        .select_related("initiative")
        .order_by("reference")
    )


def published(*, organisation: str = "") -> list[Entry]:
    """Every agreement published today, by reference; `organisation` narrows to those with a
    party whose name contains it."""
    entries = []
    for agreement in _candidates():
        terms = terms_of(agreement)
        if not publication_of(agreement, terms=terms).published:
            continue
        summary = _summary(agreement, terms)
        if matches(summary, organisation):
            entries.append(Entry(agreement, summary))
    return entries


def published_get(*, reference: str) -> Entry:
    """The published agreement with this reference; otherwise 404, as if it did not exist."""
    agreement = (
        Agreement.objects.filter(reference=reference, status=Agreement.LIVE)
        .select_related("initiative")
        .first()
    )
    if agreement is not None:
        terms = terms_of(agreement)
        if publication_of(agreement, terms=terms).published:
            return Entry(agreement, _summary(agreement, terms))
    raise Http404("No agreement with this reference is published in the register.")
