"""What one knowledge-base entry is. See docs/knowledge-base.md for the meaning of each field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

KINDS = (
    "lawful-basis",
    "provision",
    "rli-condition",
    "compatibility-condition",
    "special-category-condition",
    "schedule-1-condition",
    "schedule-8-condition",
    "exemption",
    "repealed-provision",
    "gateway",
    "confidentiality-route",
    "caldicott-principle",
    "role",
    "dpia-criterion",
    "guidance",
)
VERIFICATION = ("verified", "official", "secondary", "unverified")
GATEWAY_STATUS = ("in-force", "repealed", "superseded", "not-commenced")


@dataclass(frozen=True, slots=True)
class GatewayTerms:
    """What a statutory gateway allows: who may use it, for what, and how strongly."""

    act: str
    section: str
    power_or_duty: str  # "power" or "duty"
    express: bool
    overrides_confidentiality: bool
    bodies: frozenset[str]
    functions: frozenset[str]
    purposes: frozenset[str]
    status: str
    replaced_by: tuple[str, ...] = ()
    limits: str = ""
    nations: tuple[str, ...] = ("england", "wales")
    only_depersonalised: bool = False
    excluded_categories: frozenset[str] = frozenset()

    @property
    def is_usable(self) -> bool:
        return self.status == "in-force"


@dataclass(frozen=True, slots=True)
class Provision:
    """One entry of the knowledge base: a provision, condition, gateway, principle or role."""

    id: str
    kind: str
    title: str
    citation: str
    summary: str
    source: str
    in_force_from: dt.date
    in_force_until: dt.date | None
    last_reviewed: dt.date
    verification: str
    uncertainty: str = ""
    aliases: tuple[str, ...] = ()
    file: str = ""
    # Kind-specific facts; None or empty where the kind does not have them.
    public_authority_may_rely: bool | None = None
    needs_schedule_1: bool | None = None
    part: int | None = None
    appropriate_policy_document: str | None = None  # "yes", "no" or "depends"
    apd_note: str = ""
    meets: tuple[str, ...] = ()
    is_lawful_basis: bool | None = None
    instead: tuple[str, ...] = ()
    current: tuple[str, ...] = ()
    mapping_note: str = ""
    number: int | None = None
    always_required: bool | None = None
    gateway: GatewayTerms | None = field(default=None)

    def in_force_on(self, day: dt.date) -> bool:
        if day < self.in_force_from:
            return False
        return self.in_force_until is None or day <= self.in_force_until

    @property
    def is_confirmed(self) -> bool:
        """True when the entry was checked against the text of the law itself."""
        return self.verification == "verified"

    @property
    def references(self) -> tuple[str, ...]:
        """Ids this entry points at; each must exist in the knowledge base."""
        replaced = self.gateway.replaced_by if self.gateway else ()
        return self.meets + self.instead + self.current + replaced
