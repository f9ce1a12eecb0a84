"""DPA 2018 Schedule 1: which paragraph fits which purpose, and whether it needs a policy document."""

from __future__ import annotations

from accord.core.assessment.outcome import Finding
from accord.core.assessment.rules.context import SCH1, Context

# Schedule 1 Part 2 (substantial public interest) paragraphs by purpose, most specific first.
PART_2_BY_PURPOSE: dict[str, tuple[str, ...]] = {
    "safeguarding-children": ("18", "6"),
    "safeguarding-adults": ("18", "6"),
    "domestic-abuse": ("18", "10", "6"),
    "crime-prevention": ("10", "6"),
    "anti-social-behaviour": ("10", "6"),
    "offender-management": ("10", "7", "6"),
    "youth-justice": ("10", "7", "6"),
    "counter-terrorism": ("10", "6"),
    "serious-violence": ("10", "6"),
    "fraud": ("10", "14", "6"),
    "trading-standards": ("10", "11", "6"),
    "food-safety": ("10", "6"),
    "supporting-families": ("18", "6"),
    "fire-safety": ("18", "6"),
    "emergency-response": ("18", "6"),
    "debt-recovery": ("6",),
    "service-planning": ("6",),
    "public-health": ("6",),
    "education": ("6",),
    "housing": ("6",),
    "welfare-benefits": ("6",),
    "mortality-review": ("6",),
    "electoral-registration": ("6",),
}
# Paragraphs that serve a purpose only as a wider net; never the first recommendation.
SUPPORTING = {"supporting-families": {"18"}, "fire-safety": {"18"}, "emergency-response": {"18"}}
# Paragraphs whose "substantial public interest" test no public-body function can meet alone.
NEEDS_STATUTORY_FUNCTION = {"6", "7"}


def needs_policy_document(ctx: Context, paragraph_id: str) -> bool:
    """DPA 2018 Sch 1 para 5 and Part 4: whether relying on this paragraph needs an APD."""
    provision = ctx.law.find(paragraph_id)
    if provision is None:
        return True
    if provision.appropriate_policy_document == "no":
        return False
    if provision.appropriate_policy_document == "yes":
        return True
    # "depends": para 10(2) needs none when disclosing to a Part 3 competent authority; for the
    # other such paragraphs Accord takes the cautious reading and asks for one.
    if paragraph_id == SCH1 + "10":
        return not ctx.competent_recipients
    return True


def detail(ctx: Context, paragraph_id: str, reason: str) -> Finding:
    apd = needs_policy_document(ctx, paragraph_id)
    provision = ctx.law.find(paragraph_id)
    reasons = [reason]
    if provision is not None and provision.appropriate_policy_document == "depends":
        reasons.append(provision.apd_note)
    if provision is not None and provision.verification != "verified":
        reasons.append(f"Not fully confirmed: {provision.uncertainty}")
    return Finding(
        id=paragraph_id,
        status="recommended",
        rule="schedule_1.detail",
        reasons=tuple(reasons),
        sources=ctx.cite(paragraph_id),
        flags=(("appropriate_policy_document", apd),),
    )


def part_2_paragraphs(ctx: Context) -> list[tuple[str, bool]]:
    """(paragraph number, is_primary) for the Part 2 conditions these purposes can use."""
    has_public_body = any(p.is_public_authority for p in ctx.uk_gdpr_parties)
    result: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for purpose in ctx.initiative.purposes:
        for position, paragraph in enumerate(PART_2_BY_PURPOSE.get(purpose, ())):
            if paragraph in NEEDS_STATUTORY_FUNCTION and not has_public_body:
                continue
            if paragraph in seen:
                continue
            seen.add(paragraph)
            primary = position == 0 and paragraph not in SUPPORTING.get(purpose, set())
            result.append((paragraph, primary))
    return result
