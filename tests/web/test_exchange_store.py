"""The store: a loaded dataset's rows read back exactly, whatever they hold, on either database."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from accord.apps.exchange import store
from accord.apps.exchange.models import Dataset
from tests.web.exchange_helpers import signed_agreement

pytestmark = pytest.mark.django_db

AWKWARD = [
    ("1", 'She said "hello"', "back\\slash"),
    ("2", "line one\nline two", None),
    ("3", "Zoë Ó Súilleabháin \u2013 \u2713", ""),  # an en dash and a tick
    ("4", "tab\there, comma, semicolon;", "\x01\x02 control"),
]


def test_ndjson_pages_hold_every_value_exactly_and_only_the_named_columns() -> None:
    sharing = signed_agreement()
    dataset = Dataset.objects.create(
        agreement=sharing.agreement,
        provider=sharing.school,
        name="Awkward",
        source=Dataset.UPLOAD,
        created_by=sharing.school_ig,
    )
    # Column names reach SQL as quoted identifiers: quotes and "%" are only names.
    store.create_store(dataset, ["Id", 'Text "quoted" 100%', "Other"])
    store.insert_rows(dataset, AWKWARD)
    text = 'Text "quoted" 100%'
    payload, count = store.page(dataset, [text, "Id"], offset=1, limit=10, fmt="ndjson")
    assert count == 3
    lines = payload.splitlines()
    assert [orjson.loads(line) for line in lines] == [
        {text: value, "Id": key} for key, value, _ in AWKWARD[1:]
    ]
    assert all(list(orjson.loads(line)) == [text, "Id"] for line in lines)
    whole, total = store.page(dataset, ["Other"], offset=0, limit=2, fmt="ndjson")
    assert total == 2
    assert [orjson.loads(line) for line in whole.splitlines()] == [
        {"Other": "back\\slash"},
        {"Other": None},
    ]
    assert store.page(dataset, ["Id"], offset=4, limit=10, fmt="ndjson") == (b"", 0)


def test_csv_pages_parse_back_to_the_same_values_with_one_header_at_the_start() -> None:
    sharing = signed_agreement()
    dataset = Dataset.objects.create(
        agreement=sharing.agreement,
        provider=sharing.school,
        name="Awkward",
        source=Dataset.UPLOAD,
        created_by=sharing.school_ig,
    )
    store.create_store(dataset, ["Id", 'Text "quoted" 100%', "Other"])
    store.insert_rows(dataset, AWKWARD)
    first, count = store.page(
        dataset, ["Id", 'Text "quoted" 100%'], offset=0, limit=2, fmt="csv", header=True
    )
    rest, more = store.page(dataset, ["Id", 'Text "quoted" 100%'], offset=2, limit=10, fmt="csv")
    assert (count, more) == (2, 2)
    rows = list(csv.reader(io.StringIO((first + rest).decode(), newline="")))
    assert rows == [["Id", 'Text "quoted" 100%'], *([key, text] for key, text, _ in AWKWARD)]
    assert not first.endswith(b"\r\n")  # LF on both databases


def test_a_person_is_found_by_the_key_column_whatever_the_spacing_and_case() -> None:
    sharing = signed_agreement()
    dataset = Dataset.objects.create(
        agreement=sharing.agreement,
        provider=sharing.school,
        name="Pupils",
        source=Dataset.UPLOAD,
        created_by=sharing.school_ig,
    )
    store.create_store(dataset, ["UPN", "Name"])
    store.insert_rows(dataset, [(f"H80 1200 {i:04d}", f"Pupil {i}") for i in range(2000)])
    dataset.key_column = "UPN"
    dataset.save()
    store.index_key(dataset)
    assert store.find(dataset, ["Name"], "h801200 1234") == {"Name": "Pupil 1234"}
    assert store.find(dataset, ["Name"], "H801200999") is None
