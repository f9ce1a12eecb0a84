"""Races on PostgreSQL: go-live has one winner, and parallel pulls never pass a volume limit.

Runs only on PostgreSQL (CI runs the suite again with DATABASE_URL set): SQLite serialises every
write, so it cannot show a race. Each race is repeated 100 times.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Sum

from accord.apps.agreements.models import Agreement
from accord.apps.audit.models import AuditEntry
from accord.apps.exchange import services, store
from accord.apps.exchange.models import Channel, Dataset, DisclosureEntry, VolumeUsage
from accord.apps.exchange.selectors import dataset_terms
from accord.core.exchange.decision import DisclosureRequest
from tests.web.exchange_helpers import Sharing, live_agreement, loaded_dataset, signed_agreement
from tests.web.races import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every write, so no race can happen; "
        ".ci/run runs this file again with DATABASE_URL set to PostgreSQL",
    ),
]
ROUNDS = 100
LIMIT, PAGE, PULLERS = 250, 40, 4


def test_go_live_started_twice_at_once_has_one_winner() -> None:
    sharing = signed_agreement()
    agreement = sharing.agreement
    for round_number in range(ROUNDS):
        went_live = AuditEntry.objects.filter(verb="agreement.went-live").count()
        results, errors = at_once(
            lambda: services.go_live(actor=sharing.council_ig, agreement=agreement),
            lambda: services.go_live(actor=sharing.council_siro, agreement=agreement),
        )
        assert len(results) == 1, f"round {round_number}: {errors!r}"
        assert len(errors) == 1
        assert isinstance(errors[0], services.ExchangeRefused)
        assert "already live" in str(errors[0])
        assert AuditEntry.objects.filter(verb="agreement.went-live").count() == went_live + 1
        assert Channel.objects.filter(agreement=agreement).count() == 1
        # Scaffolding for the next round: back to Signed, as if it had never gone live.
        Channel.objects.filter(agreement=agreement).delete()
        Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.SIGNED, live_at=None)


def _dataset(sharing: Sharing) -> Dataset:
    return loaded_dataset(
        sharing,
        ["UPN", "Surname"],
        [(f"A{i}", f"Pupil {i}") for i in range(1000)],
        {"UPN": "unique pupil number"},
    )


def test_parallel_pulls_never_pass_the_volume_limit() -> None:
    sharing = live_agreement(values={"limits": {"records": LIMIT, "per": "day"}})
    dataset = _dataset(sharing)
    terms = dataset_terms(dataset)

    def puller() -> int:
        """Pull pages until refused, as a partner's batch job would; return records received."""
        received = 0
        while True:
            outcome = services.disclose(
                agreement_id=sharing.agreement.pk,
                request=DisclosureRequest(
                    kind="records", party=str(sharing.council.pk), dataset=terms, records=PAGE
                ),
                party=sharing.council,
                fetch=lambda d, offset=received: store.page(
                    dataset, d.fields, offset=offset, limit=d.records, fmt="ndjson"
                ),
                dataset=dataset,
            )
            if not outcome.decision.allowed:
                assert outcome.decision.first.clause.key == "limits"
                return received
            assert outcome.payload.count(b"\n") == outcome.count
            received += outcome.count

    for round_number in range(ROUNDS):
        results, errors = at_once(*([puller] * PULLERS))
        assert errors == [], f"round {round_number}: {errors!r}"
        assert sum(results) == LIMIT, f"round {round_number}: {results}"
        assert VolumeUsage.objects.get(agreement=sharing.agreement).records == LIMIT
        logged = DisclosureEntry.objects.filter(agreement=sharing.agreement, effect="allow")
        assert logged.aggregate(n=Sum("record_count"))["n"] == LIMIT * (round_number + 1)
        # Scaffolding: a new period for the next round.
        VolumeUsage.objects.filter(agreement=sharing.agreement).delete()
    assert services.disclosures_verify()[1] is None
