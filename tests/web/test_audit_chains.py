"""Each chain's fast canonical text is exactly the canonical JSON of the fields the writer hashes,
for any values: otherwise the check would pass or fail entries the writer never saw that way."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.apps.audit.chains import AUDIT, _canonical_cache, all_chains, json_text
from accord.apps.audit.models import AuditEntry
from accord.apps.audit.services import audit_record, audit_verify, hashed_fields
from accord.apps.organisations.models import Organisation
from accord.core.audit import canonical_json, canonical_value, entry_hash

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=1))]),
)
keys = st.none() | st.integers(1, 2**63 - 1)
SHAPES: dict[str, Any] = {
    "sequence": st.integers(1, 2**63 - 1),
    "at": moments,
    "version": st.integers(1, 10**6),
    "record_count": st.integers(0, 2**63 - 1),
    "agreement_id": st.integers(1, 2**63 - 1),
    "data": st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    "fields": st.lists(st.text(max_size=20), max_size=6),
    "clauses": st.lists(st.text(max_size=6), max_size=4),
}


def rows(columns: tuple[str, ...]) -> st.SearchStrategy[tuple[Any, ...]]:
    """A row of the columns: foreign keys (attname "..._id") may be null, the rest is text."""
    texts = {"object_id", "correlation_id"}
    return st.tuples(
        *(
            SHAPES.get(name, keys if name.endswith("_id") and name not in texts else st.text())
            for name in columns
        )
    )


@settings(max_examples=300)
@given(st.data())
def test_the_fast_canonical_text_is_the_canonical_json_of_the_hashed_fields(
    data: st.DataObject,
) -> None:
    for chain in all_chains():
        row = data.draw(rows(chain.columns), label=chain.name)
        assert chain.canonical(row) == canonical_json(chain.fields(row))


@given(st.lists(json_values, min_size=1, max_size=5))
def test_json_read_as_text_is_written_in_canonical_form_whether_seen_before_or_not(
    values: list[Any],
) -> None:
    canonical = _canonical_cache(limit=2)  # some remembered, some not
    for value in [*values, *values]:
        text = json.dumps(value, indent=1)  # as PostgreSQL might print it: spaced, any order
        written = canonical(text)
        assert written == canonical_value(value)
        assert json_text(written) == written
        assert json_text(value) == canonical_value(value)


def test_the_audit_entry_text_keeps_unicode_and_escapes_only_what_json_must() -> None:
    row = (
        7,
        dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC),
        None,
        'Siân "IG" O\u2019Neill',
        3,
        "initiative.updated",
        "initiative",
        "12",
        None,
        "Line one\nline two\ttab \u0001",
        {"b": [1, 2.5, True, None], "a": "é"},
        "",
    )
    assert AUDIT.canonical(row) == (
        '{"actor":null,"actor_label":"Siân \\"IG\\" O\u2019Neill",'
        '"at":"2026-11-25T10:00:00+00:00","correlation_id":"","data":{"a":"é","b":[1,2.5,true,null]},'
        '"initiative":null,"object_id":"12","object_type":"initiative","organisation":3,'
        '"sequence":7,"summary":"Line one\\nline two\\ttab \\u0001","verb":"initiative.updated"}'
    )


@pytest.mark.django_db
def test_entries_with_awkward_text_are_appended_and_verify(
    make_organisation: Callable[..., Organisation],
) -> None:
    # On PostgreSQL the hash is computed in SQL: it must be the one the check computes.
    council = make_organisation("Cyngor Sir Ynys Môn")
    with transaction.atomic():
        for text in ['Quote " backslash \\ tab \t', "Line\nbreak \u2028 \u0007", "😀 Ωmega", ""]:
            entry = audit_record(
                actor=None,
                verb="test.awkward",
                target=council,
                organisation=council,
                summary=text,
                data={"text": text, "nested": {"ü": [1.5, None, True]}, "": 0},
            )
            assert entry.hash == entry_hash(entry.previous_hash, hashed_fields(entry))
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.sequence, stored.hash) == (entry.sequence, entry.hash)
    assert audit_verify() == (AuditEntry.objects.count(), None)
