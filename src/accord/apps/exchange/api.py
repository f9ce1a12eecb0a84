"""The system-to-system API under /api/v1/: tokens, the agreement, records and the match service.

Access: the token endpoint authenticates a client by its id and secret; every other operation
needs a bearer token from it (never a session cookie, so no CSRF either). Each disclosure goes
through `services.disclose`, which decides against the signed terms, fetches only what was
allowed and logs it, refusals included. A refusal answers 403 naming the clause it broke.

/api/openapi.json describes it all (OpenAPI 3.1); /api/docs is our own page generated from it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated, Any, Final, Literal
from urllib.parse import unquote_plus, urlencode

import orjson
import pydantic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.params.functions import Query
from ninja.security import HttpBearer
from pydantic import Field, StringConstraints

from accord.apps.audit.correlation import correlation_id
from accord.apps.exchange import credentials, selectors, services, store
from accord.apps.exchange.models import ApiClient, Channel, Dataset
from accord.apps.exchange.sources import SourceUnavailable
from accord.core.exchange.decision import DisclosureRequest, Reason, closures
from accord.core.exchange.pseudonyms import pseudonym
from accord.core.exchange.terms import Clause
from accord.web.errors import database_unavailable

logger = logging.getLogger(__name__)

MAX_PAGE: Final = 100_000
MAX_OFFSET: Final = 2**62  # far beyond any dataset, and within every database's integers
MAX_PSEUDONYMS: Final = 10_000
NORMALISATION: Final = "remove all whitespace, then lower-case (Unicode casefold)"
CONTENT_TYPES: Final = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
NO_STORE: Final = "no-store"
NO_NUL: Final = r"^[^\x00]*$"  # no name holds a NUL byte, and PostgreSQL cannot store one


# --- Schemas: what goes in and out, as the OpenAPI description shows it ------------------------


class TokenOut(Schema):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds until the token expires.")


class OAuthError(Schema):
    error: Literal["invalid_request", "invalid_client", "unsupported_grant_type"]
    error_description: str


class Problem(Schema):
    error: str = Field(description="A code: unauthorized, invalid_token or not_found.")
    detail: str = Field(description="What is wrong, in words.")


class ClauseOut(Schema):
    number: int = Field(description="The clause number in the signed agreement.")
    title: str
    key: str


class ReasonOut(Schema):
    text: str
    clause: ClauseOut


class Refused(Schema):
    error: Literal["refused"]
    reason: str = Field(description="The first reason the request is outside the terms.")
    clause: ClauseOut = Field(description="The clause that reason rests on.")
    reasons: list[ReasonOut] = Field(description="Every reason, in the order to put them right.")
    disclosure: int = Field(description="The entry in the disclosure log recording the refusal.")


class Stopped(Schema):
    """The last line of an NDJSON stream that was cut short by a refusal."""

    error: Literal["stopped"]
    reason: str
    clause: ClauseOut
    offset: int = Field(description="Resume with this offset once the cause is put right.")
    sent: int = Field(description="How many records this response delivered before it stopped.")


class ProblemDetail(Schema):
    loc: list[str | int] = Field(description="Where: query, path or body, then the field.")
    msg: str


class Invalid(Schema):
    error: Literal["invalid_request"]
    detail: list[ProblemDetail]


class ChannelOut(Schema):
    open: bool
    reasons: list[ReasonOut] = Field(description="Why it is closed; empty when open.")


class VolumeOut(Schema):
    limit: int | None = Field(description="Records per period; null when none was agreed.")
    per: str | None = Field(description="day, week or month.")
    used: int = Field(description="Records your organisation has received this period.")
    period_start: str | None


class FieldOut(Schema):
    name: str = Field(description="The field name to use in `fields=`.")
    data_item: str = Field(description="The agreed data item the provider mapped it to.")


class DatasetOut(Schema):
    id: int
    name: str
    provider: str
    rows: int
    fields: list[FieldOut]
    match: bool = Field(description="Whether the dataset answers the match service.")


class AgreementOut(Schema):
    reference: str
    version: int
    content_hash: str = Field(description="SHA-256 of the signed version's canonical JSON.")
    status: str
    organisation: str = Field(description="Your organisation, which receives.")
    receives: bool = Field(description="Whether your organisation is a receiving party.")
    channel: ChannelOut
    purposes: list[str]
    volume: VolumeOut
    datasets: list[DatasetOut]


Pseudonym = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]


class MatchIn(Schema):
    pseudonyms: list[Pseudonym] = Field(
        max_length=MAX_PSEUDONYMS,
        description="HMAC-SHA-256 pseudonyms of the identifiers, as 64 hexadecimal characters.",
    )


class MatchOut(Schema):
    known: list[str] = Field(description="The pseudonyms of people known to the provider.")
    answered: int = Field(
        description="How many of the pseudonyms asked about were answered: all of them, unless "
        "the volume limit left fewer (each counts as one record)."
    )


class MatchKeyOut(Schema):
    algorithm: Literal["HMAC-SHA-256"]
    key: str = Field(description="The agreement's match key, base64.")
    normalisation: str
    output: str


# --- The API, its authentication and its errors -------------------------------------------------


class ClientToken(HttpBearer):
    """A bearer token from POST /api/v1/oauth/token. Only the Authorization header counts."""

    openapi_bearerFormat = "opaque"  # the OpenAPI name, read by ninja
    openapi_description = "An access token from POST /api/v1/oauth/token (client credentials)."

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        return credentials.client_for_token(token.strip())


class AccordApi(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["servers"] = [{"url": settings.ACCORD_BASE_URL}]
        # Stopped is no response of its own, only a stream's last line: ninja cannot see it.
        stopped = Stopped.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in {**stopped.pop("$defs", {}), "Stopped": stopped}.items():
            schema["components"]["schemas"].setdefault(name, definition)
        token_url = next(p for p in schema["paths"] if p.endswith("/oauth/token"))
        schema["components"].setdefault("securitySchemes", {})["OAuth2"] = {
            "type": "oauth2",
            "description": "The client-credentials grant (RFC 6749 §4.4) issues the bearer token.",
            "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": {}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.get("security"):
                    operation["security"] = [{"ClientToken": []}, {"OAuth2": []}]
                words = {
                    **_RESPONSE_WORDS,
                    **_OPERATION_WORDS.get(operation.get("operationId", ""), {}),
                }
                for status, response in operation["responses"].items():
                    if status in words and response["description"] in _GENERIC:
                        response["description"] = words[status]
                # Any operation can meet a database that is down (accord.web.errors).
                operation["responses"].setdefault(
                    503,
                    {
                        "description": _DATABASE_DOWN,
                        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                        },
                    },
                )
        return schema


_DATABASE_DOWN: Final = (
    "Accord's database cannot be reached just now: nothing was changed. Try again after "
    "Retry-After seconds."
)


# ninja describes every response by its status alone; these say what each means here.
_GENERIC: Final = frozenset(
    {
        "OK",
        "Bad Request",
        "Unauthorized",
        "Forbidden",
        "Not Found",
        "Request Entity Too Large",
        "Unprocessable Entity",
        "Service Unavailable",
    }
)
_RESPONSE_WORDS: Final = {
    200: "Done.",
    401: "No access token, or one that is unknown or has expired: the WWW-Authenticate header "
    "says which. Get a new token.",
    403: "Refused: outside the agreement's terms. The body names the clause of the signed "
    "agreement, and the refusal is in the disclosure log.",
    404: "There is no dataset with this id under the client's agreement.",
    413: "The request body is too large.",
    503: "The provider's data source cannot be reached just now: nothing was sent or logged. "
    "Try again later (Retry-After).",
    422: "The request is malformed: `detail` says what is wrong and where (query, path or body).",
}
_OPERATION_WORDS: Final = {
    "getToken": {
        200: "The access token. Not to be cached (Cache-Control: no-store).",
        400: "invalid_request (a parameter is missing, repeated or malformed, or credentials "
        "were sent two ways, or the body is too large) or unsupported_grant_type (RFC 6749 "
        "§5.2).",
        401: "invalid_client: an unknown client id, a wrong or expired secret, or a revoked "
        "client.",
    },
    "getMatchKey": {200: "The key and how to use it. Not to be cached."},
    "matchPseudonyms": {
        200: "The pseudonyms of the people the provider knows, in the order sent.",
        404: "There is no dataset with this id under the client's agreement, or it has no "
        "identifier column to match on.",
    },
}


DESCRIPTION = """\
Accord's exchange API lets a receiving party's systems pull what a live data sharing agreement
allows, and nothing else. Every request is decided against the signed terms and written to the
agreement's disclosure log, refusals included. A request outside the terms is answered 403 with
the clause of the agreement it breaks.

Streams: without `limit`, records come as one response that Accord fills page by page, each page
decided and logged on its own, so suspension, termination, revocation or lapsed security evidence
stops a stream at the next page. An NDJSON stream that is stopped ends with one line
`{"error": "stopped", "reason": ..., "clause": {...}, "offset": N, "sent": n}`: ask again with
`offset=N` once the cause is put right. A CSV stream that is stopped is cut off (the HTTP response
ends without its final chunk, so your client sees an incomplete transfer): resume with `offset=`
the number of data rows you received. With `limit`, you get one page and the
`Accord-Next-Offset` and `Link: rel="next"` headers when there may be more.
"""

api = AccordApi(
    title="Accord exchange API",
    version="1",
    description=DESCRIPTION,
    docs_url=None,  # our own accessible page at /api/docs replaces Swagger UI
    openapi_url="/openapi.json",
    urls_namespace="api",
)
bearer = ClientToken()


def _json(data: Any, status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(orjson.dumps(data), status=status, content_type="application/json")
    response["Cache-Control"] = NO_STORE
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # RFC 6750 §3: no credentials gets the bare challenge; a bad token is named invalid_token.
    given = request.headers.get("Authorization", "")
    if given.lower().startswith("bearer "):
        return _json(
            {
                "error": "invalid_token",
                "detail": "The access token is unknown or has expired: get a new one.",
            },
            401,
            WWW_Authenticate='Bearer realm="Accord", error="invalid_token"',
        )
    return _json(
        {
            "error": "unauthorized",
            "detail": "Send an access token in the Authorization header: Bearer <token>.",
        },
        401,
        WWW_Authenticate='Bearer realm="Accord"',
    )


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _json(
        {
            "error": "invalid_request",
            "detail": [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors
            ],
        },
        422,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json({"error": "not_found", "detail": str(exc) or "Not found."}, 404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _json({"error": "error", "detail": exc.message}, exc.status_code)


@api.exception_handler(SourceUnavailable)
def _source_unavailable(request: HttpRequest, exc: SourceUnavailable) -> HttpResponse:
    # Nothing was sent and nothing logged: the transaction that would have logged it rolled back.
    return _json({"error": "unavailable", "detail": exc.message}, 503, Retry_After="60")


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database stopped or unreachable: 503 and Retry-After, as for the rest of the site.
    return database_unavailable(request, exc)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _json({"error": "too_large", "detail": "The request body is too large."}, 413)


@api.exception_handler(SuspiciousOperation)
def _malformed(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django answers these 400 outside the API (too many query parameters, say); here they are
    # malformed requests like any other, not server errors. Logged where Django logs them.
    logging.getLogger(f"django.security.{type(exc).__name__}").error(str(exc))
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        problem = {"loc": ["query"], "msg": f"Send at most {limit:,} query parameters."}
    else:
        problem = {"loc": [], "msg": "The request is malformed."}
    return _json({"error": "invalid_request", "detail": [problem]}, 422)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request failed", exc_info=exc)
    return _json(
        {"error": "server_error", "detail": "Something went wrong in Accord. It has been logged."},
        500,
    )


_ERRORS: dict[int, Any] = {
    401: Problem,
    403: Refused,
    404: Problem,
    422: Invalid,
    503: Problem,
}


# --- Helpers ---------------------------------------------------------------------------------


def _client(request: HttpRequest) -> ApiClient:
    client = getattr(request, "auth", None)
    assert isinstance(client, ApiClient)
    return client


def _credential(client: ApiClient) -> str:
    return "revoked" if client.revoked_at is not None else "active"


def _clause(clause: Clause) -> dict[str, Any]:
    return {"number": clause.number, "title": clause.title, "key": clause.key}


def _reason(reason: Reason) -> dict[str, Any]:
    return {"text": reason.text, "clause": _clause(reason.clause)}


def _refused(disclosure: services.Disclosure) -> HttpResponse:
    decision = disclosure.decision
    return _json(
        {
            "error": "refused",
            "reason": decision.first.text,
            "clause": _clause(decision.first.clause),
            "reasons": [_reason(r) for r in decision.reasons],
            "disclosure": disclosure.entry.sequence,
        },
        403,
    )


def _refuse_revoked(client: ApiClient) -> HttpResponse:
    """A revoked client's token answers 403 naming the clause, and the attempt is logged."""
    disclosure = services.disclose(
        agreement_id=client.agreement_id,
        request=DisclosureRequest(
            kind="records", party=str(client.organisation_id), credential="revoked"
        ),
        party=client.organisation,
        client=client,
    )
    return _refused(disclosure)


def _dataset(client: ApiClient, dataset_id: int) -> Dataset:
    dataset = (
        Dataset.objects.select_related("provider")
        .prefetch_related("columns")
        .filter(pk=dataset_id, agreement_id=client.agreement_id)
        .first()
    )
    if dataset is None:
        raise Http404("There is no dataset with this id under your agreement.")
    return dataset


def _invalid_body(loc: list[str | int], msg: str) -> HttpResponse:
    return _json({"error": "invalid_request", "detail": [{"loc": loc, "msg": msg}]}, 422)


# --- Token endpoint (RFC 6749 §4.4, errors as §5.2) --------------------------------------------


def _oauth_error(status: int, error: str, description: str, *, basic: bool = False) -> HttpResponse:
    response = _json({"error": error, "error_description": description}, status, Pragma="no-cache")
    if status == 401 and basic:  # RFC 6749 §5.2: answer a failed Basic login with its challenge
        response["WWW-Authenticate"] = 'Basic realm="Accord"'
    return response


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """client_id and client_secret from an HTTP Basic header (each form-URL-encoded, §2.3.1)."""
    try:
        decoded = base64.b64decode(header.split(" ", 1)[1].strip(), validate=True).decode()
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if ":" not in decoded:
        return None
    client_id, secret = decoded.split(":", 1)
    return unquote_plus(client_id), unquote_plus(secret)


# RFC 6749 Appendix A: a client id and a secret are printable ASCII (VSCHAR), nothing else.
VSCHARS: Final = r"^[\x20-\x7E]*$"

_TOKEN_FORM = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {
            "type": "string",
            "pattern": VSCHARS,
            "description": "If not sent with HTTP Basic.",
        },
        "client_secret": {
            "type": "string",
            "pattern": VSCHARS,
            "description": "If not sent with HTTP Basic.",
        },
    },
}


@api.post(
    "/v1/oauth/token",
    operation_id="getToken",
    auth=None,
    response={200: TokenOut, 400: OAuthError, 401: OAuthError},
    summary="Get an access token",
    description="The OAuth 2.0 client-credentials grant (RFC 6749 §4.4). Authenticate with HTTP "
    "Basic (client id and secret) or with client_id and client_secret form fields, not both. "
    "The token is valid for `expires_in` seconds. Errors follow RFC 6749 §5.2.",
    tags=["Authentication"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _TOKEN_FORM}},
        }
    },
)
def token(request: HttpRequest) -> HttpResponse:
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error(
            400,
            "invalid_request",
            "Send the parameters form-encoded (application/x-www-form-urlencoded).",
        )
    try:
        form = request.POST
    except SuspiciousOperation:  # too many fields, or a body too large to read
        return _oauth_error(
            400, "invalid_request", "Too much: send grant_type, client_id and client_secret only."
        )
    repeated = sorted(k for k in form if len(form.getlist(k)) > 1)
    if repeated:
        return _oauth_error(
            400, "invalid_request", f"Send each parameter once: {', '.join(repeated)}."
        )
    grant_type = form.get("grant_type", "")
    if not grant_type:
        return _oauth_error(400, "invalid_request", "The grant_type parameter is missing.")
    if grant_type != "client_credentials":
        return _oauth_error(
            400, "unsupported_grant_type", "Only the client_credentials grant is supported."
        )
    header = request.headers.get("Authorization", "")
    basic = header.lower().startswith("basic ")
    if header and not basic:
        return _oauth_error(
            400, "invalid_request", "Authenticate with HTTP Basic or with form fields."
        )
    if basic:
        if "client_secret" in form:
            return _oauth_error(
                400,
                "invalid_request",
                "Authenticate one way only: HTTP Basic or the client_secret form field.",
            )
        pair = _basic_credentials(header)
        if pair is None:
            return _oauth_error(
                401, "invalid_client", "The Basic credentials cannot be read.", basic=True
            )
        client_id, secret = pair
        if form.get("client_id", client_id) != client_id:
            return _oauth_error(
                400, "invalid_request", "The client_id field differs from the Basic credentials."
            )
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not secret:
            return _oauth_error(
                400, "invalid_request", "Send client_id and client_secret, or use HTTP Basic."
            )
    printable = re.fullmatch(VSCHARS, client_id) and re.fullmatch(VSCHARS, secret)
    # No client has an id or secret outside VSCHAR: answered as unknown without asking the
    # database, which may not even compare it (PostgreSQL refuses a NUL byte in text).
    client = credentials.client_authenticate(client_id, secret) if printable else None
    if client is None:
        # The same answer for an unknown id, a wrong or expired secret and a revoked client.
        return _oauth_error(
            401,
            "invalid_client",
            "The client id or secret is wrong, the secret has expired, or the client was revoked.",
            basic=basic,
        )
    access_token, lifetime = credentials.token_issue(client)
    return _json(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime},
        Pragma="no-cache",
    )


# --- What this client may do -----------------------------------------------------------------


@api.get(
    "/v1/agreement",
    operation_id="getAgreement",
    auth=bearer,
    response={200: AgreementOut, 401: Problem, 403: Refused},
    summary="What this client may do",
    description="The agreement the client works under: its version, whether the channel is open "
    "(and why not), the purposes, the volume limit and what has been used this period, and the "
    "datasets the client may pull from with the fields it may ask for.",
    tags=["Agreement"],
)
def agreement(request: HttpRequest) -> HttpResponse:
    client = _client(request)
    if client.revoked_at is not None:
        return _refuse_revoked(client)
    current = client.agreement
    today = timezone.localdate()
    terms = selectors.terms_of(current)
    facts = selectors.channel_facts(current, today=today, party=client.organisation)
    party = terms.party(str(client.organisation_id))
    receives = bool(party and party.receives)
    datasets = []
    if receives:
        for dataset in (
            current.datasets.exclude(provider_id=client.organisation_id)
            .select_related("provider")
            .prefetch_related("columns")
        ):
            fields = [
                {"name": c.name, "data_item": c.data_item}
                for c in dataset.columns.all()
                if c.data_item and c.data_item in terms.data_items
            ]
            if fields:
                key = next((c for c in dataset.columns.all() if c.name == dataset.key_column), None)
                datasets.append(
                    {
                        "id": dataset.pk,
                        "name": dataset.name,
                        "provider": dataset.provider.name,
                        "rows": dataset.row_count,
                        "fields": fields,
                        "match": bool(key and key.data_item in terms.data_items),
                    }
                )
    limit = terms.limit
    shut = closures(terms, facts, today)
    return _json(
        {
            "reference": terms.reference or current.reference,
            "version": terms.version,
            "content_hash": terms.content_hash,
            "status": current.status,
            "organisation": client.organisation.name,
            "receives": receives,
            "channel": {
                "open": not shut,
                "reasons": [_reason(r) for r in shut],
            },
            "purposes": list(terms.purposes),
            "volume": {
                "limit": limit.records if limit else None,
                "per": limit.per if limit else None,
                "used": facts.used,
                "period_start": limit.period_start(today).isoformat() if limit else None,
            },
            "datasets": datasets,
        }
    )


# --- Records -----------------------------------------------------------------------------------


class StreamStopped(Exception):
    """Raised inside a CSV stream a refusal cut short, so the transfer ends incomplete."""


def _pull(
    client: ApiClient,
    dataset: Dataset,
    request: DisclosureRequest,
    *,
    fmt: str,
    offset: int,
    rows: int,
) -> services.Disclosure:
    """One page through `disclose`: decided, fetched in SQL, counted and logged together."""

    def fetch(decision: Any) -> tuple[bytes, int]:
        return store.page(
            dataset,
            decision.fields,
            offset=offset,
            limit=decision.records,
            fmt=fmt,
            header=fmt == "csv" and offset == 0,
        )

    return services.disclose(
        agreement_id=client.agreement_id,
        request=replace(request, records=rows),
        party=client.organisation,
        fetch=fetch,
        client=client,
        dataset=dataset,
    )


def _more_after(dataset: Dataset, disclosure: services.Disclosure, offset: int) -> bool:
    """Whether rows may follow this page: it was full, and a loaded file has rows left."""
    if disclosure.count < disclosure.decision.records:
        return False
    return dataset.source != Dataset.UPLOAD or offset + disclosure.count < dataset.row_count


def _stream(
    client: ApiClient,
    dataset: Dataset,
    request: DisclosureRequest,
    *,
    fmt: str,
    offset: int,
    first: services.Disclosure,
) -> Iterator[bytes]:
    """Each page is its own disclosure, yielded as one chunk; a refusal ends the stream.

    Later pages ask for exactly the fields the first page was granted, so every record of a
    stream has the same fields (and a CSV keeps its header): a field unmapped mid-stream stops
    the stream instead of silently changing its shape.
    """
    request = replace(request, fields=first.decision.fields)
    start, page, rows = offset, first, settings.ACCORD_STREAM_PAGE_ROWS
    while True:
        if page.payload:
            yield page.payload
        if not _more_after(dataset, page, offset):
            return
        offset += page.count
        # The server runs this after the middleware has reset the request's id: each page's
        # log entry carries the id of the request that opened the stream all the same.
        token = correlation_id.set(first.entry.correlation_id)
        try:
            page = _pull(client, dataset, request, fmt=fmt, offset=offset, rows=rows)
        finally:
            correlation_id.reset(token)
        if not page.decision.allowed:
            first_reason = page.decision.first
            if fmt == "ndjson":
                yield (
                    orjson.dumps(
                        {
                            "error": "stopped",
                            "reason": first_reason.text,
                            "clause": _clause(first_reason.clause),
                            "offset": offset,
                            "sent": offset - start,
                        }
                    )
                    + b"\n"
                )
                return
            raise StreamStopped(
                f"Stopped at offset {offset}: {first_reason.text} ({first_reason.clause})"
            )


def _fields(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))


_RECORDS_200 = {
    "description": "The records, with only the fields asked for and agreed. NDJSON: one JSON "
    "object per line. CSV: a header row at offset 0 only, so resumed pages join up.",
    "headers": {
        "Accord-Next-Offset": {
            "description": "With `limit`: the offset of the next page, when there may be one.",
            "schema": {"type": "integer"},
        },
        "Link": {
            "description": 'With `limit`: the next page as rel="next".',
            "schema": {"type": "string"},
        },
        "Accord-Disclosure": {
            "description": "With `limit`: the disclosure log entry of this page.",
            "schema": {"type": "integer"},
        },
    },
    "content": {
        "application/x-ndjson": {
            "schema": {
                "description": "Each line: a record, each permitted field as text or null; "
                "a stream that was stopped ends with a Stopped line.",
                "anyOf": [
                    {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
                    {"$ref": "#/components/schemas/Stopped"},
                ],
            }
        },
        "text/csv": {"schema": {"type": "string"}},
    },
}


@api.get(
    "/v1/datasets/{dataset_id}/records",
    operation_id="pullRecords",
    auth=bearer,
    response={200: None, **_ERRORS},
    summary="Pull records",
    description="Records of one dataset, as NDJSON or CSV, with only the agreed fields (selected "
    "in the database: nothing else is read). Give `limit` for one page; leave it out to stream "
    "the rest of the dataset from `offset`. Fields not agreed, a purpose not agreed, a closed "
    "channel, a revoked client or the volume limit are refused with 403 naming the clause.",
    tags=["Records"],
    openapi_extra={"responses": {200: _RECORDS_200}},
)
def records(
    request: HttpRequest,
    dataset_id: int,
    fmt: Literal["ndjson", "csv"] = Query(
        "ndjson", alias="format", description="ndjson (the default) or csv."
    ),
    fields: str = Query(
        "",
        pattern=NO_NUL,
        description="Comma-separated field names; leave out for every agreed field.",
    ),
    offset: int = Query(
        0,
        ge=0,
        le=MAX_OFFSET,
        description="Skip this many records: where to start or resume.",
    ),
    limit: int | None = Query(
        None, ge=1, le=MAX_PAGE, description=f"One page of at most this many (1 to {MAX_PAGE:,})."
    ),
    purpose: str = Query(
        "", max_length=200, description="An agreed purpose; leave out for any agreed purpose."
    ),
) -> HttpResponse | StreamingHttpResponse:
    client = _client(request)
    dataset = _dataset(client, dataset_id)
    ask = DisclosureRequest(
        kind="records",
        party=str(client.organisation_id),
        dataset=selectors.dataset_terms(dataset),
        fields=_fields(fields),
        purpose=purpose.strip(),
        credential=_credential(client),
    )
    rows = limit or settings.ACCORD_STREAM_PAGE_ROWS
    first = _pull(client, dataset, ask, fmt=fmt, offset=offset, rows=rows)
    if not first.decision.allowed:
        return _refused(first)
    response: HttpResponse | StreamingHttpResponse
    if limit is not None:
        response = HttpResponse(first.payload, content_type=CONTENT_TYPES[fmt])
        response["Accord-Disclosure"] = str(first.entry.sequence)
        if _more_after(dataset, first, offset):
            following = offset + first.count
            query = urlencode({**request.GET.dict(), "offset": following})
            response["Accord-Next-Offset"] = str(following)
            response["Link"] = f'<{request.path}?{query}>; rel="next"'
    else:
        response = StreamingHttpResponse(
            _stream(client, dataset, ask, fmt=fmt, offset=offset, first=first),
            content_type=CONTENT_TYPES[fmt],
        )
        response["X-Accel-Buffering"] = "no"  # let each page through a proxy as it comes
    response["Cache-Control"] = NO_STORE
    return response


# --- Matching by keyed-hash pseudonyms ---------------------------------------------------------


@api.get(
    "/v1/match-key",
    operation_id="getMatchKey",
    auth=bearer,
    response={200: MatchKeyOut, 401: Problem, 403: Refused},
    summary="The match key",
    description="The agreement's HMAC-SHA-256 key for pseudonyms, while the channel is open. "
    "Compute each pseudonym as HMAC-SHA-256(key, normalised identifier) in lower-case hex, "
    f"where normalised means: {NORMALISATION}. Each issue of the key is logged.",
    tags=["Match"],
)
def match_key(request: HttpRequest) -> HttpResponse:
    client = _client(request)

    def fetch(decision: Any) -> tuple[bytes, int]:
        channel = Channel.objects.get(agreement_id=client.agreement_id)
        answer = {
            "algorithm": "HMAC-SHA-256",
            "key": base64.b64encode(bytes(channel.match_key)).decode(),
            "normalisation": NORMALISATION,
            "output": "lower-case hexadecimal (64 characters)",
        }
        return orjson.dumps(answer), 0

    disclosure = services.disclose(
        agreement_id=client.agreement_id,
        request=DisclosureRequest(
            kind="match", party=str(client.organisation_id), credential=_credential(client)
        ),
        party=client.organisation,
        fetch=fetch,
        client=client,
        counts=False,
    )
    if not disclosure.decision.allowed:
        return _refused(disclosure)
    return _json(orjson.loads(disclosure.payload))


def _known(client: ApiClient, dataset: Dataset, wanted: set[str]) -> set[str]:
    """Which of the wanted pseudonyms the dataset holds. Nothing leaves here: `match` sends
    the answer only if the decision allows it.

    Pseudonyms are computed afresh on every call and never stored, so no table of them can leak
    or be linked. The cost is one HMAC per row (about a second per million rows), paid before
    the agreement's lock is taken so that pulls are not held up meanwhile.
    """
    channel = Channel.objects.filter(agreement_id=client.agreement_id).first()
    if channel is None or not dataset.key_column:
        return set()
    key = bytes(channel.match_key)
    return {p for p in (pseudonym(key, i) for i in store.identifiers(dataset)) if p in wanted}


@api.post(
    "/v1/datasets/{dataset_id}/match",
    operation_id="matchPseudonyms",
    auth=bearer,
    response={200: MatchOut, **_ERRORS, 413: Problem},
    summary="Is this person known to you?",
    description="Send pseudonyms (never identifiers); the answer lists those the provider knows. "
    f"At most {MAX_PSEUDONYMS:,} per request. The dataset's identifier column must be an agreed "
    "data item. Each person asked about counts as one record against the volume limit, and each match is logged with how many were answered.",
    tags=["Match"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": MatchIn.model_json_schema()}},
        }
    },
)
def match(request: HttpRequest, dataset_id: int) -> HttpResponse:
    client = _client(request)
    dataset = _dataset(client, dataset_id)
    if request.content_type != "application/json":
        return _invalid_body(["body"], "Send the body as application/json.")
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError as error:
        return _invalid_body(["body"], f"The body is not valid JSON: {error}.")
    if not isinstance(body, dict):
        return _invalid_body(["body"], 'Send a JSON object: {"pseudonyms": [...]}.')
    try:
        asked = MatchIn.model_validate(body)
    except pydantic.ValidationError as error:
        problems = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)
        ]
        return _json({"error": "invalid_request", "detail": problems}, 422)
    if not dataset.key_column:
        raise Http404("This dataset has no identifier column, so it cannot answer matches.")
    wanted = list(dict.fromkeys(p.lower() for p in asked.pseudonyms))
    found = _known(client, dataset, set(wanted))

    def fetch(decision: Any) -> tuple[bytes, int]:
        # Each person asked about counts against the volume limit, known or not; the decision
        # may grant fewer answers than were asked for, never more.
        answered = wanted[: decision.records]
        known = [p for p in answered if p in found]
        return orjson.dumps({"known": known, "answered": len(answered)}), len(answered)

    disclosure = services.disclose(
        agreement_id=client.agreement_id,
        request=DisclosureRequest(
            kind="match",
            party=str(client.organisation_id),
            dataset=selectors.dataset_terms(dataset),
            fields=(dataset.key_column,),
            records=len(wanted),
            credential=_credential(client),
        ),
        party=client.organisation,
        fetch=fetch,
        client=client,
        dataset=dataset,
    )
    if not disclosure.decision.allowed:
        return _refused(disclosure)
    response = HttpResponse(disclosure.payload, content_type="application/json")
    response["Cache-Control"] = NO_STORE
    return response


# --- The documentation page --------------------------------------------------------------------


def _prose(text: str) -> list[list[tuple[str, bool]]]:
    """Paragraphs of (text, is code) pieces: `backticks` mark code, as in the description."""
    return [
        [(piece, i % 2 == 1) for i, piece in enumerate(" ".join(p.split()).split("`")) if piece]
        for p in text.split("\n\n")
        if p.strip()
    ]


def _type_name(schema: dict[str, Any]) -> str:
    """A schema as a reader would say it: "integer", "list of string", "Refused"."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    for combined in ("anyOf", "oneOf"):
        if combined in schema:
            return " or ".join(_type_name(s) for s in schema[combined])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return "list of " + _type_name(schema.get("items", {}))
    if kind == "object" and "additionalProperties" in schema:
        return "object of " + _type_name(schema["additionalProperties"])
    return str(kind)


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            found.append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": _prose(op.get("description", "")),
                    "secured": bool(op.get("security")),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p["in"],
                            "required": p.get("required", False),
                            "type": _type_name(p.get("schema", {})),
                            "description": p.get("description", "")
                            or p.get("schema", {}).get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [
                        {"type": media, "schema": _type_name(c.get("schema", {}))}
                        for media, c in body.items()
                    ],
                    "responses": [
                        {
                            "status": status,
                            "description": _prose(r.get("description", "")),
                            "content": [
                                f"{media}: {_type_name(c.get('schema', {}))}"
                                for media, c in r.get("content", {}).items()
                            ],
                        }
                        for status, r in sorted(op.get("responses", {}).items())
                    ],
                }
            )
    return found


def _schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    result = []
    for name, definition in sorted(schema["components"].get("schemas", {}).items()):
        required = set(definition.get("required", []))
        result.append(
            {
                "name": name,
                "description": definition.get("description", ""),
                "properties": [
                    {
                        "name": prop,
                        "type": _type_name(spec),
                        "required": prop in required,
                        "description": spec.get("description", ""),
                    }
                    for prop, spec in definition.get("properties", {}).items()
                ],
            }
        )
    return result


@require_GET
def docs_page(request: HttpRequest) -> HttpResponse:
    """Public, like the OpenAPI description it is made from: it holds no one's data."""
    schema = api.get_openapi_schema()
    token_path = next(p for p in schema["paths"] if p.endswith("/oauth/token"))
    root = token_path.removesuffix("v1/oauth/token")
    return render(
        request,
        "exchange/api_docs.html",
        {
            "info": schema["info"],
            "intro": _prose(schema["info"]["description"]),
            "operations": _operations(schema),
            "schemas": _schemas(schema),
            "base_url": settings.ACCORD_BASE_URL,
            "root": root,
            "openapi_path": f"{root}openapi.json",
            "token_seconds": settings.ACCORD_TOKEN_SECONDS,
            "page_rows": f"{settings.ACCORD_STREAM_PAGE_ROWS:,}",
            "normalisation": NORMALISATION,
            "max_page": f"{MAX_PAGE:,}",
        },
    )


# Checkpoints first: the register's /{reference} would otherwise take "checkpoints" for one.
api.add_router("/v1/transparency/checkpoints", "accord.apps.transparency.checkpoints_api.router")
api.add_router("/v1/transparency", "accord.apps.transparency.api.router")  # public, no token
