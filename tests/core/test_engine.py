"""Behaviour of the assessment engine beyond the decision cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from accord.core.assessment import engine
from accord.core.assessment.engine import UnsupportedDate, assess
from accord.core.assessment.initiative import initiative_from_data, read_initiative
from accord.core.assessment.rules.context import Context
from accord.core.assessment.serialise import assessment_to_data
from accord.core.law import Catalogue
from tests.conftest import TODAY, assess_text

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))
CASES = sorted((Path(__file__).parents[1] / "cases").glob("*.yaml"))

ASB = """\
title: Council and police share ASB case information
purposes: [anti-social-behaviour]
parties:
  - {name: Southmoor Council, type: local-authority, functions: [community-safety], role: both}
  - {name: Southmoor Police, type: police, role: both}
data_subjects: [residents]
data:
  - {category: identifiers, fields: [name, address]}
  - {category: health, fields: [mental health needs]}
consent: none
volume: case-by-case
frequency: regular
mechanism: email
"""


def test_every_conclusion_names_its_rule_and_sources(law: Catalogue) -> None:
    data = assessment_to_data(assess_text(ASB, law), law)
    for basis in data["lawful_bases"]:
        assert basis["rule"].startswith("lawful_basis.")
        assert basis["sources"], basis["id"]
        assert all(s["url"].startswith("https://") for s in basis["sources"])
    for gateway in data["gateways"]:
        assert gateway["sources"][0]["id"] == gateway["id"]


def test_json_has_the_documented_keys(law: Catalogue) -> None:
    data = assessment_to_data(assess_text(ASB, law), law)
    assert data["format"] == "accord.assessment/1"
    for key in [
        "assessed_on",
        "law_version",
        "verdict",
        "summary",
        "lawful_bases",
        "special_category",
        "criminal_offence",
        "law_enforcement",
        "gateways",
        "confidentiality",
        "necessity",
        "fairness",
        "dpia",
        "mechanisms",
        "actions",
    ]:
        assert key in data
    assert set(data["lawful_bases"][0]) >= {
        "id",
        "label",
        "status",
        "parties",
        "reasons",
        "sources",
    }
    assert set(data["special_category"]) >= {"required", "conditions"}
    condition = data["special_category"]["conditions"][0]
    assert set(condition) >= {"id", "label", "status", "schedule_1", "reasons", "sources"}
    assert set(data["gateways"][0]) >= {
        "id",
        "act",
        "section",
        "kind",
        "status",
        "reasons",
        "sources",
    }
    assert {m["status"] for m in data["mechanisms"]} <= {
        "recommended",
        "acceptable",
        "discouraged",
        "not-allowed",
    }


def test_plain_email_is_refused_for_health_data_and_the_action_says_so(law: Catalogue) -> None:
    a = assess_text(ASB, law)
    email = next(m for m in a.mechanisms if m.id == "email")
    assert email.status == "not-allowed"
    change = next(action for action in a.actions if action.code == "change-mechanism")
    assert change.required
    assert a.verdict == "yes-if"


def test_plain_email_is_only_discouraged_for_small_non_sensitive_data(law: Catalogue) -> None:
    text = ASB.replace("  - {category: health, fields: [mental health needs]}\n", "")
    email = next(m for m in assess_text(text, law).mechanisms if m.id == "email")
    assert email.status == "discouraged"


def test_plain_email_is_refused_for_bulk_data_even_if_not_sensitive(law: Catalogue) -> None:
    text = ASB.replace("  - {category: health, fields: [mental health needs]}\n", "").replace(
        "volume: case-by-case", "volume: bulk"
    )
    email = next(m for m in assess_text(text, law).mechanisms if m.id == "email")
    assert email.status == "not-allowed"


def test_the_date_decides_which_law_applies(law: Catalogue) -> None:
    charity = ASB.replace("type: local-authority, functions: [community-safety]", "type: charity")
    before = assess_text(charity + "assess_on: 2026-02-04\n", law)
    after = assess_text(charity + "assess_on: 2026-02-05\n", law)
    assert "eur/2016/679/article/6/1/ea" not in {b.id for b in before.lawful_bases}
    assert "eur/2016/679/article/6/1/ea" in {b.id for b in after.lawful_bases if b.is_available}
    assert before.assessed_on == dt.date(2026, 2, 4)


def test_dates_before_uk_gdpr_are_refused(law: Catalogue) -> None:
    with pytest.raises(UnsupportedDate, match="before 2021-01-01"):
        assess_text(ASB + "assess_on: 2019-06-01\n", law)


def test_the_same_input_gives_the_same_assessment(law: Catalogue) -> None:
    first = assessment_to_data(assess_text(ASB, law), law)
    second = assessment_to_data(assess_text(ASB, law), law)
    assert first == second


def test_part_3_applies_only_with_a_competent_authority(law: Catalogue) -> None:
    no_police = ASB.replace("type: police", "type: charity") + "law_enforcement: true\n"
    a = assess_text(no_police, law)
    assert not a.law_enforcement.applies
    assert "no party is a competent authority" in a.law_enforcement.reasons[0]


def test_the_special_category_verdict_is_no_when_no_condition_fits(law: Catalogue) -> None:
    text = """\
title: Sell patient list
purposes: [direct-marketing]
parties:
  - {name: Acme Ltd, type: private-company, role: discloses}
  - {name: Beta Ltd, type: private-company, role: receives}
data_subjects: [patients]
data: [{category: health}]
consent: none
volume: bulk
frequency: one-off
"""
    a = assess_text(text, law)
    assert a.verdict == "no"
    assert "no Art 9(2) condition" in a.summary


def _all_initiatives() -> list[tuple[str, Any]]:
    found = [(path.name, yaml.safe_load(path.read_text())) for path in EXAMPLES]
    found += [(path.name, yaml.safe_load(path.read_text())["initiative"]) for path in CASES]
    return found


@pytest.mark.parametrize("on", [dt.date(2026, 1, 1), TODAY])
def test_every_id_the_rules_cite_is_in_the_knowledge_base(
    law: Catalogue, monkeypatch: pytest.MonkeyPatch, on: dt.date
) -> None:
    """Rules cite ids as strings; a typo would silently drop a source, so check them all."""
    missing: set[str] = set()
    original = Context.cite

    def recording_cite(self: Context, *ids: str) -> tuple[str, ...]:
        missing.update(i for i in ids if i not in law.everything)
        return original(self, *ids)

    monkeypatch.setattr(Context, "cite", recording_cite)
    for name, data in _all_initiatives():
        data = {**data, "assess_on": on}
        engine.assess(initiative_from_data(data, name), law)
    assert not missing


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_is_assessed(path: Path, law: Catalogue) -> None:
    a = assess(read_initiative(path.read_text(), path.name), law, today=TODAY)
    assert a.verdict in ("yes", "yes-if", "no")
    assert a.summary
