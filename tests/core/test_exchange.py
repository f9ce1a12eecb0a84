"""The exchange decision: the signed terms read from the agreement, and one allow-or-refuse
function that says why and names the clauses."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core.agreement.sections import SECTIONS
from accord.core.exchange.decision import (
    ChannelFacts,
    DatasetTerms,
    DisclosureRequest,
    closures,
    decide,
)
from accord.core.exchange.pseudonyms import new_key, normalise, pseudonym
from accord.core.exchange.terms import (
    ExchangeTerms,
    VolumeLimit,
    clause,
    data_items,
    exchange_terms,
)

FIXTURE = Path(__file__).resolve().parents[1] / "documents" / "fixtures" / "agreement.json"
HOSPITAL, COUNCIL = "Riverside University Hospitals NHS Foundation Trust", "Riverside City Council"
AT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
LIVE = ChannelFacts(status="live")
# The hospital's discharge list: three columns mapped to agreed items, one never shared.
DATASET = DatasetTerms(
    provider="1",
    columns={
        "NHS_NO": "NHS number",
        "SURNAME": "name",
        "MOBILITY": "mobility",
        "RELIGION": "",
    },
)


def content() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())  # type: ignore[no-any-return]


def terms(document: dict[str, Any] | None = None) -> ExchangeTerms:
    return exchange_terms(
        document or content(),
        version=3,
        content_hash="ab" * 32,
        party_keys={HOSPITAL: "1", COUNCIL: "2"},
    )


def pull(**changes: Any) -> DisclosureRequest:
    return replace(
        DisclosureRequest(kind="records", party="2", dataset=DATASET, records=500), **changes
    )


def test_the_terms_are_read_from_the_signed_wording() -> None:
    t = terms()
    assert [(p.key, p.role) for p in t.parties] == [("1", "discloses"), ("2", "receives")]
    assert "NHS number" in t.data_items
    assert "existing care package" in t.data_items
    assert t.purposes == ("direct-care",)
    assert t.start_on == dt.date(2026, 11, 25)
    assert t.end_on is None
    assert t.limit == VolumeLimit(10_000, "day")
    assert t.review_due_on(None) == dt.date(2027, 11, 25)
    assert t.review_due_on(dt.date(2027, 10, 1)) == dt.date(2028, 10, 1)
    assert (t.version, t.content_hash) == (3, "ab" * 32)


def test_a_category_without_listed_fields_is_itself_the_data_item() -> None:
    document = content()
    data = next(s for s in document["sections"] if s["key"] == "data")
    data["values"]["items"].append({"category": "contact", "fields": []})
    assert data_items(document)[-1] == "contact"


def test_an_agreement_drafted_before_limits_has_no_limit() -> None:
    document = content()
    document["sections"] = [s for s in document["sections"] if s["key"] != "limits"]
    assert terms(document).limit is None


def test_clauses_are_numbered_as_in_the_signed_document() -> None:
    assert clause("parties").number == 1
    assert clause("limits").number == [s.key for s in SECTIONS].index("limits") + 1
    assert str(clause("limits")) == f"clause {clause('limits').number} (How much may be shared)"


def test_a_request_within_the_terms_gets_only_the_agreed_columns_and_names_its_clauses() -> None:
    decision = decide(pull(), terms(), LIVE, AT)
    assert decision.allowed
    assert decision.fields == ("NHS_NO", "SURNAME", "MOBILITY")  # never RELIGION
    assert decision.records == 500
    assert {c.key for c in decision.clauses} >= {"parties", "term", "data", "limits"}


def test_asking_for_fewer_fields_narrows_the_disclosure() -> None:
    decision = decide(pull(fields=("SURNAME",)), terms(), LIVE, AT)
    assert decision.allowed
    assert decision.fields == ("SURNAME",)


@pytest.mark.parametrize(
    ("request_changes", "facts", "at", "clause_key", "words"),
    [
        ({"party": "9"}, LIVE, AT, "parties", "not a receiving party"),
        ({"party": "1"}, LIVE, AT, "parties", "not a receiving party"),
        ({}, ChannelFacts(status="signed"), AT, "term", "not live"),
        ({}, ChannelFacts(status="suspended"), AT, "termination", "suspended"),
        ({}, ChannelFacts(status="terminated"), AT, "termination", "terminated"),
        ({}, LIVE, dt.datetime(2026, 11, 1, tzinfo=dt.UTC), "term", "may not start before"),
        ({"credential": "revoked"}, LIVE, AT, "mechanism", "revoked"),
        ({"fields": ("SURNAME", "RELIGION")}, LIVE, AT, "data", "RELIGION"),
        ({"fields": ("BLOOD_GROUP",)}, LIVE, AT, "data", "BLOOD_GROUP"),
        ({"purpose": "marketing"}, LIVE, AT, "purpose", "marketing"),
        ({}, ChannelFacts(status="live", used=10_000), AT, "limits", "10,000 records per day"),
        ({}, ChannelFacts(status="live", evidence_lapsed=(COUNCIL,)), AT, "mechanism", COUNCIL),
        ({}, LIVE, dt.datetime(2027, 11, 26, tzinfo=dt.UTC), "review", "overdue"),
        ({"kind": "lookup", "records": 1}, LIVE, AT, "permitted-uses", "reason"),
    ],
)
def test_every_refusal_names_the_clause_it_rests_on(
    request_changes: dict[str, Any],
    facts: ChannelFacts,
    at: dt.datetime,
    clause_key: str,
    words: str,
) -> None:
    decision = decide(pull(**request_changes), terms(), facts, at)
    assert decision.effect == "deny"
    assert decision.fields == ()
    assert decision.records == 0
    assert clause_key in {c.key for c in decision.clauses}
    assert any(words in r.text for r in decision.reasons), decision.reasons


def test_the_end_date_closes_the_channel() -> None:
    document = content()
    term = next(s for s in document["sections"] if s["key"] == "term")
    term["values"]["end_on"] = "2026-11-30"
    decision = decide(pull(), terms(document), LIVE, AT)
    assert not decision.allowed
    assert decision.first.clause.key == "term"
    assert "ended on 30 November 2026" in decision.first.text


def test_the_last_records_under_the_limit_are_granted_and_no_more() -> None:
    decision = decide(pull(records=500), terms(), ChannelFacts(status="live", used=9_800), AT)
    assert decision.allowed
    assert decision.records == 200


def test_a_match_counts_each_person_asked_about_against_the_limit() -> None:
    keyed = replace(DATASET, key="NHS_NO")
    nearly = ChannelFacts(status="live", used=9_990)
    decision = decide(pull(kind="match", dataset=keyed, records=500), terms(), nearly, AT)
    assert decision.allowed
    assert decision.records == 10
    full = ChannelFacts(status="live", used=10_000)
    assert not decide(pull(kind="match", dataset=keyed), terms(), full, AT).allowed


def test_people_are_found_only_by_an_agreed_column() -> None:
    by_religion = replace(DATASET, key="RELIGION")
    for kind in ("lookup", "match"):
        decision = decide(pull(kind=kind, dataset=by_religion, reason="Visit"), terms(), LIVE, AT)
        assert not decision.allowed
        assert "not an agreed data item" in decision.first.text
    by_nhs_number = replace(DATASET, key="NHS_NO")
    assert decide(
        pull(kind="lookup", dataset=by_nhs_number, reason="Visit"), terms(), LIVE, AT
    ).allowed


def test_data_flows_only_from_a_party_that_signed_to_disclose() -> None:
    from_the_council = replace(DATASET, provider="2")
    decision = decide(pull(party="2", dataset=from_the_council), terms(), LIVE, AT)
    assert not decision.allowed
    from_a_stranger = replace(DATASET, provider="7")
    assert (
        "not a disclosing party"
        in decide(pull(dataset=from_a_stranger), terms(), LIVE, AT).first.text
    )
    a_file = DisclosureRequest(kind="file", party="2", provider="7")
    assert not decide(a_file, terms(), LIVE, AT).allowed
    assert decide(replace(a_file, provider="1"), terms(), LIVE, AT).allowed


def test_the_channel_reopens_when_the_cause_is_put_right() -> None:
    t = terms()
    overdue = dt.date(2027, 12, 1)
    assert [r.clause.key for r in closures(t, LIVE, overdue)] == ["review"]
    reviewed = ChannelFacts(status="live", last_reviewed_on=dt.date(2027, 11, 30))
    assert closures(t, reviewed, overdue) == ()
    lapsed = ChannelFacts(status="live", evidence_lapsed=(HOSPITAL,))
    assert closures(t, lapsed, AT.date())
    assert closures(t, LIVE, AT.date()) == ()


def test_an_unknown_kind_of_disclosure_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        decide(pull(kind="telepathy"), terms(), LIVE, AT)


@given(
    used=st.integers(min_value=0, max_value=20_000),
    wanted=st.integers(min_value=0, max_value=20_000),
    limit=st.integers(min_value=1, max_value=15_000),
)
def test_no_decision_ever_grants_past_the_limit(used: int, wanted: int, limit: int) -> None:
    document = content()
    section = next(s for s in document["sections"] if s["key"] == "limits")
    section["values"]["records"] = limit
    decision = decide(pull(records=wanted), terms(document), ChannelFacts("live", used=used), AT)
    if decision.allowed:
        assert used + decision.records <= limit
        assert decision.records == min(wanted, limit - used)
    else:
        assert used >= limit


@given(st.sets(st.sampled_from(["NHS_NO", "SURNAME", "MOBILITY", "RELIGION", "X"]), min_size=1))
def test_an_allowed_disclosure_never_includes_an_unagreed_column(asked: set[str]) -> None:
    decision = decide(pull(fields=tuple(sorted(asked))), terms(), LIVE, AT)
    agreed = {"NHS_NO", "SURNAME", "MOBILITY"}
    assert decision.allowed == (asked <= agreed)
    assert set(decision.fields) <= agreed


def test_pseudonyms_ignore_spacing_and_case_and_depend_on_the_key() -> None:
    key = new_key()
    assert normalise(" 943 476 5919 ") == "9434765919"
    assert pseudonym(key, "943 476 5919") == pseudonym(key, "9434765919")
    assert pseudonym(key, "A123") == pseudonym(key, "a123")
    assert pseudonym(key, "A123") != pseudonym(new_key(), "A123")
    assert len(pseudonym(key, "A123")) == 64
    # Ten digits, not four characters: 64 random hex digits hold "a123" about once in a
    # thousand keys by chance, but a given ten-digit number about once in 10^11.
    assert "9434765919" not in pseudonym(key, "943 476 5919")


def test_the_fixture_is_not_changed_by_reading_it() -> None:
    document = content()
    before = copy.deepcopy(document)
    terms(document)
    assert document == before
