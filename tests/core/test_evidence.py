"""Security evidence: what each party must show, and whether what it holds is current."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core import codes
from accord.core.evidence import (
    CERTIFIED_SECURITY,
    DSPT,
    EVIDENCE_KINDS,
    EXPIRY_REQUIRED,
    ICO_REGISTRATION,
    IG_TRAINING,
    POLICY,
    EvidenceFact,
    Requirement,
    all_current,
    date_problems,
    evaluate,
    fact_state,
    requirements_for,
)

TODAY = dt.date(2026, 11, 25)
LAST_YEAR = dt.date(2025, 12, 1)


def fact(kind: str, expires_on: dt.date | None, issued_on: dt.date = LAST_YEAR) -> EvidenceFact:
    return EvidenceFact(kind=kind, issued_on=issued_on, expires_on=expires_on, reference="R1")


def security(requirements: tuple[Requirement, ...]) -> Requirement:
    (found,) = [r for r in requirements if r.code == "security-assurance"]
    return found


def test_every_kind_has_a_label_a_description_and_an_https_source() -> None:
    assert set(EVIDENCE_KINDS) == {
        "dspt",
        "cyber-essentials",
        "cyber-essentials-plus",
        "iso-27001",
        "ico-registration",
        "ig-training",
        "dpia",
        "policy",
    }
    for kind in EVIDENCE_KINDS.values():
        assert kind.label
        assert len(kind.description) > 40
        assert kind.url.startswith("https://")
    assert EVIDENCE_KINDS["dspt"].url == "https://www.dsptoolkit.nhs.uk/"
    assert EVIDENCE_KINDS["cyber-essentials-plus"].url == (
        "https://www.ncsc.gov.uk/cyberessentials/overview"
    )


@pytest.mark.parametrize("party_type", codes.PARTY_TYPES)
def test_every_party_shows_its_ico_registration_training_policy_and_one_security_assurance(
    party_type: str,
) -> None:
    requirements = requirements_for(party_type, (), ("identifiers",))
    assert [r.code for r in requirements] == [
        "ico-registration",
        "security-assurance",
        "ig-training",
        "policy",
    ]
    assert ICO_REGISTRATION in requirements
    assert IG_TRAINING in requirements
    assert POLICY in requirements


@pytest.mark.parametrize("nhs_type", sorted(codes.HEALTH_AND_CARE_TYPES))
def test_nhs_bodies_must_show_the_dspt_whatever_is_shared(nhs_type: str) -> None:
    assert security(requirements_for(nhs_type, (), ())) == DSPT
    assert DSPT.any_of == frozenset({"dspt"})


@pytest.mark.parametrize(
    ("functions", "categories", "needs_dspt"),
    [
        (["adult-social-care"], ["health"], True),
        (["childrens-services", "education"], ["social-care", "identifiers"], True),
        (["public-health"], ["health"], True),
        (["adult-social-care"], ["identifiers", "financial"], False),  # no health or care data
        (["education", "housing"], ["health"], False),  # no care function
        ([], ["health", "social-care"], False),
    ],
)
def test_a_council_needs_the_dspt_only_when_its_care_functions_share_health_or_care_data(
    functions: list[str], categories: list[str], needs_dspt: bool
) -> None:
    expected = DSPT if needs_dspt else CERTIFIED_SECURITY
    assert security(requirements_for("local-authority", functions, categories)) == expected


def test_other_bodies_may_show_any_recognised_certificate_even_for_health_data() -> None:
    requirement = security(requirements_for("police", (), ["health", "criminal-offence"]))
    assert requirement == CERTIFIED_SECURITY
    assert requirement.any_of == frozenset(
        {"cyber-essentials", "cyber-essentials-plus", "iso-27001", "dspt"}
    )


def test_an_unknown_organisation_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown organisation type"):
        requirements_for("pub", (), ())


@pytest.mark.parametrize("kind", sorted(EXPIRY_REQUIRED))
def test_certificates_and_registrations_must_have_an_expiry_date(kind: str) -> None:
    assert "expires_on" in date_problems(kind, LAST_YEAR, None)
    with pytest.raises(ValueError, match="Enter the expiry date"):
        EvidenceFact(kind, LAST_YEAR, None)


@pytest.mark.parametrize("kind", ["policy", "ig-training", "dpia"])
def test_policies_training_and_dpias_may_have_no_expiry(kind: str) -> None:
    assert date_problems(kind, LAST_YEAR, None) == {}
    assert fact_state(fact(kind, None), TODAY) == "current"


def test_an_expiry_before_the_issue_date_is_refused() -> None:
    problems = date_problems("iso-27001", TODAY, TODAY - dt.timedelta(days=1))
    assert problems == {"expires_on": "The expiry date must be the same as or after the issue date"}
    assert date_problems("iso-27001", TODAY, TODAY) == {}


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        date_problems("passport", TODAY, None)


@pytest.mark.parametrize(
    ("expires_on", "state"),
    [
        (TODAY - dt.timedelta(days=1), "expired"),
        (TODAY, "expiring"),  # valid up to and including its expiry date
        (TODAY + dt.timedelta(days=30), "expiring"),
        (TODAY + dt.timedelta(days=31), "current"),
        (TODAY + dt.timedelta(days=365), "current"),
    ],
)
def test_evidence_is_valid_up_to_and_including_its_expiry_date(
    expires_on: dt.date, state: str
) -> None:
    assert fact_state(fact("cyber-essentials", expires_on), TODAY) == state
    (status,) = evaluate([CERTIFIED_SECURITY], [fact("cyber-essentials", expires_on)], TODAY)
    assert status.state == state
    assert status.is_met is (state != "expired")


def test_the_expiring_window_can_be_changed() -> None:
    in_45_days = fact("iso-27001", TODAY + dt.timedelta(days=45))
    assert fact_state(in_45_days, TODAY) == "current"
    assert fact_state(in_45_days, TODAY, expiring_within_days=60) == "expiring"
    (status,) = evaluate([CERTIFIED_SECURITY], [in_45_days], TODAY, expiring_within_days=60)
    assert status.state == "expiring"


def test_a_requirement_with_no_evidence_of_its_kinds_is_missing() -> None:
    facts = [fact("cyber-essentials", TODAY + dt.timedelta(days=200)), fact("policy", None)]
    statuses = evaluate([DSPT, POLICY, ICO_REGISTRATION], facts, TODAY)
    assert [(s.requirement, s.state, s.fact) for s in statuses] == [
        (DSPT, "missing", None),  # Cyber Essentials does not stand in for the DSPT
        (POLICY, "current", facts[1]),
        (ICO_REGISTRATION, "missing", None),
    ]
    assert not all_current(statuses)


def test_the_evidence_relied_on_is_the_one_that_expires_latest() -> None:
    expired_iso = fact("iso-27001", TODAY - dt.timedelta(days=10))
    expiring_ce = fact("cyber-essentials", TODAY + dt.timedelta(days=5))
    current_dspt = fact("dspt", TODAY + dt.timedelta(days=200))
    (status,) = evaluate([CERTIFIED_SECURITY], [expired_iso, current_dspt, expiring_ce], TODAY)
    assert status.state == "current"
    assert status.fact == current_dspt
    (status,) = evaluate([CERTIFIED_SECURITY], [expired_iso, expiring_ce], TODAY)
    assert (status.state, status.fact) == ("expiring", expiring_ce)
    (status,) = evaluate([CERTIFIED_SECURITY], [expired_iso], TODAY)
    assert (status.state, status.fact) == ("expired", expired_iso)


def test_evidence_without_expiry_beats_evidence_with_one() -> None:
    old_policy = fact("policy", TODAY + dt.timedelta(days=3))
    open_policy = fact("policy", None, issued_on=dt.date(2020, 1, 1))
    (status,) = evaluate([POLICY], [old_policy, open_policy], TODAY)
    assert (status.state, status.fact) == ("current", open_policy)


def test_evidence_issued_after_the_day_does_not_count_yet() -> None:
    future = fact("ig-training", None, issued_on=TODAY + dt.timedelta(days=1))
    (status,) = evaluate([IG_TRAINING], [future], TODAY)
    assert status.state == "missing"


def test_all_current_counts_expiring_evidence_but_not_expired_or_missing() -> None:
    soon = TODAY + dt.timedelta(days=3)
    facts = [
        fact("ico-registration", soon),
        fact("cyber-essentials", TODAY + dt.timedelta(days=300)),
        fact("ig-training", None),
        fact("policy", None),
    ]
    requirements = requirements_for("local-authority", ["housing"], ["identifiers"])
    statuses = evaluate(requirements, facts, TODAY)
    assert [s.state for s in statuses] == ["expiring", "current", "current", "current"]
    assert all_current(statuses)
    assert not all_current(evaluate(requirements, facts, soon + dt.timedelta(days=1)))
    assert not all_current(evaluate(requirements, facts[1:], TODAY))
    assert all_current(())


_kinds = st.sampled_from(sorted(EVIDENCE_KINDS))
_days = st.integers(min_value=-800, max_value=800)


@st.composite
def _facts(draw: st.DrawFn) -> EvidenceFact:
    kind = draw(_kinds)
    issued = TODAY + dt.timedelta(days=draw(_days))
    no_expiry = kind not in EXPIRY_REQUIRED and draw(st.booleans())
    expires = None if no_expiry else issued + dt.timedelta(days=draw(st.integers(0, 1200)))
    return EvidenceFact(kind, issued, expires, "")


@settings(max_examples=300, deadline=None)
@given(st.lists(_facts(), max_size=8))
def test_a_requirement_is_met_exactly_when_some_issued_evidence_is_still_valid(
    facts: list[EvidenceFact],
) -> None:
    requirements = requirements_for("local-authority", ["adult-social-care"], ["health"])
    for status in evaluate(requirements, facts, TODAY):
        usable = [f for f in facts if f.kind in status.requirement.any_of and f.issued_on <= TODAY]
        valid = [f for f in usable if f.expires_on is None or f.expires_on >= TODAY]
        assert status.is_met is bool(valid)
        assert (status.state == "missing") is (not usable)
        if status.fact is not None:
            assert status.fact in usable
            assert all(
                status.fact.expires_on is None
                or (f.expires_on is not None and f.expires_on <= status.fact.expires_on)
                for f in usable
            )
