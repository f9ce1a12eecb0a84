"""The agreement as data: sections, drafting, hashing, changes, differences and sign-off rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.core.agreement.case import case_for_sharing
from accord.core.agreement.sections import SECTIONS
from accord.core.agreement.signoff import (
    Given,
    PartyFacts,
    SignatureRefused,
    check_signature,
    required_signatories,
    signoff_state,
)
from accord.core.agreement.versions import (
    ChangeRefused,
    apply_change,
    canonical_json,
    compare,
    content_hash,
)

FIXTURE = Path(__file__).resolve().parents[1] / "documents" / "fixtures" / "agreement.json"


@pytest.fixture
def content() -> dict:  # type: ignore[type-arg]
    return json.loads(FIXTURE.read_text())  # type: ignore[no-any-return]


def test_the_hash_is_of_canonical_json_so_key_order_does_not_matter(content: dict) -> None:  # type: ignore[type-arg]
    shuffled = json.loads(json.dumps(content, sort_keys=False))
    shuffled = dict(reversed(list(shuffled.items())))
    assert content_hash(shuffled) == content_hash(content)
    assert canonical_json(content).decode().startswith('{"format":"accord.agreement/1"')
    changed = copy.deepcopy(content)
    changed["sections"][1]["text"] += "."
    assert content_hash(changed) != content_hash(content)


def test_every_section_in_the_catalogue_is_drafted_in_order(content: dict) -> None:  # type: ignore[type-arg]
    assert [s["key"] for s in content["sections"]] == [s.key for s in SECTIONS]


def test_a_change_replaces_one_section_and_checks_its_values(content: dict) -> None:  # type: ignore[type-arg]
    changed = apply_change(
        content, "retention", "Six months.", {"months": "6", "end_action": "return"}
    )
    retention = next(s for s in changed["sections"] if s["key"] == "retention")
    assert retention == {
        **retention,
        "text": "Six months.",
        "values": {"months": 6, "end_action": "return"},
    }
    assert content["sections"] != changed["sections"]  # the original is untouched
    with pytest.raises(ChangeRefused) as refused:
        apply_change(content, "retention", "", {"months": "0", "end_action": "burn"})
    assert set(refused.value.errors) == {"text", "months", "end_action"}
    with pytest.raises(ChangeRefused):
        apply_change(content, "permitted-uses", "x", {"codes": ["sell"]})  # a prohibited use
    with pytest.raises(ChangeRefused) as refused:
        apply_change(content, "data", "All the data", {})
    assert "refresh the draft" in refused.value.errors["section"]


def test_differences_are_marked_word_by_word(content: dict) -> None:  # type: ignore[type-arg]
    changed = apply_change(
        content, "breaches", "Tell the others within 12 hours.", {"notify_hours": 12}
    )
    diffs = {d.key: d for d in compare(content, changed)}
    assert [k for k, d in diffs.items() if d.changed] == ["breaches"]
    rows = [r for r in diffs["breaches"].rows if r.change != "same"]
    removed = "".join(p.text for r in rows for p in r.left if p.change == "removed")
    added = "".join(p.text for r in rows for p in r.right if p.change == "added")
    assert "24" in removed
    assert "12" in added


@given(st.text(max_size=200), st.text(max_size=200))
def test_a_difference_keeps_every_word_of_both_sides(old: str, new: str) -> None:
    base = {"sections": [{"key": "purpose", "title": "Purpose", "text": old, "values": {}}]}
    other = {"sections": [{"key": "purpose", "title": "Purpose", "text": new, "values": {}}]}
    (diff,) = compare(base, other)
    left = "\n".join("".join(p.text for p in r.left) for r in diff.rows if r.change != "added")
    right = "\n".join("".join(p.text for p in r.right) for r in diff.rows if r.change != "removed")
    assert left == old
    assert right == new


def test_who_signs_depends_on_the_party_and_the_data() -> None:
    trust = PartyFacts("Trust", "nhs-trust")
    council = PartyFacts("Council", "local-authority", ("adult-social-care",))
    charity = PartyFacts("Charity", "charity")
    health = {
        (s.party, s.role, s.kind)
        for s in required_signatories([trust, council, charity], ["health"])
    }
    assert health == {
        ("Trust", "siro", "sign"),
        ("Trust", "caldicott-guardian", "sign"),
        ("Trust", "dpo", "consult"),
        ("Council", "siro", "sign"),
        ("Council", "caldicott-guardian", "sign"),
        ("Council", "dpo", "consult"),
        (
            "Charity",
            "siro",
            "sign",
        ),  # not a public authority: no DPO required; no Caldicott Guardian
    }
    plain = {(s.party, s.role) for s in required_signatories([council], ["identifiers"])}
    assert plain == {("Council", "siro"), ("Council", "dpo")}


def test_only_signatures_on_this_version_count() -> None:
    required = required_signatories([PartyFacts("A", "charity"), PartyFacts("B", "charity")], [])
    state = signoff_state(required, [Given("A", "siro", "old"), Given("B", "siro", "new")], "new")
    assert [s.party for s in state.signed] == ["B"]
    assert [s.party for s in state.waiting] == ["A"]
    assert not state.complete


def test_a_signature_is_refused_for_the_right_reason() -> None:
    (signatory,) = required_signatories([PartyFacts("A", "charity")], [])
    ok = {
        "signatory": signatory,
        "signed_hash": "h",
        "current_hash": "h",
        "already_signed": False,
        "evidence_blockers": [],
    }
    check_signature(**ok)  # type: ignore[arg-type]
    for change, words in (
        ({"signed_hash": "old"}, "superseded"),
        ({"signatory": None}, "not one that signs"),
        ({"already_signed": True}, "already has"),
        ({"evidence_blockers": ["B's Cyber Essentials evidence has expired"]}, "expired"),
    ):
        with pytest.raises(SignatureRefused, match=words):
            check_signature(**{**ok, **change})  # type: ignore[arg-type]


def test_the_case_for_sharing_says_only_what_was_established() -> None:
    initiative = {
        "summary": "Tell the council.",
        "purposes": ["education"],
        "data": [{"category": "identifiers", "fields": ["name"]}],
    }
    case = case_for_sharing(initiative=initiative, assessment=None, mechanism="api")
    assert case.legal_basis == ()
    assert case.purpose == "Tell the council."
    assert case.data == ("Identifiers: name",)
    assert any("API" in s for s in case.safeguards)
    assert not any("impact assessment" in s for s in case.safeguards)
