"""The pure rules behind the web application: access, task statuses, DPIA scoring, audit chain."""

from __future__ import annotations

import dataclasses

import pytest

from accord.core import access, dpia, journey
from accord.core.audit import GENESIS, StoredEntry, entry_hash, first_broken

NOTHING = frozenset[str]()


@pytest.mark.parametrize(
    ("action", "lead", "party", "allowed"),
    [
        ("initiative.view", {"viewer"}, set(), True),
        ("initiative.view", set(), {"viewer"}, True),
        ("initiative.view", set(), set(), False),
        ("initiative.edit", {"ig-officer"}, set(), True),
        ("initiative.edit", set(), {"ig-officer"}, False),
        ("initiative.edit", {"dpo", "siro", "viewer", "org-admin"}, set(), False),
        ("dpia.advise", {"dpo"}, set(), True),
        ("dpia.advise", {"ig-officer"}, {"dpo"}, False),
        ("dpia.respond-to-advice", {"siro"}, set(), True),
        ("mechanism.choose", {"caldicott-guardian"}, set(), False),
    ],
)
def test_who_may_do_what(action: str, lead: set[str], party: set[str], allowed: bool) -> None:
    assert access.may(action, lead_roles=frozenset(lead), party_roles=frozenset(party)) is allowed


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        access.may("initiative.delete", lead_roles=NOTHING, party_roles=NOTHING)


def test_signatories_and_administrators_need_mfa() -> None:
    assert access.requires_mfa(frozenset({"siro"}), is_site_admin=False)
    assert access.requires_mfa(frozenset({"caldicott-guardian"}), is_site_admin=False)
    assert access.requires_mfa(frozenset({"org-admin"}), is_site_admin=False)
    assert access.requires_mfa(NOTHING, is_site_admin=True)
    assert not access.requires_mfa(frozenset({"ig-officer", "dpo", "viewer"}), is_site_admin=False)


@pytest.mark.parametrize(
    ("likelihood", "severity", "level"),
    [
        ("remote", "minimal", "low"),
        ("possible", "minimal", "low"),
        ("remote", "significant", "low"),
        ("possible", "significant", "medium"),
        ("probable", "minimal", "medium"),
        ("remote", "severe", "medium"),
        ("probable", "significant", "high"),
        ("possible", "severe", "high"),
        ("probable", "severe", "high"),
    ],
)
def test_dpia_risk_levels(likelihood: str, severity: str, level: str) -> None:
    assert dpia.risk_level(likelihood, severity) == level


def test_a_high_residual_risk_needs_prior_consultation() -> None:
    assert dpia.needs_prior_consultation(["low", "high"])
    assert not dpia.needs_prior_consultation(["low", "medium"])
    with pytest.raises(ValueError, match="likelihood"):
        dpia.risk_level("likely", "severe")


DONE = journey.JourneyFacts(
    description_confirmed=True,
    has_assessment=True,
    assessment_is_current=True,
    verdict="yes-if",
    conclusions=3,
    conclusions_decided=3,
    questions=8,
    questions_answered=8,
    unfavourable_answers=(),
    dpia_needed=True,
    dpia_complete=True,
    mechanism_chosen=True,
)


def _statuses(facts: journey.JourneyFacts) -> dict[str, str]:
    return {task.key: task.status for task in journey.tasks(facts)}


def test_a_finished_journey_opens_the_agreement_step() -> None:
    tasks = {task.key: task for task in journey.tasks(DONE)}
    assert [t.status for k, t in tasks.items() if k not in ("agreement", "go-live")] == [
        journey.COMPLETED
    ] * 4
    assert tasks["agreement"].status == journey.NOT_STARTED
    assert "Ready for an agreement" in tasks["agreement"].hint
    assert tasks["go-live"].status == journey.CANNOT_START


def test_an_agreement_in_negotiation_says_how_many_signatures_it_waits_for() -> None:
    facts = dataclasses.replace(DONE, agreement_status="negotiating", signatures_waiting=3)
    tasks = {task.key: task for task in journey.tasks(facts)}
    assert tasks["agreement"].status == journey.IN_PROGRESS
    assert tasks["agreement"].hint == "Waiting for 3 to sign."
    assert tasks["go-live"].status == journey.CANNOT_START


def test_a_signed_agreement_completes_the_step_and_opens_go_live() -> None:
    facts = dataclasses.replace(DONE, agreement_status="signed")
    assert _statuses(facts)["agreement"] == journey.COMPLETED
    assert _statuses(facts)["go-live"] == journey.NOT_STARTED


def test_a_new_initiative_can_only_be_described() -> None:
    facts = dataclasses.replace(
        DONE, description_confirmed=False, has_assessment=False, assessment_is_current=False
    )
    assert _statuses(facts) == {
        "describe": journey.IN_PROGRESS,
        "legal-basis": journey.CANNOT_START,
        "fairness": journey.CANNOT_START,
        "mechanism": journey.CANNOT_START,
        "agreement": journey.CANNOT_START,
        "go-live": journey.CANNOT_START,
    }


def test_a_stale_assessment_reopens_legal_basis_and_blocks_what_depends_on_it() -> None:
    statuses = _statuses(dataclasses.replace(DONE, assessment_is_current=False))
    assert statuses["legal-basis"] == journey.IN_PROGRESS
    assert statuses["fairness"] == journey.CANNOT_START
    assert statuses["mechanism"] == journey.CANNOT_START


def test_unfair_answers_or_no_lawful_route_block_the_agreement() -> None:
    unfair = journey.tasks(dataclasses.replace(DONE, unfavourable_answers=("fairness.ethical",)))
    assert "if it is not fair, it is not lawful" in unfair[4].hint
    no_route = journey.tasks(dataclasses.replace(DONE, verdict="no"))
    assert "no lawful route" in no_route[4].hint


def test_fairness_needs_every_answer_and_a_finished_dpia() -> None:
    assert (
        _statuses(dataclasses.replace(DONE, questions_answered=7))["fairness"]
        == journey.IN_PROGRESS
    )
    assert (
        _statuses(dataclasses.replace(DONE, dpia_complete=False))["fairness"] == journey.IN_PROGRESS
    )
    assert (
        _statuses(dataclasses.replace(DONE, dpia_needed=False, dpia_complete=False))["fairness"]
        == journey.COMPLETED
    )
    assert (
        _statuses(dataclasses.replace(DONE, questions_answered=0, dpia_needed=None))["fairness"]
        == journey.NOT_STARTED
    )


def _chain(n: int) -> list[StoredEntry]:
    entries, previous = [], GENESIS
    for sequence in range(1, n + 1):
        fields = {"sequence": sequence, "verb": "x.y", "summary": f"entry {sequence}"}
        digest = entry_hash(previous, fields)
        entries.append(StoredEntry(sequence, fields, previous, digest))
        previous = digest
    return entries


def test_the_chain_verifies_and_names_the_first_broken_entry() -> None:
    entries = _chain(5)
    assert first_broken(entries) is None
    tampered = list(entries)
    tampered[2] = dataclasses.replace(entries[2], fields={**entries[2].fields, "summary": "x"})
    broken = first_broken(tampered)
    assert broken is not None
    assert broken.sequence == 3
    gap = first_broken(entries[:2] + entries[3:])
    assert gap is not None
    assert gap.sequence == 4
