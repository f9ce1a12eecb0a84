"""Schemathesis against /api/openapi.json (issue 7): no server errors, every response as documented.

Every operation the description lists is tested twice: with no credentials, and with the bearer
token of a receiving party's client of a live, published agreement with a loaded dataset. Each
gets data that fits the description (positive) and data that does not (negative), in the
examples, coverage and fuzzing phases, through the WSGI application in this process, so that the
requests see the test's database.

`case.call_and_validate()` without `checks=` runs what schemathesis 4.32.5 enables by default:
every built-in check except max_response_time, that is not_a_server_error,
status_code_conformance, content_type_conformance, response_headers_conformance,
response_schema_conformance, positive_data_acceptance, negative_data_rejection,
missing_required_header, unsupported_method, allow_header_conformance, ignored_auth,
use_after_free, ensure_resource_availability and object_level_authorization (the last three
need a stateful run to act). `test_the_default_checks_are_all_the_built_in_ones` keeps that
list true. One check of ours is added: schemathesis cannot split NDJSON, so it would not
validate pulled records; `ndjson_as_documented` checks every line against the description.

A quarter of the strings drawn come from EDGE_STRINGS, half of them with a NUL byte, which
PostgreSQL refuses in text: three operations answered 500 to one, on PostgreSQL only. With the
bugs put back, this fuzzing finds the one in pullRecords; path parameters did not get the edge
strings, and a token request rarely has both credentials in its form, so the tests after the
fuzzing pin each bug found, with those no fuzzer reaches (1,001 query parameters, a 3 MB form).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jsonschema_rs
import orjson
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from accord.apps.exchange import credentials
from accord.apps.exchange.models import DatasetColumn
from accord.apps.transparency.services import consent_record
from tests.web.exchange_helpers import live_agreement
from tests.web.test_exchange_api import basic, form, pupils_dataset, system, token_for

# Strings a fuzzer rarely draws by itself but that break things: a NUL byte (PostgreSQL refuses
# it in text), a line separator, a character beyond the BMP, SQL syntax, a list in one string.
EDGE_STRINGS = ["\x00", "a\x00b", "Name,\x00", "\u2028", "\U0001f4b7", "' OR '1'='1"]

CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {"edge": {"values": EDGE_STRINGS}},
        "generation": {"dictionaries": {"string": {"dictionary": "edge", "probability": 0.25}}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)

# Bounded and repeatable for CI: the same cases on every run, well under a minute in all.
settings.register_profile(
    "accord-api",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    # The test's transaction and kept connection are shared by its examples, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile("accord-api")


@dataclass(frozen=True)
class Live:
    dataset: int
    reference: str
    token: str


@pytest.fixture(scope="module")
def live(django_db_setup: None, django_db_blocker: Any) -> Iterator[Live]:
    """A live agreement, published, with a dataset and a client's token; made once for the
    module in a transaction that is rolled back at its end, each test in a savepoint of it."""
    with django_db_blocker.unblock(), transaction.atomic():
        # A limit far beyond what the fuzzing pulls, so that pulls are not all refused.
        sharing = live_agreement(values={"limits": {"records": 10_000_000, "per": "day"}})
        dataset = pupils_dataset(sharing)
        for user in (sharing.council_ig, sharing.school_ig):
            consent_record(actor=user, agreement=sharing.agreement, agreed=True)
        client, secret = credentials.client_create(
            actor=sharing.council_ig, agreement=sharing.agreement, name="Schemathesis"
        )
        yield Live(dataset.pk, sharing.agreement.reference, token_for(client.client_id, secret))
        transaction.set_rollback(True)


@pytest.fixture
def one_connection() -> Iterator[None]:
    """Keep the test's connection across requests, as Django's test client does: the WSGI
    handler would otherwise close it at the end of each request, and the test data with it.
    (Each request of Django's test client connects the handlers again, so: per test.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _documented(operation: dict[str, Any], status: str, media_type: str) -> Any:
    """A validator for one response's schema, its references resolved in the description."""
    content = operation["responses"][status]["content"][media_type]["schema"]
    return jsonschema_rs.validator_for({**content, "components": schema.raw_schema["components"]})


def ndjson_as_documented(
    ctx: Any, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Every line of an NDJSON body matches the schema documented for it."""
    media_type = response.headers.get("content-type", [""])[0].split(";")[0]
    if media_type != "application/x-ndjson":
        return
    if str(response.status_code) not in case.operation.definition.raw["responses"]:
        return  # status_code_conformance reports it
    validator = _documented(case.operation.definition.raw, str(response.status_code), media_type)
    for number, line in enumerate(response.content.splitlines(), start=1):
        errors = [e.message for e in validator.iter_errors(orjson.loads(line))]
        assert not errors, f"NDJSON line {number} is not as documented: {errors}"


def aim(case: schemathesis.Case, live: Live) -> None:
    """Point half the drawn ids at the live agreement's dataset and reference (even ids, even
    lengths): drawn at random they would never name one, and only the 404 would be tested."""
    found = case.path_parameters or {}
    if isinstance(found.get("dataset_id"), int) and found["dataset_id"] % 2 == 0:
        found["dataset_id"] = live.dataset
    if isinstance(found.get("reference"), str) and len(found["reference"]) % 2 == 0:
        found["reference"] = live.reference


@pytest.mark.django_db
@schema.parametrize()
@settings(PROFILE)
def test_without_credentials(case: schemathesis.Case, live: Live, one_connection: None) -> None:
    aim(case, live)
    case.call_and_validate(additional_checks=[ndjson_as_documented])


@pytest.mark.django_db
@schema.parametrize()
@settings(PROFILE)
def test_with_the_token_of_a_live_agreements_client(
    case: schemathesis.Case, live: Live, one_connection: None
) -> None:
    aim(case, live)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {live.token}"},
        additional_checks=[ndjson_as_documented],
    )


def test_the_default_checks_are_all_the_built_in_ones() -> None:
    load_all_checks()
    enabled = schema.config.checks_config_for()
    names = {check.__name__ for check in CHECKS.get_all() if hasattr(check, "__name__")}
    on = {name for name in names if enabled.get_by_name(name=name).enabled}

    assert on == {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "ignored_auth",
        "use_after_free",
        "ensure_resource_availability",
        "object_level_authorization",
    }


# --- What the fuzzing found, pinned; and what it cannot reach -----------------------------------


@pytest.mark.django_db
def test_a_stopped_stream_ends_with_a_line_as_documented(live: Live) -> None:
    operation = schema.raw_schema["paths"]["/api/v1/datasets/{dataset_id}/records"]["get"]
    validator = _documented(operation, "200", "application/x-ndjson")
    with override_settings(ACCORD_STREAM_PAGE_ROWS=10):
        response = system(live.token).get(f"/api/v1/datasets/{live.dataset}/records")
        chunks = iter(response.streaming_content)
        first = next(chunks)
        DatasetColumn.objects.filter(dataset_id=live.dataset, name="Name").update(data_item="")
        rest = b"".join(chunks)

    lines = [orjson.loads(line) for line in (first + rest).splitlines()]
    assert len(lines) == 11
    assert lines[-1]["error"] == "stopped"
    for line in lines:
        assert validator.is_valid(line), line


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "query"),
    [
        ("records", {"fields": "Name\x00"}),
        ("records", {"limit": "1", **{f"p{i}": "1" for i in range(1_001)}}),
        ("register", {f"p{i}": "1" for i in range(1_001)}),
    ],
    ids=["nul-in-fields", "too-many-parameters", "too-many-parameters-public"],
)
def test_a_malformed_query_is_answered_422_not_a_server_error(
    live: Live, where: str, query: dict[str, str]
) -> None:
    path = {
        "records": f"/api/v1/datasets/{live.dataset}/records",
        "register": "/api/v1/transparency/",
    }[where]
    response = system(live.token).get(f"{path}?{urlencode(query)}")

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert response.json()["detail"][0]["loc"][0] == "query"


@pytest.mark.django_db
def test_a_reference_with_a_nul_byte_is_not_published(live: Live) -> None:
    response = Client().get(f"/api/v1/transparency/{live.reference}%00")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "request_kwargs",
    [
        form(grant_type="client_credentials", client_id="acc_\x00", client_secret="x"),
        {
            **form(grant_type="client_credentials"),
            "headers": {"Authorization": basic("a\x00", "b")},
        },
    ],
    ids=["form-fields", "basic"],
)
def test_a_client_id_outside_rfc_6749_is_an_unknown_client(
    live: Live, request_kwargs: dict[str, Any]
) -> None:
    response = Client().post("/api/v1/oauth/token", **request_kwargs)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        urlencode({"grant_type": "client_credentials", **{f"p{i}": "1" for i in range(1_001)}}),
        "grant_type=client_credentials&p=" + "a" * 3_000_000,
    ],
    ids=["too-many-fields", "too-large"],
)
def test_a_token_request_too_big_to_read_is_an_invalid_request(live: Live, body: str) -> None:
    response = Client().post(
        "/api/v1/oauth/token", data=body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
