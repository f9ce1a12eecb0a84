"""The initiative: what a person writes to ask "can we share?" (file format 1).

`read_initiative(text, filename)` turns YAML or JSON into an Initiative or raises InvalidInitiative
listing every problem with its line and field, so a user can fix the whole file in one go.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from accord.core import codes
from accord.core.fields import FieldReader
from accord.core.sourcefile import Problem, SourceFileError, parse

FORMAT = 1
FIELDS = (
    "format",
    "title",
    "summary",
    "assess_on",
    "purposes",
    "parties",
    "data_subjects",
    "data",
    "consent",
    "volume",
    "frequency",
    "pseudonymised",
    "law_enforcement",
    "mechanism",
)
PARTY_FIELDS = ("name", "type", "functions", "role")
DATA_FIELDS = ("category", "fields")


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    type: str
    role: str
    functions: tuple[str, ...] = ()

    @property
    def discloses(self) -> bool:
        return self.role in ("discloses", "both")

    @property
    def receives(self) -> bool:
        return self.role in ("receives", "both")

    @property
    def is_public_authority(self) -> bool:
        return self.type in codes.PUBLIC_AUTHORITY_TYPES

    @property
    def provides_health_or_care(self) -> bool:
        if self.type in codes.HEALTH_AND_CARE_TYPES:
            return True
        return self.type == "local-authority" and bool(set(self.functions) & codes.CARE_FUNCTIONS)


@dataclass(frozen=True, slots=True)
class DataItem:
    category: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Initiative:
    title: str
    purposes: tuple[str, ...]
    parties: tuple[Party, ...]
    data_subjects: tuple[str, ...]
    data: tuple[DataItem, ...]
    consent: str
    volume: str
    frequency: str
    summary: str = ""
    assess_on: dt.date | None = None
    pseudonymised: bool = False
    law_enforcement: bool = False
    mechanism: str | None = None

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(item.category for item in self.data)

    @property
    def special_categories(self) -> frozenset[str]:
        return self.categories & codes.SPECIAL_CATEGORIES

    @property
    def has_criminal_offence_data(self) -> bool:
        return "criminal-offence" in self.categories

    @property
    def disclosers(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.discloses)

    @property
    def recipients(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.receives)

    def serves(self, *purposes: str) -> bool:
        return any(purpose in self.purposes for purpose in purposes)

    def concerns(self, *subjects: str) -> bool:
        return any(subject in self.data_subjects for subject in subjects)


class InvalidInitiative(Exception):
    """The initiative file cannot be assessed; `problems` says where and why."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = problems
        lines = [problem.render(filename) for problem in problems]
        super().__init__("\n".join(lines))


def read_initiative(text: str, filename: str = "initiative") -> Initiative:
    """Parse and check an initiative file's text."""
    try:
        raw = parse(text)
    except SourceFileError as error:
        raise InvalidInitiative(filename, [error.problem]) from None
    return initiative_from_data(raw, filename)


def initiative_from_data(raw: Any, filename: str = "initiative") -> Initiative:
    """Check already-parsed data (from YAML, JSON or a web form) and build the Initiative."""
    problems: list[Problem] = []
    if raw is None:
        raise InvalidInitiative(filename, [Problem("", "the file is empty")])
    reader = FieldReader(raw, "", problems)
    if problems:
        raise InvalidInitiative(filename, problems)
    reader.reject_unknown(FIELDS)
    file_format = reader.integer("format", required=False)
    if file_format is not None and file_format != FORMAT:
        reader.problem("format", f"must be {FORMAT}: this version of Accord reads format {FORMAT}")

    parties = tuple(
        party
        for path, item in reader.list_of_mappings("parties")
        if (party := _read_party(item, path, problems)) is not None
    )
    data = tuple(
        item
        for path, raw_item in reader.list_of_mappings("data")
        if (item := _read_data_item(raw_item, path, problems)) is not None
    )
    initiative = Initiative(
        title=reader.text("title"),
        summary=reader.text("summary", required=False),
        assess_on=reader.date("assess_on", required=False),
        purposes=reader.codes("purposes", codes.PURPOSES),
        parties=parties,
        data_subjects=reader.codes("data_subjects", codes.DATA_SUBJECTS),
        data=data,
        consent=reader.code("consent", codes.CONSENT),
        volume=reader.code("volume", codes.VOLUMES),
        frequency=reader.code("frequency", codes.FREQUENCIES),
        pseudonymised=reader.boolean("pseudonymised"),
        law_enforcement=reader.boolean("law_enforcement"),
        mechanism=reader.code("mechanism", codes.MECHANISMS, required=False) or None,
    )
    _check_whole(initiative, reader, problems)
    if problems:
        raise InvalidInitiative(filename, problems)
    return initiative


def _read_party(raw: Any, path: str, problems: list[Problem]) -> Party | None:
    before = len(problems)
    reader = FieldReader(raw, path, problems)
    if len(problems) > before:
        return None
    reader.reject_unknown(PARTY_FIELDS)
    party_type = reader.code("type", codes.PARTY_TYPES)
    functions = reader.codes(
        "functions", codes.LOCAL_AUTHORITY_FUNCTIONS, required=False, non_empty=False
    )
    if functions and party_type and party_type != "local-authority":
        reader.problem("functions", "applies only to a local authority (type local-authority)")
    party = Party(
        name=reader.text("name"),
        type=party_type,
        role=reader.code("role", codes.ROLES),
        functions=functions,
    )
    return party if len(problems) == before else None


def _read_data_item(raw: Any, path: str, problems: list[Problem]) -> DataItem | None:
    before = len(problems)
    reader = FieldReader(raw, path, problems)
    if len(problems) > before:
        return None
    reader.reject_unknown(DATA_FIELDS)
    item = DataItem(
        category=reader.code("category", codes.DATA_CATEGORIES),
        fields=reader.strings("fields", required=False),
    )
    return item if len(problems) == before else None


def _check_whole(initiative: Initiative, reader: FieldReader, problems: list[Problem]) -> None:
    """Checks that need more than one field."""
    if problems:
        return
    names = [party.name.casefold() for party in initiative.parties]
    for index, name in enumerate(names):
        if name in names[:index]:
            reader.problem("parties", f"two parties are called {initiative.parties[index].name!r}")
    if not initiative.disclosers:
        reader.problem("parties", "no party discloses: give at least one role discloses or both")
    if not initiative.recipients:
        reader.problem("parties", "no party receives: give at least one role receives or both")
    if len(initiative.parties) < 2:
        reader.problem("parties", "sharing needs at least two parties (organisations)")
    categories = [item.category for item in initiative.data]
    for category in set(categories):
        if categories.count(category) > 1:
            reader.problem("data", f"category {category!r} is listed twice: merge its fields")
