"""The schema every knowledge-base entry is checked against when it is loaded.

One function per concern, all reading through FieldReader so that a broken file is reported
with its file, line, entry and field. docs/knowledge-base.md is the human description of the
same schema; keep the two in step.
"""

from __future__ import annotations

from typing import Any

from accord.core import codes
from accord.core.fields import FieldReader
from accord.core.law.model import GATEWAY_STATUS, KINDS, VERIFICATION, GatewayTerms, Provision
from accord.core.sourcefile import Problem

# Legislation and ICO guidance are the sources for every provision, condition and gateway.
SOURCE_HOSTS = frozenset({"www.legislation.gov.uk", "legislation.gov.uk", "ico.org.uk"})
# The common law, the Caldicott principles, sign-off roles and technical standards have no home on
# either, so for those kinds official health and government hosts are accepted as well.
NON_STATUTORY_KINDS = frozenset(
    {"confidentiality-route", "caldicott-principle", "role", "guidance"}
)
NON_STATUTORY_HOSTS = SOURCE_HOSTS | {
    "www.gov.uk",
    "www.hra.nhs.uk",
    "digital.nhs.uk",
    "www.england.nhs.uk",
    "digitalregulations.innovation.nhs.uk",
    "www.ukcgc.uk",
    "www.ncsc.gov.uk",
}


def _allowed_hosts(kind: str, entry_id: str) -> frozenset[str]:
    if kind in NON_STATUTORY_KINDS or entry_id.startswith("common-law/"):
        return NON_STATUTORY_HOSTS
    return SOURCE_HOSTS


COMMON_FIELDS = (
    "id",
    "kind",
    "title",
    "citation",
    "summary",
    "source",
    "in_force_from",
    "in_force_until",
    "last_reviewed",
    "verification",
    "uncertainty",
    "aliases",
)

KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "lawful-basis": ("public_authority_may_rely",),
    "special-category-condition": ("needs_schedule_1",),
    "schedule-1-condition": ("part", "appropriate_policy_document", "apd_note", "meets"),
    "exemption": ("is_lawful_basis", "instead"),
    "repealed-provision": ("current", "mapping_note"),
    "caldicott-principle": ("number",),
    "dpia-criterion": ("always_required",),
    "gateway": (
        "act",
        "section",
        "power_or_duty",
        "express",
        "overrides_confidentiality",
        "bodies",
        "functions",
        "purposes",
        "status",
        "replaced_by",
        "limits",
        "nation",
        "only_depersonalised",
        "excluded_categories",
    ),
}

_ID_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-_.")


def read_entry(raw: Any, path: str, file: str, problems: list[Problem]) -> Provision | None:
    """Check one entry and build its Provision, or record why it is broken and return None."""
    before = len(problems)
    reader = FieldReader(raw, path, problems)
    if len(problems) > before:
        return None
    entry_id = reader.text("id")
    if entry_id:
        reader.path = f"{path} (id {entry_id})"
        if not set(entry_id) <= _ID_CHARACTERS or entry_id.startswith("/"):
            reader.problem("id", f"{entry_id!r} must be a path like eur/2016/679/article/6/1/e")
    kind = reader.code("kind", KINDS)
    reader.reject_unknown(COMMON_FIELDS + KIND_FIELDS.get(kind, ()))

    verification = reader.code("verification", VERIFICATION)
    uncertainty = reader.text("uncertainty", required=False)
    if verification and verification != "verified" and not uncertainty:
        reader.problem(
            "uncertainty",
            f"is required when verification is {verification!r}: say what is not confirmed",
        )
    in_force_from = reader.date("in_force_from")
    in_force_until = reader.date("in_force_until", required=False)
    if in_force_from and in_force_until and in_force_until < in_force_from:
        reader.problem("in_force_until", "is before in_force_from")

    common: dict[str, Any] = {
        "id": entry_id,
        "kind": kind,
        "title": reader.text("title"),
        "citation": reader.text("citation"),
        "summary": reader.text("summary"),
        "source": reader.url("source", hosts=_allowed_hosts(kind, entry_id)),
        "in_force_from": in_force_from,
        "in_force_until": in_force_until,
        "last_reviewed": reader.date("last_reviewed"),
        "verification": verification,
        "uncertainty": uncertainty,
        "aliases": reader.strings("aliases", required=False),
        "file": file,
    }
    specific = _read_kind_specific(reader, kind)
    if len(problems) > before:
        return None
    return Provision(**common, **specific)


def _read_kind_specific(reader: FieldReader, kind: str) -> dict[str, Any]:
    if kind == "lawful-basis":
        return {
            "public_authority_may_rely": reader.boolean("public_authority_may_rely", required=True)
        }
    if kind == "special-category-condition":
        return {"needs_schedule_1": reader.boolean("needs_schedule_1", required=True)}
    if kind == "schedule-1-condition":
        part = reader.integer("part")
        if part is not None and part not in (1, 2, 3):
            reader.problem("part", f"must be 1, 2 or 3, not {part}")
        apd = reader.code("appropriate_policy_document", ("yes", "no", "depends"))
        note = reader.text("apd_note", required=False)
        if apd == "depends" and not note:
            reader.problem("apd_note", "is required when appropriate_policy_document is depends")
        return {
            "part": part,
            "appropriate_policy_document": apd,
            "apd_note": note,
            "meets": reader.strings("meets", non_empty=True),
        }
    if kind == "exemption":
        is_basis = reader.boolean("is_lawful_basis", required=True)
        if is_basis:
            reader.problem("is_lawful_basis", "an exemption is never a lawful basis: must be false")
        return {"is_lawful_basis": is_basis, "instead": reader.strings("instead", non_empty=True)}
    if kind == "repealed-provision":
        return {
            "current": reader.strings("current", non_empty=True),
            "mapping_note": reader.text("mapping_note", required=False),
        }
    if kind == "caldicott-principle":
        return {"number": reader.integer("number")}
    if kind == "dpia-criterion":
        return {"always_required": reader.boolean("always_required", required=True)}
    if kind == "gateway":
        return {"gateway": _read_gateway(reader)}
    return {}


def _read_gateway(reader: FieldReader) -> GatewayTerms:
    status = reader.code("status", GATEWAY_STATUS)
    replaced_by = reader.strings("replaced_by", required=False)
    if status in ("repealed", "superseded") and not replaced_by:
        reader.problem("replaced_by", f"is required when status is {status}: say what replaced it")
    # A repealed gateway is kept so that users who name it are told what replaced it; who could
    # use it and for what no longer matters.
    usable = status in ("in-force", "not-commenced")
    nations = reader.codes("nation", codes.NATIONS, required=False) or ("england", "wales")
    return GatewayTerms(
        act=reader.text("act"),
        section=reader.text("section"),
        power_or_duty=reader.code("power_or_duty", ("power", "duty")),
        express=reader.boolean("express", required=True),
        overrides_confidentiality=reader.boolean("overrides_confidentiality", required=True),
        bodies=frozenset(
            reader.codes("bodies", codes.PARTY_TYPES, required=usable, non_empty=usable)
        ),
        functions=frozenset(
            reader.codes(
                "functions", codes.LOCAL_AUTHORITY_FUNCTIONS, required=False, non_empty=False
            )
        ),
        purposes=frozenset(
            reader.codes("purposes", codes.PURPOSES, required=usable, non_empty=usable)
        ),
        status=status,
        replaced_by=replaced_by,
        limits=reader.text("limits", required=False),
        nations=nations,
        only_depersonalised=reader.boolean("only_depersonalised"),
        excluded_categories=frozenset(
            reader.codes(
                "excluded_categories", codes.DATA_CATEGORIES, required=False, non_empty=False
            )
        ),
    )
