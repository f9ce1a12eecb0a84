"""DPIA screening: UK GDPR Art 35(1) and (3), and the ICO list of high-risk processing."""

from __future__ import annotations

from collections.abc import Callable

from accord.core.assessment.outcome import Finding, Section
from accord.core.assessment.rules.context import SAFEGUARDING_PURPOSES, VULNERABLE_SUBJECTS, Context

_Test = Callable[[Context], str]


def _large_scale_sensitive(ctx: Context) -> str:
    if ctx.has_sensitive_data and ctx.is_large_scale:
        return "Special category or criminal offence data processed on a large scale."
    return ""


def _data_matching(ctx: Context) -> str:
    i = ctx.initiative
    if len(i.disclosers) >= 2 and (
        i.volume != "case-by-case" or i.frequency in ("regular", "continuous")
    ):
        return f"Data from {len(i.disclosers)} organisations is combined or matched."
    return ""


def _targeting_vulnerable(ctx: Context) -> str:
    i = ctx.initiative
    if i.concerns(*VULNERABLE_SUBJECTS) and i.volume != "case-by-case":
        return "Cohorts of children or vulnerable people are identified from the data."
    return ""


def _risk_of_physical_harm(ctx: Context) -> str:
    i = ctx.initiative
    if i.serves(*SAFEGUARDING_PURPOSES) or i.concerns("victims"):
        return "A breach could put someone at risk of harm (for example, a victim's address)."
    return ""


def _denial_of_service(ctx: Context) -> str:
    i = ctx.initiative
    if i.serves("welfare-benefits", "housing", "fraud", "debt-recovery") and (
        ctx.has_sensitive_data or i.volume != "case-by-case"
    ):
        return "Decisions about access to a service or benefit may follow from the data."
    return ""


def _large_scale_profiling(ctx: Context) -> str:
    i = ctx.initiative
    if i.volume in ("cohort", "bulk") and i.serves(
        "supporting-families", "fraud", "service-planning"
    ):
        return "People are profiled or risk-scored across a whole population."
    return ""


def _invisible_processing(ctx: Context) -> str:
    i = ctx.initiative
    if i.consent == "none" and i.volume != "case-by-case":
        return "Data is obtained without telling each person directly."
    return ""


def _biometrics(ctx: Context) -> str:
    return "Biometric data is shared." if "biometric" in ctx.initiative.categories else ""


def _genetic(ctx: Context) -> str:
    return "Genetic data is shared." if "genetic" in ctx.initiative.categories else ""


TESTS: dict[str, _Test] = {
    "eur/2016/679/article/35/3/b": _large_scale_sensitive,
    "ico/dpia/data-matching": _data_matching,
    "ico/dpia/targeting-vulnerable": _targeting_vulnerable,
    "ico/dpia/risk-of-physical-harm": _risk_of_physical_harm,
    "ico/dpia/denial-of-service": _denial_of_service,
    "ico/dpia/large-scale-profiling": _large_scale_profiling,
    "ico/dpia/invisible-processing": _invisible_processing,
    "ico/dpia/biometrics": _biometrics,
    "ico/dpia/genetic-data": _genetic,
}


def screen_dpia(ctx: Context) -> Section:
    """UK GDPR Art 35(1), (3) and (4) with the ICO's list: is a DPIA required?

    Required when an Art 35(3) case or an ICO list item that stands alone is met, or when two
    criteria that apply only in combination are met together.
    """
    met: list[Finding] = []
    if not ctx.concerns_living_people:
        return Section(
            False,
            "dpia.screen_dpia",
            ("Only people who have died are concerned, so UK GDPR Art 35 does not apply.",),
            ctx.cite("ukpga/2018/12/section/3"),
        )
    for criterion_id, test in TESTS.items():
        provision = ctx.law.find(criterion_id)
        if provision is None:
            ctx.cite(criterion_id)
            continue
        reason = test(ctx)
        if reason:
            met.append(
                Finding(
                    criterion_id,
                    "met",
                    f"dpia.{test.__name__.lstrip('_')}",
                    (reason,),
                    ctx.cite(criterion_id),
                    flags=(("always_required", bool(provision.always_required)),),
                )
            )
    standalone = [f for f in met if f.flag("always_required")]
    required = bool(standalone) or len(met) >= 2
    if standalone:
        reasons = ["A DPIA is required: " + "; ".join(ctx.title(f.id) for f in standalone) + "."]
    elif required:
        reasons = ["A DPIA is required: two or more high-risk criteria are met together."]
    else:
        reasons = [
            "No criterion that makes a DPIA mandatory is met. The ICO data sharing code still "
            "advises a DPIA for data sharing as good practice."
        ]
    return Section(
        required,
        "dpia.screen_dpia",
        tuple(reasons),
        ctx.cite("eur/2016/679/article/35/1"),
        tuple(met),
    )
