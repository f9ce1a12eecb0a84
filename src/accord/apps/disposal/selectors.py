"""Reading who has and who has not confirmed deletion or return of the data.

`disposal_states` answers for many agreements in one query, so the register and its CSV take
the same number of queries for any number of rows. It reads the requests made when each
agreement was terminated and whether each has its confirmation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreements_visible_to
from accord.apps.disposal.models import DisposalConfirmation, DisposalRequest
from accord.apps.exchange.selectors import terms_of
from accord.core import disposal as rules

if TYPE_CHECKING:
    from accord.apps.accounts.models import User


def _confirmed() -> Exists:
    return Exists(
        DisposalConfirmation.objects.filter(
            agreement_id=OuterRef("agreement_id"), organisation_id=OuterRef("organisation_id")
        )
    )


def disposal_states(agreement_ids: Iterable[int]) -> dict[int, rules.Tally]:
    """For each agreement asked to confirm (a terminated one), who has and who has not."""
    ids = sorted(set(agreement_ids))
    if not ids:
        return {}
    found: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for agreement_id, name, confirmed in (
        DisposalRequest.objects.filter(agreement_id__in=ids)
        .annotate(confirmed=_confirmed())
        .values_list("agreement_id", "organisation__name", "confirmed")
    ):
        found[agreement_id].append((name, confirmed))
    return {agreement_id: rules.tally(parties) for agreement_id, parties in found.items()}


def awaiting_disposal(*, user: User) -> QuerySet[Agreement]:
    """Terminated agreements this person sees where a receiving party has not yet confirmed."""
    outstanding = (
        DisposalRequest.objects.filter(agreement_id=OuterRef("pk"))
        .annotate(confirmed=_confirmed())
        .filter(confirmed=False)
    )
    return (
        agreements_visible_to(user=user)
        .filter(status=Agreement.TERMINATED)
        .filter(Exists(outstanding))
        .select_related("initiative")
        .order_by("status_changed_at", "pk")
    )


@dataclass(frozen=True)
class PartyDisposal:
    """One receiving party on the disposal page: its state and, once confirmed, what it said."""

    state: rules.PartyState
    confirmation: DisposalConfirmation | None

    @property
    def organisation_id(self) -> int:
        return int(self.state.key)


def disposal_of(agreement: Agreement) -> list[PartyDisposal]:
    """Each party that received data under the signed terms, with what it confirmed."""
    owed = rules.owing(terms_of(agreement).parties)
    confirmations = {
        str(c.organisation_id): c
        for c in DisposalConfirmation.objects.filter(agreement=agreement).select_related(
            "confirmed_by"
        )
    }
    states = rules.states(
        owed,
        {key: rules.Confirmed(c.method, c.confirmed_on) for key, c in confirmations.items()},
    )
    return [PartyDisposal(state, confirmations.get(state.key)) for state in states]
