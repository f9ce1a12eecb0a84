"""Reading initiatives. Every read starts from what the person may see.

An initiative is visible only to people holding a role in one of its party organisations; to
anyone else it does not exist (404), and it never appears in their lists, counts or searches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accord.apps.initiatives.models import (
    Assessment,
    Dpia,
    FairnessAnswer,
    Initiative,
    InitiativeParty,
)
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core import fairness
from accord.core.access import may
from accord.core.assessment.conclusions import Conclusion, conclusions_from_data
from accord.core.journey import JourneyFacts, Task, tasks
from accord.core.mechanisms import NOT_ALLOWED

if TYPE_CHECKING:
    from accord.apps.accounts.models import User


def initiatives_visible_to(*, user: User) -> QuerySet[Initiative]:
    # A correlated EXISTS, not `pk IN (subquery)`: the database can then walk the list's
    # updated_at index and stop after a page, and fetch one initiative by its key, instead of
    # building and sorting every visible initiative first (measured by bench/web.py).
    return Initiative.objects.filter(
        Exists(
            InitiativeParty.objects.filter(
                initiative=OuterRef("pk"), organisation__memberships__user=user
            )
        )
    )


def initiative_list(*, user: User, search: str = "") -> QuerySet[Initiative]:
    initiatives = initiatives_visible_to(user=user).select_related("lead")
    if search:
        initiatives = initiatives.filter(
            Q(title__icontains=search) | Q(lead__name__icontains=search)
        )
    return initiatives.order_by("-updated_at")


def initiative_get(*, user: User, pk: int) -> Initiative:
    """The initiative if this person may see it; otherwise 404, as if it did not exist."""
    try:
        return initiatives_visible_to(user=user).select_related("lead").get(pk=pk)
    except Initiative.DoesNotExist:
        raise Http404("No such initiative") from None


@dataclass(frozen=True, slots=True)
class Standing:
    """A person's roles with respect to one initiative."""

    lead_roles: frozenset[str]
    party_roles: frozenset[str]

    def may(self, action: str) -> bool:
        return may(action, lead_roles=self.lead_roles, party_roles=self.party_roles)


def standing_of(*, user: User, initiative: Initiative) -> Standing:
    roles = roles_by_organisation(user=user)
    party_ids = set(initiative.parties.values_list("organisation_id", flat=True))
    party_roles: set[str] = set()
    for organisation_id in party_ids - {initiative.lead_id}:
        party_roles |= roles.get(organisation_id, frozenset())
    lead_roles = (
        roles.get(initiative.lead_id, frozenset())
        if initiative.lead_id in party_ids
        else frozenset()
    )
    return Standing(frozenset(lead_roles), frozenset(party_roles))


def current_assessment(*, initiative: Initiative) -> Assessment | None:
    return initiative.assessments.order_by("-id").first()


def assessment_conclusions(*, assessment: Assessment) -> tuple[Conclusion, ...]:
    return conclusions_from_data(assessment.result)


def fairness_questions(*, assessment: Assessment) -> list[dict[str, object]]:
    """The necessity and fairness questions of an assessment, in order."""
    result = assessment.result
    return [*result["necessity"]["questions"], *result["fairness"]["questions"]]


def fairness_answers(*, initiative: Initiative) -> dict[str, FairnessAnswer]:
    return {answer.question_id: answer for answer in initiative.fairness_answers.all()}


def dpia_of(*, initiative: Initiative) -> Dpia | None:
    return Dpia.objects.filter(initiative=initiative).first()


def dpia_is_complete(dpia: Dpia | None) -> bool:
    if dpia is None or not dpia.needed:
        return False
    risks = list(dpia.risks.all())
    return (
        bool(risks)
        and bool(dpia.dpo_advice)
        and dpia.advice_followed is not None
        and (dpia.advice_followed or bool(dpia.advice_response))
    )


def mechanism_status(*, assessment: Assessment | None, mechanism: str) -> str | None:
    if assessment is None or not mechanism:
        return None
    for finding in assessment.result["mechanisms"]:
        if finding["id"] == mechanism:
            return str(finding["status"])
    return None


def journey(*, initiative: Initiative) -> tuple[Task, ...]:
    assessment = current_assessment(initiative=initiative)
    is_current = assessment is not None and (
        assessment.description_hash == initiative.description_hash()
    )
    conclusions = assessment_conclusions(assessment=assessment) if assessment else ()
    decided = set(assessment.decisions.values_list("key", flat=True)) if assessment else set[str]()
    questions = fairness_questions(assessment=assessment) if assessment else []
    answers = fairness_answers(initiative=initiative)
    question_ids = [str(q["id"]) for q in questions]
    dpia = dpia_of(initiative=initiative)
    status = mechanism_status(assessment=assessment, mechanism=initiative.mechanism)
    agreement_status, waiting = _agreement_progress(initiative)
    facts = JourneyFacts(
        description_confirmed=initiative.description_confirmed,
        has_assessment=assessment is not None,
        assessment_is_current=is_current,
        verdict=assessment.verdict if assessment else None,
        conclusions=len(conclusions),
        conclusions_decided=sum(1 for c in conclusions if c.key in decided),
        questions=len(question_ids),
        questions_answered=sum(1 for q in question_ids if q in answers),
        unfavourable_answers=tuple(
            q
            for q in question_ids
            if q in answers and fairness.is_unfavourable(q, answers[q].answer)
        ),
        dpia_needed=dpia.needed if dpia else None,
        dpia_complete=dpia_is_complete(dpia),
        mechanism_chosen=status is not None and status != NOT_ALLOWED,
        agreement_status=agreement_status,
        signatures_waiting=waiting,
    )
    return tasks(facts)


def _agreement_progress(initiative: Initiative) -> tuple[str | None, int]:
    # Imported here: the agreements app builds on initiatives, not the other way round; only the
    # task list looks ahead to it.
    from accord.apps.agreements.models import Agreement
    from accord.apps.agreements.selectors import signoff_of

    agreement = Agreement.objects.filter(initiative=initiative).first()
    if agreement is None:
        return None, 0
    return agreement.status, len(signoff_of(agreement=agreement).waiting)
