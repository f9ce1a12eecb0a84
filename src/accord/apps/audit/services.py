"""Writing and checking the audit log.

`audit_record` must be called inside the transaction that makes the change it records, so that
the change and its entry are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from accord.apps.audit.correlation import correlation_id
from accord.apps.audit.models import AuditEntry, ChainHead
from accord.core.audit import GENESIS, Break, StoredEntry, entry_hash, first_broken

if TYPE_CHECKING:
    from accord.apps.accounts.models import User
    from accord.apps.initiatives.models import Initiative
    from accord.apps.organisations.models import Organisation


def audit_record(
    *,
    actor: User | None,
    verb: str,
    target: Any,
    summary: str,
    organisation: Organisation | None = None,
    initiative: Initiative | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Raises if not inside a transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run in the transaction that makes the change")
    head, _ = ChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"sequence": 0, "hash": GENESIS}
    )
    entry = AuditEntry(
        sequence=head.sequence + 1,
        at=at or timezone.now(),
        actor=actor,
        actor_label=actor.email if actor else "system",
        organisation=organisation,
        verb=verb,
        object_type=type(target).__name__.lower(),
        object_id=str(target.pk),
        initiative=initiative,
        summary=summary,
        data=data or {},
        correlation_id=correlation_id.get(),
        previous_hash=head.hash,
    )
    entry.hash = entry_hash(entry.previous_hash, hashed_fields(entry))
    entry.save()
    head.sequence, head.hash = entry.sequence, entry.hash
    head.save(update_fields=["sequence", "hash"])
    return entry


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    """What the hash covers: everything but the hashes themselves."""
    return {
        "sequence": entry.sequence,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "organisation": entry.organisation_id,
        "verb": entry.verb,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "initiative": entry.initiative_id,
        "summary": entry.summary,
        "data": entry.data,
        "correlation_id": entry.correlation_id,
    }


def audit_verify(*, batch_size: int = 5000) -> tuple[int, Break | None]:
    """Check the whole chain: (entries checked, the first break or None)."""
    checked = 0

    def stored() -> Iterator[StoredEntry]:
        nonlocal checked
        for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=batch_size):
            checked += 1
            yield StoredEntry(entry.sequence, hashed_fields(entry), entry.previous_hash, entry.hash)

    with transaction.atomic():
        problem = first_broken(stored())
        if problem is None:
            head = ChainHead.objects.filter(id=1).first()
            last = AuditEntry.objects.order_by("-sequence").first()
            if head and (last is None or last.sequence != head.sequence):
                problem = Break(
                    head.sequence,
                    "the chain ends early: entries after "
                    f"#{last.sequence if last else 0} are missing",
                )
    return checked, problem
