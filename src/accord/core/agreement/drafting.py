"""Draft an agreement from the initiative, its assessment and the parties: nothing typed twice.

Derived sections (parties, legal basis, data, mechanism, signatories) are always rebuilt from
their sources. Negotiated sections keep whatever the parties agreed in the previous version;
only a first draft gets Accord's suggested wording.
"""

from __future__ import annotations

import calendar
import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from accord.core import codes
from accord.core.agreement.sections import (
    BASELINE_KEYS,
    END_ACTIONS,
    PERMITTED_USES,
    PROHIBITED_USES,
    SECTIONS,
)
from accord.core.agreement.signoff import PartyFacts, required_signatories
from accord.core.assessment.conclusions import conclusions_from_data

FORMAT: Final = "accord.agreement/1"

# Technical and organisational measures each mechanism brings (codes map to DPV in the export).
MEASURES: Final = {
    "encryption-in-transfer": "Data is encrypted in transit (TLS 1.2 or later)",
    "encryption-at-rest": "Data is encrypted where it is stored",
    "access-control": "Only named, authorised staff can reach the data",
    "logging": "Every disclosure and access is logged",
    "staff-training": "Staff who handle the data have current data protection training",
}
_MECHANISM_MEASURES: Final = {
    "api": ("encryption-in-transfer", "access-control", "logging"),
    "shared-view": ("encryption-in-transfer", "access-control", "logging"),
    "external-site": ("encryption-in-transfer", "access-control", "logging"),
    "secure-file-transfer": ("encryption-in-transfer", "encryption-at-rest", "logging"),
    "secure-email": ("encryption-in-transfer",),
    "email": (),
}


@dataclass(frozen=True)
class Party:
    name: str
    type: str
    role: str  # discloses | receives | both
    functions: tuple[str, ...] = ()
    ico_registration: str = ""
    contact_name: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class Overarching:
    """A signed overarching agreement whose baseline sections this agreement follows."""

    title: str
    reference: str
    version: int
    content_hash: str
    sections: Mapping[str, Mapping[str, Any]]  # its baseline sections by key


@dataclass(frozen=True)
class DraftSources:
    title: str
    reference: str
    initiative: Mapping[str, Any]  # format 1
    assessment: Mapping[str, Any]  # accord.assessment/1
    parties: Sequence[Party]
    mechanism: str
    mechanism_reason: str = ""
    overridden: frozenset[str] = frozenset()  # conclusion keys the lead overrode
    benefits: str = ""
    today: date = field(default_factory=date.today)
    overarching: Overarching | None = None


def draft(sources: DraftSources, previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The agreement content: derived sections rebuilt, negotiated ones kept from `previous`."""
    kept = {s["key"]: s for s in previous["sections"]} if previous else {}
    derived = {
        "parties": _parties(sources),
        "legal-basis": _legal_basis(sources),
        "data": _data(sources),
        "mechanism": _mechanism(sources),
        "signatories": _signatories(sources),
    }
    suggested = _suggested(sources)
    sections = []
    for spec in SECTIONS:
        if spec.derived:
            text, values = derived[spec.key]
        elif spec.key in kept and not kept[spec.key].get("follows"):
            text, values = kept[spec.key]["text"], copy.deepcopy(kept[spec.key]["values"])
        else:
            text, values = suggested[spec.key]
        section: dict[str, Any] = {
            "key": spec.key,
            "title": spec.title,
            "text": text,
            "values": values,
        }
        if sources.overarching and spec.key in BASELINE_KEYS:
            section.update(_follow(sources.overarching, spec.key))
        sections.append(section)
    content: dict[str, Any] = {
        "format": FORMAT,
        "title": sources.title,
        "reference": sources.reference,
        "sections": sections,
    }
    if sources.overarching:
        o = sources.overarching
        content["overarching"] = {
            "title": o.title,
            "reference": o.reference,
            "version": o.version,
            "hash": o.content_hash,
        }
    return content


def _follow(overarching: Overarching, key: str) -> dict[str, Any]:
    theirs = overarching.sections.get(key, {})
    return {
        "text": (
            f"As agreed in {overarching.title} ({overarching.reference}, version "
            f"{overarching.version}, SHA-256 {overarching.content_hash[:12]}…), which every party "
            "has signed. " + theirs.get("text", "")
        ).strip(),
        "values": copy.deepcopy(dict(theirs.get("values", {}))),
        "follows": {
            "reference": overarching.reference,
            "version": overarching.version,
            "hash": overarching.content_hash,
        },
    }


def _names(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _by_role(sources: DraftSources, *roles: str) -> list[str]:
    return [p.name for p in sources.parties if p.role in roles]


def _parties(sources: DraftSources) -> tuple[str, dict[str, Any]]:
    lines = []
    values = []
    for p in sources.parties:
        role = {
            "discloses": "shares data",
            "receives": "receives data",
            "both": "shares and receives data",
        }[p.role]
        contact = (
            f"Contact: {p.contact_name} ({p.contact_email})"
            if p.contact_email
            else "Contact: to be named"
        )
        registration = (
            f"ICO registration {p.ico_registration}"
            if p.ico_registration
            else "ICO registration not recorded"
        )
        lines.append(f"- {p.name}, {codes.label(p.type)}, {role}. {registration}. {contact}.")
        values.append(
            {
                "name": p.name,
                "type": p.type,
                "role": p.role,
                "ico_registration": p.ico_registration,
                "contact_name": p.contact_name,
                "contact_email": p.contact_email,
            }
        )
    text = "Each party is a controller of the data it holds.\n\n" + "\n".join(lines)
    return text, {"parties": values}


def _url(finding: Mapping[str, Any]) -> str:
    for source in finding.get("sources") or []:
        if source.get("url"):
            return str(source["url"])
    provision = str(finding.get("id", ""))
    if provision.startswith(("ukpga/", "eur/", "uksi/", "asp/", "anaw/", "asc/")):
        return f"https://www.legislation.gov.uk/{provision}"
    return ""


def _legal_basis(sources: DraftSources) -> tuple[str, dict[str, Any]]:
    """Each party's provisions: the recommended conclusions the lead did not override."""
    result = sources.assessment
    kept = {c.key for c in conclusions_from_data(result)} - sources.overridden
    provisions: dict[str, list[dict[str, str]]] = {p.name: [] for p in sources.parties}
    everyone = list(provisions)

    def add(kind: str, topic: str, finding: Mapping[str, Any], parties: Sequence[str]) -> None:
        if f"{topic}:{finding['id']}" not in kept:
            return
        for name in parties or everyone:
            if name in provisions:
                provisions[name].append(
                    {
                        "kind": kind,
                        "id": finding["id"],
                        "label": finding["label"],
                        "url": _url(finding),
                    }
                )

    for f in result.get("lawful_bases", []):
        add("article-6", "lawful-basis", f, f.get("parties") or [])
    if result.get("special_category", {}).get("required"):
        for f in result["special_category"]["conditions"]:
            add("article-9", "special-category", f, [])
            if f"special-category:{f['id']}" in kept:
                for para in f.get("schedule_1") or []:
                    for name in everyone:
                        provisions[name].append(
                            {
                                "kind": "schedule-1",
                                "id": para["id"],
                                "label": para["label"],
                                "url": _url(para),
                            }
                        )
    if result.get("criminal_offence", {}).get("required"):
        for f in result["criminal_offence"]["conditions"]:
            add("article-10", "criminal-offence", f, [])
    if result.get("law_enforcement", {}).get("applies"):
        for f in result["law_enforcement"]["schedule_8"]:
            add("law-enforcement", "law-enforcement", f, [])
    for f in result.get("gateways", []):
        add("gateway", "gateway", f, f.get("parties") or [])
    headings = {
        "article-6": "Lawful basis",
        "article-9": "Special category condition",
        "schedule-1": "DPA 2018 Schedule 1 condition",
        "article-10": "Criminal offence condition",
        "law-enforcement": "Law enforcement condition",
        "gateway": "Statutory gateway",
    }
    paragraphs = [
        f"Assessed by Accord on {result.get('assessed_on', '')} against the law as at law version "
        f"{result.get('law_version', '')}."
    ]
    for name, items in provisions.items():
        lines = [f"{name}:"] + [f"- {headings[i['kind']]}: {i['label']}" for i in items]
        if not items:
            lines.append("- No provision recorded: the assessment did not name one for this party.")
        paragraphs.append("\n".join(lines))
    values = {
        "assessed_on": result.get("assessed_on", ""),
        "law_version": result.get("law_version", ""),
        "bases": [{"party": name, "provisions": items} for name, items in provisions.items()],
    }
    return "\n\n".join(paragraphs), values


def _data(sources: DraftSources) -> tuple[str, dict[str, Any]]:
    data = sources.initiative
    items = [
        {"category": d["category"], "fields": list(d.get("fields") or [])}
        for d in data.get("data", [])
    ]
    lines = []
    for item in items:
        fields = (
            ", ".join(item["fields"])
            if item["fields"]
            else "as needed for the purpose (no fields listed yet)"
        )
        lines.append(f"- {codes.label(item['category'])}: {fields}")
    subjects = list(data.get("data_subjects", []))
    text = (
        "Only these data items may be shared:\n" + "\n".join(lines) + "\n\n"
        f"The data is about: {_names([codes.label(s).lower() for s in subjects])}.\n\n"
        f"Volume: {codes.label(data.get('volume', 'case-by-case')).lower()}; "
        f"frequency: {codes.label(data.get('frequency', 'ad-hoc')).lower()}."
    )
    return text, {
        "items": items,
        "subjects": subjects,
        "volume": data.get("volume", ""),
        "frequency": data.get("frequency", ""),
    }


def _mechanism(sources: DraftSources) -> tuple[str, dict[str, Any]]:
    mechanism = sources.mechanism
    measures = [*_MECHANISM_MEASURES.get(mechanism, ()), "staff-training"]
    text = (
        f"The data moves by: {codes.label(mechanism)}."
        if mechanism
        else "No mechanism has been chosen yet."
    )
    if sources.mechanism_reason:
        text += f" Why: {sources.mechanism_reason}"
    text += "\n\nEach party keeps these measures:\n" + "\n".join(
        f"- {MEASURES[m]}" for m in measures
    )
    return text, {"mechanism": mechanism, "measures": measures}


def _signatories(sources: DraftSources) -> tuple[str, dict[str, Any]]:
    categories = [d["category"] for d in sources.initiative.get("data", [])]
    required = required_signatories(
        [PartyFacts(p.name, p.type, p.functions) for p in sources.parties], categories
    )
    labels = {
        "siro": "Senior Information Risk Owner (SIRO)",
        "caldicott-guardian": "Caldicott Guardian",
        "dpo": "Data Protection Officer",
    }
    lines = []
    for s in required:
        verb = "signs" if s.kind == "sign" else "is consulted and records it"
        lines.append(f"- {s.party}: the {labels[s.role]} {verb}.")
    text = (
        "Each signatory signs the exact version shown to them; a later change voids earlier "
        "signatures.\n\n" + "\n".join(lines)
    )
    return text, {
        "required": [{"party": s.party, "role": s.role, "kind": s.kind} for s in required]
    }


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# A first suggestion sized to the volume the initiative described; the parties negotiate it.
_SUGGESTED_LIMIT: Final = {"case-by-case": 100, "cohort": 10_000, "bulk": 1_000_000}


def _suggested(sources: DraftSources) -> dict[str, tuple[str, dict[str, Any]]]:
    """Accord's suggested wording for the negotiated sections of a first draft."""
    data = sources.initiative
    disclosers = _by_role(sources, "discloses", "both")
    recipients = _by_role(sources, "receives", "both")
    purposes = [codes.label(p).lower() for p in data.get("purposes", [])]
    categories = [codes.label(d["category"]).lower() for d in data.get("data", [])]
    subjects = [codes.label(s).lower() for s in data.get("data_subjects", [])]
    contact = sources.parties[0].name if sources.parties else "the lead party"
    start = sources.today
    purpose = data.get("summary", "").strip()
    if sources.benefits:
        purpose += f"\n\nExpected benefits: {sources.benefits.strip()}"
    purpose += f"\n\nPurposes: {_names(purposes)}."
    permitted = ["use-for-purpose", "store-securely", "read-by-named-staff"]
    prohibited = ["onward-disclosure", "sell", "other-purposes", "transfer-outside-uk"]
    return {
        "purpose": (purpose.strip(), {"purposes": list(data.get("purposes", []))}),
        "permitted-uses": (
            "Recipients may:\n" + "\n".join(f"- {PERMITTED_USES[c].label}" for c in permitted),
            {"codes": permitted},
        ),
        "prohibited-uses": (
            "Recipients must not:\n"
            + "\n".join(f"- {PROHIBITED_USES[c].label}" for c in prohibited),
            {"codes": prohibited},
        ),
        "onward-sharing": (
            "A recipient may pass the data on only where the law requires it (for example a court "
            "order), and then tells the party that shared it unless the law forbids that.",
            {},
        ),
        "limits": (
            "A recipient receives at most the number of records below in each period. A request "
            "beyond it is refused and logged; the parties vary this agreement to raise it.",
            {"records": _SUGGESTED_LIMIT.get(data.get("volume", ""), 1000), "per": "day"},
        ),
        "retention": (
            "Recipients keep the data only as long as the purpose needs it, within the period "
            "below, and then delete it securely and confirm that they have.",
            {"months": 12, "end_action": "delete"},
        ),
        "accuracy": (
            "The party that shares the data makes sure it is accurate and up to date when shared. "
            "A party that finds an error tells the others within 5 working days so each can "
            "correct its records.",
            {},
        ),
        "rights": (
            f"People can ask any party about their data. {contact} is the single point of contact "
            "and coordinates requests that concern more than one party. Each party answers "
            "subject access requests within one month.",
            {"contact": contact},
        ),
        "transparency": (
            f"Wording for each party's privacy notice: We share {_names(categories)} about "
            f"{_names(subjects)} between {_names(disclosers + [r for r in recipients if r not in disclosers])} "
            f"for {_names(purposes)}. We do this under the law set out in our data sharing "
            "agreement, keep the data no longer than needed, and you can ask us about it or "
            f"object. Contact {contact}.",
            {},
        ),
        "breaches": (
            "A party that suffers a personal data breach affecting this data tells the others "
            "within the time below, and each decides whether to report it to the ICO.",
            {"notify_hours": 24},
        ),
        "review": (
            "The parties review whether the sharing still achieves its purpose, is still necessary "
            "and still lawful, and record the outcome.",
            {"every_months": 12, "first_review_on": add_months(start, 12).isoformat()},
        ),
        "term": (
            "Sharing may start once every party has signed and not before the start date.",
            {"start_on": start.isoformat(), "end_on": None},
        ),
        "termination": (
            "Any party may end its part with 30 days' notice in writing, or at once if another "
            "party breaches this agreement. Data already shared is then deleted or returned as the "
            "retention section says.",
            {},
        ),
    }


def end_action_label(code: str) -> str:
    return END_ACTIONS[code]


def section(content: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    for s in content["sections"]:
        if s["key"] == key:
            return s  # type: ignore[no-any-return]
    raise KeyError(key)
