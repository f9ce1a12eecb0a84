"""The initiative journey as a task list: each task's status and, when it cannot start, why.

Pure: the web application gathers the facts (`JourneyFacts`) and this module decides. The order
is the product's four steps with the description and fairness work in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

NOT_STARTED: Final = "Not started"
IN_PROGRESS: Final = "In progress"
COMPLETED: Final = "Completed"
CANNOT_START: Final = "Cannot start yet"

TASKS: Final = (
    ("describe", "Describe the initiative"),
    ("legal-basis", "Legal basis"),
    ("fairness", "Fairness"),
    ("mechanism", "Mechanism"),
    ("agreement", "Agreement"),
    ("go-live", "Go live"),
)


@dataclass(frozen=True, slots=True)
class JourneyFacts:
    description_confirmed: bool  # complete, valid and confirmed on "check your answers"
    has_assessment: bool
    assessment_is_current: bool  # made from the description as it stands now
    verdict: str | None
    conclusions: int
    conclusions_decided: int
    questions: int
    questions_answered: int
    unfavourable_answers: tuple[str, ...]  # questions answered in a way that says "not fair"
    dpia_needed: bool | None  # None until the screening outcome is recorded
    dpia_complete: bool
    mechanism_chosen: bool
    # None until drafted; then negotiating | signed | live | suspended | terminated
    agreement_status: str | None = None
    signatures_waiting: int = 0


@dataclass(frozen=True, slots=True)
class Task:
    key: str
    name: str
    status: str
    hint: str = ""

    @property
    def can_start(self) -> bool:
        return self.status != CANNOT_START


def tasks(facts: JourneyFacts) -> tuple[Task, ...]:
    names = dict(TASKS)
    result = [
        Task("describe", names["describe"], _describe(facts)),
        _legal_basis(facts, names["legal-basis"]),
        _fairness(facts, names["fairness"]),
        _mechanism(facts, names["mechanism"]),
    ]
    result.append(_agreement(facts, names["agreement"], result))
    if facts.agreement_status == "signed":
        result.append(Task("go-live", names["go-live"], NOT_STARTED, "Ready to go live."))
    elif facts.agreement_status == "live":
        result.append(Task("go-live", names["go-live"], COMPLETED, "Sharing under the agreement."))
    elif facts.agreement_status == "suspended":
        result.append(
            Task("go-live", names["go-live"], IN_PROGRESS, "Suspended: nothing is shared.")
        )
    elif facts.agreement_status == "terminated":
        result.append(Task("go-live", names["go-live"], COMPLETED, "Ended: nothing is shared."))
    else:
        result.append(
            Task(
                "go-live",
                names["go-live"],
                CANNOT_START,
                "Needs a data sharing agreement signed by every party.",
            )
        )
    return tuple(result)


def _describe(facts: JourneyFacts) -> str:
    return COMPLETED if facts.description_confirmed else IN_PROGRESS


def _legal_basis(facts: JourneyFacts, name: str) -> Task:
    if not facts.description_confirmed:
        return Task("legal-basis", name, CANNOT_START, "Finish describing the initiative first.")
    if not facts.has_assessment:
        return Task("legal-basis", name, NOT_STARTED)
    if not facts.assessment_is_current:
        return Task(
            "legal-basis",
            name,
            IN_PROGRESS,
            "The description has changed since the assessment: run it again.",
        )
    if facts.conclusions_decided < facts.conclusions:
        left = facts.conclusions - facts.conclusions_decided
        return Task("legal-basis", name, IN_PROGRESS, f"{left} conclusions to accept or override.")
    return Task("legal-basis", name, COMPLETED)


def _needs_current_assessment(facts: JourneyFacts) -> str:
    if not facts.has_assessment:
        return "Run the legal basis assessment first."
    if not facts.assessment_is_current:
        return "Run the legal basis assessment again: the description has changed."
    return ""


def _fairness(facts: JourneyFacts, name: str) -> Task:
    if missing := _needs_current_assessment(facts):
        return Task("fairness", name, CANNOT_START, missing)
    started = facts.questions_answered > 0 or facts.dpia_needed is not None
    answered = facts.questions_answered >= facts.questions
    dpia_done = facts.dpia_needed is False or (facts.dpia_needed is True and facts.dpia_complete)
    if answered and dpia_done:
        return Task("fairness", name, COMPLETED)
    if not started:
        return Task("fairness", name, NOT_STARTED)
    hints = []
    if not answered:
        hints.append(f"{facts.questions - facts.questions_answered} questions to answer")
    if facts.dpia_needed is None:
        hints.append("record the DPIA screening outcome")
    elif facts.dpia_needed and not facts.dpia_complete:
        hints.append("complete the DPIA")
    return Task("fairness", name, IN_PROGRESS, "; ".join(hints).capitalize() + ".")


def _mechanism(facts: JourneyFacts, name: str) -> Task:
    if missing := _needs_current_assessment(facts):
        return Task("mechanism", name, CANNOT_START, missing)
    return Task("mechanism", name, COMPLETED if facts.mechanism_chosen else NOT_STARTED)


def _agreement(facts: JourneyFacts, name: str, earlier: list[Task]) -> Task:
    missing = [task.name for task in earlier if task.status != COMPLETED]
    if missing:
        return Task("agreement", name, CANNOT_START, f"Complete first: {', '.join(missing)}.")
    if facts.verdict == "no":
        return Task(
            "agreement",
            name,
            CANNOT_START,
            "The assessment found no lawful route for this sharing: change the initiative.",
        )
    if facts.unfavourable_answers:
        return Task(
            "agreement",
            name,
            CANNOT_START,
            "The fairness answers say the sharing is not fair or not necessary: "
            "if it is not fair, it is not lawful. Change the initiative or revisit the answers.",
        )
    if facts.agreement_status in ("signed", "live", "suspended", "terminated"):
        return Task("agreement", name, COMPLETED)
    if facts.agreement_status is None:
        return Task("agreement", name, NOT_STARTED, "Ready for an agreement.")
    if facts.signatures_waiting:
        return Task(
            "agreement", name, IN_PROGRESS, f"Waiting for {facts.signatures_waiting} to sign."
        )
    return Task("agreement", name, IN_PROGRESS)
