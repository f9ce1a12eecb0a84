"""The disclosure log as a chain (see accord.apps.audit.chains): what each entry's hash covers."""

from __future__ import annotations

from typing import Any

from accord.apps.audit.chains import Chain, Row, json_text, number, utc
from accord.apps.exchange.models import DisclosureEntry, DisclosureHead
from accord.core.audit import canonical_string

DISCLOSURE_COLUMNS = (
    "sequence",
    "at",
    "agreement_id",
    "version",
    "content_hash",
    "kind",
    "effect",
    "party_id",
    "provider_id",
    "client_id",
    "person_id",
    "actor_label",
    "dataset_id",
    "fields",
    "record_count",
    "payload_hash",
    "reason",
    "clauses",
    "correlation_id",
)


def disclosure_fields(row: Row) -> dict[str, Any]:
    """What a disclosure entry's hash covers: everything but the hashes themselves."""
    return {
        "sequence": row[0],
        "at": utc(row[1]),
        "agreement": row[2],
        "version": row[3],
        "content_hash": row[4],
        "kind": row[5],
        "effect": row[6],
        "party": row[7],
        "provider": row[8],
        "client": row[9],
        "person": row[10],
        "actor_label": row[11],
        "dataset": row[12],
        "fields": row[13],
        "record_count": row[14],
        "payload_hash": row[15],
        "reason": row[16],
        "clauses": row[17],
        "correlation_id": row[18],
    }


def disclosure_canonical(row: Row) -> str:
    """canonical_json(disclosure_fields(row)), written out: the keys in sorted order."""
    s, j = canonical_string, json_text
    return (
        f'{{"actor_label":{s(row[11])},"agreement":{row[2]},"at":"{utc(row[1])}",'
        f'"clauses":{j(row[17])},"client":{number(row[9])},"content_hash":{s(row[4])},'
        f'"correlation_id":{s(row[18])},"dataset":{number(row[12])},"effect":{s(row[6])},'
        f'"fields":{j(row[13])},"kind":{s(row[5])},"party":{number(row[7])},'
        f'"payload_hash":{s(row[15])},"person":{number(row[10])},'
        f'"provider":{number(row[8])},"reason":{s(row[16])},"record_count":{row[14]},'
        f'"sequence":{row[0]},"version":{row[3]}}}'
    )


DISCLOSURE = Chain(
    name="disclosure",
    label="disclosure log",
    entry_model=DisclosureEntry,
    head_model=DisclosureHead,
    columns=DISCLOSURE_COLUMNS,
    fields=disclosure_fields,
    canonical=disclosure_canonical,
    json_columns=frozenset({"fields", "clauses"}),
)
