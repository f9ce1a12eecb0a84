"""The case for sharing: what a partner reads before joining, generated from the initiative.

Partners are asked to give their data; they decide faster when they see at once why, under which
law, and with which safeguards. Everything here comes from the initiative, its assessment and the
work recorded on it, so it never says more than Accord has established.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.core import codes
from accord.core.assessment.conclusions import conclusions_from_data


@dataclass(frozen=True)
class CaseForSharing:
    purpose: str
    purposes: tuple[str, ...]
    benefits: str
    legal_basis: tuple[str, ...]
    verdict: str
    safeguards: tuple[str, ...]
    data: tuple[str, ...]


def case_for_sharing(
    *,
    initiative: Mapping[str, Any],
    assessment: Mapping[str, Any] | None,
    mechanism: str,
    benefits: str = "",
    overridden: frozenset[str] = frozenset(),
    dpia_done: bool = False,
    fairness_explanations: Sequence[str] = (),
) -> CaseForSharing:
    legal: list[str] = []
    verdict = ""
    if assessment is not None:
        verdict = str(assessment.get("summary", ""))
        for conclusion in conclusions_from_data(assessment):
            if conclusion.key not in overridden:
                legal.append(conclusion.statement)
    safeguards = []
    if mechanism:
        safeguards.append(f"Data moves only by the agreed mechanism: {codes.label(mechanism)}.")
    safeguards.append(
        "Only the data items listed in the agreement may be shared, and only for its purposes."
    )
    if initiative.get("pseudonymised"):
        safeguards.append("People's identities are pseudonymised before sharing.")
    if dpia_done:
        safeguards.append("A data protection impact assessment has been completed.")
    safeguards.append(
        "Each party shows current security evidence (such as Cyber Essentials or the NHS "
        "Data Security and Protection Toolkit) before anyone signs."
    )
    safeguards.extend(fairness_explanations)
    data = tuple(
        codes.label(item["category"])
        + (f": {', '.join(item['fields'])}" if item.get("fields") else "")
        for item in initiative.get("data", [])
    )
    return CaseForSharing(
        purpose=str(initiative.get("summary", "")).strip(),
        purposes=tuple(codes.label(p) for p in initiative.get("purposes", [])),
        benefits=benefits.strip(),
        legal_basis=tuple(legal),
        verdict=verdict,
        safeguards=tuple(safeguards),
        data=data,
    )
