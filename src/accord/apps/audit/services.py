"""Writing and checking the audit log, and signing checkpoints of both chains (ADR 9).

`audit_record` must be called inside the transaction that makes the change it records, so that
the change and its entry are committed together or not at all.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accord.apps.audit.chains import (
    AUDIT,
    CHECKPOINT_VERB,
    Chain,
    all_chains,
    audit_canonical_parts,
)
from accord.apps.audit.correlation import correlation_id
from accord.apps.audit.keys import log_append, log_read, signing_key, verifying_key
from accord.apps.audit.models import AuditEntry, ChainHead, Checkpoint
from accord.core.audit import GENESIS, Break, entry_hash, hash_of
from accord.core.checkpoint import (
    ChainReport,
    CheckpointProblem,
    Frontier,
    SignedCheckpoint,
    Statement,
    chain_check,
    checkpoint_sign,
    distinct,
    signature_problem,
)

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
    """Append one entry to the chain. Raises if not inside a transaction.

    The head row is locked until the transaction commits, so appends are made one at a time;
    on PostgreSQL one statement locks, hashes, inserts and moves the head, so that the lock is
    held for little more than the commit itself (bench/audit.py: 20 writers at once).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run in the transaction that makes the change")
    entry = AuditEntry(
        at=at or timezone.now(),
        actor=actor,
        actor_label=actor.email if actor else "system",
        organisation=organisation,
        verb=verb,
        object_type=type(target).__name__.lower(),
        object_id=str(target.pk),
        initiative=initiative,
        # Summaries quote what people typed (a reason, a title): cut to the column, never
        # refused, so a long reason cannot undo the change it explains. `data` keeps it whole.
        summary=_cut(summary, AuditEntry._meta.get_field("summary").max_length or 500),
        data=data or {},
        correlation_id=correlation_id.get(),
    )
    if connection.vendor == "postgresql" and _append_in_one_statement(entry):
        return entry
    # Elsewhere (SQLite runs one writer at a time anyway), and before the very first entry.
    head, _ = ChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"sequence": 0, "hash": GENESIS}
    )
    entry.sequence, entry.previous_hash = head.sequence + 1, head.hash
    entry.hash = entry_hash(entry.previous_hash, hashed_fields(entry))
    entry.save()
    head.sequence, head.hash = entry.sequence, entry.hash
    head.save(update_fields=["sequence", "hash"])
    return entry


# Lock the head, hash the entry (SHA-256 of the previous hash, a new line and its canonical JSON,
# the sequence written in where it falls), insert it and move the head: one round trip.
_APPEND: Final = """
WITH head AS (
    SELECT sequence + 1 AS sequence, hash AS previous FROM audit_chainhead WHERE id = 1 FOR UPDATE
), entry AS (
    SELECT sequence, previous,
        encode(sha256(convert_to(previous || %s::text || sequence::text || %s::text, 'UTF8')),
            'hex') AS hash
    FROM head
), inserted AS (
    INSERT INTO audit_auditentry (sequence, at, actor_id, actor_label, organisation_id, verb,
        object_type, object_id, initiative_id, summary, data, correlation_id, previous_hash, hash)
    SELECT sequence, %s::timestamptz, %s::bigint, %s::text, %s::bigint, %s::text, %s::text,
        %s::text, %s::bigint, %s::text, %s::jsonb, %s::text, previous, hash
    FROM entry
    RETURNING id, sequence, previous_hash, hash
), moved AS (
    UPDATE audit_chainhead SET sequence = inserted.sequence, hash = inserted.hash
    FROM inserted WHERE audit_chainhead.id = 1
)
SELECT id, sequence, previous_hash, hash FROM inserted
"""


def _append_in_one_statement(entry: AuditEntry) -> bool:
    """Append `entry` in SQL on PostgreSQL; False if there is no head row yet."""
    before, after = audit_canonical_parts(AUDIT.row_of(entry))
    with connection.cursor() as cursor:
        cursor.execute(
            _APPEND,
            [
                f"\n{before}",
                after,
                entry.at,
                entry.actor_id,
                entry.actor_label,
                entry.organisation_id,
                entry.verb,
                entry.object_type,
                entry.object_id,
                entry.initiative_id,
                entry.summary,
                json.dumps(entry.data),
                entry.correlation_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    entry.pk, entry.sequence, entry.previous_hash, entry.hash = row
    entry._state.adding, entry._state.db = False, connection.alias
    return True


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    """What the hash covers: everything but the hashes themselves (see chains.audit_fields)."""
    return AUDIT.fields(AUDIT.row_of(entry))


def audit_verify() -> tuple[int, Break | None]:
    """Check the whole chain: (entries checked, the first break or None)."""
    return chain_verify_links(AUDIT)


@contextmanager
def _snapshot() -> Iterator[None]:
    """A transaction that sees the database as it was when it began, whatever commits meanwhile.

    On PostgreSQL a chain, its head and its checkpoints are read at REPEATABLE READ, so that
    entries appended during a long check cannot look like a chain that ends early. (A SQLite
    transaction sees one state already; inside an outer transaction, the outer one decides.)
    """
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _head_problem(chain: Chain, last: tuple[int, str] | None) -> Break | None:
    """Whether the last entry read is the one the head row records (sequence, hash)."""
    head = chain.head()
    if head is None:
        return None
    sequence, hash_ = head
    if last is None or last[0] != sequence:
        return Break(
            sequence,
            f"the chain ends early: entries after #{last[0] if last else 0} are missing",
        )
    if last[1] != hash_:
        return Break(sequence, "it is not the last entry the chain's head records: replaced")
    return None


def chain_verify_links(chain: Chain) -> tuple[int, Break | None]:
    """Check a chain's links and hashes only: (entries checked, the first break or None)."""
    with _snapshot():
        report = chain_check(chain.links(), chain=chain.name)
        broken = report.broken or _head_problem(chain, report.last)
    return report.checked, broken


# --- Checkpoints ---------------------------------------------------------------------------------


class ChainBroken(Exception):
    """The chain does not verify, so no checkpoint of it is signed."""

    def __init__(self, chain: Chain, problem: Break) -> None:
        super().__init__(
            f"the {chain.label} does not verify at entry #{problem.sequence} ({problem.reason}): "
            "no checkpoint was signed. Run accord verify-audit."
        )
        self.chain, self.problem = chain, problem


def signed_of(row: Checkpoint) -> SignedCheckpoint:
    """A stored checkpoint as the core checks it: its fields make the statement signed."""
    statement = Statement(
        chain=row.chain,
        size=row.size,
        root=row.root,
        last_hash=row.last_hash,
        at=row.at,
        key_id=row.key_id,
    )
    try:
        signature = base64.b64decode(row.signature, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    return SignedCheckpoint(statement, signature)


def checkpoint_issue(*, at: dt.datetime | None = None) -> list[Checkpoint]:
    """Sign a checkpoint of each chain that has grown since its last one; store and log it.

    The roots are computed outside any lock, over entries that never change once the head has
    passed them, so writers are held up only while the checkpoint row and its audit entry are
    written. Two workers signing at once: the unique (chain, size) lets one win; the other
    signs nothing. Raises ChainBroken, having signed nothing more, if a chain does not verify.
    """
    key = signing_key()
    issued = []
    for chain in all_chains():
        checkpoint = _checkpoint_chain(chain, key, at or timezone.now())
        if checkpoint is not None:
            issued.append(checkpoint)
    return issued


def _checkpoint_chain(chain: Chain, key: Ed25519PrivateKey, at: dt.datetime) -> Checkpoint | None:
    with _snapshot():
        head = chain.head()
        if head is None or head[0] == 0:
            return None
        size, head_hash = head
        previous = (
            Checkpoint.objects.filter(chain=chain.name, size__lte=size).order_by("-size").first()
        )
        if previous is not None and (previous.size >= size or not chain.grew_after(previous.size)):
            return None
        start = _resume(chain, previous, key.public_key()) if previous else None
        report = chain_check(
            chain.links(after=start[1] if start else 0, upto=size), chain=chain.name, start=start
        )
    if report.broken is not None:
        raise ChainBroken(chain, report.broken)
    if report.last != (size, head_hash) or report.frontier.size != size:
        raise ChainBroken(chain, Break(size, "the chain's head names an entry that is not there"))
    signed = checkpoint_sign(
        chain=chain.name, frontier=report.frontier, last_hash=head_hash, at=at, private_key=key
    )
    statement = signed.statement
    try:
        with transaction.atomic():
            checkpoint = Checkpoint.objects.create(
                chain=chain.name,
                size=statement.size,
                root=statement.root,
                last_hash=statement.last_hash,
                at=statement.at,
                key_id=statement.key_id,
                signature=base64.b64encode(signed.signature).decode(),
                frontier=[root.hex() for root in report.frontier.roots()],
            )
            audit_record(
                actor=None,
                verb=CHECKPOINT_VERB,
                target=checkpoint,
                summary=f"Signed a checkpoint of the {chain.label} at {statement.size:,} entries",
                data={"chain": chain.name, "size": statement.size, "root": statement.root},
                at=at,
            )
            # Only once it is committed: a line in the log is a checkpoint that exists.
            transaction.on_commit(lambda: log_append(signed))
    except IntegrityError:
        return None  # another worker signed this size first
    return checkpoint


def _resume(
    chain: Chain, previous: Checkpoint, public_key: Ed25519PublicKey
) -> tuple[Frontier, int, str] | None:
    """The tree at the previous checkpoint, if it still holds: then only newer entries are read.

    Its signature, its stored subtree roots and its last entry (unchanged) must all agree;
    otherwise (a new key, a tampered row) the whole chain is read again.
    """
    if signature_problem(signed_of(previous), public_key):
        return None
    try:
        frontier = Frontier(previous.size, [bytes.fromhex(r) for r in previous.frontier])
    except (TypeError, ValueError):
        return None
    if frontier.root().hex() != previous.root:
        return None
    link = next(chain.links(after=previous.size - 1, upto=previous.size), None)
    if link is None or link[3] != previous.last_hash or hash_of(link[2], link[1]) != link[3]:
        return None
    return frontier, previous.size, previous.last_hash


@dataclass
class Verification:
    """Each chain's report, and the lines of the checkpoint log that are not checkpoints."""

    chains: list[tuple[Chain, ChainReport]]
    unreadable: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unreadable and all(report.ok for _, report in self.chains)


def chains_verify(
    *,
    published: Iterable[SignedCheckpoint] = (),
    public_key: Ed25519PublicKey | None = None,
) -> Verification:
    """Check both chains and every checkpoint: stored, logged, and `published` (downloaded).

    Signatures are checked under `public_key`, else the key file's. A checkpoint in the log or
    a download but not in the database is a problem in itself: rows were deleted, or the
    database was restored from a backup older than it.
    """
    key = public_key or verifying_key()
    verification = Verification([])
    logged: list[SignedCheckpoint] = []
    for number, item in log_read():
        if isinstance(item, str):
            verification.unreadable.append(
                f"line {number} of the checkpoint log is not a checkpoint: {item}"
            )
        else:
            logged.append(item)
    given = list(published)
    for chain in all_chains():
        with _snapshot():
            stored = [signed_of(row) for row in Checkpoint.objects.filter(chain=chain.name)]
            report = chain_check(
                chain.links(),
                distinct(c for c in (*stored, *logged, *given) if c.statement.chain == chain.name),
                chain=chain.name,
                public_key=key,
            )
            report.broken = report.broken or _head_problem(chain, report.last)
        sizes = {c.statement.size for c in stored}
        for where, checkpoints in (("checkpoint log", logged), ("checkpoints given", given)):
            for checkpoint in distinct(checkpoints):
                if (
                    checkpoint.statement.chain == chain.name
                    and checkpoint.statement.size not in sizes
                ):
                    report.problems.append(
                        CheckpointProblem(
                            checkpoint,
                            f"it is in the {where} but not in the database: checkpoints were "
                            "deleted, or the database was restored from an earlier backup",
                        )
                    )
        report.problems.sort(key=lambda p: (p.checkpoint.statement.size, p.checkpoint.statement.at))
        verification.chains.append((chain, report))
    return verification
