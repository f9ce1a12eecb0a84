"""The audit trail as a hash chain (pure functions).

Each entry's hash covers its own fields and the previous entry's hash, so editing, deleting,
inserting or reordering any entry breaks every hash after it. `first_broken` names the first
entry that does not verify; the storage layer supplies entries in chain order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first entry


def entry_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's fields as canonical JSON."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredEntry:
    sequence: int
    fields: Mapping[str, Any]
    previous_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Break:
    sequence: int
    reason: str


def first_broken(entries: Iterable[StoredEntry]) -> Break | None:
    """The first entry whose link or hash is wrong, or None if the whole chain verifies."""
    expected_previous = GENESIS
    expected_sequence: int | None = None
    for entry in entries:
        if expected_sequence is not None and entry.sequence != expected_sequence:
            return Break(
                entry.sequence,
                f"sequence jumps from {expected_sequence - 1} to {entry.sequence}: "
                "an entry is missing",
            )
        if entry.previous_hash != expected_previous:
            return Break(entry.sequence, "does not link to the entry before it")
        if entry_hash(entry.previous_hash, entry.fields) != entry.hash:
            return Break(entry.sequence, "its content does not match its hash")
        expected_previous = entry.hash
        expected_sequence = entry.sequence + 1
    return None
