"""Reading security evidence. Every read starts from what the person may see.

An organisation's evidence is seen by the people who hold a role in it and, read-only, by the
people of its partners: organisations that are party to an initiative with it, who must be able
to check each other's evidence before they agree to share. To anyone else the library and its
files do not exist (404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from accord.apps.evidence.models import EvidenceItem
from accord.apps.initiatives.models import InitiativeParty
from accord.apps.organisations.models import Membership, Organisation
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core.access import may_in_organisation
from accord.core.evidence import EXPIRING_WITHIN_DAYS, Requirement, RequirementStatus, evaluate

if TYPE_CHECKING:
    from accord.apps.accounts.models import User


def evidence_dir() -> Path:
    """Where the files live: in the data directory, never under STATIC_ROOT or a web root."""
    return Path(settings.DATA_DIR) / "evidence"


def evidence_path(item: EvidenceItem) -> Path:
    # stored_name is a uuid4 hex chosen by Accord; checked again so it can never be a path.
    if len(item.stored_name) != 32 or not all(c in "0123456789abcdef" for c in item.stored_name):
        raise ValueError(f"evidence item {item.pk} has an invalid stored name")
    return evidence_dir() / item.stored_name


def evidence_for(organisation: Organisation) -> QuerySet[EvidenceItem]:
    """The organisation's evidence that has not been withdrawn, newest first."""
    return EvidenceItem.objects.filter(
        organisation=organisation, withdrawn_at__isnull=True
    ).order_by("-uploaded_at", "-id")


def partner_organisation_ids(user: User) -> QuerySet[InitiativeParty, int]:
    """Organisations party to an initiative to which one of the person's organisations is party."""
    mine = Membership.objects.filter(user=user).values("organisation_id")
    shared = InitiativeParty.objects.filter(organisation_id__in=mine).values("initiative_id")
    return InitiativeParty.objects.filter(initiative_id__in=shared).values_list(
        "organisation_id", flat=True
    )


def evidence_visible_to(user: User, *, include_withdrawn: bool = False) -> QuerySet[EvidenceItem]:
    """Evidence of the person's own organisations and of their partners, not withdrawn.

    include_withdrawn=True adds withdrawn items, for a record of what an agreement relied on;
    nothing withdrawn is offered for download.
    """
    mine = Membership.objects.filter(user=user).values("organisation_id")
    items = EvidenceItem.objects.filter(
        Q(organisation_id__in=mine) | Q(organisation_id__in=partner_organisation_ids(user))
    )
    if not include_withdrawn:
        items = items.filter(withdrawn_at__isnull=True)
    return items


@dataclass(frozen=True, slots=True)
class LibraryAccess:
    """What one person may do with one organisation's evidence library."""

    organisation: Organisation
    roles: frozenset[str]  # held in this organisation (none for a partner)
    is_member: bool

    @property
    def may_manage(self) -> bool:
        return may_in_organisation("evidence.manage", roles=self.roles)


def library_access(user: User, organisation_pk: int) -> LibraryAccess:
    """Members of the organisation, or of a partner (read-only); anyone else gets 404."""
    roles = roles_by_organisation(user=user).get(organisation_pk, frozenset())
    if roles and may_in_organisation("evidence.view", roles=roles):
        return LibraryAccess(Organisation.objects.get(pk=organisation_pk), roles, is_member=True)
    if partner_organisation_ids(user).filter(organisation_id=organisation_pk).exists():
        return LibraryAccess(
            Organisation.objects.get(pk=organisation_pk), frozenset(), is_member=False
        )
    raise Http404("No such organisation")


def evidence_get(user: User, pk: int) -> EvidenceItem:
    """An item the person may see and that is still offered; otherwise 404."""
    try:
        return evidence_visible_to(user).select_related("organisation").get(pk=pk)
    except EvidenceItem.DoesNotExist:
        raise Http404("No such evidence") from None


def evidence_status(
    organisation: Organisation,
    requirements: Iterable[Requirement],
    today: dt.date,
    expiring_within_days: int = EXPIRING_WITHIN_DAYS,
) -> tuple[RequirementStatus, ...]:
    """Each requirement's state on `today`, from the organisation's evidence not withdrawn."""
    facts = [item.fact() for item in evidence_for(organisation)]
    return evaluate(requirements, facts, today, expiring_within_days)
