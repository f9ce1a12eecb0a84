"""UK GDPR Art 9: special category data needs an Art 9(2) condition, and for five of them a
DPA 2018 Schedule 1 condition as well (DPA 2018 s.10)."""

from __future__ import annotations

from accord.core.assessment.outcome import Finding, Section
from accord.core.assessment.rules.context import ART9, SAFEGUARDING_PURPOSES, SCH1, Context
from accord.core.assessment.rules.schedule_1 import detail, part_2_paragraphs

DECEASED_ONLY = (
    "Only people who have died are concerned: UK GDPR and the DPA 2018 protect living people only "
    "(DPA 2018 s.3(2)). If the records mention living people (relatives, staff), add them as data "
    "subjects and assess again."
)


def assess_special_category(ctx: Context) -> Section:
    """UK GDPR Art 9(1)-(2) with DPA 2018 s.10 and Sch 1: the conditions this sharing can use."""
    categories = sorted(ctx.initiative.special_categories)
    parties = ctx.uk_gdpr_parties
    if not ctx.concerns_living_people:
        return Section(
            False,
            "special_category.assess_special_category",
            (DECEASED_ONLY,),
            ctx.cite("ukpga/2018/12/section/3"),
        )
    if not categories or not parties:
        reasons: tuple[str, ...] = (
            ("No special category data (Art 9(1)) is shared.",)
            if not categories
            else ("Every party processes under DPA 2018 Part 3: see law enforcement.",)
        )
        if not categories and "social-care" in ctx.initiative.categories:
            reasons += (
                "Social care records often hold health information: if these do, add the "
                "health category and assess again.",
            )
        return Section(
            False,
            "special_category.assess_special_category",
            reasons,
            ctx.cite("eur/2016/679/article/9/1"),
        )
    findings = [
        _explicit_consent(ctx),
        _employment_social_security(ctx),
        _vital_interests(ctx),
        _unavailable(ctx, "d", "Only for a not-for-profit body's own members or contacts."),
        _unavailable(ctx, "e", "The people concerned have not made this data public themselves."),
        _unavailable(ctx, "f", "The sharing is not for legal claims or by a court."),
        _substantial_public_interest(ctx),
        _health_or_social_care(ctx),
        _public_health(ctx),
        _research(ctx),
    ]
    order = {"recommended": 0, "possible": 1, "unavailable": 2}
    findings = sorted((f for f in findings if ctx.has(f.id)), key=lambda f: order[f.status])
    available = [f for f in findings if f.is_available]
    shared_reasons = [f"Special category data is shared: {', '.join(categories)}."]
    if not available:
        shared_reasons.append("No Art 9(2) condition fits: without one this data cannot be shared.")
    return Section(
        True,
        "special_category.assess_special_category",
        tuple(shared_reasons),
        ctx.cite("eur/2016/679/article/9/1", "ukpga/2018/12/section/10"),
        tuple(findings),
    )


def _finding(
    ctx: Context,
    point: str,
    status: str,
    reasons: tuple[str, ...],
    details: tuple[Finding, ...] = (),
) -> Finding:
    return Finding(
        id=ART9 + point,
        status=status,
        rule=f"special_category.{point}",
        reasons=reasons,
        sources=ctx.cite(ART9 + point),
        details=details,
    )


def _unavailable(ctx: Context, point: str, reason: str) -> Finding:
    return _finding(ctx, point, "unavailable", (reason,))


def _explicit_consent(ctx: Context) -> Finding:
    """UK GDPR Art 9(2)(a): explicit consent, unless consent is inappropriate here."""
    if ctx.initiative.consent not in ("explicit", "mixed"):
        return _finding(ctx, "a", "unavailable", ("No explicit consent is sought.",))
    if ctx.consent_is_inappropriate:
        return _finding(
            ctx,
            "a",
            "unavailable",
            (f"Explicit consent is not appropriate: {'; '.join(ctx.consent_is_inappropriate)}.",),
        )
    return _finding(
        ctx, "a", "possible", ("Explicit consent is sought; it must be freely given and recorded.",)
    )


def _employment_social_security(ctx: Context) -> Finding:
    """UK GDPR Art 9(2)(b) with DPA 2018 Sch 1 para 1: employment, social security, social protection."""
    initiative = ctx.initiative
    if initiative.serves("welfare-benefits") or initiative.concerns("staff"):
        return _finding(
            ctx,
            "b",
            "possible",
            ("Sharing to carry out obligations in social security or employment law.",),
            (detail(ctx, SCH1 + "1", "Employment, social security and social protection."),),
        )
    return _finding(ctx, "b", "unavailable", ("Not about employment or social security law.",))


def _vital_interests(ctx: Context) -> Finding:
    """UK GDPR Art 9(2)(c): vital interests where the person cannot consent."""
    initiative = ctx.initiative
    if initiative.serves(*SAFEGUARDING_PURPOSES, "emergency-response") and (
        initiative.volume == "case-by-case" or initiative.serves("emergency-response")
    ):
        return _finding(
            ctx,
            "c",
            "possible",
            (
                "Only where someone's life is at risk and the person is physically or legally "
                "unable to consent; otherwise use Art 9(2)(g) with Sch 1 para 18.",
            ),
        )
    return _finding(ctx, "c", "unavailable", ("No threat to life where consent cannot be given.",))


def _substantial_public_interest(ctx: Context) -> Finding:
    """UK GDPR Art 9(2)(g) with DPA 2018 Sch 1 Part 2: reasons of substantial public interest."""
    paragraphs = part_2_paragraphs(ctx)
    if not paragraphs:
        return _finding(
            ctx,
            "g",
            "unavailable",
            ("No Schedule 1 Part 2 condition fits these purposes and parties.",),
        )
    details = tuple(
        detail(ctx, SCH1 + number, _part_2_reason(ctx, number))
        for number, _ in paragraphs
        if ctx.has(SCH1 + number)
    )
    primary = any(is_primary for _, is_primary in paragraphs)
    status = "recommended" if primary else "possible"
    reasons = ("Sharing for a substantial public interest set out in DPA 2018 Schedule 1 Part 2.",)
    return _finding(ctx, "g", status, reasons, details)


def _part_2_reason(ctx: Context, number: str) -> str:
    reasons = {
        "18": "To protect children or adults at risk from neglect or harm, where consent cannot be "
        "given, cannot reasonably be obtained, or seeking it would put them at risk.",
        "10": "To prevent or detect unlawful acts, where asking for consent would prejudice that.",
        "6": "For a function conferred on a public body by an enactment or rule of law.",
        "7": "For the administration of justice.",
        "11": "To protect the public against dishonesty, malpractice or other seriously improper "
        "conduct.",
        "14": "Disclosure through an anti-fraud organisation (Serious Crime Act 2007 s.68) only.",
    }
    return reasons.get(number, ctx.title(SCH1 + number))


def _health_or_social_care(ctx: Context) -> Finding:
    """UK GDPR Art 9(2)(h) and 9(3) with DPA 2018 Sch 1 para 2 and s.11(1): health or social care."""
    initiative = ctx.initiative
    carers = [p for p in ctx.uk_gdpr_parties if p.provides_health_or_care]
    if not carers:
        return _finding(
            ctx,
            "h",
            "unavailable",
            ("No party provides health or social care under a duty of confidence.",),
        )
    para_2 = (
        detail(ctx, SCH1 + "2", "Health or social care purposes; no policy document needed."),
    )
    who = ", ".join(p.name for p in carers)
    if initiative.serves("direct-care"):
        return _finding(
            ctx,
            "h",
            "recommended",
            (
                f"Direct care by {who}, by or under the responsibility of professionals who owe a "
                "duty of confidentiality (Art 9(3), DPA 2018 s.11(1)).",
            ),
            para_2,
        )
    if initiative.serves(
        "mortality-review", "service-planning", "safeguarding-adults", "safeguarding-children"
    ):
        return _finding(
            ctx,
            "h",
            "possible",
            (
                f"Covers the provision of social care and the management of health or social care "
                f"systems by {who}; it does not extend to the parties that are not care providers.",
            ),
            para_2,
        )
    return _finding(ctx, "h", "unavailable", ("The purposes are not health or social care.",))


def _public_health(ctx: Context) -> Finding:
    """UK GDPR Art 9(2)(i) with DPA 2018 Sch 1 para 3: public health."""
    initiative = ctx.initiative
    para_3 = (
        detail(
            ctx,
            SCH1 + "3",
            "Public health, by or under a health professional or someone owing confidentiality.",
        ),
    )
    if initiative.serves("public-health"):
        return _finding(
            ctx, "i", "recommended", ("Sharing in the public interest in public health.",), para_3
        )
    if initiative.serves("emergency-response"):
        return _finding(
            ctx, "i", "possible", ("Where the emergency is a serious threat to health.",), para_3
        )
    return _finding(ctx, "i", "unavailable", ("The purposes are not public health.",))


def _research(ctx: Context) -> Finding:
    """UK GDPR Art 9(2)(j) with DPA 2018 Sch 1 para 4: archiving, research and statistics."""
    initiative = ctx.initiative
    if not initiative.serves("research-statistics"):
        return _finding(ctx, "j", "unavailable", ("The purposes are not research or statistics.",))
    para_4 = (
        detail(
            ctx,
            SCH1 + "4",
            "Research or statistics with appropriate safeguards, in the public interest.",
        ),
    )
    if initiative.pseudonymised:
        return _finding(
            ctx, "j", "recommended", ("Research or statistics on pseudonymised data.",), para_4
        )
    return _finding(
        ctx,
        "j",
        "possible",
        (
            "Research or statistics need safeguards such as pseudonymisation, which is not yet planned.",
        ),
        para_4,
    )
