"""Reading agreements. Visibility follows the initiative: members of a party organisation only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accord.apps.agreements.models import Agreement, AgreementVersion, Invitation, Signature
from accord.apps.evidence.selectors import evidence_status
from accord.apps.initiatives.models import Initiative, InitiativeParty
from accord.apps.initiatives.selectors import initiatives_visible_to
from accord.apps.organisations.models import Membership
from accord.core.agreement.signoff import (
    Given,
    PartyFacts,
    Signatory,
    required_signatories,
    signoff_state,
)
from accord.core.evidence import RequirementStatus, requirements_for

if TYPE_CHECKING:
    from accord.apps.accounts.models import User


def agreements_visible_to(*, user: User) -> QuerySet[Agreement]:
    return Agreement.objects.filter(initiative__in=initiatives_visible_to(user=user))


def agreement_get(*, user: User, pk: int) -> Agreement:
    """The agreement if this person may see it; otherwise 404, as if it did not exist."""
    try:
        return agreements_visible_to(user=user).select_related("initiative__lead").get(pk=pk)
    except Agreement.DoesNotExist:
        raise Http404("No such agreement") from None


def agreement_of(*, initiative: Initiative) -> Agreement | None:
    return Agreement.objects.filter(initiative=initiative).first()


def version_get(*, agreement: Agreement, number: int) -> AgreementVersion:
    try:
        return agreement.versions.get(number=number)
    except AgreementVersion.DoesNotExist:
        raise Http404("No such version") from None


def parties_of(*, initiative: Initiative) -> list[InitiativeParty]:
    return list(initiative.parties.select_related("organisation"))


def data_categories(*, initiative: Initiative) -> list[str]:
    return [str(item["category"]) for item in initiative.content.get("data", [])]


def party_facts(party: InitiativeParty) -> PartyFacts:
    functions = party.functions or party.organisation.functions or []
    return PartyFacts(party.organisation.name, party.organisation.type, tuple(functions))


def signatories_required(*, initiative: Initiative) -> tuple[Signatory, ...]:
    return required_signatories(
        [party_facts(p) for p in parties_of(initiative=initiative)],
        data_categories(initiative=initiative),
    )


def valid_signatures(*, version: AgreementVersion) -> QuerySet[Signature]:
    return version.signatures.filter(voided_at__isnull=True).select_related(
        "organisation", "signer"
    )


@dataclass(frozen=True)
class Waiting:
    signatory: Signatory
    since: dt.datetime

    @property
    def days(self) -> int:
        return (timezone.now() - self.since).days


@dataclass(frozen=True)
class Signoff:
    required: tuple[Signatory, ...]
    signatures: tuple[Signature, ...]
    waiting: tuple[Waiting, ...]

    @property
    def complete(self) -> bool:
        return not self.waiting


def signoff_of(*, agreement: Agreement, version: AgreementVersion | None = None) -> Signoff:
    version = version or agreement.current_version()
    required = signatories_required(initiative=agreement.initiative)
    signatures = tuple(valid_signatures(version=version))
    state = signoff_state(
        required,
        [Given(s.organisation.name, s.role, s.version_hash) for s in signatures],
        version.content_hash,
    )
    return Signoff(
        required=required,
        signatures=signatures,
        waiting=tuple(Waiting(s, version.created_at) for s in state.waiting),
    )


@dataclass(frozen=True)
class PartyEvidence:
    party: InitiativeParty
    statuses: tuple[RequirementStatus, ...]

    @property
    def blockers(self) -> list[str]:
        name = self.party.organisation.name
        found = []
        for status in self.statuses:
            if status.state == "missing":
                found.append(f"{name} has no current {status.requirement.label} evidence")
            elif status.state == "expired":
                found.append(f"{name}'s {status.requirement.label} evidence has expired")
        return found


def evidence_of(*, initiative: Initiative, today: dt.date | None = None) -> list[PartyEvidence]:
    today = today or timezone.localdate()
    categories = data_categories(initiative=initiative)
    result = []
    for party in parties_of(initiative=initiative):
        facts = party_facts(party)
        requirements = requirements_for(facts.type, facts.functions, categories)
        statuses = evidence_status(
            organisation=party.organisation, requirements=requirements, today=today
        )
        result.append(PartyEvidence(party, tuple(statuses)))
    return result


def evidence_blockers(*, initiative: Initiative, today: dt.date | None = None) -> list[str]:
    return [b for party in evidence_of(initiative=initiative, today=today) for b in party.blockers]


def invitation_by_token(*, token_hash: str) -> Invitation | None:
    return (
        Invitation.objects.filter(token_hash=token_hash)
        .select_related("initiative__lead", "organisation", "invited_by")
        .first()
    )


# The people told of what happens to an agreement after signature: the roles that answer for it.
ANSWERING_ROLES = ("ig-officer", "dpo", "siro", "caldicott-guardian")


def contacts_of(
    *, agreement: Agreement, organisation_ids: Iterable[int] | None = None
) -> list[str]:
    """The e-mail addresses to tell about this agreement: each party's named contact and the
    active people holding an answering role there (all parties, or only those given)."""
    parties = agreement.initiative.parties.all()
    if organisation_ids is not None:
        parties = parties.filter(organisation_id__in=list(organisation_ids))
    emails = {p.contact_email for p in parties if p.contact_email}
    emails |= set(
        Membership.objects.filter(
            organisation_id__in=parties.values("organisation_id"),
            role__in=ANSWERING_ROLES,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )
    return sorted(e.lower() for e in emails if e)
