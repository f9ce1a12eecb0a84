"""assess(initiative, law): run every rule and decide the verdict and the actions.

The engine only orchestrates: each legal test lives in rules/, and the verdict follows from
what they found. The date comes from the initiative or the caller, never from the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from accord.core.assessment.initiative import Initiative
from accord.core.assessment.outcome import Action, Assessment, Finding, Section
from accord.core.assessment.rules.confidentiality import assess_confidentiality
from accord.core.assessment.rules.context import Context
from accord.core.assessment.rules.criminal_offence import assess_criminal_offence
from accord.core.assessment.rules.dpia import screen_dpia
from accord.core.assessment.rules.fairness import fairness_questions
from accord.core.assessment.rules.gateways import not_yet_in_force, rank_gateways
from accord.core.assessment.rules.law_enforcement import assess_law_enforcement
from accord.core.assessment.rules.lawful_basis import assess_lawful_bases
from accord.core.assessment.rules.necessity import less_intrusive_alternatives, necessity_questions
from accord.core.assessment.rules.purpose_limitation import assess_purpose_limitation
from accord.core.assessment.rules.special_category import assess_special_category
from accord.core.law import Catalogue
from accord.core.mechanisms import rank_mechanisms

# UK GDPR exists from the end of the Brexit transition period; earlier dates had other law.
EARLIEST_DATE = dt.date(2021, 1, 1)


class UnsupportedDate(ValueError):
    pass


def assess(initiative: Initiative, law: Catalogue, *, today: dt.date | None = None) -> Assessment:
    """Assess an initiative against the law in force on its `assess_on` date (else `today`)."""
    day = initiative.assess_on or today
    if day is None:
        raise UnsupportedDate("no assessment date: give assess_on in the initiative, or today=")
    if day < EARLIEST_DATE:
        raise UnsupportedDate(
            f"{day.isoformat()} is before {EARLIEST_DATE.isoformat()}: Accord assesses under UK GDPR "
            "and the DPA 2018, which applied from then"
        )
    ctx = Context(initiative, law.everything.in_force_on(day))
    gateways = rank_gateways(ctx)
    lawful_bases = assess_lawful_bases(ctx, gateways)
    special = assess_special_category(ctx)
    criminal = assess_criminal_offence(ctx)
    enforcement = assess_law_enforcement(ctx)
    confidentiality = assess_confidentiality(ctx, gateways)
    alternatives = less_intrusive_alternatives(ctx)
    dpia = screen_dpia(ctx)
    compatibility = assess_purpose_limitation(ctx, gateways)
    mechanisms = tuple(
        dataclasses.replace(m, sources=ctx.cite(*m.sources))
        for m in rank_mechanisms(initiative, sensitive=ctx.has_sensitive_data)
    )
    actions = _actions(
        ctx,
        lawful_bases,
        special,
        criminal,
        enforcement,
        gateways,
        confidentiality,
        alternatives,
        dpia,
        compatibility,
        mechanisms,
    )
    blockers = _blockers(ctx, lawful_bases, special, criminal)
    verdict = "no" if blockers else ("yes-if" if any(a.required for a in actions) else "yes")
    notes = list(not_yet_in_force(ctx)) + _scope_notes(initiative)
    return Assessment(
        assessed_on=day,
        law_version=law.version,
        verdict=verdict,
        summary=_summary(ctx, verdict, blockers, lawful_bases, gateways, actions),
        lawful_bases=lawful_bases,
        special_category=special,
        criminal_offence=criminal,
        law_enforcement=enforcement,
        gateways=gateways,
        confidentiality=confidentiality,
        necessity=necessity_questions(ctx),
        alternatives=alternatives,
        fairness=fairness_questions(ctx),
        dpia=dpia,
        dpia_recommended=True,
        purpose_limitation=compatibility,
        mechanisms=mechanisms,
        actions=actions,
        notes=tuple(notes),
    )


def _blockers(
    ctx: Context, lawful_bases: tuple[Finding, ...], special: Section, criminal: Section
) -> list[str]:
    """What stops the sharing outright: a party without any basis, or data without a condition."""
    blockers = []
    for party in ctx.initiative.parties if ctx.concerns_living_people else ():
        if not any(b.is_available and party.name in b.parties for b in lawful_bases):
            blockers.append(f"{party.name} has no lawful basis for its part of the sharing")
    if special.applies and not any(f.is_available for f in special.findings):
        blockers.append("no Art 9(2) condition allows the special category data to be shared")
    if criminal.applies and not criminal.findings:
        blockers.append("no Schedule 1 condition allows the criminal offence data to be shared")
    return blockers


def _actions(
    ctx: Context,
    lawful_bases: tuple[Finding, ...],
    special: Section,
    criminal: Section,
    enforcement: Section,
    gateways: tuple[Finding, ...],
    confidentiality: Section,
    alternatives: tuple[Finding, ...],
    dpia: Section,
    compatibility: Section,
    mechanisms: tuple[Finding, ...],
) -> tuple[Action, ...]:
    initiative = ctx.initiative
    actions: list[Action] = []

    def add(
        code: str, text: str, *, required: bool, rule: str, sources: tuple[str, ...] = ()
    ) -> None:
        if all(a.code != code for a in actions):
            actions.append(
                Action(code, text, required, rule, ctx.cite(*sources) if sources else ())
            )

    for party in ctx.initiative.parties if ctx.concerns_living_people else ():
        if not any(b.is_available and party.name in b.parties for b in lawful_bases):
            add(
                "find-lawful-basis",
                f"{party.name} has no lawful basis: it cannot take part as proposed.",
                required=True,
                rule="lawful_basis",
            )
    if special.applies and not any(f.is_available for f in special.findings):
        add(
            "find-special-category-condition",
            "Remove the special category data, or find an Art 9(2) condition that genuinely fits.",
            required=True,
            rule="special_category",
            sources=("eur/2016/679/article/9/1",),
        )
    if initiative.consent in ("explicit", "mixed") and ctx.consent_is_inappropriate:
        add(
            "do-not-rely-on-consent",
            "Do not rely on consent: "
            + "; ".join(ctx.consent_is_inappropriate)
            + ". Use the lawful basis recommended below and tell people instead.",
            required=True,
            rule="lawful_basis.consent",
            sources=("eur/2016/679/article/6/1/a",),
        )
    proposed = next((m for m in mechanisms if m.flag("proposed")), None)
    if proposed is not None and proposed.status in ("not-allowed", "discouraged"):
        better = next(m.id for m in mechanisms)
        add(
            "change-mechanism",
            f"Do not use {proposed.id}: {proposed.reasons[0]} Use {better} instead.",
            required=proposed.status == "not-allowed",
            rule=proposed.rule,
        )
    for alternative in alternatives:
        if alternative.status == "required":
            add(
                alternative.id,
                alternative.reasons[0],
                required=True,
                rule=alternative.rule,
                sources=alternative.sources,
            )
    apd_reasons = [
        d.id
        for s in (special, criminal)
        for f in s.findings
        if f.status == "recommended"
        for d in f.details
        if d.flag("appropriate_policy_document")
    ]
    if apd_reasons or (enforcement.applies and initiative.special_categories):
        add(
            "write-appropriate-policy-document",
            "Each party relying on a Schedule 1 condition that needs one (or on Part 3 sensitive "
            "processing) must have an appropriate policy document before sharing, and keep it for "
            "six months after the sharing ends.",
            required=True,
            rule="schedule_1.needs_policy_document",
            sources=(
                "ukpga/2018/12/schedule/1/part/4",
                *apd_reasons[:1],
                *(("ukpga/2018/12/section/42",) if enforcement.applies else ()),
            ),
        )
    if dpia.applies:
        add(
            "carry-out-dpia",
            "Carry out a DPIA before sharing starts, with the DPO's advice.",
            required=True,
            rule=dpia.rule,
            sources=("eur/2016/679/article/35/1",),
        )
    else:
        add(
            "carry-out-dpia",
            "A DPIA is not mandatory, but the ICO advises one for data sharing.",
            required=False,
            rule=dpia.rule,
            sources=("eur/2016/679/article/35/1",),
        )
    public_disclosers = [p for p in initiative.disclosers if p.is_public_authority]
    if public_disclosers and not any(g.status == "recommended" for g in gateways):
        add(
            "identify-gateway",
            "Name the statutory power or duty each public body relies on to share (Art 6(3)).",
            required=True,
            rule="gateways.rank_gateways",
            sources=("eur/2016/679/article/6/3",),
        )
    if confidentiality.applies:
        strong = [f for f in confidentiality.findings if f.status == "recommended"]
        if not any(f.is_available for f in confidentiality.findings):
            add(
                "pseudonymise",
                "The duty of confidence is not set aside: share de-identified data, seek consent, "
                "or obtain s.251 support.",
                required=True,
                rule=confidentiality.rule,
                sources=("common-law/confidentiality",),
            )
        elif strong:
            # Which route sets the duty aside must be on record, even when it is clear.
            add(
                "record-confidentiality-justification",
                f"Record how the duty of confidence is set aside: {strong[0].reasons[0]}",
                required=False,
                rule=strong[0].rule,
                sources=strong[0].sources,
            )
        else:
            # Only a public-interest judgement is left: it must be made and recorded per disclosure.
            add(
                "record-confidentiality-justification",
                "Record, for each disclosure, why the public interest outweighs the duty of confidence.",
                required=True,
                rule="confidentiality.public_interest",
                sources=("common-law/confidentiality/public-interest",),
            )
    if compatibility.applies and not compatibility.findings:
        add(
            "record-compatibility-assessment",
            "Record why re-using the data for this purpose is compatible with why it was collected.",
            required=False,
            rule=compatibility.rule,
            sources=compatibility.sources,
        )
    add(
        "update-privacy-notice",
        "Make sure every party's privacy notice tells people about this sharing: who, what and why.",
        required=False,
        rule="fairness.transparent",
        sources=("eur/2016/679/article/5/1/a",),
    )
    add(
        "sign-data-sharing-agreement",
        "Set the sharing out in a data sharing agreement signed by every party.",
        required=False,
        rule="agreement",
        sources=(),
    )
    for alternative in alternatives:
        if alternative.status == "recommended":
            add(alternative.id, alternative.reasons[0], required=False, rule=alternative.rule)
    actions.sort(key=lambda a: not a.required)
    return tuple(actions)


def _summary(
    ctx: Context,
    verdict: str,
    blockers: list[str],
    lawful_bases: tuple[Finding, ...],
    gateways: tuple[Finding, ...],
    actions: tuple[Action, ...],
) -> str:
    if verdict == "no":
        return "No: " + "; ".join(blockers) + "."
    bases = [b for b in lawful_bases if b.status == "recommended"]
    basis_text = "; ".join(f"{ctx.title(b.id)} for {', '.join(b.parties)}" for b in bases)
    gateway_text = ", ".join(ctx.title(g.id) for g in gateways[:3] if g.status == "recommended")
    parts = [f"Lawful basis: {basis_text}." if basis_text else ""]
    if gateway_text:
        parts.append(f"Gateways: {gateway_text}.")
    required = [a.code.replace("-", " ") for a in actions if a.required]
    opening = "Yes, if you: " + "; ".join(required) + "." if verdict == "yes-if" else "Yes."
    return " ".join([opening, *(p for p in parts if p)])


def _scope_notes(initiative: Initiative) -> list[str]:
    notes = []
    if "deceased-persons" in initiative.data_subjects:
        notes.append(
            "UK GDPR and the DPA 2018 protect only living people (DPA 2018 s.3(2)); records of the "
            "dead are still confidential, and what they say about living relatives or staff is "
            "personal data."
        )
    if "business-operators" in initiative.data_subjects:
        notes.append(
            "Information about companies is not personal data, but information about sole traders "
            "and partners is."
        )
    notes.append(
        "Accord assesses the law of England; check Welsh, Scottish or Northern Irish law where it differs."
    )
    return notes
