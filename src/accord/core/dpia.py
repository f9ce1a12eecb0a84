"""DPIA risk scoring, after the ICO's sample DPIA template.

The ICO template asks for the likelihood of harm (remote, possible, probable) and its severity
(minimal, significant, severe) and an overall risk of low, medium or high. It does not fix how
the two combine; Accord multiplies their ranks (1 to 3) and reads 1-2 as low, 3-4 as medium and
6-9 as high, so a probable-and-severe risk is always high and a remote-and-minimal one low.
A high residual risk must go to the ICO for prior consultation before processing (UK GDPR Art 36).
"""

from __future__ import annotations

from typing import Final

LIKELIHOODS: Final = ("remote", "possible", "probable")
SEVERITIES: Final = ("minimal", "significant", "severe")
LEVELS: Final = ("low", "medium", "high")

PRIOR_CONSULTATION = "eur/2016/679/article/36"


def risk_level(likelihood: str, severity: str) -> str:
    """low, medium or high for a likelihood and a severity."""
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {', '.join(LIKELIHOODS)}")
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
    score = (LIKELIHOODS.index(likelihood) + 1) * (SEVERITIES.index(severity) + 1)
    if score <= 2:
        return "low"
    if score <= 4:
        return "medium"
    return "high"


def needs_prior_consultation(residual_levels: list[str]) -> bool:
    """UK GDPR Art 36(1): consult the ICO where a high risk remains after the measures."""
    return "high" in residual_levels
