"""What a rendered document is made from: one agreement version and its signature record.

Plain data, no Django: the web views fill these in from the database, the benchmarks and tests
from fixtures. Every renderer in this package takes a `DocumentInput` and nothing else, so the
PDF, the Word file and the RDF of a version always say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SignatureRecord:
    """A signature (or a recorded DPO consultation) given on one version, by its hash.

    `signed_at` should be timezone-aware; a naive value is read as UTC.
    """

    party: str  # the party's name, as in the agreement's parties section
    role: str  # siro | caldicott-guardian | dpo (other codes are shown in plain words)
    kind: str  # "sign" | "consult"
    name: str  # the person who signed or recorded the consultation
    signed_at: datetime
    version_hash: str  # SHA-256 of the content they signed


@dataclass(frozen=True)
class DocumentInput:
    """One version of an agreement, ready to render."""

    content: Mapping[str, Any]  # format accord.agreement/1
    version: int
    content_hash: str  # SHA-256 of the canonical JSON of `content`
    status: str  # e.g. "Draft", "Signed", "Superseded"
    signed_by_all: bool  # every required signatory has signed this version
    signatures: Sequence[SignatureRecord]
    generated_at: datetime  # stamped on the document; fixes the output (same input, same bytes)
    base_iri: str  # the agreement's own address, e.g. "https://accord.example/agreements/12/"
