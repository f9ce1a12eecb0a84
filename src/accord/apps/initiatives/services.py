"""Changing initiatives. Each function: check permission, call the core, persist, audit, in one
transaction. Views call these and nothing else to change state.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accord.apps.accounts.models import User
from accord.apps.audit.services import audit_record
from accord.apps.initiatives.models import (
    Assessment,
    ConclusionDecision,
    Dpia,
    DpiaRisk,
    FairnessAnswer,
    Initiative,
    InitiativeParty,
)
from accord.apps.initiatives.selectors import (
    assessment_conclusions,
    current_assessment,
    fairness_questions,
    standing_of,
)
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core import codes, fairness
from accord.core.access import may_in_organisation
from accord.core.assessment.engine import assess
from accord.core.assessment.initiative import (
    Initiative as CoreInitiative,
)
from accord.core.assessment.initiative import (
    InvalidInitiative,
    initiative_from_data,
    read_initiative,
)
from accord.core.assessment.serialise import assessment_to_data
from accord.core.law import Catalogue, default_law
from accord.core.mechanisms import NOT_ALLOWED
from accord.core.sourcefile import Problem, line_of, parse

# The longest name of a data field: a dataset's column is mapped to it by name (DatasetColumn).
FIELD_NAME_MAX = 200
# Fields of the file kept in Initiative.content (title and parties have their own homes).
CONTENT_FIELDS = (
    "summary",
    "assess_on",
    "purposes",
    "data_subjects",
    "data",
    "consent",
    "volume",
    "frequency",
    "pseudonymised",
    "law_enforcement",
    "mechanism",
)


def _require(actor: User, initiative: Initiative, action: str) -> None:
    if not standing_of(user=actor, initiative=initiative).may(action):
        raise PermissionDenied(f"You cannot do this ({action}) on this initiative")


def _audit(
    actor: User,
    initiative: Initiative,
    *,
    verb: str,
    target: Any,
    summary: str,
    data: dict[str, Any] | None = None,
) -> None:
    """The audit entry for a change to an initiative, filed under the initiative and its lead."""
    audit_record(
        actor=actor,
        verb=verb,
        target=target,
        organisation=initiative.lead,
        initiative=initiative,
        summary=summary,
        data=data,
    )


def _touch(initiative: Initiative, **fields: Any) -> None:
    """Save changed description fields; any change needs confirming again."""
    for name, value in fields.items():
        setattr(initiative, name, value)
    initiative.description_confirmed = False
    initiative.save()


def initiative_create(*, actor: User, lead: Organisation, title: str) -> Initiative:
    roles = roles_by_organisation(user=actor).get(lead.pk, frozenset())
    if not may_in_organisation("initiative.create", roles=roles):
        raise PermissionDenied(f"Only an IG officer of {lead.name} can start an initiative for it")
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Enter a title for the initiative"})
    with transaction.atomic():
        initiative = Initiative.objects.create(
            title=title,
            lead=lead,
            created_by=actor,
            content={
                "purposes": [],
                "data_subjects": [],
                "data": [],
                "consent": "",
                "volume": "",
                "frequency": "",
            },
        )
        InitiativeParty.objects.create(
            initiative=initiative,
            organisation=lead,
            role="both",
            functions=list(lead.functions) if lead.type == "local-authority" else [],
        )
        audit_record(
            actor=actor,
            verb="initiative.created",
            target=initiative,
            organisation=lead,
            initiative=initiative,
            summary=f"Initiative “{title}” started",
        )
    return initiative


def initiative_import(
    *, actor: User, lead: Organisation, text: str, filename: str
) -> tuple[Initiative, list[str]]:
    """Create an initiative from a file (format 1). Raises InvalidInitiative like the CLI.

    Parties are matched to organisations by name; a party Accord does not know yet is added as
    an organisation so that it can be invited later. Returns the initiative and notes on that.
    """
    roles = roles_by_organisation(user=actor).get(lead.pk, frozenset())
    if not may_in_organisation("initiative.create", roles=roles):
        raise PermissionDenied(f"Only an IG officer of {lead.name} can start an initiative for it")
    parsed = read_initiative(text, filename)
    raw = parse(text)
    if problems := _unstorable(parsed, raw):
        raise InvalidInitiative(filename, problems)
    names = [party.name for party in parsed.parties]
    if not any(name.casefold() == lead.name.casefold() for name in names):
        raise InvalidInitiative(
            filename,
            [
                Problem(
                    "parties",
                    f"none of the parties is {lead.name}, the organisation importing it: "
                    f"add {lead.name} as a party (found: {', '.join(names)})",
                )
            ],
        )
    notes: list[str] = []
    with transaction.atomic():
        content = {key: _as_json(raw[key]) for key in CONTENT_FIELDS if key in raw}
        if parsed.assess_on is not None:
            content["assess_on"] = parsed.assess_on.isoformat()
        initiative = Initiative.objects.create(
            title=parsed.title,
            lead=lead,
            created_by=actor,
            content=content,
            description_confirmed=True,
        )
        for party in parsed.parties:
            organisation = Organisation.objects.filter(name__iexact=party.name).first()
            if organisation is None:
                organisation = Organisation.objects.create(
                    name=party.name, type=party.type, functions=list(party.functions)
                )
                audit_record(
                    actor=actor,
                    verb="organisation.created",
                    target=organisation,
                    organisation=organisation,
                    summary=f"Organisation {party.name} added from an imported initiative",
                )
                notes.append(f"{party.name} is new to Accord: it was added as an organisation.")
            elif organisation.type != party.type:
                notes.append(
                    f"{organisation.name} is recorded as {codes.label(organisation.type)}, "
                    f"not {codes.label(party.type)} as the file says: Accord's record is used."
                )
            InitiativeParty.objects.create(
                initiative=initiative,
                organisation=organisation,
                role=party.role,
                functions=list(party.functions),
            )
        audit_record(
            actor=actor,
            verb="initiative.imported",
            target=initiative,
            organisation=lead,
            initiative=initiative,
            summary=f"Initiative “{parsed.title}” imported from {filename}",
            data={"filename": filename},
        )
    return initiative, notes


def _unstorable(parsed: CoreInitiative, raw: Any) -> list[Problem]:
    """What a valid file holds that the database cannot: text too long for its column, or a NUL
    character (PostgreSQL refuses one in any text)."""
    problems: list[Problem] = []
    title_max = Initiative._meta.get_field("title").max_length or 0
    if len(parsed.title) > title_max:
        problems.append(
            Problem("title", f"must be {title_max} characters or fewer", line_of(raw, "title"))
        )
    name_max = Organisation._meta.get_field("name").max_length or 0
    for index, party in enumerate(parsed.parties):
        if len(party.name) > name_max:
            problems.append(
                Problem(
                    f"parties[{index}].name",
                    f"must be {name_max} characters or fewer",
                    line_of(raw["parties"][index], "name"),
                )
            )
    for index, item in enumerate(parsed.data):
        for number, name in enumerate(item.fields):
            if len(name) > FIELD_NAME_MAX:
                problems.append(
                    Problem(
                        f"data[{index}].fields[{number}]",
                        f"must be {FIELD_NAME_MAX} characters or fewer",
                        line_of(raw["data"][index]["fields"], number),
                    )
                )

    def find_nul(value: Any, path: str, line: int | None) -> None:
        if isinstance(value, str) and "\x00" in value:
            problems.append(Problem(path, "must not contain a NUL character", line))
        elif isinstance(value, dict):
            for key, item in value.items():
                find_nul(item, f"{path}.{key}" if path else str(key), line_of(value, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                find_nul(item, f"{path}[{index}]", line_of(value, index))

    find_nul(raw, "", None)
    return problems


def _as_json(value: Any) -> Any:
    """A parsed value as JSON holds it: what YAML reads as a date, bytes, a set or a number JSON
    cannot write (nan, inf) becomes the text the initiative's checks read it as."""
    if isinstance(value, dict):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)


def initiative_update(
    *, actor: User, initiative: Initiative, changes: dict[str, Any], what: str
) -> None:
    """Change description fields (title or CONTENT_FIELDS)."""
    _require(actor, initiative, "initiative.edit")
    unknown = set(changes) - set(CONTENT_FIELDS) - {"title"}
    if unknown:
        raise ValueError(f"not description fields: {sorted(unknown)}")
    with transaction.atomic():
        initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
        content = dict(initiative.content)
        fields = sorted(changes)
        title = changes.pop("title", initiative.title)
        content.update(changes)
        content = {key: value for key, value in content.items() if value is not None}  # None: unset
        _touch(initiative, title=title, content=content)
        _audit(
            actor,
            initiative,
            verb="initiative.described",
            target=initiative,
            summary=f"Changed {what}",
            data={"fields": fields},
        )


def _refuse_if_agreement_signed(initiative: Initiative) -> None:
    """Parties are fixed once every party has signed: the exchange trusts who signed, as what."""
    from accord.apps.agreements.models import Agreement  # agreements build on initiatives

    signed = Agreement.objects.filter(
        initiative=initiative, status__in=Agreement.AFTER_SIGNING
    ).exists()
    if signed:
        raise ValidationError(
            {
                "party": "Every party has signed the agreement, so the parties cannot change "
                "now. Start a new agreement for a different set of parties."
            }
        )


def party_add(
    *,
    actor: User,
    initiative: Initiative,
    organisation: Organisation,
    role: str,
    functions: Iterable[str] = (),
) -> InitiativeParty:
    _require(actor, initiative, "initiative.edit")
    _refuse_if_agreement_signed(initiative)
    if role not in codes.ROLES:
        raise ValidationError({"role": "Choose whether the party discloses, receives or both"})
    functions = list(functions)
    if functions and organisation.type != "local-authority":
        raise ValidationError(
            {"functions": "Functions apply only to a local authority: leave them unticked"}
        )
    with transaction.atomic():
        if initiative.parties.filter(organisation=organisation).exists():
            raise ValidationError({"organisation": f"{organisation.name} is already a party"})
        party = InitiativeParty.objects.create(
            initiative=initiative, organisation=organisation, role=role, functions=functions
        )
        _touch(initiative)
        _audit(
            actor,
            initiative,
            verb="initiative.party-added",
            target=party,
            summary=f"{organisation.name} added as a party ({codes.label(role).lower()})",
        )
    return party


def party_remove(*, actor: User, initiative: Initiative, party: InitiativeParty) -> None:
    _require(actor, initiative, "initiative.edit")
    _refuse_if_agreement_signed(initiative)
    if party.organisation_id == initiative.lead_id:
        raise ValidationError({"party": "The lead organisation cannot be removed"})
    with transaction.atomic():
        name = party.organisation.name
        party.delete()
        _touch(initiative)
        _audit(
            actor,
            initiative,
            verb="initiative.party-removed",
            target=initiative,
            summary=f"{name} removed as a party",
        )


def party_change_role(
    *, actor: User, initiative: Initiative, party: InitiativeParty, role: str
) -> None:
    _require(actor, initiative, "initiative.edit")
    _refuse_if_agreement_signed(initiative)
    if role not in codes.ROLES:
        raise ValidationError({"role": "Choose whether the party discloses, receives or both"})
    with transaction.atomic():
        party.role = role
        party.save(update_fields=["role"])
        _touch(initiative)
        _audit(
            actor,
            initiative,
            verb="initiative.party-changed",
            target=party,
            summary=f"{party.organisation.name} now {codes.label(role).lower()}",
        )


def description_problems(*, initiative: Initiative) -> list[Problem]:
    """What stops the description from being assessed, in the file format's terms."""
    try:
        initiative_from_data(initiative.format_data(), "initiative")
    except InvalidInitiative as invalid:
        return invalid.problems
    return []


def initiative_confirm_description(*, actor: User, initiative: Initiative) -> None:
    _require(actor, initiative, "initiative.edit")
    problems = description_problems(initiative=initiative)
    if problems:
        raise InvalidInitiative("initiative", problems)
    with transaction.atomic():
        initiative.description_confirmed = True
        initiative.save(update_fields=["description_confirmed", "updated_at"])
        _audit(
            actor,
            initiative,
            verb="initiative.description-confirmed",
            target=initiative,
            summary="Description confirmed as complete",
        )


def initiative_assess(
    *, actor: User, initiative: Initiative, today: dt.date, law: Catalogue | None = None
) -> Assessment:
    """Run the engine on the description as it stands, on `today` (or the file's assess_on)."""
    _require(actor, initiative, "initiative.assess")
    if not initiative.description_confirmed:
        raise ValidationError("Finish and confirm the description before assessing it")
    law = law or default_law()
    snapshot = initiative.format_data()
    snapshot.pop("mechanism", None)
    if proposed := initiative.content.get("mechanism"):
        snapshot["mechanism"] = proposed
    core_initiative: CoreInitiative = initiative_from_data(snapshot, "initiative")
    on = core_initiative.assess_on or today
    result = assessment_to_data(assess(core_initiative, law, today=on), law)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            initiative=initiative,
            assessed_on=on,
            law_version=result["law_version"],
            description_hash=initiative.description_hash(),
            initiative_snapshot=snapshot,
            result=result,
            verdict=result["verdict"],
            created_by=actor,
        )
        _audit(
            actor,
            initiative,
            verb="initiative.assessed",
            target=assessment,
            summary=f"Legal basis assessed: verdict {result['verdict']}",
            data={"law_version": result["law_version"], "assessed_on": on.isoformat()},
        )
        Initiative.objects.filter(pk=initiative.pk).update(updated_at=timezone.now())
    return assessment


def assessment_replay(*, assessment: Assessment, law: Catalogue | None = None) -> bool | None:
    """Re-run a stored assessment: True if it gives the same result, None if the law changed."""
    law = law or default_law()
    if law.version != assessment.law_version:
        return None
    core_initiative = initiative_from_data(assessment.initiative_snapshot, "initiative")
    again = assessment_to_data(assess(core_initiative, law, today=assessment.assessed_on), law)
    return bool(again == assessment.result)


def conclusion_decide(
    *, actor: User, assessment: Assessment, key: str, decision: str, reason: str
) -> ConclusionDecision:
    initiative = assessment.initiative
    _require(actor, initiative, "initiative.decide")
    if current_assessment(initiative=initiative) != assessment:
        raise ValidationError("This assessment has been replaced: decide on the latest one")
    conclusions = {c.key: c for c in assessment_conclusions(assessment=assessment)}
    if key not in conclusions:
        raise ValidationError({"key": "There is no such conclusion in this assessment"})
    if decision not in (ConclusionDecision.ACCEPTED, ConclusionDecision.OVERRIDDEN):
        raise ValidationError({"decision": "Choose whether you accept or override it"})
    reason = reason.strip()
    if decision == ConclusionDecision.OVERRIDDEN and not reason:
        raise ValidationError({"reason": "Give the reason for overriding this conclusion"})
    with transaction.atomic():
        record, _ = ConclusionDecision.objects.update_or_create(
            assessment=assessment,
            key=key,
            defaults={"decision": decision, "reason": reason, "decided_by": actor},
        )
        _audit(
            actor,
            initiative,
            verb=f"conclusion.{decision}",
            target=record,
            summary=f"{decision.capitalize()}: {conclusions[key].statement}",
            data={"key": key, "reason": reason, "assessment": assessment.pk},
        )
    return record


def fairness_answer(
    *, actor: User, initiative: Initiative, question_id: str, answer: str, explanation: str
) -> FairnessAnswer:
    _require(actor, initiative, "fairness.answer")
    assessment = current_assessment(initiative=initiative)
    if assessment is None:
        raise ValidationError("Run the legal basis assessment first")
    questions = {str(q["id"]): q for q in fairness_questions(assessment=assessment)}
    if question_id not in questions:
        raise ValidationError({"question": "There is no such question"})
    explanation = explanation.strip()
    errors: dict[str, str] = {}
    if fairness.has_yes_no_answer(question_id):
        if answer not in fairness.ANSWERS:
            errors["answer"] = "Choose yes or no"
    else:
        answer = ""
    if not explanation:
        errors["explanation"] = "Explain your answer: this is the record an auditor will read"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record, _ = FairnessAnswer.objects.update_or_create(
            initiative=initiative,
            question_id=question_id,
            defaults={"answer": answer, "explanation": explanation, "answered_by": actor},
        )
        _audit(
            actor,
            initiative,
            verb="fairness.answered",
            target=record,
            summary=f"Answered “{questions[question_id]['question']}”"
            + (f": {answer}" if answer else ""),
            data={"question": question_id, "answer": answer, "explanation": explanation},
        )
    return record


def _dpia(initiative: Initiative) -> Dpia:
    dpia, _ = Dpia.objects.select_for_update().get_or_create(initiative=initiative)
    return dpia


def dpia_screening_record(
    *, actor: User, initiative: Initiative, needed: bool, reason: str
) -> Dpia:
    """Record whether a DPIA is needed; going against the screening needs a reason."""
    _require(actor, initiative, "dpia.edit")
    assessment = current_assessment(initiative=initiative)
    if assessment is None:
        raise ValidationError("Run the legal basis assessment first")
    screening = assessment.result["dpia"]
    reason = reason.strip()
    if screening["required"] and not needed:
        raise ValidationError(
            {
                "needed": "A DPIA is required by law for this initiative (UK GDPR Art 35(3) "
                "or the ICO's list): it cannot be skipped"
            }
        )
    if screening["recommended"] and not needed and not reason:
        raise ValidationError(
            {"reason": "Give the reason for not doing the DPIA that the screening recommends"}
        )
    with transaction.atomic():
        dpia = _dpia(initiative)
        dpia.needed, dpia.screening_reason, dpia.screened_by = needed, reason, actor
        dpia.save()
        _audit(
            actor,
            initiative,
            verb="dpia.screened",
            target=dpia,
            summary="DPIA needed" if needed else "DPIA not needed",
            data={"needed": needed, "reason": reason},
        )
    return dpia


def dpia_risk_add(*, actor: User, initiative: Initiative, fields: dict[str, str]) -> DpiaRisk:
    _require(actor, initiative, "dpia.edit")
    with transaction.atomic():
        dpia = _dpia(initiative)
        if not dpia.needed:
            raise ValidationError("Record that a DPIA is needed before adding risks")
        risk = DpiaRisk(dpia=dpia, **fields)
        risk.full_clean()
        risk.save()
        _audit(
            actor,
            initiative,
            verb="dpia.risk-added",
            target=risk,
            summary=f"Risk added ({risk.level}, residual {risk.residual_level}): "
            f"{risk.description[:120]}",
            data=dict(fields),
        )
    return risk


def dpia_risk_remove(*, actor: User, initiative: Initiative, risk: DpiaRisk) -> None:
    _require(actor, initiative, "dpia.edit")
    with transaction.atomic():
        description = risk.description
        _audit(
            actor,
            initiative,
            verb="dpia.risk-removed",
            target=risk,
            summary=f"Risk removed: {description[:120]}",
        )
        risk.delete()


def dpia_advice_record(*, actor: User, initiative: Initiative, advice: str) -> Dpia:
    """UK GDPR Art 35(2): the DPO's advice, recorded by the DPO."""
    _require(actor, initiative, "dpia.advise")
    advice = advice.strip()
    if not advice:
        raise ValidationError({"advice": "Enter your advice"})
    with transaction.atomic():
        dpia = _dpia(initiative)
        dpia.dpo_advice, dpia.dpo_advised_by, dpia.dpo_advised_at = advice, actor, timezone.now()
        # New advice needs a new response.
        dpia.advice_followed, dpia.advice_response, dpia.responded_by = None, "", None
        dpia.save()
        _audit(
            actor,
            initiative,
            verb="dpia.advised",
            target=dpia,
            summary="DPO's advice recorded",
            data={"advice": advice},
        )
    return dpia


def dpia_advice_respond(
    *, actor: User, initiative: Initiative, followed: bool, reason: str
) -> Dpia:
    _require(actor, initiative, "dpia.respond-to-advice")
    reason = reason.strip()
    with transaction.atomic():
        dpia = _dpia(initiative)
        if not dpia.dpo_advice:
            raise ValidationError("There is no advice from the DPO to respond to yet")
        if not followed and not reason:
            raise ValidationError(
                {"reason": "Explain why the DPO's advice is not followed (ICO DPIA template)"}
            )
        dpia.advice_followed, dpia.advice_response = followed, reason
        dpia.responded_by, dpia.responded_at = actor, timezone.now()
        dpia.save()
        _audit(
            actor,
            initiative,
            verb="dpia.advice-followed" if followed else "dpia.advice-overruled",
            target=dpia,
            summary="DPO's advice followed" if followed else "DPO's advice not followed",
            data={"reason": reason},
        )
    return dpia


class MechanismNotAllowed(ValidationError):
    pass


def mechanism_choose(*, actor: User, initiative: Initiative, mechanism: str, reason: str) -> None:
    _require(actor, initiative, "mechanism.choose")
    assessment = current_assessment(initiative=initiative)
    if assessment is None:
        raise ValidationError("Run the legal basis assessment first")
    finding = next((f for f in assessment.result["mechanisms"] if f["id"] == mechanism), None)
    if finding is None:
        raise ValidationError({"mechanism": "Choose how the data will move"})
    if finding["status"] == NOT_ALLOWED:
        raise MechanismNotAllowed(
            {
                "mechanism": f"{codes.label(mechanism)} is not allowed for this initiative: "
                + " ".join(finding["reasons"])
            }
        )
    with transaction.atomic():
        initiative.mechanism, initiative.mechanism_reason = mechanism, reason.strip()
        initiative.save(update_fields=["mechanism", "mechanism_reason", "updated_at"])
        _audit(
            actor,
            initiative,
            verb="mechanism.chosen",
            target=initiative,
            summary=f"Mechanism chosen: {codes.label(mechanism)} ({finding['status']})",
            data={"mechanism": mechanism, "status": finding["status"], "reason": reason},
        )


def data_items_set(*, actor: User, initiative: Initiative, items: Iterable[dict[str, Any]]) -> None:
    initiative_update(
        actor=actor, initiative=initiative, changes={"data": list(items)}, what="the data shared"
    )
