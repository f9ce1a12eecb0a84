"""Who may do what: roles per organisation and the actions they allow (pure data and one function).

A person holds roles in an organisation. What they may do with an initiative depends on those
roles and on whether their organisation leads the initiative or is another party to it. Anyone
with no role in a party organisation may do nothing at all, not even learn that it exists.
"""

from __future__ import annotations

from typing import Final

ROLES: Final = {
    "ig-officer": "IG officer",
    "dpo": "Data Protection Officer",
    "siro": "Senior Information Risk Owner (SIRO)",
    "caldicott-guardian": "Caldicott Guardian",
    "viewer": "Viewer",
    "org-admin": "Organisation administrator",
    "practitioner": "Practitioner",
}
ROLE_DESCRIPTIONS: Final = {
    "ig-officer": "prepares initiatives and agreements",
    "dpo": "advises on data protection and the DPIA",
    "siro": "signs for the organisation and owns information risk",
    "caldicott-guardian": "signs for the organisation where health or care data is shared",
    "viewer": "reads initiatives the organisation is party to",
    "org-admin": "manages the organisation's people and roles",
    "practitioner": "looks up one person's record under a live agreement, giving a reason",
}
SIGNING_ROLES: Final = frozenset({"siro", "caldicott-guardian"})
# Everyone who works on the wording of an agreement, in any party.
NEGOTIATING_ROLES: Final = frozenset({"ig-officer", "dpo", "siro", "caldicott-guardian"})
# Signatories and administrators can commit an organisation or change who may: they must use MFA.
# Practitioners see individual people's records, so they too must use MFA.
MFA_REQUIRED_ROLES: Final = SIGNING_ROLES | {"org-admin", "practitioner"}

EVERY_ROLE: Final = frozenset(ROLES)
# Roles the first person of a newly joining organisation may take for themselves (not viewer).
JOINING_ROLES: Final = ("ig-officer", "siro", "dpo", "caldicott-guardian", "org-admin")

# action -> (roles allowed in the lead organisation, roles allowed in another party organisation)
_RULES: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "initiative.view": (EVERY_ROLE, EVERY_ROLE),
    "initiative.export": (EVERY_ROLE, EVERY_ROLE),
    "initiative.edit": (frozenset({"ig-officer"}), frozenset()),
    "initiative.assess": (frozenset({"ig-officer"}), frozenset()),
    "initiative.decide": (frozenset({"ig-officer"}), frozenset()),
    "fairness.answer": (frozenset({"ig-officer"}), frozenset()),
    "dpia.edit": (frozenset({"ig-officer"}), frozenset()),
    "dpia.advise": (frozenset({"dpo"}), frozenset()),
    "dpia.respond-to-advice": (
        frozenset({"siro", "caldicott-guardian", "ig-officer"}),
        frozenset(),
    ),
    "mechanism.choose": (frozenset({"ig-officer"}), frozenset()),
    # The agreement: drafted by the lead, negotiated by every party, signed by each party's own.
    "agreement.view": (EVERY_ROLE, EVERY_ROLE),
    "agreement.draft": (frozenset({"ig-officer"}), frozenset()),
    "agreement.invite": (frozenset({"ig-officer"}), frozenset()),
    "agreement.comment": (NEGOTIATING_ROLES, NEGOTIATING_ROLES),
    "agreement.propose": (NEGOTIATING_ROLES, NEGOTIATING_ROLES),
    "agreement.decide-proposal": (frozenset({"ig-officer"}), frozenset()),
    "agreement.sign": (SIGNING_ROLES | {"dpo"}, SIGNING_ROLES | {"dpo"}),
    # A variation agreed at a review reopens the signed wording; the lead coordinates it.
    "agreement.vary": (frozenset({"ig-officer", "siro"}), frozenset()),
}
ACTIONS: Final = frozenset(_RULES)
# Organisation-level actions: the roles needed in that organisation.
_ORGANISATION_RULES: Final[dict[str, frozenset[str]]] = {
    "initiative.create": frozenset({"ig-officer"}),
    "organisation.view-people": EVERY_ROLE,
    "organisation.manage-people": frozenset({"org-admin"}),
    # The security evidence library is kept by the organisation and reused across agreements.
    "evidence.view": EVERY_ROLE,
    "evidence.manage": frozenset({"ig-officer", "dpo", "siro", "org-admin"}),
}

DISCLOSING: Final = frozenset({"discloses", "both"})
RECEIVING: Final = frozenset({"receives", "both"})
ANY_PARTY: Final = DISCLOSING | RECEIVING
# Exchange actions are taken for one party organisation under a signed agreement:
# action -> (roles needed in that organisation, the party's role in the sharing, lead only?).
_PARTY_RULES: Final[dict[str, tuple[frozenset[str], frozenset[str], bool]]] = {
    "exchange.view": (EVERY_ROLE, ANY_PARTY, False),
    "exchange.go-live": (frozenset({"ig-officer", "siro"}), ANY_PARTY, True),
    # Any party can stop its data flowing at once (after a breach, say); only the lead, which
    # coordinates the agreement, starts it again.
    "exchange.suspend": (frozenset({"ig-officer", "siro"}), ANY_PARTY, False),
    "exchange.resume": (frozenset({"ig-officer", "siro"}), ANY_PARTY, True),
    "exchange.terminate": (frozenset({"siro"}), ANY_PARTY, True),
    "dataset.manage": (frozenset({"ig-officer", "org-admin"}), DISCLOSING, False),
    "client.manage": (frozenset({"ig-officer", "org-admin"}), RECEIVING, False),
    "exchange.lookup": (
        frozenset({"practitioner", "ig-officer", "caldicott-guardian"}),
        RECEIVING,
        False,
    ),
    "file.share": (frozenset({"ig-officer"}), DISCLOSING, False),
    "external.record": (frozenset({"ig-officer"}), ANY_PARTY, False),
    "transparency.consent": (frozenset({"ig-officer", "siro"}), ANY_PARTY, False),
    # After signature: any party may ask for a review, report an incident or say it is leaving;
    # the lead, which coordinates the agreement, records reviews and names a joining party.
    "review.request": (frozenset({"ig-officer", "dpo", "siro"}), ANY_PARTY, False),
    "review.record": (frozenset({"ig-officer", "siro"}), ANY_PARTY, True),
    "party.join": (frozenset({"ig-officer", "siro"}), ANY_PARTY, True),
    "party.leave": (frozenset({"siro"}), ANY_PARTY, False),
    "incident.report": (
        frozenset({"ig-officer", "dpo", "siro", "caldicott-guardian"}),
        ANY_PARTY,
        False,
    ),
    # Any party may suspend from the exchange page; from an incident, the lead's one-click
    # suspension names the incident, as the party coordinating the agreement.
    "incident.suspend": (frozenset({"ig-officer", "siro"}), ANY_PARTY, True),
    # Each party that received data confirms, once the agreement ends, what became of it.
    "disposal.confirm": (frozenset({"ig-officer", "dpo", "siro"}), RECEIVING, False),
}
PARTY_ACTIONS: Final = frozenset(_PARTY_RULES)


def may(action: str, *, lead_roles: frozenset[str], party_roles: frozenset[str]) -> bool:
    """Whether someone with these roles in the lead organisation and in other parties may act."""
    try:
        in_lead, in_party = _RULES[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None
    return bool(lead_roles & in_lead) or bool(party_roles & in_party)


def may_in_organisation(action: str, *, roles: frozenset[str]) -> bool:
    try:
        needed = _ORGANISATION_RULES[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None
    return bool(roles & needed)


def may_for_party(action: str, *, roles: frozenset[str], party_role: str, is_lead: bool) -> bool:
    """Whether someone with these roles in one party organisation may act for it."""
    try:
        needed, party_roles, lead_only = _PARTY_RULES[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}") from None
    return bool(roles & needed) and party_role in party_roles and (is_lead or not lead_only)


def requires_mfa(roles: frozenset[str], *, is_site_admin: bool) -> bool:
    return is_site_admin or bool(roles & MFA_REQUIRED_ROLES)
