"""What every rule needs: the initiative, the law in force, and a few derived facts."""

from __future__ import annotations

from functools import cached_property

from accord.core import codes
from accord.core.assessment.initiative import Initiative, Party
from accord.core.law import Catalogue

# Ids the rules cite most; all are legislation.gov.uk paths.
ART6 = "eur/2016/679/article/6/1/"
ART9 = "eur/2016/679/article/9/2/"
ART10 = "eur/2016/679/article/10"
ANNEX1 = "eur/2016/679/annex/1/paragraph/"
ANNEX2 = "eur/2016/679/annex/2/paragraph/"
SCH1 = "ukpga/2018/12/schedule/1/paragraph/"
SCH8 = "ukpga/2018/12/schedule/8/paragraph/"

# Purposes served by looking at one person's circumstances at a time.
CASE_BASED_PURPOSES = frozenset(
    {
        "safeguarding-children",
        "safeguarding-adults",
        "domestic-abuse",
        "crime-prevention",
        "anti-social-behaviour",
        "offender-management",
        "youth-justice",
        "counter-terrorism",
        "direct-care",
        "housing",
        "fire-safety",
    }
)
# Purposes that need patterns across people, not identities.
AGGREGATE_PURPOSES = frozenset({"research-statistics", "service-planning"})
CRIME_PURPOSES = frozenset(
    {
        "crime-prevention",
        "anti-social-behaviour",
        "offender-management",
        "youth-justice",
        "counter-terrorism",
        "serious-violence",
        "fraud",
        "domestic-abuse",
        "trading-standards",
    }
)
SAFEGUARDING_PURPOSES = frozenset(
    {"safeguarding-children", "safeguarding-adults", "domestic-abuse"}
)
VULNERABLE_SUBJECTS = frozenset({"children", "pupils", "adults-at-risk", "victims"})


class Context:
    """The initiative and the law in force on the assessment date, with derived facts."""

    def __init__(self, initiative: Initiative, law: Catalogue) -> None:
        self.initiative = initiative
        self.law = law
        self.missing: set[str] = set()  # cited ids not in force on this date (see cite())

    def has(self, provision_id: str) -> bool:
        return provision_id in self.law

    def cite(self, *ids: str) -> tuple[str, ...]:
        """Keep the ids in force on the assessment date; remember the others for checking."""
        kept = []
        for provision_id in ids:
            if provision_id in self.law:
                kept.append(provision_id)
            else:
                self.missing.add(provision_id)
        return tuple(kept)

    def title(self, provision_id: str) -> str:
        provision = self.law.everything.find(provision_id)
        return provision.citation if provision else provision_id

    @cached_property
    def concerns_living_people(self) -> bool:
        """Data protection law covers only living people (DPA 2018 s.3(2))."""
        return any(subject != "deceased-persons" for subject in self.initiative.data_subjects)

    @cached_property
    def part3_parties(self) -> tuple[Party, ...]:
        """Competent authorities processing for a law-enforcement purpose (DPA 2018 s.29-31)."""
        if not self.initiative.law_enforcement:
            return ()
        return tuple(p for p in self.initiative.parties if is_competent_authority(p))

    @cached_property
    def uk_gdpr_parties(self) -> tuple[Party, ...]:
        return tuple(p for p in self.initiative.parties if p not in self.part3_parties)

    @cached_property
    def competent_recipients(self) -> tuple[Party, ...]:
        return tuple(p for p in self.part3_parties if p.receives)

    @cached_property
    def is_large_scale(self) -> bool:
        """Large scale in the sense of Art 35(3)(b): many people, or ongoing multi-agency use."""
        i = self.initiative
        if i.volume in ("bulk", "cohort"):
            return True
        return i.frequency in ("regular", "continuous") and len(i.parties) >= 3

    @cached_property
    def has_sensitive_data(self) -> bool:
        return bool(self.initiative.special_categories) or self.initiative.has_criminal_offence_data

    @cached_property
    def consent_is_inappropriate(self) -> tuple[str, ...]:
        """Why consent cannot be the basis here (ICO consent guidance), or () if it can."""
        i = self.initiative
        why = []
        if any(p.is_public_authority for p in i.parties):
            why.append(
                "a public authority is involved: people rarely have a free choice when a body "
                "that provides their services or enforces the law asks, so consent is seldom "
                "freely given"
            )
        if any(p.type == "housing-provider" for p in i.parties) or i.concerns(
            "tenants", "staff", "benefit-claimants"
        ):
            why.append(
                "there is a power imbalance (landlord and tenant, employer and staff, or a "
                "benefit decision at stake), so refusing may not feel possible"
            )
        if i.serves(*(CRIME_PURPOSES | SAFEGUARDING_PURPOSES)):
            why.append(
                "for safeguarding or crime purposes the sharing would go ahead even if the "
                "person refused or withdrew consent, so asking for consent would mislead them"
            )
        return tuple(why)


def is_competent_authority(party: Party) -> bool:
    if party.type in codes.COMPETENT_AUTHORITY_TYPES:
        return True
    return party.type == "local-authority" and bool(
        set(party.functions) & codes.LAW_ENFORCEMENT_FUNCTIONS
    )


def names(parties: tuple[Party, ...] | list[Party]) -> tuple[str, ...]:
    return tuple(p.name for p in parties)
