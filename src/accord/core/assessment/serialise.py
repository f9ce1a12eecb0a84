"""The assessment as JSON-ready data (format accord.assessment/1).

Sources are expanded into citation, URL, review date and verification, so that a reader of the
JSON alone can check every conclusion and see which facts are not yet confirmed.
"""

from __future__ import annotations

from typing import Any

from accord.core.assessment.outcome import Action, Assessment, Finding, Question, Section
from accord.core.law import Catalogue

FORMAT = "accord.assessment/1"


def assessment_to_data(assessment: Assessment, law: Catalogue) -> dict[str, Any]:
    everything = law.everything

    def sources(ids: tuple[str, ...]) -> list[dict[str, Any]]:
        result = []
        for provision_id in ids:
            provision = everything.find(provision_id)
            if provision is None:
                continue
            entry: dict[str, Any] = {
                "id": provision.id,
                "citation": provision.citation,
                "title": provision.title,
                "url": provision.source,
                "last_reviewed": provision.last_reviewed.isoformat(),
                "verification": provision.verification,
            }
            if provision.uncertainty:
                entry["uncertainty"] = provision.uncertainty
            result.append(entry)
        return result

    def label(provision_id: str) -> str:
        provision = everything.find(provision_id)
        return f"{provision.citation}: {provision.title}" if provision else provision_id

    def finding(f: Finding, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": f.id,
            "label": label(f.id),
            "status": f.status,
            "rule": f.rule,
        }
        if f.parties:
            data["parties"] = list(f.parties)
        data.update(extra)
        data["reasons"] = list(f.reasons)
        data["sources"] = sources(f.sources)
        return data

    def schedule_1(f: Finding) -> list[dict[str, Any]]:
        return [
            {
                "id": d.id,
                "label": label(d.id),
                "appropriate_policy_document": d.flag("appropriate_policy_document"),
                "reasons": list(d.reasons),
            }
            for d in f.details
        ]

    def section(s: Section, key: str, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {key: s.applies, "rule": s.rule, **extra}
        data["reasons"] = list(s.reasons)
        data["sources"] = sources(s.sources)
        return data

    def question(q: Question) -> dict[str, Any]:
        return {
            "id": q.id,
            "question": q.question,
            "prompts": list(q.prompts),
            "concerns": list(q.concerns),
            "sources": sources(q.sources),
        }

    def action(a: Action) -> dict[str, Any]:
        return {
            "code": a.code,
            "text": a.text,
            "required": a.required,
            "rule": a.rule,
            "sources": sources(a.sources),
        }

    def gateway(f: Finding) -> dict[str, Any]:
        provision = everything.get(f.id)
        terms = provision.gateway
        assert terms is not None
        return finding(
            f,
            act=terms.act,
            section=terms.section,
            kind=terms.power_or_duty,
            express=terms.express,
            overrides_confidentiality=terms.overrides_confidentiality,
        )

    special = assessment.special_category
    criminal = assessment.criminal_offence
    return {
        "format": FORMAT,
        "assessed_on": assessment.assessed_on.isoformat(),
        "law_version": assessment.law_version,
        "verdict": assessment.verdict,
        "summary": assessment.summary,
        "lawful_bases": [finding(f) for f in assessment.lawful_bases],
        "special_category": section(
            special,
            "required",
            conditions=[finding(f, schedule_1=schedule_1(f)) for f in special.findings],
        ),
        "criminal_offence": section(
            criminal,
            "required",
            conditions=[finding(f, schedule_1=schedule_1(f)) for f in criminal.findings],
        ),
        "law_enforcement": section(
            assessment.law_enforcement,
            "applies",
            schedule_8=[finding(f) for f in assessment.law_enforcement.findings],
        ),
        "gateways": [gateway(f) for f in assessment.gateways],
        "confidentiality": section(
            assessment.confidentiality,
            "applies",
            routes=[finding(f) for f in assessment.confidentiality.findings],
        ),
        "necessity": {
            "questions": [question(q) for q in assessment.necessity],
            "alternatives": [finding(f) for f in assessment.alternatives],
        },
        "fairness": {"questions": [question(q) for q in assessment.fairness]},
        "dpia": section(
            assessment.dpia,
            "required",
            recommended=assessment.dpia_recommended,
            criteria=[
                finding(f, always_required=f.flag("always_required"))
                for f in assessment.dpia.findings
            ],
        ),
        "purpose_limitation": section(
            assessment.purpose_limitation,
            "applies",
            conditions=[finding(f) for f in assessment.purpose_limitation.findings],
        ),
        "mechanisms": [finding(f, proposed=f.flag("proposed")) for f in assessment.mechanisms],
        "actions": [action(a) for a in assessment.actions],
        "notes": list(assessment.notes),
    }
