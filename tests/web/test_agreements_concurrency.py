"""Signatures given at the same moment on PostgreSQL: none is lost, and completion happens once.

Runs only on PostgreSQL (CI runs the suite again with DATABASE_URL set): SQLite serialises every
write, so it cannot show a race.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from accord.apps.accounts.models import User
from accord.apps.agreements import services
from accord.apps.agreements.models import Agreement, Signature
from accord.apps.audit.models import AuditEntry
from accord.apps.audit.services import audit_verify
from accord.apps.organisations.models import Organisation
from tests.web.agreement_helpers import SCHOOL, give_evidence, person, ready_initiative
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


def test_two_signatories_signing_at_once_never_lose_a_signature(
    make_organisation: Callable[..., Organisation], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Re-authentication is tested in test_agreements; here only the recording is raced.
    monkeypatch.setattr(services, "_reauthenticate", lambda actor, password, code: None)
    lead = make_organisation("Northshire County Council", functions=["education"])
    ig = person(lead, "ig-officer", email="ig@northshire.example")
    dpo = person(lead, "dpo", email="dpo@northshire.example")
    siro = person(lead, "siro", email="siro@northshire.example")
    initiative = ready_initiative(ig=ig, dpo=dpo, lead=lead)
    school = Organisation.objects.get(name=SCHOOL)
    head = person(school, "siro", "dpo", "ig-officer", email="head@brookfield.example")
    give_evidence(siro, lead)
    give_evidence(head, school)
    agreement = services.agreement_draft(actor=ig, initiative=initiative)

    def signing(user: User, role: str, number: int, digest: str) -> Callable[[], object]:
        return lambda: services.signature_give(
            actor=user,
            agreement=agreement,
            version_number=number,
            version_hash=digest,
            role=role,
            password="",
            code="",
        )

    for round_number in range(ROUNDS):
        version = agreement.current_version()
        _, errors = at_once(
            signing(siro, "siro", version.number, version.content_hash),
            signing(head, "siro", version.number, version.content_hash),
        )
        assert errors == [], f"round {round_number}: {errors!r}"
        assert Signature.objects.filter(version=version, voided_at__isnull=True).count() == 2, (
            f"round {round_number} lost a signature"
        )
        # A change makes the next version, voiding both signatures, for the next round.
        proposal = services.proposal_make(
            actor=head,
            agreement=agreement,
            section_key="retention",
            text=f"Keep it for at most the period below (round {round_number}).",
            values={"months": 12, "end_action": "delete"},
            reason="Next round.",
        )
        services.proposal_decide(actor=ig, proposal=proposal, accept=True)

    # The last two signatures arriving together complete the agreement exactly once.
    version = agreement.current_version()
    for user, role in ((dpo, "dpo"), (head, "dpo")):
        signing(user, role, version.number, version.content_hash)()
    _, errors = at_once(
        signing(siro, "siro", version.number, version.content_hash),
        signing(head, "siro", version.number, version.content_hash),
    )
    assert errors == []
    agreement.refresh_from_db()
    assert agreement.status == Agreement.SIGNED
    assert AuditEntry.objects.filter(verb="agreement.fully-signed").count() == 1
    checked, problem = audit_verify()
    assert problem is None
    assert checked > ROUNDS * 4
