"""Statutory gateways: the legal power or duty each public body needs to share.

ICO data sharing code, "Lawfulness": a public body must identify its power to share (an express
gateway, or a power implied by its functions) in addition to a UK GDPR lawful basis.
"""

from __future__ import annotations

from accord.core.assessment.initiative import Party
from accord.core.assessment.outcome import Finding
from accord.core.assessment.rules.context import Context, names
from accord.core.law import Provision

# General powers that support any function but create none: a fallback, never the first answer.
GENERAL_POWERS = frozenset(
    {"ukpga/2011/20/section/1", "ukpga/1972/70/section/111", "ukpga/2000/22/section/2"}
)


def covers(provision: Provision, party: Party) -> bool:
    """True if the gateway names this kind of body (and, for a council, one of its functions)."""
    gateway = provision.gateway
    if gateway is None or party.type not in gateway.bodies:
        return False
    if party.type == "local-authority" and gateway.functions and party.functions:
        return bool(set(party.functions) & gateway.functions)
    return True


MOST_RECOMMENDED = 5


def rank_gateways(ctx: Context) -> tuple[Finding, ...]:
    """ICO data sharing code, Lawfulness: rank the gateways that serve these purposes and bodies.

    A gateway is offered when it serves at least one purpose of the initiative and names at least
    one of the parties. It can be recommended when it is specific (not a general power), names a
    disclosing party and can carry all the data. Candidates rank by how many of the parties they
    name, then duties above powers and express above implied, then how closely their purposes fit;
    the first few are recommended and the rest stay possible, so the answer stays focused.
    """
    initiative = ctx.initiative
    candidates: list[tuple[tuple[float, ...], bool, Provision, list[str]]] = []
    for provision in ctx.law.of_kind("gateway"):
        gateway = provision.gateway
        if gateway is None or not gateway.is_usable or "england" not in gateway.nations:
            continue
        purposes = gateway.purposes & set(initiative.purposes)
        covered = [party for party in initiative.parties if covers(provision, party)]
        if not purposes or not covered:
            continue
        if gateway.only_depersonalised and not initiative.pseudonymised:
            continue
        disclosers = [party for party in covered if party.discloses]
        is_general = provision.id in GENERAL_POWERS
        excluded = gateway.excluded_categories & initiative.categories
        reasons = [
            f"{provision.citation} is a {_strength(provision)} for {', '.join(sorted(purposes))}.",
            f"It can be used by {', '.join(names(covered))}.",
        ]
        if gateway.limits:
            reasons.append(f"Limits: {gateway.limits}")
        if excluded:
            reasons.append(
                f"It cannot be used for the {', '.join(sorted(excluded))} data in this "
                "initiative: share those under another gateway."
            )
        if is_general:
            reasons.append(
                "A general power supports sharing only in aid of a function the body already "
                "has; use it where no specific gateway fits."
            )
        if not disclosers:
            reasons.append("It names only receiving parties: the disclosers need their own power.")
        if provision.verification != "verified":
            reasons.append(f"Not fully confirmed: {provision.uncertainty}")
        eligible = bool(disclosers) and not is_general and not excluded
        score = (
            0.0 if eligible else 1.0,
            -len(covered) / len(initiative.parties),
            -(2.0 if gateway.power_or_duty == "duty" else 0.0) - (1.0 if gateway.express else 0.0),
            -len(purposes) / len(gateway.purposes),
        )
        candidates.append((score, eligible, provision, reasons))
    candidates.sort(key=lambda item: (item[0], item[2].id))
    findings = []
    for rank, (_, eligible, provision, reasons) in enumerate(candidates):
        gateway = provision.gateway
        assert gateway is not None
        covered_names = tuple(p.name for p in initiative.parties if covers(provision, p))
        findings.append(
            Finding(
                id=provision.id,
                status="recommended" if eligible and rank < MOST_RECOMMENDED else "possible",
                rule="gateways.rank_gateways",
                reasons=tuple(reasons),
                sources=ctx.cite(provision.id),
                parties=covered_names,
                flags=(
                    ("duty", gateway.power_or_duty == "duty"),
                    ("express", gateway.express),
                    ("overrides_confidentiality", gateway.overrides_confidentiality),
                ),
            )
        )
    return tuple(findings)


def not_yet_in_force(ctx: Context) -> tuple[str, ...]:
    """Gateways for these purposes that are enacted but not commenced: worth knowing about."""
    notes = []
    for provision in ctx.law.everything.of_kind("gateway"):
        gateway = provision.gateway
        if gateway is None:
            continue
        pending = gateway.status == "not-commenced" or (
            ctx.law.on is not None and provision.in_force_from > ctx.law.on
        )
        relevant = gateway.purposes & set(ctx.initiative.purposes) and any(
            covers(provision, party) for party in ctx.initiative.parties
        )
        if pending and relevant:
            notes.append(
                f"{provision.citation} ({provision.title}) is enacted but not yet in force "
                "on the assessment date; when it is, it will apply to this sharing."
            )
    return tuple(notes)


def _strength(provision: Provision) -> str:
    gateway = provision.gateway
    assert gateway is not None
    kind = "duty" if gateway.power_or_duty == "duty" else "power"
    how = "express" if gateway.express else "implied"
    return f"{how} {kind}"
