"""Re-using data collected for another purpose: UK GDPR Art 8A and Annex 2 (from 5 February 2026),
and Art 6(4) before that."""

from __future__ import annotations

from accord.core.assessment.outcome import Finding, Section
from accord.core.assessment.rules.context import ANNEX2, Context

ANNEX2_BY_PURPOSE = {
    "safeguarding-children": "8",
    "safeguarding-adults": "8",
    "domestic-abuse": "8",
    "crime-prevention": "6",
    "anti-social-behaviour": "6",
    "offender-management": "6",
    "youth-justice": "6",
    "serious-violence": "6",
    "fraud": "6",
    "trading-standards": "6",
    "counter-terrorism": "3",
    "emergency-response": "4",
}


def assess_purpose_limitation(ctx: Context, gateways: tuple[Finding, ...]) -> Section:
    """UK GDPR Art 5(1)(b), Art 8A(3) and Annex 2: is the new purpose compatible with the old?"""
    rule = "purpose_limitation.assess_purpose_limitation"
    if not ctx.has("eur/2016/679/article/8A"):
        return Section(
            True,
            rule,
            (
                "The data was collected for another purpose: record why sharing is compatible with "
                "it (UK GDPR Art 6(4): link, context, nature of the data, consequences, safeguards), "
                "unless the sharing rests on a law that safeguards an Art 23(1) objective.",
            ),
            ctx.cite("eur/2016/679/article/5/1/b", "eur/2016/679/article/6/4"),
        )
    found: list[Finding] = []
    for purpose in ctx.initiative.purposes:
        paragraph = ANNEX2_BY_PURPOSE.get(purpose)
        if (
            paragraph
            and ctx.has(ANNEX2 + paragraph)
            and all(f.id != ANNEX2 + paragraph for f in found)
        ):
            found.append(
                Finding(
                    ANNEX2 + paragraph,
                    "recommended",
                    "purpose_limitation.annex_2",
                    (f"Treated as compatible: {ctx.law.get(ANNEX2 + paragraph).title}.",),
                    ctx.cite(ANNEX2 + paragraph),
                )
            )
    duties = [g for g in gateways if g.flag("duty") and g.flag("express")]
    if duties and ctx.has(ANNEX2 + "12"):
        found.append(
            Finding(
                ANNEX2 + "12",
                "recommended",
                "purpose_limitation.legal_obligation",
                (
                    f"Treated as compatible: a legal obligation to disclose ({ctx.title(duties[0].id)}).",
                ),
                ctx.cite(ANNEX2 + "12", duties[0].id),
            )
        )
    if gateways and ctx.has("eur/2016/679/article/8A/3/e"):
        found.append(
            Finding(
                "eur/2016/679/article/8A/3/e",
                "possible",
                "purpose_limitation.authorised_by_law",
                (
                    "Compatible if necessary for an Art 23(1) objective and authorised by the gateway relied on.",
                ),
                ctx.cite("eur/2016/679/article/8A/3/e"),
            )
        )
    reasons = [
        "The data was collected for another purpose, so its re-use must be compatible (Art 8A)."
    ]
    if not found:
        reasons.append(
            "No Annex 2 condition fits: record a compatibility assessment against the Art 8A(2) "
            "factors (link, context, nature of the data, consequences, safeguards)."
        )
    return Section(
        True,
        rule,
        tuple(reasons),
        ctx.cite("eur/2016/679/article/5/1/b", "eur/2016/679/article/8A"),
        tuple(found),
    )
