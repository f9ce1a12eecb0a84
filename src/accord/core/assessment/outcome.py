"""The explained assessment: every conclusion carries the rule and the provisions behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Statuses, strongest first.
BASIS_STATUSES = ("recommended", "possible", "unavailable")
MECHANISM_STATUSES = ("recommended", "acceptable", "discouraged", "not-allowed")
VERDICTS = ("yes", "yes-if", "no")


@dataclass(frozen=True, slots=True)
class Finding:
    """One conclusion about one option (a lawful basis, condition, gateway, mechanism...)."""

    id: str
    status: str
    rule: str  # the rule function that reached it, e.g. "lawful_basis.public_task"
    reasons: tuple[str, ...]
    sources: tuple[str, ...] = ()  # knowledge-base ids
    parties: tuple[str, ...] = ()
    details: tuple[Finding, ...] = ()  # e.g. the Schedule 1 paragraphs under an Art 9(2) point
    flags: tuple[tuple[str, bool], ...] = ()  # e.g. (("appropriate_policy_document", True),)

    def flag(self, name: str) -> bool:
        return dict(self.flags).get(name, False)

    @property
    def is_available(self) -> bool:
        return self.status in ("recommended", "possible")


@dataclass(frozen=True, slots=True)
class Section:
    """A part of the assessment that says whether it applies and why."""

    applies: bool
    rule: str
    reasons: tuple[str, ...]
    sources: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Question:
    """A question the people involved must answer themselves, with prompts from the facts."""

    id: str
    question: str
    prompts: tuple[str, ...]
    concerns: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Action:
    code: str
    text: str
    required: bool  # True: must be done before sharing starts (makes the verdict "yes-if")
    rule: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Assessment:
    assessed_on: dt.date
    law_version: str
    verdict: str
    summary: str
    lawful_bases: tuple[Finding, ...]
    special_category: Section
    criminal_offence: Section
    law_enforcement: Section
    gateways: tuple[Finding, ...]
    confidentiality: Section
    necessity: tuple[Question, ...]
    alternatives: tuple[Finding, ...]
    fairness: tuple[Question, ...]
    dpia: Section
    dpia_recommended: bool
    purpose_limitation: Section
    mechanisms: tuple[Finding, ...]
    actions: tuple[Action, ...]
    notes: tuple[str, ...] = field(default=())
