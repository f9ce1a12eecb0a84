"""The vocabulary shared by initiative files, the knowledge base and the rules.

Codes are part of the initiative file format (format 1): add codes freely, never rename one.
"""

from typing import Final

PARTY_TYPES: Final = (
    "local-authority",
    "police",
    "nhs-trust",
    "icb",
    "gp-practice",
    "nhs-national-body",
    "school",
    "further-education",
    "fire-and-rescue",
    "probation",
    "youth-offending-team",
    "housing-provider",
    "charity",
    "government-department",
    "private-company",
    "other-public-body",
)

# Public authorities under DPA 2018 s.7 (FOIA 2000 bodies) when performing their tasks. Registered
# housing providers, charities and companies are not, even when they deliver public services.
PUBLIC_AUTHORITY_TYPES: Final = frozenset(
    {
        "local-authority",
        "police",
        "nhs-trust",
        "icb",
        "gp-practice",
        "nhs-national-body",
        "school",
        "further-education",
        "fire-and-rescue",
        "probation",
        "youth-offending-team",
        "government-department",
        "other-public-body",
    }
)

# Bodies listed in DPA 2018 Sch 7 as competent authorities for law enforcement (Part 3).
# A local authority is one only to the extent of its statutory law-enforcement functions (s.30(1)(b)).
COMPETENT_AUTHORITY_TYPES: Final = frozenset(
    {"police", "probation", "youth-offending-team", "government-department"}
)
# Functions under which councils prosecute offences. Community safety is left out: its ASB powers
# are civil, so a council's community-safety work stays under UK GDPR.
LAW_ENFORCEMENT_FUNCTIONS: Final = frozenset(
    {"trading-standards", "environmental-health", "revenues-and-benefits"}
)

# Bodies that provide health or social care, whose staff owe a duty of confidence (DPA 2018 s.11(1)).
HEALTH_AND_CARE_TYPES: Final = frozenset({"nhs-trust", "icb", "gp-practice", "nhs-national-body"})
CARE_FUNCTIONS: Final = frozenset({"adult-social-care", "childrens-services", "public-health"})

LOCAL_AUTHORITY_FUNCTIONS: Final = (
    "childrens-services",
    "adult-social-care",
    "public-health",
    "education",
    "housing",
    "community-safety",
    "trading-standards",
    "environmental-health",
    "revenues-and-benefits",
    "electoral-services",
)

ROLES: Final = ("discloses", "receives", "both")

PURPOSES: Final = (
    "safeguarding-children",
    "safeguarding-adults",
    "crime-prevention",
    "anti-social-behaviour",
    "offender-management",
    "youth-justice",
    "domestic-abuse",
    "counter-terrorism",
    "serious-violence",
    "direct-care",
    "public-health",
    "research-statistics",
    "service-planning",
    "education",
    "housing",
    "welfare-benefits",
    "fraud",
    "debt-recovery",
    "supporting-families",
    "mortality-review",
    "emergency-response",
    "food-safety",
    "trading-standards",
    "fire-safety",
    "electoral-registration",
    # Added so that proposals with no public purpose can be described and refused.
    "direct-marketing",
)

DATA_SUBJECTS: Final = (
    "children",
    "pupils",
    "parents-carers",
    "families",
    "adults-at-risk",
    "patients",
    "service-users",
    "offenders",
    "victims",
    "residents",
    "tenants",
    "benefit-claimants",
    "staff",
    "deceased-persons",
    "business-operators",
)

DATA_CATEGORIES: Final = (
    "identifiers",
    "contact",
    "demographics",
    "financial",
    "employment",
    "education",
    "housing",
    "social-care",
    "health",
    "genetic",
    "biometric",
    "racial-or-ethnic-origin",
    "political-opinions",
    "religious-or-philosophical-beliefs",
    "trade-union-membership",
    "sex-life",
    "sexual-orientation",
    "criminal-offence",
)

# UK GDPR Art 9(1). Criminal-offence data is separate (Art 10).
SPECIAL_CATEGORIES: Final = frozenset(
    {
        "health",
        "genetic",
        "biometric",
        "racial-or-ethnic-origin",
        "political-opinions",
        "religious-or-philosophical-beliefs",
        "trade-union-membership",
        "sex-life",
        "sexual-orientation",
    }
)

CONSENT: Final = ("none", "implied", "explicit", "mixed")
VOLUMES: Final = ("case-by-case", "cohort", "bulk")
FREQUENCIES: Final = ("one-off", "ad-hoc", "regular", "continuous")
MECHANISMS: Final = (
    "api",
    "shared-view",
    "external-site",
    "secure-file-transfer",
    "secure-email",
    "email",
)

NATIONS: Final = ("england", "wales", "scotland", "northern-ireland")

# Words for codes whose plain rewording would read wrongly ("icb" -> "Icb").
_LABELS: Final = {
    "icb": "Integrated Care Board (ICB)",
    "nhs-trust": "NHS trust",
    "gp-practice": "GP practice",
    "nhs-national-body": "NHS national body",
    "further-education": "Further education college",
    "youth-offending-team": "Youth offending team",
    "api": "API, system to system",
    "shared-view": "Shared view without transfer",
    "external-site": "External site (SharePoint-type)",
    "secure-file-transfer": "Secure file transfer",
    "secure-email": "Secure e-mail",
    "email": "Plain e-mail",
    "email-non-sensitive": "Plain e-mail",
    "parents-carers": "Parents and carers",
    "racial-or-ethnic-origin": "Racial or ethnic origin",
    "religious-or-philosophical-beliefs": "Religious or philosophical beliefs",
    "one-off": "One-off",
    "ad-hoc": "Ad hoc",
    "case-by-case": "Case by case",
    "sex-life": "Sex life",
}


def label(code: str) -> str:
    """A code in plain words, for people: "adult-social-care" -> "Adult social care"."""
    return _LABELS.get(code) or code.replace("-", " ").capitalize()
