"""DPA 2018 Part 3: processing by competent authorities for law-enforcement purposes."""

from __future__ import annotations

from accord.core.assessment.outcome import Finding, Section
from accord.core.assessment.rules.context import (
    SAFEGUARDING_PURPOSES,
    SCH1,
    SCH8,
    Context,
    is_competent_authority,
    names,
)

JUSTICE_PURPOSES = ("offender-management", "youth-justice")


def assess_law_enforcement(ctx: Context) -> Section:
    """DPA 2018 ss.29-31 and s.35: whether Part 3 applies, and Schedule 8 for sensitive processing."""
    initiative = ctx.initiative
    rule = "law_enforcement.assess_law_enforcement"
    base_sources = ctx.cite(
        "ukpga/2018/12/section/29", "ukpga/2018/12/section/30", "ukpga/2018/12/schedule/7"
    )
    if not initiative.law_enforcement:
        reasons = [
            "The initiative is not for a law-enforcement purpose, so UK GDPR applies to every party."
        ]
        police = [p for p in initiative.parties if is_competent_authority(p)]
        if police:
            reasons.append(
                f"{', '.join(names(police))} can be a competent authority: any of its processing for "
                "a law-enforcement purpose (s.31) would fall under Part 3 instead."
            )
        return Section(False, rule, tuple(reasons), base_sources)
    if not ctx.part3_parties:
        return Section(
            False,
            rule,
            (
                "law_enforcement is set, but no party is a competent authority (DPA 2018 s.30, "
                "Sch 7), so Part 3 cannot apply: every party is under UK GDPR.",
            ),
            base_sources,
        )
    reasons = [
        f"{', '.join(names(ctx.part3_parties))} process under DPA 2018 Part 3 as competent "
        "authorities for a law-enforcement purpose: lawful only if based on law and necessary for "
        "that purpose (s.35(2)).",
    ]
    sources = base_sources + ctx.cite("ukpga/2018/12/section/31", "ukpga/2018/12/section/35")
    others = [p for p in initiative.parties if p not in ctx.part3_parties]
    if others:
        reasons.append(
            f"{', '.join(names(others))} stay under UK GDPR for their part of the sharing."
        )
        if ctx.competent_recipients and any(p.discloses for p in others):
            reasons.append(
                "Disclosing to a competent authority for law enforcement: DPA 2018 Sch 1 para 10 "
                "needs no appropriate policy document for this disclosure, and Sch 2 para 2 may "
                "restrict telling people, case by case, only where telling them would prejudice "
                "the crime purpose."
            )
            sources += ctx.cite(SCH1 + "10", "ukpga/2018/12/schedule/2/paragraph/2")
        if any(p.discloses for p in ctx.part3_parties) and any(p.receives for p in others):
            reasons.append(
                "Data leaving a competent authority for a purpose other than law enforcement must "
                "be authorised by law (s.36(4)); the recipient then processes it under UK GDPR."
            )
            sources += ctx.cite("ukpga/2018/12/section/36")
    findings: list[Finding] = []
    if initiative.special_categories:
        reasons.append(
            "Sensitive processing (s.35(8)) is involved: it must be strictly necessary, meet a "
            "Schedule 8 condition, and an appropriate policy document must be in place (s.35(5), s.42)."
        )
        sources += ctx.cite("ukpga/2018/12/section/42")
        findings = _schedule_8(ctx)
    return Section(True, rule, tuple(reasons), sources, tuple(findings))


def _schedule_8(ctx: Context) -> list[Finding]:
    """DPA 2018 Sch 8: conditions for sensitive processing under Part 3."""
    initiative = ctx.initiative
    candidates: list[tuple[str, str, str]] = [
        (
            "1",
            "recommended",
            "Necessary for a statutory function and for reasons of substantial public interest.",
        ),
    ]
    if initiative.serves(*SAFEGUARDING_PURPOSES) or initiative.concerns(
        "children", "adults-at-risk"
    ):
        candidates.append(("4", "recommended", "To safeguard children or adults at risk."))
    if initiative.serves(*JUSTICE_PURPOSES):
        candidates.append(("2", "possible", "Necessary for the administration of justice."))
    if initiative.volume == "case-by-case":
        candidates.append(("3", "possible", "To protect someone's vital interests."))
    return [
        Finding(
            id=SCH8 + number,
            status=status,
            rule="law_enforcement.schedule_8",
            reasons=(reason,),
            sources=ctx.cite(SCH8 + number),
            parties=names(ctx.part3_parties),
        )
        for number, status, reason in candidates
        if ctx.has(SCH8 + number)
    ]
