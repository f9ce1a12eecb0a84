"""Security evidence: what each party to a data sharing agreement is asked to show, and whether
the evidence an organisation holds meets it on a given day.

The ICO's data sharing code of practice asks each party to be satisfied that the others keep the
shared data secure (UK GDPR Art 5(1)(f) and Art 32) and to be able to show it (Art 5(2)); it
does not name any certificate or scheme. The baseline below is therefore Accord's choice, made so
that partners ask each other for the same few documents instead of a different questionnaire
every time:

- every party: its ICO registration (the data protection fee), staff data protection training
  records and an information security or data protection policy;
- a security assurance: the NHS Data Security and Protection Toolkit (DSPT) at "Standards Met"
  or "Standards Exceeded" for NHS bodies, and for councils whose care functions (adult social
  care, children's services, public health) share health or social-care data, because that is
  how NHS England already assures organisations with access to NHS patient data and systems;
  anyone else may show any one of Cyber Essentials, Cyber Essentials Plus, ISO/IEC 27001 or the
  DSPT, the schemes public-sector buyers already recognise.

Evidence is valid from its issue date up to and including its expiry date. Certificates and
registrations always expire (an expiry date is required for them); training records, policies
and DPIAs may have none, in which case they do not expire. Pure functions: no Django, no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, NamedTuple

from accord.core import codes

ICO_DATA_SHARING_CODE: Final = (
    "https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/data-sharing/"
)


class EvidenceKind(NamedTuple):
    label: str
    description: str
    url: str


_CYBER_ESSENTIALS_URL: Final = "https://www.ncsc.gov.uk/cyberessentials/overview"

EVIDENCE_KINDS: Final[dict[str, EvidenceKind]] = {
    "dspt": EvidenceKind(
        "Data Security and Protection Toolkit: Standards Met or Exceeded",
        "The NHS's yearly self-assessment against the National Data Guardian's data security "
        "standards. Organisations with access to NHS patient data and systems publish one; "
        "partners look for the status “Standards Met” or “Standards Exceeded”.",
        "https://www.dsptoolkit.nhs.uk/",
    ),
    "cyber-essentials": EvidenceKind(
        "Cyber Essentials",
        "A certificate from the government-backed scheme run by the National Cyber Security "
        "Centre: the organisation has shown that five basic technical controls are in place. "
        "It is renewed every year.",
        _CYBER_ESSENTIALS_URL,
    ),
    "cyber-essentials-plus": EvidenceKind(
        "Cyber Essentials Plus",
        "The same five controls as Cyber Essentials, checked by an independent assessor who "
        "tests the organisation's systems. It is renewed every year.",
        _CYBER_ESSENTIALS_URL,
    ),
    "iso-27001": EvidenceKind(
        "ISO/IEC 27001 certificate",
        "Certification of the organisation's information security management system by an "
        "accredited body after an external audit. Certificates usually run for three years, "
        "with a surveillance audit every year.",
        "https://www.iso.org/standard/27001",
    ),
    "ico-registration": EvidenceKind(
        "ICO registration (data protection fee)",
        "The organisation has paid the data protection fee and is on the ICO's public register. "
        "The registration number and renewal date are on the ICO's certificate.",
        "https://ico.org.uk/for-organisations/data-protection-fee/",
    ),
    "ig-training": EvidenceKind(
        "Information governance or data protection training records",
        "Records showing that the staff who handle personal data have completed information "
        "governance or data protection training, usually refreshed every year.",
        "https://ico.org.uk/for-organisations/accountability-framework/training-and-awareness/",
    ),
    "dpia": EvidenceKind(
        "Data protection impact assessment (DPIA)",
        "A completed DPIA for processing likely to result in a high risk to people, with the "
        "risks found and the measures taken to reduce them.",
        "https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/"
        "accountability-and-governance/data-protection-impact-assessments-dpias/",
    ),
    "policy": EvidenceKind(
        "Information security or data protection policy",
        "The organisation's approved policy saying how it keeps information secure and "
        "handles personal data, and who is responsible.",
        "https://ico.org.uk/for-organisations/accountability-framework/policies-and-procedures/",
    ),
}

# Certificates and registrations always run out: their expiry date must be recorded.
EXPIRY_REQUIRED: Final = frozenset(
    {"dspt", "cyber-essentials", "cyber-essentials-plus", "iso-27001", "ico-registration"}
)
SECURITY_ASSURANCE: Final = frozenset({"cyber-essentials", "cyber-essentials-plus", "iso-27001"})
# Data categories that bring a council's care functions under the DSPT (see codes.DATA_CATEGORIES).
HEALTH_AND_CARE_DATA: Final = frozenset({"health", "social-care"})

STATES: Final = ("current", "expiring", "expired", "missing")
EXPIRING_WITHIN_DAYS: Final = 30


@dataclass(frozen=True)
class Requirement:
    """What a party is asked to show: one piece of evidence of any of these kinds."""

    code: str
    label: str
    any_of: frozenset[str]
    why: str


@dataclass(frozen=True)
class EvidenceFact:
    """One piece of evidence an organisation holds, as far as the rules are concerned."""

    kind: str
    issued_on: dt.date
    expires_on: dt.date | None
    reference: str = ""

    def __post_init__(self) -> None:
        problems = date_problems(self.kind, self.issued_on, self.expires_on)
        if problems:
            raise ValueError("; ".join(problems.values()))


@dataclass(frozen=True)
class RequirementStatus:
    requirement: Requirement
    state: str  # one of STATES
    # The evidence relied on: the one that expires latest (None when missing).
    fact: EvidenceFact | None

    @property
    def is_met(self) -> bool:
        return self.state in ("current", "expiring")


ICO_REGISTRATION: Final = Requirement(
    "ico-registration",
    "ICO registration",
    frozenset({"ico-registration"}),
    "Every controller pays the data protection fee unless exempt (Data Protection (Charges "
    "and Information) Regulations 2018); partners check the ICO's register before sharing.",
)
IG_TRAINING: Final = Requirement(
    "ig-training",
    "Staff data protection training",
    frozenset({"ig-training"}),
    "Staff who handle the shared data must know how to keep it safe (UK GDPR Art 32(4)); the "
    "ICO's accountability framework expects training records.",
)
POLICY: Final = Requirement(
    "policy",
    "Information security or data protection policy",
    frozenset({"policy"}),
    "UK GDPR Art 24(2): appropriate data protection policies; partners ask to see the one "
    "that covers the shared data.",
)
DSPT: Final = Requirement(
    "security-assurance",
    "Data Security and Protection Toolkit: Standards Met or Exceeded",
    frozenset({"dspt"}),
    "NHS bodies, and councils sharing health or social-care data through their care functions, "
    "are assured through the DSPT, which NHS England expects of everyone with access to NHS "
    "patient data and systems (UK GDPR Art 32).",
)
CERTIFIED_SECURITY: Final = Requirement(
    "security-assurance",
    "Security certification: Cyber Essentials, Cyber Essentials Plus, ISO/IEC 27001 or the DSPT",
    SECURITY_ASSURANCE | {"dspt"},
    "UK GDPR Art 32 requires appropriate security and the ICO's data sharing code asks each "
    "party to be satisfied about the others'; Accord asks for one recognised certificate.",
)


def needs_dspt(
    organisation_type: str, functions: Iterable[str], data_categories: Iterable[str]
) -> bool:
    """NHS bodies always; a council when its care functions share health or social-care data."""
    if organisation_type in codes.HEALTH_AND_CARE_TYPES:
        return True
    return (
        organisation_type == "local-authority"
        and bool(codes.CARE_FUNCTIONS & set(functions))
        and bool(HEALTH_AND_CARE_DATA & set(data_categories))
    )


def requirements_for(
    organisation_type: str, functions: Iterable[str], data_categories: Iterable[str]
) -> tuple[Requirement, ...]:
    """The evidence a party of this type, with these functions, sharing these data, must show."""
    if organisation_type not in codes.PARTY_TYPES:
        raise ValueError(f"unknown organisation type {organisation_type!r}")
    security = (
        DSPT if needs_dspt(organisation_type, functions, data_categories) else CERTIFIED_SECURITY
    )
    return (ICO_REGISTRATION, security, IG_TRAINING, POLICY)


def date_problems(kind: str, issued_on: dt.date, expires_on: dt.date | None) -> dict[str, str]:
    """What is wrong with these dates for this kind of evidence: field -> message for people."""
    if kind not in EVIDENCE_KINDS:
        raise ValueError(f"unknown kind of evidence {kind!r}")
    problems: dict[str, str] = {}
    if expires_on is None and kind in EXPIRY_REQUIRED:
        problems["expires_on"] = (
            "Enter the expiry date: certificates, the DSPT and ICO registrations always have one"
        )
    elif expires_on is not None and expires_on < issued_on:
        problems["expires_on"] = "The expiry date must be the same as or after the issue date"
    return problems


def fact_state(
    fact: EvidenceFact, today: dt.date, expiring_within_days: int = EXPIRING_WITHIN_DAYS
) -> str:
    """current, expiring (valid, but not for more than `expiring_within_days`) or expired.

    Evidence is valid up to and including its expiry date.
    """
    if fact.expires_on is None:
        return "current"
    if fact.expires_on < today:
        return "expired"
    if (fact.expires_on - today).days <= expiring_within_days:
        return "expiring"
    return "current"


def _latest_expiry(fact: EvidenceFact) -> tuple[int, dt.date, dt.date]:
    # No expiry beats any date; then the later expiry; then the later issue.
    return (1 if fact.expires_on is None else 0, fact.expires_on or dt.date.max, fact.issued_on)


def evaluate(
    requirements: Iterable[Requirement],
    facts: Iterable[EvidenceFact],
    today: dt.date,
    expiring_within_days: int = EXPIRING_WITHIN_DAYS,
) -> tuple[RequirementStatus, ...]:
    """Each requirement's state on `today`, with the evidence that expires latest.

    Evidence issued after `today` does not count yet.
    """
    usable = [fact for fact in facts if fact.issued_on <= today]
    statuses = []
    for requirement in requirements:
        candidates = [fact for fact in usable if fact.kind in requirement.any_of]
        if not candidates:
            statuses.append(RequirementStatus(requirement, "missing", None))
            continue
        best = max(candidates, key=_latest_expiry)
        statuses.append(
            RequirementStatus(requirement, fact_state(best, today, expiring_within_days), best)
        )
    return tuple(statuses)


def all_current(statuses: Iterable[RequirementStatus]) -> bool:
    """Whether every requirement is met today (evidence about to expire still counts)."""
    return all(status.is_met for status in statuses)
