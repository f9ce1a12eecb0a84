"""Decision cases: initiatives with what the law says the assessment must conclude.

Each YAML file in this folder is one case, named as a sentence; docs/decision-cases.md gives the
format. Expectations come from legislation and real published agreements, never from what the
engine prints: a failure means the engine or the case is wrong, and the source decides which.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.core.assessment.engine import assess
from accord.core.assessment.initiative import initiative_from_data
from accord.core.assessment.outcome import Assessment
from accord.core.law import Catalogue

CASES = sorted(Path(__file__).parent.glob("*.yaml"))
TODAY = dt.date(2026, 11, 25)
KNOWN_KEYS = {
    "verdict",
    "lawful_bases",
    "lawful_bases_unavailable",
    "special_category",
    "criminal_offence",
    "law_enforcement",
    "gateways",
    "gateways_recommended",
    "gateways_absent",
    "mechanisms",
    "dpia_required",
    "actions",
}


def load_case(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return case


@pytest.fixture(scope="module", params=CASES, ids=[path.stem for path in CASES])
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load_case(request.param)


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


def test_the_case(case: dict[str, Any], law: Catalogue) -> None:
    expect = case["expect"]
    assert set(expect) <= KNOWN_KEYS, f"unknown expectation keys: {set(expect) - KNOWN_KEYS}"
    assessment = assess(initiative_from_data(case["initiative"], case["name"]), law, today=TODAY)
    failures = list(check(expect, assessment))
    assert not failures, f"{case['name']}:\n  " + "\n  ".join(failures)


def _offered(findings: Any) -> set[str]:
    return {f.id for f in findings if f.status in ("recommended", "possible")}


def check(expect: dict[str, Any], a: Assessment) -> Any:
    if "verdict" in expect and a.verdict != expect["verdict"]:
        yield f"verdict is {a.verdict!r}, expected {expect['verdict']!r} ({a.summary})"
    for wanted in expect.get("lawful_bases", []):
        matches = [
            b
            for b in a.lawful_bases
            if b.id == wanted["id"] and ("party" not in wanted or wanted["party"] in b.parties)
        ]
        statuses = {b.status for b in matches}
        if not matches or ("status" in wanted and wanted["status"] not in statuses):
            yield f"lawful basis {wanted} not found; got {statuses or 'nothing'}"
    for wanted in expect.get("lawful_bases_unavailable", []):
        offered = [
            b
            for b in a.lawful_bases
            if b.id == wanted["id"]
            and b.is_available
            and ("party" not in wanted or wanted["party"] in b.parties)
        ]
        if offered:
            yield f"lawful basis {wanted} should be unavailable, but is {offered[0].status}"
    for key, section in (
        ("special_category", a.special_category),
        ("criminal_offence", a.criminal_offence),
    ):
        wanted = expect.get(key)
        if not wanted:
            continue
        if "required" in wanted and section.applies != wanted["required"]:
            yield f"{key}.required is {section.applies}, expected {wanted['required']}"
        offered = [f for f in section.findings if f.is_available]
        missing = set(wanted.get("conditions", [])) - {f.id for f in offered}
        if missing:
            yield f"{key} conditions missing: {sorted(missing)}; offered {[f.id for f in offered]}"
        paragraphs = {d.id for f in offered for d in f.details} | {f.id for f in offered}
        missing = set(wanted.get("schedule_1", [])) - paragraphs
        if missing:
            yield f"{key} Schedule 1 paragraphs missing: {sorted(missing)}; offered {sorted(paragraphs)}"
    wanted = expect.get("law_enforcement")
    if wanted:
        if "applies" in wanted and a.law_enforcement.applies != wanted["applies"]:
            yield f"law_enforcement.applies is {a.law_enforcement.applies}, expected {wanted['applies']}"
        missing = set(wanted.get("schedule_8", [])) - _offered(a.law_enforcement.findings)
        if missing:
            yield f"Schedule 8 conditions missing: {sorted(missing)}"
    offered_gateways = _offered(a.gateways)
    missing = set(expect.get("gateways", [])) - offered_gateways
    if missing:
        yield f"gateways missing: {sorted(missing)}; offered {sorted(offered_gateways)}"
    recommended = {g.id for g in a.gateways if g.status == "recommended"}
    missing = set(expect.get("gateways_recommended", [])) - recommended
    if missing:
        yield f"gateways not recommended: {sorted(missing)}"
    present = set(expect.get("gateways_absent", [])) & offered_gateways
    if present:
        yield f"gateways that must not be offered: {sorted(present)}"
    statuses = {m.id: m.status for m in a.mechanisms}
    for mechanism, status in expect.get("mechanisms", {}).items():
        if statuses.get(mechanism) != status:
            yield f"mechanism {mechanism} is {statuses.get(mechanism)}, expected {status}"
    if "dpia_required" in expect and a.dpia.applies != expect["dpia_required"]:
        yield f"dpia required is {a.dpia.applies}, expected {expect['dpia_required']}"
    codes = {action.code for action in a.actions}
    missing = set(expect.get("actions", [])) - codes
    if missing:
        yield f"actions missing: {sorted(missing)}; got {sorted(codes)}"
