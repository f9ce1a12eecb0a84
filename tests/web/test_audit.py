"""The audit log: one entry per change, in the same transaction, hash-chained and verifiable."""

from __future__ import annotations

import pytest
from django.db import transaction

from accord.apps.accounts.models import User
from accord.apps.audit.models import AuditEntry, ChainHead
from accord.apps.audit.services import audit_record, audit_verify
from accord.apps.initiatives import services
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation
from accord.core.audit import GENESIS, entry_hash
from accord.web.commands import verify_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(council: Organisation, ig_officer: User) -> list[AuditEntry]:
    for title in ["One", "Two", "Three"]:
        services.initiative_create(actor=ig_officer, lead=council, title=title)
    return list(AuditEntry.objects.order_by("sequence"))


def test_an_intact_chain_verifies(
    chain: list[AuditEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    checked, problem = audit_verify()
    assert problem is None
    assert checked == len(chain) >= 5
    assert verify_audit() == 0
    assert f"{checked} entries, chain intact" in capsys.readouterr().out


def test_editing_an_entry_is_found_and_named(
    chain: list[AuditEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    target = chain[3]
    AuditEntry.objects.filter(pk=target.pk).update(summary="Nothing to see here")
    _, problem = audit_verify()
    assert problem is not None
    assert problem.sequence == target.sequence
    assert "content does not match its hash" in problem.reason
    assert verify_audit() == 1
    assert f"entry #{target.sequence}" in capsys.readouterr().err


def test_editing_an_entry_and_recomputing_its_hash_breaks_the_next_link(
    chain: list[AuditEntry],
) -> None:
    from accord.apps.audit.services import hashed_fields

    target = chain[2]
    target.summary = "Rewritten"
    target.hash = entry_hash(target.previous_hash, hashed_fields(target))
    AuditEntry.objects.filter(pk=target.pk).update(summary=target.summary, hash=target.hash)
    _, problem = audit_verify()
    assert problem is not None
    assert problem.sequence == chain[3].sequence
    assert "does not link" in problem.reason


def test_deleting_an_entry_is_found(chain: list[AuditEntry]) -> None:
    AuditEntry.objects.filter(pk=chain[1].pk).delete()
    _, problem = audit_verify()
    assert problem is not None
    assert problem.sequence == chain[2].sequence


def test_deleting_the_last_entries_is_found(chain: list[AuditEntry]) -> None:
    AuditEntry.objects.filter(sequence__gte=chain[-2].sequence).delete()
    _, problem = audit_verify()
    assert problem is not None
    assert "ends early" in problem.reason


def test_inserting_an_entry_is_found(chain: list[AuditEntry]) -> None:
    AuditEntry.objects.filter(sequence__gte=chain[2].sequence).update(sequence=models_shift())
    forged = AuditEntry(
        sequence=chain[2].sequence,
        at=chain[2].at,
        actor_label="forger",
        verb="initiative.created",
        object_type="initiative",
        object_id="999",
        summary="Forged",
        previous_hash=chain[1].hash,
    )
    from accord.apps.audit.services import hashed_fields

    forged.hash = entry_hash(forged.previous_hash, hashed_fields(forged))
    forged.save()
    _, problem = audit_verify()
    assert problem is not None
    assert problem.sequence == chain[2].sequence + 1_000_000


def models_shift():  # type: ignore[no-untyped-def]
    from django.db.models import F

    return F("sequence") + 1_000_000


def test_reordering_entries_is_found(chain: list[AuditEntry]) -> None:
    first, second = chain[1], chain[2]
    AuditEntry.objects.filter(pk=first.pk).update(sequence=-1)
    AuditEntry.objects.filter(pk=second.pk).update(sequence=first.sequence)
    AuditEntry.objects.filter(pk=first.pk).update(sequence=second.sequence)
    _, problem = audit_verify()
    assert problem is not None
    assert problem.sequence == first.sequence


@pytest.mark.django_db(transaction=True)  # outside the test's own wrapping transaction
def test_entries_are_written_only_inside_the_changing_transaction(ig_officer: User) -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        audit_record(actor=ig_officer, verb="x.y", target=ig_officer, summary="outside")


def test_a_change_that_fails_leaves_neither_change_nor_entry(
    council: Organisation, ig_officer: User
) -> None:
    before = AuditEntry.objects.count()

    def change_then_fail() -> None:
        with transaction.atomic():
            services.initiative_create(actor=ig_officer, lead=council, title="Doomed")
            raise ZeroDivisionError  # a failure after the change, inside its transaction

    with pytest.raises(ZeroDivisionError):
        change_then_fail()
    assert AuditEntry.objects.count() == before
    assert not Initiative.objects.filter(title="Doomed").exists()
    assert ChainHead.objects.get().sequence == before


def test_the_first_entry_links_to_the_genesis_hash(chain: list[AuditEntry]) -> None:
    assert chain[0].previous_hash == GENESIS
    assert [e.sequence for e in chain] == list(range(1, len(chain) + 1))


def test_a_summary_longer_than_its_column_is_cut_not_refused(db: None) -> None:
    from accord.apps.organisations.services import organisation_create

    organisation = organisation_create(actor=None, name="Council", type="local-authority")
    with transaction.atomic():
        entry = audit_record(
            actor=None, verb="test.long", target=organisation, summary="Because " + "x" * 900
        )
    entry.refresh_from_db()
    assert len(entry.summary) == 500
    assert entry.summary.startswith("Because xxx")
    assert entry.summary.endswith("…")
    assert audit_verify()[1] is None
