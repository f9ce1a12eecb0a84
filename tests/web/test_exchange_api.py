"""The exchange API as a partner's system uses it: tokens, records, streams, refusals, matching.

Everything runs for real: a two-party agreement signed and taken live through the services, a
dataset loaded into its own table, tokens from the token endpoint, and the disclosure log.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from accord.apps.exchange import credentials, store
from accord.apps.exchange import services as exchange
from accord.apps.exchange.api import StreamStopped
from accord.apps.exchange.models import (
    AccessToken,
    ApiClient,
    ClientSecret,
    Dataset,
    DatasetColumn,
    DisclosureEntry,
    VolumeUsage,
)
from accord.core.exchange.terms import clause
from tests.web.agreement_helpers import SCHOOL
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement, signed_agreement

pytestmark = pytest.mark.django_db

HEADERS = ["Name", "DOB", "UPN", "Attendance", "Free school meals"]
# "Free school meals" is in the school's file but is no agreed data item: it is never shared.
MAPPING = {
    "Name": "name",
    "DOB": "date of birth",
    "UPN": "unique pupil number",
    "Attendance": "attendance percentage",
    "Free school meals": "",
}
AGREED = ["Name", "DOB", "UPN", "Attendance"]
ROWS = 25


# --- A live agreement, a dataset and a partner system ------------------------------------------


def agreement_with(
    *, limit: int | None = None, end_on: dt.date | None = None, live: bool = True
) -> Sharing:
    """A signed (by default live) agreement whose terms were varied before anyone signed:
    a lower volume limit, or an end date."""
    values: dict[str, dict[str, Any]] = {}
    if limit is not None:
        values["limits"] = {"records": limit, "per": "day"}
    if end_on is not None:
        values["term"] = {
            "start_on": timezone.localdate().isoformat(),
            "end_on": end_on.isoformat(),
        }
    return (live_agreement if live else signed_agreement)(values=values)


def pupil(i: int) -> list[str]:
    return [
        f"Pupil {i:02d}",
        f"2015-03-{i:02d}",
        f"A{i:012d}",
        f"{70 + i}.5",
        f"FSM-SECRET-{i:02d}",
    ]


def pupils_dataset(sharing: Sharing, rows: int = ROWS) -> Dataset:
    """The school's pupils, loaded straight into the store, four of five columns mapped."""
    dataset = Dataset.objects.create(
        agreement=sharing.agreement,
        provider=sharing.school,
        name="Pupils",
        source=Dataset.UPLOAD,
        key_column="UPN",
        created_by=sharing.school_ig,
    )
    columns = store.create_store(dataset, HEADERS)
    for column in columns:
        column.data_item = MAPPING[column.name]
    DatasetColumn.objects.bulk_update(columns, ["data_item"])
    store.insert_rows(dataset, [pupil(i) for i in range(1, rows + 1)])
    return dataset


def form(**values: str) -> dict[str, Any]:
    return {"data": urlencode(values), "content_type": "application/x-www-form-urlencoded"}


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_for(client_id: str, secret: str) -> str:
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/oauth/token",
        **form(grant_type="client_credentials"),
        headers={"Authorization": basic(client_id, secret)},
    )
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def system(token: str) -> Client:
    """The partner's system: no session, no CSRF token, only its bearer token."""
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def sharing() -> Sharing:
    return agreement_with()


@pytest.fixture
def dataset(sharing: Sharing) -> Dataset:
    return pupils_dataset(sharing)


@pytest.fixture
def council_client(sharing: Sharing) -> tuple[ApiClient, str]:
    return credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Education welfare system"
    )


@pytest.fixture
def partner(council_client: tuple[ApiClient, str]) -> Client:
    client, secret = council_client
    return system(token_for(client.client_id, secret))


def records_url(dataset: Dataset, **query: Any) -> str:
    return f"/api/v1/datasets/{dataset.pk}/records" + (f"?{urlencode(query)}" if query else "")


def ndjson(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode().splitlines()]


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def refused(response: Any, key: str, client: ApiClient) -> DisclosureEntry:
    """The response is a 403 naming clause `key`, and the refusal is in the disclosure log."""
    assert response.status_code == 403, response.content
    body = response.json()
    expected = clause(key)
    assert body["error"] == "refused"
    assert body["clause"] == {"number": expected.number, "title": expected.title, "key": key}
    assert body["reason"] == body["reasons"][0]["text"]
    entry = DisclosureEntry.objects.get(sequence=body["disclosure"])
    assert entry.effect == "deny"
    assert expected.number in entry.clauses
    assert entry.client_id == client.pk
    assert entry.record_count == 0
    assert body["reason"] in entry.reason
    return entry


# --- Tokens --------------------------------------------------------------------------------


def test_a_partner_system_gets_a_token_with_basic_auth_or_form_fields_and_it_is_not_cached(
    council_client: tuple[ApiClient, str],
) -> None:
    client, secret = council_client
    anonymous = Client(enforce_csrf_checks=True)  # a system has no CSRF cookie: none is needed

    by_header = anonymous.post(
        "/api/v1/oauth/token",
        **form(grant_type="client_credentials"),
        headers={"Authorization": basic(client.client_id, secret)},
    )
    by_form = anonymous.post(
        "/api/v1/oauth/token",
        **form(grant_type="client_credentials", client_id=client.client_id, client_secret=secret),
    )

    for response in (by_header, by_form):
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        stored = AccessToken.objects.get(
            token_hash=hashlib.sha256(body["access_token"].encode()).hexdigest()
        )
        assert stored.client == client
        assert stored.expires_at == pytest.approx(
            timezone.now() + dt.timedelta(seconds=3600), abs=dt.timedelta(seconds=30)
        )


@pytest.mark.parametrize(
    ("values", "authorization", "status", "error"),
    [
        ({}, None, 400, "invalid_request"),
        ({"grant_type": "password"}, "good", 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, None, 400, "invalid_request"),
        (
            {"grant_type": "client_credentials", "client_secret": "x"},
            "good",
            400,
            "invalid_request",
        ),
        ({"grant_type": "client_credentials"}, "wrong-secret", 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, "unknown-client", 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, "not-base64", 401, "invalid_client"),
    ],
    ids=[
        "no grant type",
        "a grant type not supported",
        "no credentials",
        "credentials sent two ways",
        "a wrong secret",
        "an unknown client",
        "an unreadable Basic header",
    ],
)
def test_the_token_endpoint_answers_errors_as_rfc_6749_says(
    council_client: tuple[ApiClient, str],
    values: dict[str, str],
    authorization: str | None,
    status: int,
    error: str,
) -> None:
    client, secret = council_client
    header = {
        None: None,
        "good": basic(client.client_id, secret),
        "wrong-secret": basic(client.client_id, secret + "x"),
        "unknown-client": basic("acc_nobody", secret),
        "not-base64": "Basic %%%",
    }[authorization]

    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/oauth/token", **form(**values), headers={"Authorization": header} if header else {}
    )

    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert response["Cache-Control"] == "no-store"
    if status == 401:
        assert response["WWW-Authenticate"] == 'Basic realm="Accord"'
    assert not AccessToken.objects.exists()


def test_the_token_endpoint_wants_form_encoded_parameters(
    council_client: tuple[ApiClient, str],
) -> None:
    client, secret = council_client

    response = Client().post(
        "/api/v1/oauth/token",
        data=json.dumps({"grant_type": "client_credentials"}),
        content_type="application/json",
        headers={"Authorization": basic(client.client_id, secret)},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_revoked_client_or_an_expired_secret_gets_no_token(
    sharing: Sharing, council_client: tuple[ApiClient, str]
) -> None:
    client, secret = council_client
    other, other_secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Second system"
    )
    credentials.client_revoke(actor=sharing.council_ig, client=client)
    ClientSecret.objects.filter(client=other).update(expires_at=timezone.now())

    for client_id, given in ((client.client_id, secret), (other.client_id, other_secret)):
        response = Client().post(
            "/api/v1/oauth/token",
            **form(grant_type="client_credentials", client_id=client_id, client_secret=given),
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"


def test_data_endpoints_need_a_bearer_token_and_never_accept_a_session(
    sharing: Sharing, dataset: Dataset, council_client: tuple[ApiClient, str]
) -> None:
    client, secret = council_client
    token = token_for(client.client_id, secret)
    expired = token_for(client.client_id, secret)
    AccessToken.objects.filter(token_hash=credentials.digest(expired)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    person_signed_in = signed_in(sharing.council_ig, mfa=True)

    nothing = Client().get(records_url(dataset))
    unknown = system("not-a-token").get(records_url(dataset))
    stale = system(expired).get(records_url(dataset))
    session = person_signed_in.get(records_url(dataset))

    assert nothing.status_code == 401
    assert nothing["WWW-Authenticate"] == 'Bearer realm="Accord"'
    for response in (unknown, stale):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="Accord", error="invalid_token"'
        assert response.json()["error"] == "invalid_token"
    assert session.status_code == 401
    assert not DisclosureEntry.objects.exists()  # nobody was identified, so nothing was decided
    assert system(token).get(records_url(dataset)).status_code == 200


# --- What the client may do ------------------------------------------------------------------


def test_the_agreement_endpoint_says_what_the_client_may_do(
    sharing: Sharing, dataset: Dataset, partner: Client
) -> None:
    version = sharing.agreement.current_version()

    body = partner.get("/api/v1/agreement").json()

    assert body["reference"] == sharing.agreement.reference
    assert body["version"] == version.number
    assert body["content_hash"] == version.content_hash
    assert body["status"] == "live"
    assert body["organisation"] == sharing.council.name
    assert body["receives"] is True
    assert body["channel"] == {"open": True, "reasons": []}
    assert body["purposes"]
    assert body["volume"]["limit"] == 10_000
    assert body["volume"]["per"] == "day"
    assert body["volume"]["used"] == 0
    [offered] = body["datasets"]
    assert offered["id"] == dataset.pk
    assert offered["provider"] == SCHOOL
    assert offered["rows"] == ROWS
    assert [f["name"] for f in offered["fields"]] == AGREED
    assert offered["match"] is True


def test_the_agreement_endpoint_says_why_the_channel_is_closed(
    sharing: Sharing, partner: Client
) -> None:
    exchange.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="A breach")

    channel = partner.get("/api/v1/agreement").json()["channel"]

    assert channel["open"] is False
    assert channel["reasons"][0]["text"] == "The agreement is suspended."
    assert channel["reasons"][0]["clause"]["number"] == clause("termination").number


# --- Records -------------------------------------------------------------------------------


def test_ndjson_holds_only_the_mapped_fields_and_never_an_unmapped_value(
    dataset: Dataset, partner: Client, council_client: tuple[ApiClient, str]
) -> None:
    response = partner.get(records_url(dataset, format="ndjson"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Cache-Control"] == "no-store"
    content = streamed(response)
    rows = ndjson(content)
    assert len(rows) == ROWS
    assert rows[0] == {
        "Name": "Pupil 01",
        "DOB": "2015-03-01",
        "UPN": "A000000000001",
        "Attendance": "71.5",
    }
    assert b"FSM" not in content
    assert b"Free school meals" not in content
    [entry] = DisclosureEntry.objects.all()
    assert (entry.kind, entry.effect, entry.record_count) == ("records", "allow", ROWS)
    assert entry.fields == AGREED
    assert entry.client == council_client[0]
    assert entry.payload_hash == hashlib.sha256(content).hexdigest()
    assert VolumeUsage.objects.get().records == ROWS


def test_csv_holds_only_the_mapped_fields_under_one_header_row(
    dataset: Dataset, partner: Client
) -> None:
    response = partner.get(records_url(dataset, format="csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = streamed(response).decode().splitlines()
    assert lines[0] == "Name,DOB,UPN,Attendance"
    assert lines[1] == "Pupil 01,2015-03-01,A000000000001,71.5"
    assert len(lines) == ROWS + 1
    assert not any("FSM" in line for line in lines)


def test_asking_for_fields_narrows_what_is_read_sent_and_logged(
    dataset: Dataset, partner: Client
) -> None:
    response = partner.get(records_url(dataset, fields="UPN, Attendance", limit=2))

    assert ndjson(response.content) == [
        {"UPN": "A000000000001", "Attendance": "71.5"},
        {"UPN": "A000000000002", "Attendance": "72.5"},
    ]
    assert DisclosureEntry.objects.get().fields == ["UPN", "Attendance"]


def test_pages_with_limit_and_offset_join_up_and_say_where_the_next_starts(
    dataset: Dataset, partner: Client
) -> None:
    url: str | None = records_url(dataset, format="csv", limit=10)
    pages = []
    while url:
        response = partner.get(url)
        assert response.status_code == 200
        pages.append(response)
        link = response.get("Link")
        url = link[1 : link.index(">")] if link else None

    assert [p.get("Accord-Next-Offset") for p in pages] == ["10", "20", None]
    assert 'rel="next"' in pages[0]["Link"]
    text = "".join(p.content.decode() for p in pages)
    lines = text.splitlines()
    assert lines[0] == "Name,DOB,UPN,Attendance"  # the header comes once, at offset 0
    assert lines.count("Name,DOB,UPN,Attendance") == 1
    assert [line.split(",")[0] for line in lines[1:]] == [f"Pupil {i:02d}" for i in range(1, 26)]
    entries = DisclosureEntry.objects.order_by("sequence")
    assert [e.record_count for e in entries] == [10, 10, 5]
    assert [int(p["Accord-Disclosure"]) for p in pages] == [e.sequence for e in entries]


@pytest.mark.django_db(transaction=True)
def test_a_stream_is_pulled_page_by_page_each_page_decided_counted_and_logged() -> None:
    sharing = agreement_with()
    dataset = pupils_dataset(sharing)
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    partner = system(token_for(client.client_id, secret))

    with override_settings(ACCORD_STREAM_PAGE_ROWS=10):
        response = partner.get(records_url(dataset))
        chunks = list(response.streaming_content)

    assert [len(c.splitlines()) for c in chunks] == [10, 10, 5]  # one chunk per page
    assert len(ndjson(b"".join(chunks))) == ROWS
    entries = DisclosureEntry.objects.order_by("sequence")
    assert [(e.effect, e.record_count) for e in entries] == [("allow", 10)] * 2 + [("allow", 5)]
    assert VolumeUsage.objects.get().records == ROWS


@pytest.mark.django_db(transaction=True)
def test_suspension_cuts_an_open_ndjson_stream_which_then_resumes_from_its_offset() -> None:
    sharing = agreement_with()
    dataset = pupils_dataset(sharing)
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    partner = system(token_for(client.client_id, secret))

    with override_settings(ACCORD_STREAM_PAGE_ROWS=10):
        response = partner.get(records_url(dataset))
        chunks = iter(response.streaming_content)
        first = next(chunks)
        exchange.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="Breach")
        rest = list(chunks)

    received = ndjson(first + b"".join(rest))
    *rows, stopped = received
    assert len(rows) == 10
    assert stopped["error"] == "stopped"
    assert stopped["reason"] == "The agreement is suspended."
    assert stopped["clause"]["number"] == clause("termination").number
    assert stopped["offset"] == 10
    assert stopped["sent"] == 10
    denied = DisclosureEntry.objects.order_by("sequence").last()
    assert denied is not None
    assert denied.effect == "deny"

    exchange.resume(actor=sharing.council_ig, agreement=sharing.agreement, reason="Fixed")
    with override_settings(ACCORD_STREAM_PAGE_ROWS=10):
        resumed = ndjson(streamed(partner.get(records_url(dataset, offset=stopped["offset"]))))

    assert [r["Name"] for r in rows + resumed] == [f"Pupil {i:02d}" for i in range(1, 26)]


@pytest.mark.django_db(transaction=True)
def test_revoking_the_client_or_unmapping_a_field_takes_effect_at_the_next_page_of_a_stream() -> (
    None
):
    sharing = agreement_with()
    dataset = pupils_dataset(sharing)
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    partner = system(token_for(client.client_id, secret))
    with override_settings(ACCORD_STREAM_PAGE_ROWS=10):
        chunks = iter(partner.get(records_url(dataset)).streaming_content)
        first = ndjson(next(chunks))
        # The school stops sharing names while the stream is under way.
        DatasetColumn.objects.filter(dataset=dataset, name="Name").update(data_item="name-gone")
        unmapped = ndjson(b"".join(chunks))
        DatasetColumn.objects.filter(dataset=dataset, name="Name").update(data_item="name")

        chunks = iter(partner.get(records_url(dataset)).streaming_content)
        next(chunks)
        credentials.client_revoke(actor=sharing.council_ig, client=client)
        revoked = ndjson(b"".join(chunks))

    assert len(first) == 10
    assert all("Name" in row for row in first)
    # The stream's fields were fixed by its first page; "Name" is no longer agreed.
    assert len(unmapped) == 1
    assert unmapped[0]["error"] == "stopped"
    assert unmapped[0]["clause"]["key"] == "data"
    assert len(revoked) == 1
    assert revoked[0]["clause"]["key"] == "mechanism"
    assert "revoked" in revoked[0]["reason"]
    pages = DisclosureEntry.objects.filter(kind="records").order_by("sequence")
    assert [p.effect for p in pages] == ["allow", "deny", "allow", "deny"]


@pytest.mark.django_db(transaction=True)
def test_suspension_cuts_a_csv_stream_short_so_the_transfer_is_incomplete() -> None:
    sharing = agreement_with()
    dataset = pupils_dataset(sharing)
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    partner = system(token_for(client.client_id, secret))

    with override_settings(ACCORD_STREAM_PAGE_ROWS=10):
        response = partner.get(records_url(dataset, format="csv"))
        chunks = iter(response.streaming_content)
        first = next(chunks)
        exchange.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="Breach")
        with pytest.raises(StreamStopped, match="offset 10"):
            next(chunks)

    assert len(first.decode().splitlines()) == 11  # the header and the first page
    denied = DisclosureEntry.objects.order_by("sequence").last()
    assert denied is not None
    assert denied.effect == "deny"
    assert clause("termination").number in denied.clauses


# --- Refusals: each answers 403 naming its clause, and is in the disclosure log --------------


def test_a_party_that_does_not_receive_is_refused_under_the_parties_clause(
    sharing: Sharing, dataset: Dataset
) -> None:
    # client.manage needs a receiving party, so the school's client can only be made by hand.
    client = ApiClient.objects.create(
        agreement=sharing.agreement,
        organisation=sharing.school,
        name="School MIS",
        client_id="acc_schoolmisxxxxxxxxxx",
        created_by=sharing.school_ig,
    )
    ClientSecret.objects.create(client=client, secret_hash=credentials.digest("school-secret"))
    school = system(token_for(client.client_id, "school-secret"))

    entry = refused(school.get(records_url(dataset)), "parties", client)

    assert entry.party == sharing.school


def test_an_agreement_not_yet_live_is_refused_under_the_term_clause() -> None:
    sharing = agreement_with(live=False)
    dataset = pupils_dataset(sharing)
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )

    response = system(token_for(client.client_id, secret)).get(records_url(dataset))

    refused(response, "term", client)
    assert "has not gone live" in response.json()["reason"]


def test_an_agreement_past_its_end_date_is_refused_under_the_term_clause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A signed version cannot change, and an agreement already past its end date cannot go live,
    # so the agreement ends today and the clock moves on two days (the one thing patched here).
    sharing = agreement_with(end_on=timezone.localdate())
    dataset = pupils_dataset(sharing)
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    later = timezone.now() + dt.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    response = system(token_for(client.client_id, secret)).get(records_url(dataset))

    refused(response, "term", client)
    assert response.json()["reason"].startswith("The agreement ended on")


def test_a_suspended_agreement_is_refused_under_the_termination_clause(
    sharing: Sharing, dataset: Dataset, partner: Client, council_client: tuple[ApiClient, str]
) -> None:
    exchange.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="A breach")

    refused(partner.get(records_url(dataset)), "termination", council_client[0])


def test_a_revoked_clients_token_is_refused_under_the_security_clause(
    sharing: Sharing, dataset: Dataset, partner: Client, council_client: tuple[ApiClient, str]
) -> None:
    client = council_client[0]
    assert partner.get(records_url(dataset, limit=1)).status_code == 200

    credentials.client_revoke(actor=sharing.council_ig, client=client)

    response = partner.get(records_url(dataset))
    refused(response, "mechanism", client)
    assert response.json()["reason"] == "The client credential has been revoked."
    refused(partner.get("/api/v1/agreement"), "mechanism", client)
    refused(partner.get("/api/v1/match-key"), "mechanism", client)


@pytest.mark.parametrize("fields", ["Free school meals", "Name,Free school meals", "Religion"])
def test_fields_not_agreed_or_unknown_are_refused_under_the_data_clause(
    dataset: Dataset, partner: Client, council_client: tuple[ApiClient, str], fields: str
) -> None:
    response = partner.get(records_url(dataset, fields=fields))

    refused(response, "data", council_client[0])
    assert response.json()["reason"].startswith("Not agreed for sharing:")


def test_a_purpose_not_agreed_is_refused_under_the_purpose_clause(
    dataset: Dataset, partner: Client, council_client: tuple[ApiClient, str]
) -> None:
    refused(partner.get(records_url(dataset, purpose="marketing")), "purpose", council_client[0])
    assert partner.get(records_url(dataset, purpose="education", limit=1)).status_code == 200


def test_the_volume_limit_cuts_a_pull_short_and_then_refuses_under_the_limits_clause() -> None:
    sharing = agreement_with(limit=30)
    dataset = pupils_dataset(sharing)
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    partner = system(token_for(client.client_id, secret))

    assert len(ndjson(partner.get(records_url(dataset, limit=20)).content)) == 20
    second = partner.get(records_url(dataset, limit=20, offset=20))
    assert len(ndjson(second.content)) == 5  # only the rest of the dataset
    third = partner.get(records_url(dataset, limit=20))
    assert len(ndjson(third.content)) == 5  # only what is left of the 30 today
    assert third["Accord-Next-Offset"] == "5"

    response = partner.get(records_url(dataset, limit=20, offset=5))

    refused(response, "limits", client)
    assert response.json()["reason"] == "The limit of 30 records per day has been reached."
    assert VolumeUsage.objects.get().records == 30


def test_a_dataset_under_no_agreement_of_the_client_is_not_found(
    dataset: Dataset, partner: Client
) -> None:
    response = partner.get(f"/api/v1/datasets/{dataset.pk + 1000}/records")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert not DisclosureEntry.objects.exists()


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"limit": "0"}, ["query", "limit"]),
        ({"limit": "100001"}, ["query", "limit"]),
        ({"offset": "-1"}, ["query", "offset"]),
        ({"format": "xml"}, ["query", "format"]),
        ({"limit": "ten"}, ["query", "limit"]),
    ],
)
def test_malformed_parameters_get_422_saying_where(
    dataset: Dataset, partner: Client, query: dict[str, str], where: list[str]
) -> None:
    response = partner.get(records_url(dataset, **query))

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["detail"][0]["loc"] == where
    assert body["detail"][0]["msg"]


# --- Matching --------------------------------------------------------------------------------


def pseudonym_as_the_partner_computes_it(key: bytes, identifier: str) -> str:
    """Written out as the documentation tells partners to, not with Accord's own function."""
    normalised = "".join(identifier.split()).casefold()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def test_the_match_service_answers_with_pseudonyms_so_identifiers_never_travel(
    sharing: Sharing, dataset: Dataset, partner: Client, council_client: tuple[ApiClient, str]
) -> None:
    answer = partner.get("/api/v1/match-key").json()
    assert answer["algorithm"] == "HMAC-SHA-256"
    assert answer["normalisation"] == "remove all whitespace, then lower-case (Unicode casefold)"
    key = base64.b64decode(answer["key"])
    assert key == bytes(sharing.agreement.channel.match_key)
    known_to_school = ["a0000 0000 0003", "A000000000017"]  # spacing and case do not matter
    unknown = ["A999999999999"]
    asked = {pseudonym_as_the_partner_computes_it(key, i): i for i in known_to_school + unknown}
    body = json.dumps({"pseudonyms": list(asked)})
    assert not any(i.replace(" ", "").upper() in body.upper() for i in asked.values())

    response = partner.post(
        f"/api/v1/datasets/{dataset.pk}/match", data=body, content_type="application/json"
    )

    assert response.status_code == 200
    assert [asked[p] for p in response.json()["known"]] == known_to_school
    key_entry, match_entry = DisclosureEntry.objects.order_by("sequence")
    assert (key_entry.kind, key_entry.effect, key_entry.dataset) == ("match", "allow", None)
    # Each person asked about counts as one record, known or not: no sweeping a population.
    assert (match_entry.kind, match_entry.effect, match_entry.record_count) == ("match", "allow", 3)
    assert response.json()["answered"] == 3
    assert VolumeUsage.objects.get(agreement=sharing.agreement).records == 3
    assert match_entry.fields == ["UPN"]
    assert match_entry.client == council_client[0]


def test_the_match_key_and_the_match_are_refused_while_the_channel_is_closed(
    sharing: Sharing, dataset: Dataset, partner: Client, council_client: tuple[ApiClient, str]
) -> None:
    exchange.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="A breach")

    refused(partner.get("/api/v1/match-key"), "termination", council_client[0])
    response = partner.post(
        f"/api/v1/datasets/{dataset.pk}/match",
        data=json.dumps({"pseudonyms": ["0" * 64]}),
        content_type="application/json",
    )
    refused(response, "termination", council_client[0])


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("not json", ["body"]),
        (json.dumps(["0" * 64]), ["body"]),
        (json.dumps({"identifiers": ["A000000000001"]}), ["body", "pseudonyms"]),
        (json.dumps({"pseudonyms": ["0" * 64, "A000000000001"]}), ["body", "pseudonyms", 1]),
        (json.dumps({"pseudonyms": ["0" * 64] * 10_001}), ["body", "pseudonyms"]),
    ],
    ids=["not JSON", "not an object", "no pseudonyms", "an identifier in clear", "too many"],
)
def test_match_input_is_checked_and_each_problem_located(
    dataset: Dataset, partner: Client, body: str, where: list[str | int]
) -> None:
    response = partner.post(
        f"/api/v1/datasets/{dataset.pk}/match", data=body, content_type="application/json"
    )

    assert response.status_code == 422
    problem = response.json()["detail"][0]
    assert problem["loc"] == where
    assert problem["msg"]
    assert not DisclosureEntry.objects.exists()


# --- The description and the documentation -------------------------------------------------


def test_the_openapi_description_documents_every_operation_and_error() -> None:
    response = Client().get("/api/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/oauth/token",
        "/api/v1/agreement",
        "/api/v1/datasets/{dataset_id}/records",
        "/api/v1/datasets/{dataset_id}/match",
        "/api/v1/match-key",
        "/api/v1/transparency/",
        "/api/v1/transparency/{reference}",
        "/api/v1/transparency/checkpoints",
    }
    records = paths["/api/v1/datasets/{dataset_id}/records"]["get"]
    assert set(records["responses"]) == {"200", "401", "403", "404", "422", "503"}
    assert set(records["responses"]["200"]["content"]) == {"application/x-ndjson", "text/csv"}
    assert "stopped" in schema["info"]["description"]
    token = paths["/api/v1/oauth/token"]["post"]
    assert set(token["responses"]) == {"200", "400", "401", "503"}
    assert "security" not in token
    # Every operation documents the 503 of a database that is down.
    assert all("503" in op["responses"] for methods in paths.values() for op in methods.values())
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ClientToken"]["scheme"] == "bearer"
    assert schemes["OAuth2"]["flows"]["clientCredentials"]["tokenUrl"] == "/api/v1/oauth/token"
    for methods in paths.values():
        for operation in methods.values():
            for answer in operation["responses"].values():
                assert answer["description"] not in (
                    "OK",
                    "Unauthorized",
                    "Forbidden",
                    "Service Unavailable",
                    "Request Entity Too Large",
                )


def test_the_api_documentation_is_our_own_page_made_from_the_description() -> None:
    response = Client().get("/api/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">Accord exchange API</h1>' in page
    assert "How to connect" in page
    assert "grant_type=client_credentials" in page
    assert "hmac.new(key" in page
    for path in ("/api/v1/agreement", "/api/v1/datasets/{dataset_id}/records", "/api/v1/match-key"):
        assert path in page
    assert "swagger" not in page.lower()
    assert "cdn" not in page.lower()
    assert Client().get("/api/").url == "/api/docs"


# --- Nothing secret is kept in clear ----------------------------------------------------------


def everything_stored() -> Iterator[str]:
    """Every value in every table of the database, as text."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if value is not None:
                        yield (
                            bytes(value).hex()
                            if isinstance(value, (bytes, memoryview))
                            else str(value)
                        )


def test_secrets_and_tokens_are_stored_only_as_their_hashes(
    sharing: Sharing, council_client: tuple[ApiClient, str]
) -> None:
    client, secret = council_client
    token = token_for(client.client_id, secret)
    rotated = credentials.client_rotate(actor=sharing.council_ig, client=client)

    stored = list(everything_stored())

    for plain in (secret, token, rotated):
        assert not any(plain in value for value in stored)
        assert credentials.digest(plain) in stored


def test_tokens_are_issued_and_logged_in_the_audit_without_the_token(
    council_client: tuple[ApiClient, str],
) -> None:
    from accord.apps.audit.models import AuditEntry

    client, secret = council_client
    token = token_for(client.client_id, secret)

    entry = AuditEntry.objects.get(verb="client.token-issued")
    assert entry.object_id == str(client.pk)
    assert token not in json.dumps(entry.data) + entry.summary
