"""What a Data Sharing Agreement contains: the sections the ICO data sharing code lists.

The ICO's data sharing code ("Data sharing agreements") says an agreement should cover the
parties, the purpose and benefits, the lawful basis, the data items, what may be done with
them, security, retention, accuracy, individuals' rights, transparency, breaches, review and
termination. Each section here has free text the parties negotiate, and some have typed
values that machines use (the documents, the ODRL policy and, later, the exchange itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

# The ICO data sharing hub, whose code of practice lists what an agreement should contain.
ICO_DATA_SHARING_GUIDANCE: Final = (
    "https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/data-sharing/"
)


@dataclass(frozen=True)
class Use:
    """A use of the data that an agreement permits or prohibits, with its ODRL 2.2 action."""

    code: str
    label: str
    odrl_action: str  # a current (not deprecated) ODRL 2.2 action


PERMITTED_USES: Final = {
    use.code: use
    for use in (
        Use("use-for-purpose", "Use the data only for the purposes in this agreement", "use"),
        Use("store-securely", "Store the data in systems that meet the agreed measures", "archive"),
        Use(
            "combine-with-own-records",
            "Match it with their own records for the purposes",
            "aggregate",
        ),
        Use("read-by-named-staff", "Let staff who need it for the purposes read it", "read"),
    )
}
PROHIBITED_USES: Final = {
    use.code: use
    for use in (
        Use("onward-disclosure", "Disclose it to anyone not party to this agreement", "distribute"),
        Use("sell", "Sell it or use it for commercial gain", "sell"),
        Use("other-purposes", "Use it for any other purpose, including marketing", "use"),
        Use("transfer-outside-uk", "Transfer it outside the United Kingdom", "transfer"),
        Use("re-identify", "Re-identify people from pseudonymised or anonymised data", "derive"),
    )
}
LIMIT_PERIODS: Final = {"day": "day", "week": "week (Monday to Sunday)", "month": "calendar month"}
END_ACTIONS: Final = {
    "delete": "Delete it securely",
    "return": "Return it to the party that shared it",
}


@dataclass(frozen=True)
class Value:
    """A typed value kept in a section: int (min..max), date, codes (from a catalogue), choice."""

    name: str
    label: str
    kind: str
    minimum: int = 0
    maximum: int = 0
    choices: tuple[tuple[str, str], ...] = ()
    optional: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    guidance: str  # what the section is for, in plain English
    values: tuple[Value, ...] = ()
    # Derived sections are drafted from the initiative and assessment; their values change only
    # by refreshing the draft, so the agreement never contradicts the assessment it rests on.
    derived: bool = False
    # Baseline sections can instead follow an overarching agreement signed once by the parties.
    baseline: bool = False
    notes: tuple[str, ...] = field(default=())


def _choices(catalogue: dict[str, Use]) -> tuple[tuple[str, str], ...]:
    return tuple((code, use.label) for code, use in catalogue.items())


SECTIONS: Final = (
    Section(
        "parties",
        "Parties and contacts",
        "Who shares, who receives, and each party's contact for this agreement.",
        derived=True,
    ),
    Section(
        "purpose",
        "Purpose and expected benefits",
        "Why the data is shared and what good it will do, so that the sharing can be judged "
        "against it at each review.",
    ),
    Section(
        "legal-basis",
        "Legal basis of each party",
        "The lawful basis and conditions each party relies on, and the law that permits the "
        "sharing, taken from Accord's assessment.",
        derived=True,
    ),
    Section(
        "data",
        "Data shared and the people it is about",
        "The data items (fields) that may be shared, and whose data they are. Nothing else "
        "may be shared under this agreement.",
        derived=True,
    ),
    Section(
        "permitted-uses",
        "What recipients may do with the data",
        "The uses the parties agree to.",
        values=(Value("codes", "Permitted uses", "codes", choices=_choices(PERMITTED_USES)),),
    ),
    Section(
        "prohibited-uses",
        "What recipients must not do with the data",
        "The uses the parties rule out.",
        values=(Value("codes", "Prohibited uses", "codes", choices=_choices(PROHIBITED_USES)),),
    ),
    Section(
        "onward-sharing", "Onward sharing", "Whether and when a recipient may pass the data on."
    ),
    Section(
        "mechanism",
        "How the data moves, and security",
        "The mechanism chosen for the sharing and the security measures each party keeps.",
        derived=True,
    ),
    Section(
        "limits",
        "How much may be shared",
        "The most records a recipient may receive through Accord in each period. The exchange "
        "refuses anything beyond it, so an error or a compromised system cannot take more.",
        values=(
            Value("records", "At most (records)", "int", minimum=1, maximum=100_000_000),
            Value("per", "In each", "choice", choices=tuple(LIMIT_PERIODS.items())),
        ),
    ),
    Section(
        "retention",
        "Retention, deletion or return",
        "How long recipients keep the data and what they do with it at the end.",
        values=(
            Value("months", "Keep for at most (months)", "int", minimum=1, maximum=1200),
            Value("end_action", "At the end", "choice", choices=tuple(END_ACTIONS.items())),
        ),
    ),
    Section(
        "accuracy",
        "Accuracy",
        "How parties keep the data accurate and tell each other of corrections.",
        baseline=True,
    ),
    Section(
        "rights",
        "Individuals' rights and a single point of contact",
        "How requests from the people concerned are handled, and who they contact.",
        baseline=True,
    ),
    Section(
        "transparency",
        "Transparency",
        "The wording each party uses in its privacy notice to tell people about the sharing.",
    ),
    Section(
        "breaches",
        "Breaches",
        "How quickly a party tells the others of a personal data breach affecting this data.",
        values=(
            Value(
                "notify_hours",
                "Tell the other parties within (hours)",
                "int",
                minimum=1,
                maximum=72,
                hint="The controller must tell the ICO within 72 hours (UK GDPR Art 33).",
            ),
        ),
        baseline=True,
    ),
    Section(
        "review",
        "Review",
        "When the parties review whether the sharing still meets its purpose and is still "
        "necessary.",
        values=(
            Value("every_months", "Review every (months)", "int", minimum=1, maximum=36),
            Value("first_review_on", "First review", "date"),
        ),
    ),
    Section(
        "term",
        "Start and end",
        "When sharing under this agreement may start, and when it ends.",
        values=(
            Value("start_on", "Sharing may start on", "date"),
            Value(
                "end_on",
                "Agreement ends on",
                "date",
                optional=True,
                hint="Leave blank if it runs until terminated or ended at a review.",
            ),
        ),
    ),
    Section(
        "termination",
        "Termination",
        "How a party leaves or the agreement ends, and what happens to data already shared.",
        baseline=True,
    ),
    Section(
        "signatories",
        "Signatories",
        "Who signs for each party. Each signs the exact version in front of them.",
        derived=True,
    ),
)
SECTION_BY_KEY: Final = {section.key: section for section in SECTIONS}
BASELINE_KEYS: Final = tuple(section.key for section in SECTIONS if section.baseline)
