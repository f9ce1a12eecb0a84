"""/api/v1/transparency/checkpoints: the signed checkpoints of Accord's logs, as JSON (ADR 9).

Access: public, no token (auth=None), like the register it belongs to: a checkpoint holds a
log's size and hashes, never what its entries say. Newest first, a page at a time; `next` is
the address of the page after, so that anyone can keep every checkpoint and later give the file
to `accord verify-audit --checkpoints`. Mounted on the exchange API before the register's
`/{reference}`, so that "checkpoints" is never taken for a reference.
"""

from __future__ import annotations

from typing import Final, Literal
from urllib.parse import urlencode

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.params.functions import Query
from pydantic import Field

from accord.apps.audit import keys
from accord.apps.audit.selectors import checkpoints_recent
from accord.apps.audit.services import signed_of
from accord.apps.transparency.api import CACHE_CONTROL, InvalidQuery
from accord.core.checkpoint import key_id

FORMAT: Final = "accord.checkpoints/1"
MAX_LIMIT: Final = 1000

router = Router(tags=["Transparency register"])

HEX64 = r"^[0-9a-f]{64}$"


class PublicKeyOut(Schema):
    algorithm: Literal["Ed25519"]
    key_id: str = Field(pattern=HEX64, description="SHA-256 of the key's 32 raw bytes, in hex.")
    raw: str = Field(description="The key's 32 raw bytes, base64.")
    pem: str = Field(description="The key as SubjectPublicKeyInfo PEM, for OpenSSL.")


class CheckpointOut(Schema):
    id: int = Field(ge=1, description="Its place in this list: `before` takes it.")
    chain: Literal["audit", "disclosure"] = Field(description="Which log.")
    size: int = Field(ge=1, description="The log's first `size` entries, #1 to #size.")
    root: str = Field(
        pattern=HEX64,
        description="RFC 9162 Merkle tree hash over those entries' hashes, oldest first.",
    )
    last_hash: str = Field(pattern=HEX64, description="The hash of entry #size.")
    at: str = Field(description="When it was signed, UTC (YYYY-MM-DDTHH:MM:SSZ).")
    key_id: str = Field(pattern=HEX64, description="The key that signed it.")
    statement: str = Field(
        description="The exact text signed (UTF-8): the lines accord.checkpoint/1, then "
        "chain, size, root, last, at and key, each `name value`, each ending with a new line."
    )
    signature: str = Field(description="Ed25519 signature of `statement`, base64 (64 bytes).")


class CheckpointsOut(Schema):
    format: Literal["accord.checkpoints/1"]
    public_key: PublicKeyOut | None = Field(
        description="The key that signs checkpoints; null until the first is signed."
    )
    count: int = Field(ge=0, description="How many checkpoints are on this page.")
    checkpoints: list[CheckpointOut] = Field(description="Newest first.")
    next: str | None = Field(description="The address of the next page, or null at the end.")


@router.get(
    "",
    operation_id="listCheckpoints",
    auth=None,
    response={200: CheckpointsOut, 422: InvalidQuery},
    summary="Signed checkpoints of the logs",
    description="The signed checkpoints of Accord's audit log and disclosure log, newest first, "
    "with the public key that checks them. No token is needed. Keep them: `accord "
    "verify-audit --checkpoints FILE` later shows whether the logs still match.",
    openapi_extra={
        "responses": {
            200: {"description": "A page of checkpoints and the public key."},
            422: {"description": "`chain`, `before` or `limit` is not valid."},
        }
    },
)
def checkpoints(
    request: HttpRequest,
    chain: Literal["audit", "disclosure"] | None = Query(None, description="Only this log."),
    before: int | None = Query(
        None, ge=1, le=2**63 - 1, description="Only checkpoints with a smaller `id`."
    ),
    limit: int = Query(100, ge=1, le=MAX_LIMIT, description="At most this many."),
) -> HttpResponse:
    rows = checkpoints_recent(chain=chain, before=before, limit=limit + 1)
    page, more = rows[:limit], len(rows) > limit
    public_key = keys.verifying_key()
    following = None
    if more:
        query = {"before": page[-1].id, "limit": limit} | ({"chain": chain} if chain else {})
        following = request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
    body = {
        "format": FORMAT,
        "public_key": {
            "algorithm": "Ed25519",
            "key_id": key_id(public_key),
            "raw": keys.public_raw(public_key),
            "pem": keys.public_pem(public_key),
        }
        if public_key
        else None,
        "count": len(page),
        "checkpoints": [{"id": row.id, **keys.as_data(signed_of(row))} for row in page],
        "next": following,
    }
    response = HttpResponse(orjson.dumps(body), content_type="application/json")
    response["Cache-Control"] = CACHE_CONTROL
    return response
