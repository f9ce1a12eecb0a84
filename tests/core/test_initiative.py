"""Initiative files: valid ones parse; invalid ones are refused with file, line and field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.assessment.initiative import FIELDS, InvalidInitiative, read_initiative

VALID = """\
title: Council and police share ASB case information
purposes: [anti-social-behaviour]
parties:
  - {name: Southmoor Council, type: local-authority, functions: [community-safety], role: both}
  - {name: Southmoor Police, type: police, role: both}
data_subjects: [residents]
data:
  - {category: identifiers, fields: [name, address]}
consent: none
volume: case-by-case
frequency: regular
"""


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidInitiative) as caught:
        read_initiative(text, "mine.yaml")
    return [p.render("mine.yaml") for p in caught.value.problems]


def test_a_valid_file_parses_with_defaults() -> None:
    initiative = read_initiative(VALID, "mine.yaml")
    assert initiative.title == "Council and police share ASB case information"
    assert [p.name for p in initiative.disclosers] == ["Southmoor Council", "Southmoor Police"]
    assert initiative.pseudonymised is False
    assert initiative.law_enforcement is False
    assert initiative.mechanism is None
    assert initiative.assess_on is None


def test_json_is_accepted_too() -> None:
    import yaml

    data = yaml.safe_load(VALID)
    initiative = read_initiative(json.dumps(data), "mine.json")
    assert initiative.purposes == ("anti-social-behaviour",)


def test_an_unknown_code_names_line_field_and_suggests() -> None:
    found = problems(VALID.replace("type: police", "type: polise"))
    assert found == [
        "mine.yaml, line 5, parties[1].type: 'polise' is not one of: local-authority, police, "
        "nhs-trust, icb, gp-practice, nhs-national-body, school, further-education, fire-and-rescue, "
        "probation, youth-offending-team, housing-provider, charity, government-department, "
        'private-company, other-public-body (did you mean "police"?)'
    ]


def test_a_missing_required_field_is_reported() -> None:
    found = problems(VALID.replace("volume: case-by-case\n", ""))
    assert found == ["mine.yaml, line 1, volume: is required but missing"]


def test_an_unknown_field_is_reported_with_a_suggestion() -> None:
    found = problems(VALID + "purpose: [housing]\n")
    assert found == ['mine.yaml, line 12, purpose: is not a known field (did you mean "purposes"?)']


def test_a_list_item_code_is_located_by_index() -> None:
    found = problems(
        VALID.replace(
            "purposes: [anti-social-behaviour]", "purposes:\n  - anti-social-behaviour\n  - gossip"
        )
    )
    assert found[0].startswith("mine.yaml, line 4, purposes[1]: 'gossip' is not one of")


def test_functions_belong_only_to_local_authorities() -> None:
    found = problems(
        VALID.replace(
            "{name: Southmoor Police, type: police,",
            "{name: Southmoor Police, type: police, functions: [housing],",
        )
    )
    assert found == [
        "mine.yaml, line 5, parties[1].functions: applies only to a local authority (type local-authority)"
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        VALID.replace("consent: none", "consent: maybe").replace(
            "frequency: regular", "frequency: hourly"
        )
    )
    assert len(found) == 2


def test_sharing_needs_someone_who_discloses_and_someone_who_receives() -> None:
    found = problems(VALID.replace("role: both}", "role: receives}"))
    assert any("no party discloses" in p for p in found)


def test_two_parties_with_the_same_name_are_refused() -> None:
    found = problems(VALID.replace("Southmoor Police", "Southmoor Council"))
    assert any("two parties are called 'Southmoor Council'" in p for p in found)


def test_a_bad_date_is_refused() -> None:
    found = problems(VALID + "assess_on: 2026-02-30\n")
    assert found == [
        "mine.yaml, line 12, assess_on: must be a date written YYYY-MM-DD, not '2026-02-30'"
    ]


def test_broken_yaml_is_reported_with_its_line() -> None:
    found = problems(
        VALID.replace("purposes: [anti-social-behaviour]", "purposes: [anti-social-behaviour")
    )
    assert found[0].startswith("mine.yaml, line ")
    assert "not valid YAML or JSON" in found[0]


def test_an_empty_file_is_refused() -> None:
    assert problems("") == ["mine.yaml: the file is empty"]


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    assert problems("- just\n- a list\n") == [
        "mine.yaml, line 1: must be a mapping of fields, not a list"
    ]


def test_a_later_format_is_refused() -> None:
    found = problems("format: 2\n" + VALID)
    assert found == ["mine.yaml, line 1, format: must be 1: this version of Accord reads format 1"]


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.dates().map(str)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
_fields = st.sampled_from(FIELDS)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_fields, _values, max_size=10))
def test_no_generated_document_crashes_the_parser(document: dict[str, object]) -> None:
    text = json.dumps(document)
    try:
        read_initiative(text, "generated.json")
    except InvalidInitiative as error:
        assert error.problems  # noqa: PT017 - valid input may parse, so raising is optional


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_no_text_crashes_the_parser(text: str) -> None:
    try:
        read_initiative(text, "generated.yaml")
    except InvalidInitiative as error:
        assert error.problems  # noqa: PT017 - valid input may parse, so raising is optional
