"""How data moves: the six mechanisms, and the guard-rails that rank them for an initiative.

Plain email is never allowed for special category, criminal offence or bulk personal data. The
Public Services Network is being retired, so "PSN to PSN email" is no longer a safeguard: secure
email now means an accredited service (NHSmail, or one meeting the DCB1596 secure email standard)
or government email domains with enforced TLS, as the guidance entries cited here explain.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.core.assessment.initiative import Initiative
from accord.core.assessment.outcome import MECHANISM_STATUSES, Finding


@dataclass(frozen=True, slots=True)
class Mechanism:
    id: str
    label: str
    moves_data: bool  # False: the recipient sees records without getting a copy


NOT_ALLOWED = "not-allowed"

MECHANISMS = (
    Mechanism("api", "API, system to system", True),
    Mechanism("shared-view", "Shared view without transferring data", False),
    Mechanism("external-site", "External collaboration site (SharePoint-type)", True),
    Mechanism("secure-file-transfer", "Secure file transfer", True),
    Mechanism("secure-email", "Secure email", True),
    Mechanism("email", "Plain email", True),
)
SECURE_EMAIL_GUIDANCE = ("guidance/secure-email-standard", "guidance/psn-retirement")


def rank_mechanisms(initiative: Initiative, *, sensitive: bool) -> tuple[Finding, ...]:
    """Rank every mechanism for this initiative, with the reasons for each status."""
    findings = [_judge(m, initiative, sensitive) for m in MECHANISMS]
    order = {status: index for index, status in enumerate(MECHANISM_STATUSES)}
    findings.sort(key=lambda f: (order[f.status], [m.id for m in MECHANISMS].index(f.id)))
    return tuple(findings)


def _judge(mechanism: Mechanism, i: Initiative, sensitive: bool) -> Finding:
    status, reasons, sources = _rules[mechanism.id](i, sensitive)
    if i.mechanism == mechanism.id:
        reasons = (*reasons, "This is the mechanism proposed.")
    return Finding(
        mechanism.id,
        status,
        f"mechanisms.{mechanism.id.replace('-', '_')}",
        reasons,
        sources,
        flags=(("proposed", i.mechanism == mechanism.id), ("moves_data", mechanism.moves_data)),
    )


_Judgement = tuple[str, tuple[str, ...], tuple[str, ...]]


def _email(i: Initiative, sensitive: bool) -> _Judgement:
    if sensitive:
        return (
            "not-allowed",
            ("Plain email is never used for special category or criminal offence data.",),
            (),
        )
    if i.volume == "bulk":
        return ("not-allowed", ("Plain email is never used for bulk personal data.",), ())
    return (
        "discouraged",
        ("Only for small amounts of non-sensitive data; mis-addressing is the commonest breach.",),
        (),
    )


def _secure_email(i: Initiative, sensitive: bool) -> _Judgement:
    note = (
        "Use an accredited secure email service (NHSmail or DCB1596-compliant, or enforced TLS "
        "between government domains); 'PSN to PSN email' no longer offers assurance.",
    )
    if i.volume == "bulk":
        return (
            "not-allowed" if sensitive else "discouraged",
            ("Email is the wrong channel for bulk data.", *note),
            SECURE_EMAIL_GUIDANCE,
        )
    if i.frequency in ("regular", "continuous"):
        return (
            "discouraged",
            (
                "Regular sharing by email is manual and hard to audit; a shared view or API is safer.",
                *note,
            ),
            SECURE_EMAIL_GUIDANCE,
        )
    return (
        "acceptable",
        ("Fits occasional, case-by-case disclosures.", *note),
        SECURE_EMAIL_GUIDANCE,
    )


def _api(i: Initiative, sensitive: bool) -> _Judgement:
    if i.frequency in ("regular", "continuous") and i.volume != "case-by-case":
        return (
            "recommended",
            (
                "Regular flows of many records are best automated, limited to agreed fields and logged.",
            ),
            (),
        )
    if i.frequency in ("regular", "continuous"):
        return (
            "acceptable",
            ("Automates case look-ups between systems, limited to agreed fields and logged.",),
            (),
        )
    return ("acceptable", ("Works, but is more than a one-off or occasional exchange needs.",), ())


def _shared_view(i: Initiative, sensitive: bool) -> _Judgement:
    if i.volume == "case-by-case":
        return (
            "recommended",
            (
                "The recipient looks up one person when needed and no copy is made: the least intrusive option.",
            ),
            (),
        )
    if i.volume == "cohort":
        return (
            "acceptable",
            ("Viewing without copying limits spread, but cohort analysis may need extracts.",),
            (),
        )
    return ("discouraged", ("Bulk analysis is not what a look-up view is for.",), ())


def _secure_file_transfer(i: Initiative, sensitive: bool) -> _Judgement:
    if i.volume in ("cohort", "bulk") and i.frequency in ("one-off", "ad-hoc", "regular"):
        return (
            "recommended",
            ("Encrypted transfer of an agreed extract, with download logging and expiry.",),
            (),
        )
    if i.volume == "case-by-case" and i.frequency == "continuous":
        return (
            "discouraged",
            ("Files for every case pile up copies; prefer a shared view or API.",),
            (),
        )
    return ("acceptable", ("Encrypted transfer with download logging and expiry.",), ())


def _external_site(i: Initiative, sensitive: bool) -> _Judgement:
    if sensitive and i.volume == "bulk":
        return (
            "discouraged",
            (
                "Collaboration sites spread copies and permissions drift; not for bulk sensitive data.",
            ),
            (),
        )
    return (
        "acceptable",
        (
            "For working documents shared between named people (for example meeting papers), with access reviewed.",
        ),
        (),
    )


_rules = {
    "api": _api,
    "shared-view": _shared_view,
    "external-site": _external_site,
    "secure-file-transfer": _secure_file_transfer,
    "secure-email": _secure_email,
    "email": _email,
}
