"""Who must sign an agreement for each party, and whether sign-off is complete.

Each party signs through its own senior people:
- its SIRO, who owns the organisation's information risk, signs for every party;
- its Caldicott Guardian also signs where health or social care data is shared and the party
  provides health or care (NHS bodies, councils with a care function);
- its Data Protection Officer must have been consulted (UK GDPR Art 38(1)) where the party is a
  public authority, which must have one (Art 37(1)(a)).
A signature or consultation counts only for the exact version it was given on (by its hash).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from accord.core import codes

SIGN, CONSULT = "sign", "consult"
HEALTH_OR_CARE_DATA: Final = frozenset({"health", "social-care", "genetic"})


@dataclass(frozen=True)
class Signatory:
    """A role whose holder must sign (or, for the DPO, record that they were consulted)."""

    party: str
    role: str
    kind: str  # SIGN | CONSULT

    @property
    def key(self) -> str:
        return f"{self.party}|{self.role}"


@dataclass(frozen=True)
class PartyFacts:
    name: str
    type: str
    functions: tuple[str, ...] = ()


def provides_health_or_care(party: PartyFacts) -> bool:
    if party.type in codes.HEALTH_AND_CARE_TYPES:
        return True
    return party.type == "local-authority" and bool(set(party.functions) & codes.CARE_FUNCTIONS)


def required_signatories(
    parties: Iterable[PartyFacts], data_categories: Iterable[str]
) -> tuple[Signatory, ...]:
    health_or_care_data = bool(set(data_categories) & HEALTH_OR_CARE_DATA)
    required: list[Signatory] = []
    for party in parties:
        required.append(Signatory(party.name, "siro", SIGN))
        if health_or_care_data and provides_health_or_care(party):
            required.append(Signatory(party.name, "caldicott-guardian", SIGN))
        if party.type in codes.PUBLIC_AUTHORITY_TYPES:
            required.append(Signatory(party.name, "dpo", CONSULT))
    return tuple(required)


@dataclass(frozen=True)
class Given:
    """A signature or consultation given: for which party and role, on which version hash."""

    party: str
    role: str
    version_hash: str


@dataclass(frozen=True)
class SignoffState:
    signed: tuple[Signatory, ...]
    waiting: tuple[Signatory, ...]

    @property
    def complete(self) -> bool:
        return not self.waiting


def signoff_state(
    required: Sequence[Signatory], given: Iterable[Given], version_hash: str
) -> SignoffState:
    """Which required signatories have signed this version; others' signatures do not count."""
    done = {f"{g.party}|{g.role}" for g in given if g.version_hash == version_hash}
    return SignoffState(
        signed=tuple(s for s in required if s.key in done),
        waiting=tuple(s for s in required if s.key not in done),
    )


class SignatureRefused(Exception):
    """A signature that cannot be accepted, with the reason in plain English."""


def check_signature(
    *,
    signatory: Signatory | None,
    signed_hash: str,
    current_hash: str,
    already_signed: bool,
    evidence_blockers: Sequence[str],
) -> None:
    """Refuse a signature on anything but the current version, by anyone not required, twice,
    or while any party's required security evidence is missing or out of date."""
    if signed_hash != current_hash:
        raise SignatureRefused(
            "This version has been superseded: the agreement changed after you opened it. "
            "Read the current version and sign that."
        )
    if signatory is None:
        raise SignatureRefused(
            "Your role is not one that signs this agreement for your organisation."
        )
    if already_signed:
        raise SignatureRefused("This version already has that signature.")
    if evidence_blockers:
        raise SignatureRefused(
            "Sign-off cannot go ahead until every party's security evidence is current: "
            + "; ".join(evidence_blockers)
            + "."
        )
