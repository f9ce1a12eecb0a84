"""The signed checkpoints on the public register: a page and JSON anyone can read and keep, with
the public key, so that an outsider can check a signature with nothing of Accord's."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.db import transaction
from django.test import Client

from accord.apps.audit.models import Checkpoint
from accord.apps.audit.services import audit_record, checkpoint_issue
from accord.apps.exchange.api import api
from accord.apps.organisations.models import Organisation

pytestmark = pytest.mark.django_db

API = "/api/v1/transparency/checkpoints"


@pytest.fixture
def signed(council: Organisation, django_capture_on_commit_callbacks: Any) -> list[Checkpoint]:
    """Three checkpoints of the audit log, the log growing between them."""
    issued = []
    for n in range(3):
        with transaction.atomic():
            audit_record(actor=None, verb="test.grew", target=council, summary=f"Grew {n}")
        with django_capture_on_commit_callbacks(execute=True):
            issued += checkpoint_issue()
    return issued


def test_before_any_checkpoint_the_page_says_so_and_there_is_no_key_yet() -> None:
    page = Client().get("/transparency/checkpoints/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "No checkpoint has been signed yet." in html
    assert "No key has been made yet" in html
    assert Client().get("/transparency/checkpoints/public-key.pem").status_code == 404
    data = Client().get(API).json()
    assert data == {
        "format": "accord.checkpoints/1",
        "public_key": None,
        "count": 0,
        "checkpoints": [],
        "next": None,
    }


def test_the_page_lists_recent_checkpoints_in_a_table_with_the_key(
    signed: list[Checkpoint],
) -> None:
    html = Client().get("/transparency/checkpoints/").content.decode()
    assert '<caption class="govuk-table__caption govuk-table__caption--s">' in html
    assert html.count('<th scope="col" class="govuk-table__header') == 4
    for checkpoint in signed:
        assert checkpoint.root in html
    key = Client().get("/transparency/checkpoints/public-key.pem")
    assert key.status_code == 200
    assert key.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert key.content.decode() in html.replace("&#x27;", "'")
    assert signed[0].key_id in html


def test_the_public_register_links_to_the_checkpoints() -> None:
    html = Client().get("/transparency/").content.decode()
    assert 'href="/transparency/checkpoints/"' in html


def test_anyone_can_check_a_published_checkpoint_with_the_published_key_alone(
    signed: list[Checkpoint],
) -> None:
    data = Client().get(API).json()
    assert data["count"] == len(signed)
    key = load_pem_public_key(data["public_key"]["pem"].encode())
    assert isinstance(key, Ed25519PublicKey)
    raw = base64.b64decode(data["public_key"]["raw"])
    assert data["public_key"]["key_id"] == hashlib.sha256(raw).hexdigest()
    newest = data["checkpoints"][0]
    assert newest["id"] == signed[-1].pk  # newest first
    key.verify(base64.b64decode(newest["signature"]), newest["statement"].encode())
    lines = dict(line.split(" ", 1) for line in newest["statement"].splitlines()[1:])
    assert lines == {
        "chain": newest["chain"],
        "size": str(newest["size"]),
        "root": newest["root"],
        "last": newest["last_hash"],
        "at": newest["at"],
        "key": newest["key_id"],
    }


def test_the_checkpoints_come_a_page_at_a_time_and_by_log(signed: list[Checkpoint]) -> None:
    first = Client().get(API, {"limit": 2}).json()
    assert [c["id"] for c in first["checkpoints"]] == [signed[2].pk, signed[1].pk]
    assert first["next"] == f"http://testserver{API}?before={signed[1].pk}&limit=2"
    rest = Client().get(first["next"]).json()
    assert [c["id"] for c in rest["checkpoints"]] == [signed[0].pk]
    assert rest["next"] is None
    assert Client().get(API, {"chain": "disclosure"}).json()["count"] == 0


@pytest.mark.parametrize(
    "query", [{"limit": 0}, {"limit": 1001}, {"chain": "other"}, {"before": 0}, {"before": "x"}]
)
def test_a_bad_query_is_answered_422_in_the_api_envelope(query: dict[str, Any]) -> None:
    response = Client().get(API, query)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_the_endpoint_is_described_precisely_in_openapi() -> None:
    schema = api.get_openapi_schema()
    operation = schema["paths"][API]["get"]
    assert operation["operationId"] == "listCheckpoints"
    assert "security" not in operation or not operation["security"]
    ok = operation["responses"][200]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ok.rsplit("/", 1)[1]]
    assert set(body["required"]) == {"format", "public_key", "count", "checkpoints", "next"}
    item = schema["components"]["schemas"]["CheckpointOut"]
    assert item["properties"]["root"]["pattern"] == "^[0-9a-f]{64}$"
    assert item["properties"]["chain"]["enum"] == ["audit", "disclosure"]
    assert {p["name"] for p in operation["parameters"]} == {"chain", "before", "limit"}
