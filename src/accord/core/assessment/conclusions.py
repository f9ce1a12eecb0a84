"""The conclusions a person accepts or overrides: each recommended option of an assessment.

Built from the assessment as data (format accord.assessment/1), which is what the web
application stores, so the list can be rebuilt from any stored assessment without re-running it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

TOPICS = {
    "lawful-basis": "Lawful basis",
    "special-category": "Special category condition",
    "criminal-offence": "Criminal offence condition",
    "law-enforcement": "Law enforcement condition",
    "gateway": "Statutory gateway",
    "confidentiality": "Duty of confidentiality",
    "purpose-limitation": "Re-use for a new purpose",
}


@dataclass(frozen=True, slots=True)
class Conclusion:
    key: str  # stable within one assessment: "<topic>:<provision id>"
    topic: str
    provision_id: str
    statement: str
    reasons: tuple[str, ...]

    @property
    def topic_label(self) -> str:
        return TOPICS[self.topic]


def conclusions_from_data(data: Mapping[str, Any]) -> tuple[Conclusion, ...]:
    """Every recommended finding in the parts of the assessment that apply."""
    return tuple(_conclusions(data))


def _conclusions(data: Mapping[str, Any]) -> Iterator[Conclusion]:
    for finding in data["lawful_bases"]:
        yield from _recommended("lawful-basis", finding, _for_parties(finding))
    special = data["special_category"]
    if special["required"]:
        for finding in special["conditions"]:
            yield from _recommended("special-category", finding, " meets Art 9")
    criminal = data["criminal_offence"]
    if criminal["required"]:
        for finding in criminal["conditions"]:
            yield from _recommended("criminal-offence", finding, " meets Art 10")
    enforcement = data["law_enforcement"]
    if enforcement["applies"]:
        for finding in enforcement["schedule_8"]:
            yield from _recommended("law-enforcement", finding, " meets DPA 2018 s.35")
    for finding in data["gateways"]:
        yield from _recommended("gateway", finding, _for_parties(finding))
    confidentiality = data["confidentiality"]
    if confidentiality["applies"]:
        for finding in confidentiality["routes"]:
            yield from _recommended("confidentiality", finding, " sets aside the duty")
    reuse = data["purpose_limitation"]
    if reuse["applies"]:
        for finding in reuse["conditions"]:
            yield from _recommended("purpose-limitation", finding, " makes the re-use compatible")


def _for_parties(finding: Mapping[str, Any]) -> str:
    parties = finding.get("parties") or []
    return f" for {', '.join(parties)}" if parties else ""


def _recommended(topic: str, finding: Mapping[str, Any], tail: str) -> Iterator[Conclusion]:
    if finding["status"] != "recommended":
        return
    yield Conclusion(
        key=f"{topic}:{finding['id']}",
        topic=topic,
        provision_id=finding["id"],
        statement=f"{finding['label']}{tail}",
        reasons=tuple(finding["reasons"]),
    )
