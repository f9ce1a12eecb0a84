"""UK GDPR Art 10 with DPA 2018 s.10(5) and Schedule 1: criminal offence data."""

from __future__ import annotations

from accord.core.assessment.outcome import Finding, Section
from accord.core.assessment.rules.context import ART10, SAFEGUARDING_PURPOSES, SCH1, Context
from accord.core.assessment.rules.schedule_1 import detail, part_2_paragraphs
from accord.core.assessment.rules.special_category import DECEASED_ONLY

EXTENSION = SCH1 + "36"  # Part 2 conditions without their "substantial public interest" test


def assess_criminal_offence(ctx: Context) -> Section:
    """UK GDPR Art 10 and DPA 2018 s.10(5): a Schedule 1 Part 1, 2 or 3 condition is needed.

    Part 2 conditions apply to criminal offence data through s.10(5), and para 36 lets them be used
    without showing a substantial public interest.
    """
    initiative = ctx.initiative
    parties = ctx.uk_gdpr_parties
    if not ctx.concerns_living_people:
        return Section(
            False,
            "criminal_offence.assess_criminal_offence",
            (DECEASED_ONLY,),
            ctx.cite("ukpga/2018/12/section/3"),
        )
    if not initiative.has_criminal_offence_data or not parties:
        reasons: tuple[str, ...] = (
            ("No criminal offence data is shared.",)
            if not initiative.has_criminal_offence_data
            else ("Every party processes under DPA 2018 Part 3, where Art 10 does not apply.",)
        )
        return Section(False, "criminal_offence.assess_criminal_offence", reasons, ctx.cite(ART10))
    findings: list[Finding] = []
    for number, is_primary in part_2_paragraphs(ctx):
        if not ctx.has(SCH1 + number):
            continue
        extension = (
            (
                detail(
                    ctx,
                    EXTENSION,
                    "Lets a Part 2 condition be used for criminal offence data "
                    "without showing a substantial public interest.",
                ),
            )
            if ctx.has(EXTENSION)
            else ()
        )
        findings.append(
            Finding(
                id=SCH1 + number,
                status="recommended" if is_primary else "possible",
                rule="criminal_offence.part_2_condition",
                reasons=(
                    f"{ctx.law.get(SCH1 + number).title}, applied to criminal offence data "
                    "through DPA 2018 s.10(5).",
                ),
                sources=ctx.cite(SCH1 + number, "ukpga/2018/12/section/10"),
                details=(detail(ctx, SCH1 + number, ctx.law.get(SCH1 + number).title), *extension),
            )
        )
    if initiative.serves("direct-care") and any(p.provides_health_or_care for p in parties):
        findings.append(
            Finding(
                id=SCH1 + "2",
                status="possible",
                rule="criminal_offence.health_or_social_care",
                reasons=(
                    "Health or social care purposes (a Part 1 condition, usable through "
                    "s.10(5)) for the care providers' own processing.",
                ),
                sources=ctx.cite(SCH1 + "2"),
                details=(detail(ctx, SCH1 + "2", "Health or social care purposes."),),
            )
        )
    if (
        initiative.serves(*SAFEGUARDING_PURPOSES, "emergency-response")
        and initiative.volume == "case-by-case"
    ):
        findings.append(
            Finding(
                id=SCH1 + "30",
                status="possible",
                rule="criminal_offence.vital_interests",
                reasons=("Only to protect someone's life where the person cannot consent.",),
                sources=ctx.cite(SCH1 + "30"),
                details=(detail(ctx, SCH1 + "30", "Protecting an individual's vital interests."),),
            )
        )
    if initiative.consent in ("explicit", "mixed") and not ctx.consent_is_inappropriate:
        findings.append(
            Finding(
                id=SCH1 + "29",
                status="possible",
                rule="criminal_offence.consent",
                reasons=("The person's consent, freely given and recorded.",),
                sources=ctx.cite(SCH1 + "29"),
                details=(detail(ctx, SCH1 + "29", "Consent."),),
            )
        )
    findings = [f for f in findings if ctx.has(f.id)]
    shared_reasons = [
        "Criminal offence data is shared: Art 10 allows it only under the control of official "
        "authority or when authorised by law with a DPA 2018 Schedule 1 condition.",
    ]
    if not findings:
        shared_reasons.append(
            "No Schedule 1 condition fits: without one this data cannot be shared."
        )
    return Section(
        True,
        "criminal_offence.assess_criminal_offence",
        tuple(shared_reasons),
        ctx.cite(ART10, "ukpga/2018/12/section/10", "ukpga/2018/12/section/11"),
        tuple(findings),
    )
