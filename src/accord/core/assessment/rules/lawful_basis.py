"""UK GDPR Art 6(1): the lawful basis of each party, and DPA 2018 s.35 for Part 3 processing."""

from __future__ import annotations

from collections import defaultdict

from accord.core.assessment.initiative import Party
from accord.core.assessment.outcome import Finding
from accord.core.assessment.rules.context import (
    ANNEX1,
    ART6,
    CRIME_PURPOSES,
    SAFEGUARDING_PURPOSES,
    Context,
)
from accord.core.assessment.rules.gateways import covers

PUBLIC_AUTHORITY_LIMIT = (
    "UK GDPR Art 6(1), closing words: public authorities cannot rely on points (ea) or (f) for "
    "processing they do in performance of their tasks."
)
EXPECTED_BASES = ("a", "b", "c", "d", "e", "ea", "f")

# Annex 1 conditions (recognised legitimate interests) by purpose.
ANNEX1_BY_PURPOSE = {
    "safeguarding-children": ("6",),
    "safeguarding-adults": ("6",),
    "domestic-abuse": ("6", "5"),
    "crime-prevention": ("5",),
    "anti-social-behaviour": ("5",),
    "offender-management": ("5",),
    "youth-justice": ("5",),
    "serious-violence": ("5",),
    "fraud": ("5",),
    "trading-standards": ("5",),
    "counter-terrorism": ("2", "5"),
    "emergency-response": ("3",),
}

_Verdict = tuple[str, tuple[str, ...], tuple[str, ...]]  # status, reasons, sources


def assess_lawful_bases(ctx: Context, gateways: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """UK GDPR Art 6(1)(a)-(f) and (ea) for every party under UK GDPR; DPA 2018 s.35 for the rest.

    Parties that reach the same conclusion for the same basis are grouped into one finding.
    """
    grouped: dict[tuple[str, str], list[tuple[Party, tuple[str, ...], tuple[str, ...]]]] = (
        defaultdict(list)
    )
    if not ctx.concerns_living_people:
        return ()  # no personal data: DPA 2018 s.3(2)
    for party in ctx.uk_gdpr_parties:
        for point in EXPECTED_BASES:
            basis_id = ART6 + point
            if not ctx.has(basis_id):
                continue  # e.g. (ea) before 5 February 2026
            status, reasons, sources = _judge(ctx, party, point, gateways)
            grouped[(basis_id, status)].append((party, reasons, sources))
    for party in ctx.part3_parties:
        grouped[("ukpga/2018/12/section/35", "recommended")].append(
            (
                party,
                (
                    f"{party.name} is a competent authority processing for a law-enforcement "
                    "purpose, so its processing falls under DPA 2018 Part 3, not UK GDPR: it is "
                    "lawful where necessary for a law-enforcement task it carries out (s.35(2)(b)).",
                ),
                ctx.cite(
                    "ukpga/2018/12/section/35",
                    "ukpga/2018/12/section/30",
                    "ukpga/2018/12/section/31",
                ),
            )
        )
    findings = []
    order = {
        status: index for index, status in enumerate(("recommended", "possible", "unavailable"))
    }
    for (basis_id, status), entries in grouped.items():
        merged_reasons: list[str] = []
        merged_sources: list[str] = []
        for _, party_reasons, party_sources in entries:
            merged_reasons.extend(r for r in party_reasons if r not in merged_reasons)
            merged_sources.extend(s for s in party_sources if s not in merged_sources)
        findings.append(
            Finding(
                id=basis_id,
                status=status,
                rule=f"lawful_basis.{_rule_name(basis_id)}",
                reasons=tuple(merged_reasons),
                sources=tuple(merged_sources),
                parties=tuple(party.name for party, _, _ in entries),
            )
        )
    findings.sort(key=lambda f: (order[f.status], f.id))
    return tuple(findings)


def _rule_name(basis_id: str) -> str:
    point = basis_id.rsplit("/", 1)[-1]
    return {
        "a": "consent",
        "b": "contract",
        "c": "legal_obligation",
        "d": "vital_interests",
        "e": "public_task",
        "ea": "recognised_legitimate_interest",
        "f": "legitimate_interests",
        "35": "law_enforcement",
    }.get(point, point)


def _judge(ctx: Context, party: Party, point: str, gateways: tuple[Finding, ...]) -> _Verdict:
    party_gateways = [
        g for g in gateways if party.name in g.parties and g.status == "recommended"
    ] or [g for g in gateways if party.name in g.parties]
    return {
        "a": _consent,
        "b": _contract,
        "c": _legal_obligation,
        "d": _vital_interests,
        "e": _public_task,
        "ea": _recognised_legitimate_interest,
        "f": _legitimate_interests,
    }[point](ctx, party, party_gateways)


def _consent(ctx: Context, party: Party, _gateways: list[Finding]) -> _Verdict:
    """UK GDPR Art 6(1)(a) with Art 4(11) and Art 7: consent must be freely given and withdrawable."""
    source = ctx.cite(ART6 + "a")
    if ctx.initiative.consent in ("none", "implied"):
        return (
            "unavailable",
            (
                "No explicit consent is sought. UK GDPR consent needs a clear, specific, informed "
                "choice; implied consent is not enough (it may still meet the common-law duty of "
                "confidence for individual care).",
            ),
            source,
        )
    why_not = ctx.consent_is_inappropriate
    if why_not:
        return (
            "unavailable",
            (f"Consent is not an appropriate basis here: {'; '.join(why_not)}.",),
            source,
        )
    if ctx.initiative.consent == "mixed":
        return (
            "possible",
            ("Consent covers only some people here: the others need another basis.",),
            source,
        )
    return (
        "recommended",
        (
            f"{party.name} is not a public authority and the people concerned give explicit, "
            "freely given consent that they can withdraw at any time.",
        ),
        source,
    )


def _contract(ctx: Context, party: Party, _gateways: list[Finding]) -> _Verdict:
    """UK GDPR Art 6(1)(b): only for a contract with the person themselves."""
    return (
        "unavailable",
        (
            "Sharing between organisations is not needed to perform a contract with the people "
            "whose data it is.",
        ),
        ctx.cite(ART6 + "b"),
    )


def _legal_obligation(ctx: Context, party: Party, gateways: list[Finding]) -> _Verdict:
    """UK GDPR Art 6(1)(c) with Art 6(3): a legal obligation laid down in domestic law."""
    duties = [g for g in gateways if g.flag("duty") and g.flag("express")]
    sources = ctx.cite(ART6 + "c", "eur/2016/679/article/6/3")
    if duties:
        listed = ", ".join(ctx.title(g.id) for g in duties)
        return (
            "recommended",
            (f"{party.name} is under an express statutory duty to share: {listed}.",),
            sources + tuple(g.id for g in duties),
        )
    implied = [g for g in gateways if g.flag("duty")]
    if implied:
        listed = ", ".join(ctx.title(g.id) for g in implied)
        return (
            "possible",
            (
                f"{party.name} has duties that imply sharing ({listed}) but none that expressly "
                "requires this disclosure; public task usually fits better.",
            ),
            sources + tuple(g.id for g in implied),
        )
    return (
        "unavailable",
        (f"No statutory duty requiring {party.name} to share for these purposes was found.",),
        sources,
    )


def _vital_interests(ctx: Context, party: Party, _gateways: list[Finding]) -> _Verdict:
    """UK GDPR Art 6(1)(d): to protect someone's life, where no other basis will do."""
    initiative = ctx.initiative
    source = ctx.cite(ART6 + "d")
    urgent = initiative.serves(*SAFEGUARDING_PURPOSES, "emergency-response")
    if urgent and (initiative.volume == "case-by-case" or initiative.serves("emergency-response")):
        return (
            "possible",
            (
                "Only in an emergency where someone's life is at risk and no other basis can be "
                "used in time; not a basis for routine or planned sharing.",
            ),
            source,
        )
    return (
        "unavailable",
        ("Nothing here suggests a threat to life that only immediate sharing could meet.",),
        source,
    )


def _public_task(ctx: Context, party: Party, gateways: list[Finding]) -> _Verdict:
    """UK GDPR Art 6(1)(e) with Art 6(3) and DPA 2018 s.8: a task with a basis in law."""
    sources = ctx.cite(ART6 + "e", "eur/2016/679/article/6/3", "ukpga/2018/12/section/8")
    specific = [g for g in gateways if g.status == "recommended"]
    if party.is_public_authority:
        if specific:
            listed = ", ".join(ctx.title(g.id) for g in specific[:3])
            return (
                "recommended",
                (
                    f"{party.name} is a public authority acting under its statutory functions; "
                    f"the basis in law is {listed}.",
                ),
                sources + tuple(g.id for g in specific[:3]),
            )
        return (
            "possible",
            (
                f"{party.name} is a public authority, but no specific gateway for these purposes "
                "names it: identify the statutory function this sharing serves (Art 6(3)).",
            ),
            sources,
        )
    if any(covers(ctx.law.get(g.id), party) for g in specific if ctx.has(g.id)):
        return (
            "possible",
            (
                f"{party.name} is not a public authority, but a statute gives it a role here; "
                "public task fits only for tasks laid down by law.",
            ),
            sources,
        )
    return (
        "unavailable",
        (f"{party.name} is not a public authority and no statute gives it this task.",),
        sources,
    )


def _recognised_legitimate_interest(
    ctx: Context, party: Party, _gateways: list[Finding]
) -> _Verdict:
    """UK GDPR Art 6(1)(ea) with Art 6(5) and Annex 1 (in force 5 February 2026)."""
    sources = ctx.cite(ART6 + "ea", "eur/2016/679/article/6/5")
    if party.is_public_authority:
        return ("unavailable", (PUBLIC_AUTHORITY_LIMIT,), sources)
    paragraphs: list[str] = []
    for purpose in ctx.initiative.purposes:
        for paragraph in ANNEX1_BY_PURPOSE.get(purpose, ()):
            if ANNEX1 + paragraph not in paragraphs and ctx.has(ANNEX1 + paragraph):
                paragraphs.append(ANNEX1 + paragraph)
    public_recipients = [p for p in ctx.initiative.recipients if p.is_public_authority]
    if party.discloses and public_recipients and ctx.has(ANNEX1 + "1"):
        paragraphs.append(ANNEX1 + "1")
    if not paragraphs:
        return (
            "unavailable",
            ("None of the Annex 1 recognised legitimate interests fits these purposes.",),
            sources,
        )
    listed = "; ".join(f"{ctx.title(p)} ({ctx.law.get(p).title})" for p in paragraphs)
    reasons = [
        f"{party.name} is not a public authority, so it can rely on a recognised legitimate "
        f"interest without a balancing test: {listed}. The sharing must still be necessary.",
    ]
    if ANNEX1 + "1" in paragraphs:
        reasons.append(
            "Annex 1 para 1 applies when a public body asks for the data and states that it "
            "needs it for its own public task: keep that request on file."
        )
    if ctx.initiative.has_criminal_offence_data or ctx.initiative.special_categories:
        reasons.append("Special category or criminal offence data still need their own condition.")
    return ("recommended", tuple(reasons), sources + tuple(paragraphs))


def _legitimate_interests(ctx: Context, party: Party, _gateways: list[Finding]) -> _Verdict:
    """UK GDPR Art 6(1)(f): legitimate interests, balanced against the person's rights."""
    sources = ctx.cite(ART6 + "f")
    if party.is_public_authority:
        return ("unavailable", (PUBLIC_AUTHORITY_LIMIT,), sources)
    reasons = [
        f"{party.name} is not a public authority: it may rely on legitimate interests after a "
        "documented legitimate interests assessment (purpose, necessity, balancing)."
    ]
    if ctx.initiative.concerns("children", "pupils"):
        reasons.append("Children's interests weigh especially heavily in the balance.")
    if ctx.initiative.serves(*CRIME_PURPOSES | SAFEGUARDING_PURPOSES) and ctx.has(ART6 + "ea"):
        reasons.append("A recognised legitimate interest (ea) avoids the balancing test here.")
    return ("possible", tuple(reasons), sources)
