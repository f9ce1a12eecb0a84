"""Reading the exchange: the terms in force, the facts of the moment, who acts for which party."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Min, QuerySet, Sum

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import evidence_of
from accord.apps.exchange.models import Dataset, DatasetColumn, DisclosureEntry, VolumeUsage
from accord.apps.initiatives.models import InitiativeParty
from accord.apps.organisations.selectors import roles_by_organisation
from accord.apps.reviews.models import Review
from accord.core.access import may_for_party
from accord.core.exchange.decision import ChannelFacts, DatasetTerms, Reason, closures
from accord.core.exchange.terms import ExchangeTerms, exchange_terms

if TYPE_CHECKING:
    from accord.apps.accounts.models import User
    from accord.apps.organisations.models import Organisation


def terms_of(agreement: Agreement) -> ExchangeTerms:
    """The terms of the version in force: the current one, which every party signed."""
    version = agreement.current_version()
    keys = {
        p.organisation.name: str(p.organisation_id)
        for p in agreement.initiative.parties.select_related("organisation")
    }
    return exchange_terms(
        version.content, version=version.number, content_hash=version.content_hash, party_keys=keys
    )


def lapsed_evidence(agreement: Agreement, today: dt.date) -> tuple[str, ...]:
    """Parties whose required security evidence is missing or expired today."""
    return tuple(
        party.party.organisation.name
        for party in evidence_of(initiative=agreement.initiative, today=today)
        if party.blockers
    )


def channel_facts(
    agreement: Agreement,
    *,
    today: dt.date,
    party: Organisation | None = None,
    terms: ExchangeTerms | None = None,
) -> ChannelFacts:
    """The facts of the moment; `used` counts what `party` has had this period."""
    used = 0
    terms_limit = (terms or terms_of(agreement)).limit if party is not None else None
    if party is not None and terms_limit is not None:
        used = (
            VolumeUsage.objects.filter(
                agreement=agreement,
                organisation=party,
                period_start=terms_limit.period_start(today),
            )
            .values_list("records", flat=True)
            .first()
            or 0
        )
    return ChannelFacts(
        status=agreement.status,
        evidence_lapsed=lapsed_evidence(agreement, today),
        last_reviewed_on=agreement.last_reviewed_on,
        open_review_due_on=open_review_due_on(agreement),
        used=used,
    )


def open_review_due_on(agreement: Agreement) -> dt.date | None:
    """The earliest due date of a review raised by an event and not yet recorded."""
    due: dt.date | None = Review.objects.filter(
        agreement=agreement, completed_at__isnull=True
    ).aggregate(due=Min("due_on"))["due"]
    return due


def channel_closures(agreement: Agreement, *, today: dt.date) -> tuple[Reason, ...]:
    """Why nothing may flow today under this agreement; empty when the channel is open."""
    return closures(terms_of(agreement), channel_facts(agreement, today=today), today)


def dataset_terms(dataset: Dataset) -> DatasetTerms:
    """The dataset as the decision sees it: read from the database, never from a cache."""
    columns = DatasetColumn.objects.filter(dataset_id=dataset.pk).order_by("position")
    return DatasetTerms(
        provider=str(dataset.provider_id),
        columns={c.name: c.data_item for c in columns},
        key=dataset.key_column,
    )


def acting_party(*, user: User, agreement: Agreement, action: str) -> InitiativeParty:
    """The party this person acts for in `action`, or PermissionDenied if they may not."""
    held = roles_by_organisation(user=user)
    initiative = agreement.initiative
    parties = list(initiative.parties.select_related("organisation"))
    parties.sort(key=lambda p: p.organisation_id != initiative.lead_id)
    for party in parties:
        if may_for_party(
            action,
            roles=held.get(party.organisation_id, frozenset()),
            party_role=party.role,
            is_lead=party.organisation_id == initiative.lead_id,
        ):
            return party
    raise PermissionDenied(f"You cannot do this ({action}) under this agreement")


def acting_party_or_none(
    *, user: User, agreement: Agreement, action: str
) -> InitiativeParty | None:
    try:
        return acting_party(user=user, agreement=agreement, action=action)
    except PermissionDenied:
        return None


def may_act(*, user: User, agreement: Agreement, action: str) -> bool:
    return acting_party_or_none(user=user, agreement=agreement, action=action) is not None


@dataclass(frozen=True)
class Volume:
    party: Organisation
    used: int
    limit: int | None
    per: str


def volumes(agreement: Agreement, *, today: dt.date) -> list[Volume]:
    """Records disclosed to each receiving party this period, against the agreed limit."""
    terms = terms_of(agreement)
    result = []
    for party in agreement.initiative.parties.select_related("organisation"):
        if party.role not in ("receives", "both"):
            continue
        if terms.limit is not None:
            used = (
                VolumeUsage.objects.filter(
                    agreement=agreement,
                    organisation=party.organisation,
                    period_start=terms.limit.period_start(today),
                )
                .values_list("records", flat=True)
                .first()
                or 0
            )
            result.append(Volume(party.organisation, used, terms.limit.records, terms.limit.per))
        else:
            total = DisclosureEntry.objects.filter(
                agreement=agreement, party=party.organisation, effect="allow"
            ).aggregate(n=Sum("record_count"))["n"]
            result.append(Volume(party.organisation, total or 0, None, ""))
    return result


def disclosures_visible(
    *, agreement: Agreement, organisation: Organisation
) -> QuerySet[DisclosureEntry]:
    """A party sees the entries where it received, asked or provided."""
    from django.db.models import Q

    return (
        DisclosureEntry.objects.filter(agreement=agreement)
        .filter(Q(party=organisation) | Q(provider=organisation))
        .select_related("party", "provider", "dataset", "client")
        .order_by("-sequence")
    )
