"""Reading access_matrix.yaml: the rows, their states and subjects, expanded into cells.

A cell is one request (method, route, state, subject) and the outcome the policy expects. The
rules of a row are read as access_matrix.yaml's header says: the rules for the cell's state
first, then the method's rules, then the defaults; within one of those, the most specific
pattern naming the subject wins, and two equally specific patterns with different outcomes are
an error in the file. A subject no rule names is an error too: every cell has an expectation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from tests.web.access_world import API_SUBJECTS, WEB_SUBJECTS

OUTCOMES: Final = frozenset(
    {
        "allow",
        "invalid",
        "closed",
        "refused",
        "forbidden",
        "hidden",
        "not-allowed",
        "sign-in",
        "unauthorized",
    }
)
METHODS: Final = ("GET", "POST")
OBJECTS: Final = frozenset({"none", "organisation", "evidence", "initiative", "agreement"})
# What a route's parameters stand for when the row does not say: placeholders of the world.
PARAMETERS: Final = {
    "initiative_pk": "{initiative}",
    "org_pk": "{council}",
    "party_pk": "{party}",
    "risk_pk": "{risk}",
    "proposal_pk": "{proposal}",
    "dataset_pk": "{dataset}",
    "client_pk": "{client}",
    "file_pk": "{file}",
    "token": "{token}",
    "reference": "{reference}",
    "review_id": "{review}",
}
PRIMARY_KEYS: Final = {
    "organisation": "{council}",
    "evidence": "{evidence}",
    "initiative": "{initiative}",
    "agreement": "{agreement}",
}
_PARAMETER: Final = re.compile(r"<(?:\w+:)?(\w+)>")
_RULE_KEYS: Final = OUTCOMES | {"when", "data", "files", "json", "paths", "states"}
# Where every member of a party is allowed alike, whatever their role, the cell is tried with the
# least powerful roles of each side; ACCESS_MATRIX_FULL=1 tries every role there too.
SAMPLE_ROLES: Final = ("viewer", "practitioner")


class PolicyError(Exception):
    """The policy file says something the test cannot run: fix the file."""


def _specificity(pattern: str) -> int:
    if pattern == "everyone":
        return 0
    if pattern == "signed-in":
        return 1
    if pattern == "party":
        return 2
    if pattern.endswith(":*") or pattern.startswith("*:"):
        return 3
    return 4


def matches(pattern: str, subject: str) -> bool:
    side, _, role = subject.partition(":")
    if pattern == "everyone":
        return True
    if pattern == "signed-in":
        return subject != "signed-out"
    if pattern == "party":
        return side in ("lead", "partner") and bool(role)
    if pattern.endswith(":*"):
        return side == pattern[:-2] and side in ("lead", "partner")
    if pattern.startswith("*:"):
        return side in ("lead", "partner") and role == pattern[2:]
    return pattern == subject


def _is_member(subject: str) -> bool:
    return subject.startswith(("lead:", "partner:"))


def _check_pattern(pattern: str, subjects: Sequence[str], where: str) -> None:
    if pattern in ("everyone", "signed-in", "party", "lead:*", "partner:*"):
        return
    if pattern.startswith("*:") and f"lead:{pattern[2:]}" in subjects:
        return
    if pattern not in subjects:
        raise PolicyError(f"{where}: no subject is called {pattern!r}")


def resolve(rules: Mapping[str, Any], subject: str, where: str) -> str | None:
    """The outcome the most specific pattern naming `subject` gives, or None."""
    found: dict[int, set[str]] = {}
    for outcome, patterns in rules.items():
        if outcome not in OUTCOMES:
            continue
        for pattern in patterns:
            if matches(pattern, subject):
                found.setdefault(_specificity(pattern), set()).add(outcome)
    if not found:
        return None
    best = found[max(found)]
    if len(best) > 1:
        raise PolicyError(f"{where}: {subject} is both {' and '.join(sorted(best))}")
    return next(iter(best))


@dataclass(frozen=True)
class Cell:
    """One request of the matrix and the outcome the policy expects of it."""

    method: str
    route: str  # as the resolver writes it, with a leading slash
    path: str  # with {placeholders} still to fill from the world
    subject: str
    state: str  # "any" for a row about no object
    expected: str
    api: bool = False
    auth: str = "bearer"  # how an API subject presents its credential: "bearer" or "basic"
    data: Mapping[str, Any] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    json: Any = None

    def __str__(self) -> str:
        shown = self.path if "site-admin/" in self.route else _PARAMETER.sub(r"<\1>", self.route)
        state = "" if self.state == "any" else f" state={self.state}"
        return f"{self.method} {shown} {self.subject}{state} -> {self.expected}"


@dataclass(frozen=True)
class Policy:
    rows: tuple[Mapping[str, Any], ...]
    states: Mapping[str, Sequence[str]]
    defaults: Mapping[str, str]

    @property
    def routes(self) -> set[str]:
        return {row["route"] for row in self.rows}

    def cells(self, *, every_role: bool = False) -> list[Cell]:
        """Every cell; with `every_role` False, a cell where every member of a party is allowed
        alike is kept for the SAMPLE_ROLES only (its outsiders are all kept)."""
        found = [cell for row in self.rows for cell in self._row_cells(row)]
        if every_role:
            return found
        alike: dict[tuple[str, str, str, str], bool] = {}
        for cell in found:
            key = (cell.method, cell.route, cell.path, cell.state)
            if _is_member(cell.subject):
                alike[key] = alike.get(key, True) and cell.expected == "allow"
        return [
            cell
            for cell in found
            if not _is_member(cell.subject)
            or not alike[(cell.method, cell.route, cell.path, cell.state)]
            or cell.subject.partition(":")[2] in SAMPLE_ROLES
        ]

    def _row_states(self, row: Mapping[str, Any], spec: Mapping[str, Any]) -> Sequence[str]:
        named = spec.get("states", row.get("states"))
        if named is None:
            return self.states.get(row["object"], ("any",))
        if isinstance(named, str):
            return self.states[named]
        return list(named)

    def _row_cells(self, row: Mapping[str, Any]) -> Iterator[Cell]:
        route: str = row["route"]
        api = bool(row.get("api"))
        subjects = row.get("subjects") or (API_SUBJECTS if api else WEB_SUBJECTS)
        for method in METHODS:
            spec = row.get(method)
            if spec is None:
                continue
            paths = spec.get("paths") or row.get("paths") or [self._path(row)]
            for state in self._row_states(row, spec):
                for subject in subjects:
                    where = f"{method} {route} {subject} state={state}"
                    expected = self._expected(row, spec, state, subject, where)
                    for path in paths:
                        yield Cell(
                            method=method,
                            route=route,
                            path=path,
                            subject=subject,
                            state=state,
                            expected=expected,
                            api=api,
                            auth=row.get("auth", "bearer"),
                            data=spec.get("data", {}),
                            files=spec.get("files", {}),
                            json=spec.get("json"),
                        )

    def _expected(
        self,
        row: Mapping[str, Any],
        spec: Mapping[str, Any],
        state: str,
        subject: str,
        where: str,
    ) -> str:
        for states, rules in (spec.get("when") or {}).items():
            if state in states.split("|"):
                found = resolve(rules, subject, where)
                if found:
                    return found
        found = resolve(spec, subject, where)
        if found:
            return found
        if not row.get("api"):
            if subject == "signed-out":
                return self.defaults["signed-out"]
            if row["object"] != "none":
                found = self.defaults.get(subject) or resolve(
                    {self.defaults["party"]: ["party"]}, subject, where
                )
                if found:
                    return found
        raise PolicyError(f"{where}: no rule gives an outcome")

    @staticmethod
    def _path(row: Mapping[str, Any]) -> str:
        args = row.get("args") or {}

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in args:
                return str(args[name])
            if name == "pk":
                return PRIMARY_KEYS[row["object"]]
            if name in PARAMETERS:
                return PARAMETERS[name]
            raise PolicyError(f"{row['route']}: say in args what <{name}> is")

        return _PARAMETER.sub(value, row["route"])


def _validate(policy: Policy) -> None:
    seen: set[str] = set()
    for row in policy.rows:
        route = row.get("route")
        if not isinstance(route, str) or not route.startswith("/"):
            raise PolicyError(f"a row without a route starting with /: {row}")
        if route in seen:
            raise PolicyError(f"{route} has two rows")
        seen.add(route)
        if row.get("object") not in OBJECTS:
            raise PolicyError(f"{route}: object must be one of {sorted(OBJECTS)}")
        for named in (row.get("states"), *(row.get(m, {}).get("states") for m in METHODS)):
            if isinstance(named, str) and named not in policy.states:
                raise PolicyError(f"{route}: no state set is called {named!r}")
        subjects = row.get("subjects") or (API_SUBJECTS if row.get("api") else WEB_SUBJECTS)
        known_states = {s for states in policy.states.values() for s in states}
        for method in METHODS:
            spec = row.get(method)
            if spec is None:
                continue
            unknown = set(spec) - _RULE_KEYS
            if unknown:
                raise PolicyError(f"{method} {route}: unknown keys {sorted(unknown)}")
            levels = [spec, *(spec.get("when") or {}).values()]
            for states in spec.get("when") or {}:
                for state in states.split("|"):
                    if state not in known_states:
                        raise PolicyError(f"{method} {route}: no state is called {state!r}")
            for rules in levels:
                for outcome, patterns in rules.items():
                    if outcome in OUTCOMES:
                        for pattern in patterns:
                            _check_pattern(pattern, subjects, f"{method} {route}")
                    elif rules is not spec:
                        raise PolicyError(f"{method} {route}: {outcome!r} is not an outcome")


def load(path: Path) -> Policy:
    document = yaml.safe_load(path.read_text())
    policy = Policy(
        rows=tuple(document["rows"]),
        states={key: tuple(value) for key, value in document["states"].items()},
        defaults=document["defaults"],
    )
    _validate(policy)
    policy.cells()  # every cell resolves, or the file is wrong
    return policy
