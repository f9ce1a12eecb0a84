"""The common-law duty of confidentiality and the Caldicott principles.

Separate from data protection law: information given in confidence (health and care records
above all) may be disclosed only with consent, a legal requirement, or an overriding public
interest, and the duty outlives the person.
"""

from __future__ import annotations

from accord.core.assessment.outcome import Finding, Section
from accord.core.assessment.rules.context import CRIME_PURPOSES, SAFEGUARDING_PURPOSES, Context

ROUTE = "common-law/confidentiality/"
CONFIDENTIAL_CATEGORIES = frozenset(
    {"health", "social-care", "genetic", "sex-life", "sexual-orientation"}
)


def assess_confidentiality(ctx: Context, gateways: tuple[Finding, ...]) -> Section:
    """Common-law duty of confidentiality: whether it applies and which route sets it aside."""
    initiative = ctx.initiative
    confidential = initiative.categories & CONFIDENTIAL_CATEGORIES
    holders = [p for p in initiative.disclosers if p.provides_health_or_care or p.type == "charity"]
    rule = "confidentiality.assess_confidentiality"
    if not confidential or not (holders or initiative.concerns("patients", "service-users")):
        return Section(
            False,
            rule,
            (
                "No information held under a duty of confidence (health or care records) is disclosed.",
            ),
            ctx.cite("common-law/confidentiality"),
        )
    routes = (_consent(ctx), _legal_requirement(ctx, gateways), _public_interest(ctx))
    reasons = [
        f"{', '.join(sorted(confidential))} information held by "
        f"{', '.join(p.name for p in holders) or 'care providers'} is confidential: the "
        "common-law duty applies on top of data protection law.",
    ]
    if not any(route.is_available for route in routes):
        reasons.append(
            "No route sets the duty aside: share de-identified data instead, seek consent, or ask "
            "for support under NHS Act 2006 s.251 (Confidentiality Advisory Group)."
        )
    if initiative.concerns("deceased-persons"):
        reasons.append("The duty of confidence continues after a person has died.")
    principles = [p.id for p in ctx.law.of_kind("caldicott-principle")]
    if any(p.provides_health_or_care for p in initiative.parties):
        reasons.append(
            "Health and care parties also apply the eight Caldicott principles; principle 7: the "
            "duty to share for individual care is as important as the duty of confidentiality."
        )
    return Section(
        True,
        rule,
        tuple(reasons),
        ctx.cite("common-law/confidentiality", *principles),
        routes,
    )


def _consent(ctx: Context) -> Finding:
    initiative = ctx.initiative
    if initiative.consent == "explicit" and not ctx.consent_is_inappropriate:
        status, reason = "recommended", "The person's explicit consent."
    elif initiative.consent in ("implied", "explicit", "mixed") and initiative.serves(
        "direct-care"
    ):
        status, reason = (
            "recommended",
            "Implied consent covers sharing among those caring for the person, if they have been "
            "told and have not objected.",
        )
    elif initiative.consent in ("explicit", "mixed"):
        status, reason = "possible", "Consent where it is genuinely sought and recorded."
    else:
        status, reason = "unavailable", "No consent is sought."
    return Finding(
        ROUTE + "consent", status, "confidentiality.consent", (reason,), ctx.cite(ROUTE + "consent")
    )


def _legal_requirement(ctx: Context, gateways: tuple[Finding, ...]) -> Finding:
    overriding = [g for g in gateways if g.flag("overrides_confidentiality")]
    duties = [g for g in gateways if g.flag("duty") and g.flag("express")]
    if overriding or duties:
        used = overriding or duties
        listed = ", ".join(ctx.title(g.id) for g in used[:3])
        reason = (
            f"The statute sets the duty of confidence aside: {listed}."
            if overriding
            else f"A statutory duty to disclose is a legal requirement: {listed}."
        )
        return Finding(
            ROUTE + "legal-requirement",
            "recommended",
            "confidentiality.legal_requirement",
            (reason,),
            ctx.cite(ROUTE + "legal-requirement", *(g.id for g in used[:3])),
        )
    return Finding(
        ROUTE + "legal-requirement",
        "unavailable",
        "confidentiality.legal_requirement",
        (
            "No statute or court order found that requires or permits disclosure despite confidence.",
        ),
        ctx.cite(ROUTE + "legal-requirement"),
    )


def _public_interest(ctx: Context) -> Finding:
    initiative = ctx.initiative
    if initiative.serves(
        *SAFEGUARDING_PURPOSES, *CRIME_PURPOSES, "emergency-response", "serious-violence"
    ):
        status = "possible" if initiative.volume != "bulk" else "unavailable"
        reason = (
            "An overriding public interest (preventing serious harm or crime), judged and "
            "recorded case by case, sharing only what is needed."
            if status == "possible"
            else "A public-interest justification is made case by case; it cannot cover bulk sharing."
        )
    else:
        status, reason = "unavailable", "These purposes do not outweigh the duty of confidence."
    return Finding(
        ROUTE + "public-interest",
        status,
        "confidentiality.public_interest",
        (reason,),
        ctx.cite(ROUTE + "public-interest"),
    )
