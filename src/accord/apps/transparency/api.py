"""The public transparency register as JSON: /api/v1/transparency/ and /api/v1/transparency/{reference}.

Access: public, no token (auth=None on each operation), because it holds only what every party
agreed to publish. What is published is decided by `selectors.published` on every request, so an
agreement that is not live, or lacks a party's consent, is absent from the list and answers 404.
Mounted on the exchange API (`accord.apps.exchange.api`), so /api/openapi.json describes it.
"""

from __future__ import annotations

from typing import Final, Literal

import orjson
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema
from ninja.params.functions import Query
from pydantic import Field

from accord.apps.transparency import selectors
from accord.core.transparency import FORMAT, as_data

# Caches may keep a copy but must ask again each time: consent can be withdrawn at any moment.
CACHE_CONTROL: Final = "no-cache"

router = Router(tags=["Transparency register"])


class ProvisionOut(Schema):
    label: str
    url: str = Field(
        description="The provision on legislation.gov.uk (or ico.org.uk); may be empty."
    )


class PartyLawOut(Schema):
    party: str
    lawful_bases: list[ProvisionOut] = Field(description="UK GDPR Art 6 (or DPA 2018 Part 3).")
    conditions: list[ProvisionOut] = Field(
        description="Art 9 and DPA 2018 Schedule 1 conditions for special category data, and "
        "Art 10 conditions for criminal offence data."
    )
    gateways: list[ProvisionOut] = Field(description="Statutory gateways relied on.")


class DataGroupOut(Schema):
    category: str
    items: list[str]


class RetentionOut(Schema):
    months: int = Field(description="The longest the data is kept.")
    end_action: Literal["delete", "return"] = Field(description="What happens to it then.")


class SummaryOut(Schema):
    format: Literal["accord.transparency/1"]
    reference: str
    title: str
    version: int = Field(description="The signed version summarised.")
    content_hash: str = Field(description="SHA-256 of that version's canonical JSON.")
    url: str = Field(description="The summary's page in the register.")
    parties: list[str] = Field(description="Every party, as organisations.")
    disclosing: list[str]
    receiving: list[str]
    who: str = Field(description="Who shares what with whom, in one sentence.")
    data: list[DataGroupOut]
    subjects: list[str] = Field(description="Whom the data is about.")
    purposes: list[str]
    why: str
    purpose_text: str = Field(description="The first paragraph of the agreed purpose.")
    law: list[PartyLawOut] = Field(description="The law each party relies on.")
    retention: RetentionOut | None
    how_long: str
    contact: str = Field(description="The single point of contact for people's requests.")
    whom_to_ask: str
    review_on: str | None = Field(description="When the sharing is next reviewed (ISO date).")
    privacy_notice: str = Field(
        description="Wording each party can paste into its own privacy notice."
    )


class RegisterOut(Schema):
    count: int
    agreements: list[SummaryOut]


class NotPublished(Schema):
    error: Literal["not_found"]
    detail: str


class QueryProblem(Schema):
    loc: list[str | int] = Field(description="Where: query, then the parameter.")
    msg: str


class InvalidQuery(Schema):
    error: Literal["invalid_request"]
    detail: list[QueryProblem]


def _json(request: HttpRequest, entries: list[selectors.Entry] | selectors.Entry) -> HttpResponse:
    def one(entry: selectors.Entry) -> dict[str, object]:
        data = as_data(entry.summary)
        url = request.build_absolute_uri(
            reverse("transparency:summary", args=[entry.agreement.reference])
        )
        return {**data, "url": url}

    body = (
        one(entries)
        if isinstance(entries, selectors.Entry)
        else {"count": len(entries), "agreements": [one(e) for e in entries]}
    )
    response = HttpResponse(orjson.dumps(body), content_type="application/json")
    response["Cache-Control"] = CACHE_CONTROL
    return response


@router.get(
    "/",
    operation_id="listTransparencyRegister",
    auth=None,
    response={200: RegisterOut, 422: InvalidQuery},
    summary="The public register",
    description=f"Every agreement published today ({FORMAT}): live, and every party has agreed "
    "to publish it. No token is needed. Give `organisation` to keep only agreements with a "
    "party whose name contains it.",
    openapi_extra={
        "responses": {
            200: {"description": "The published agreements, by reference, with their summaries."},
            422: {
                "description": "`organisation` is longer than 200 characters, or there are "
                "too many query parameters."
            },
        }
    },
)
def register(
    request: HttpRequest,
    organisation: str = Query(
        "", max_length=200, description="All or part of an organisation's name."
    ),
) -> HttpResponse:
    return _json(request, selectors.published(organisation=organisation))


@router.get(
    "/{reference}",
    operation_id="getTransparencySummary",
    auth=None,
    response={200: SummaryOut, 404: NotPublished},
    summary="One published agreement",
    description="The plain-English summary of one published agreement. No token is needed.",
    openapi_extra={
        "responses": {
            200: {"description": "The summary."},
            404: {
                "description": "No agreement with this reference is published: it may not "
                "exist, not be live, or not every party has agreed to publish it."
            },
        }
    },
)
def summary(request: HttpRequest, reference: str) -> HttpResponse:
    # Http404 becomes {"error": "not_found", ...} through the exchange API's handler.
    if "\x00" in reference:  # no reference has one, and PostgreSQL cannot even compare it
        raise Http404("No agreement with this reference is published in the register.")
    return _json(request, selectors.published_get(reference=reference))
