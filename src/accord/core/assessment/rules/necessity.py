"""Necessity and data minimisation: UK GDPR Art 5(1)(c), and "necessary" in every Art 6 basis.

Sharing is necessary only if the purpose cannot reasonably be met another, less intrusive way.
"""

from __future__ import annotations

from accord.core.assessment.outcome import Finding, Question
from accord.core.assessment.rules.context import AGGREGATE_PURPOSES, CASE_BASED_PURPOSES, Context

MINIMISATION = "eur/2016/679/article/5/1/c"


def necessity_questions(ctx: Context) -> tuple[Question, ...]:
    """ICO data sharing code: questions to answer and record before deciding to share."""
    initiative = ctx.initiative
    sources = ctx.cite("eur/2016/679/article/5/1/b")
    return (
        Question(
            "necessity.outcome",
            "What outcome does the sharing achieve, and how will you know it has?",
            (f"Purposes: {', '.join(initiative.purposes)}.",),
            sources=sources,
        ),
        Question(
            "necessity.without-sharing",
            "Could the purpose be met without sharing personal data, or with less of it?",
            tuple(
                f"{item.category}: {', '.join(item.fields) or 'fields not listed'}"
                for item in initiative.data
            ),
        ),
        Question(
            "necessity.who",
            "Does every recipient need every item, or only some of them?",
            tuple(f"{p.name} receives" for p in initiative.recipients),
        ),
        Question(
            "necessity.how-many",
            f"Is sharing {initiative.volume} data {initiative.frequency} the least you need?",
            ("Could you share only when a threshold or referral is met?",),
        ),
    )


def less_intrusive_alternatives(ctx: Context) -> tuple[Finding, ...]:
    """Less intrusive ways to meet the purpose: fewer fields, pseudonymise, aggregate, query."""
    initiative = ctx.initiative
    case_based = set(initiative.purposes) <= CASE_BASED_PURPOSES | {"supporting-families"}
    aggregate_only = set(initiative.purposes) <= AGGREGATE_PURPOSES | {"public-health"}
    found: list[Finding] = []

    def add(code: str, status: str, reason: str) -> None:
        found.append(Finding(code, status, f"necessity.{code}", (reason,), ctx.cite(MINIMISATION)))

    if initiative.volume == "bulk" and case_based:
        add(
            "share-case-by-case",
            "required",
            "These purposes are met by looking at individual cases: sharing everyone's records in "
            "bulk is not necessary. Share about a person when a concern or referral arises.",
        )
    unlisted = [item.category for item in initiative.data if not item.fields]
    if unlisted:
        add(
            "minimise-fields",
            "recommended",
            f"List the exact fields for {', '.join(unlisted)}, so only what is needed is shared.",
        )
    if not initiative.pseudonymised and aggregate_only:
        add(
            "pseudonymise",
            "required" if ctx.has_sensitive_data else "recommended",
            "Research, planning and surveillance need patterns, not names: pseudonymise before "
            "sharing, keeping the key with the discloser.",
        )
    if set(initiative.purposes) & AGGREGATE_PURPOSES:
        add(
            "aggregate",
            "recommended",
            "If counts or rates are enough, share aggregates, not records.",
        )
    if (
        initiative.frequency in ("regular", "continuous")
        and initiative.volume != "bulk"
        and case_based
    ):
        add(
            "query-instead-of-copy",
            "recommended",
            "Look records up when needed (a shared view or a match query) instead of copying "
            "them into the recipient's systems.",
        )
    return tuple(found)
