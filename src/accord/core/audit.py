"""The audit trail as a hash chain (pure functions).

Each entry's hash covers its own fields and the previous entry's hash, so editing, deleting,
inserting or reordering any entry breaks every hash after it. `first_broken` names the first
entry that does not verify; the storage layer supplies entries in chain order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first entry
# What json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds on
# each call, made once: the same text, without the cost of a new encoder per entry.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# For writing an entry's canonical text out directly (accord.apps.audit.chains), a string and
# any JSON value exactly as _CANONICAL writes them. The value encoder is the one
# JSONEncoder.encode builds on every call, built once: half the cost on a million entries.
canonical_string: Callable[[str], str] = json.encoder.encode_basestring
_make_encoder = getattr(json.encoder, "c_make_encoder", None)  # absent without the C speedups
if _make_encoder is not None:
    _encode = _make_encoder(None, None, canonical_string, None, ":", ",", True, False, True)

    def canonical_value(value: Any) -> str:
        return "".join(_encode(value, 0))

else:  # pragma: no cover - CPython has the C encoder

    def canonical_value(value: Any) -> str:
        return _CANONICAL.encode(value)


# One entry as the check reads it: (sequence, its fields as canonical JSON, previous hash, hash).
# Plain tuples: a million of them are read and checked in a few seconds.
Link = tuple[int, str, str, str]


def canonical_json(fields: Mapping[str, Any]) -> str:
    """The fields as canonical JSON: keys sorted, no spaces, UTF-8 text unescaped."""
    return _CANONICAL.encode(fields)


def hash_of(previous_hash: str, canonical: str) -> str:
    """SHA-256, in hex, of the previous hash, a new line, and the entry's canonical JSON."""
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


def entry_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's fields as canonical JSON."""
    return hash_of(previous_hash, canonical_json(fields))


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
    previous: StoredEntry | None = None
    for entry in entries:
        if problem := link_broken(previous, entry):
            return problem
        previous = entry
    return None


def link_broken(previous: StoredEntry | None, entry: StoredEntry) -> Break | None:
    """What is wrong with `entry` following `previous` (None: it is the first), if anything."""
    if previous is not None and entry.sequence != previous.sequence + 1:
        return Break(
            entry.sequence,
            f"sequence jumps from {previous.sequence} to {entry.sequence}: an entry is missing",
        )
    if entry.previous_hash != (GENESIS if previous is None else previous.hash):
        return Break(entry.sequence, "does not link to the entry before it")
    if entry_hash(entry.previous_hash, entry.fields) != entry.hash:
        return Break(entry.sequence, "its content does not match its hash")
    return None
