"""Typed reading of parsed YAML mappings, collecting every problem with its line and field path.

Both the knowledge-base loader and the initiative parser read through this, so a user meets the
same kind of message whichever file is wrong.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Iterable
from typing import Any
from urllib.parse import urlsplit

from accord.core.sourcefile import Problem, line_of

_MISSING = object()
# A value quoted in a message is cut to this length: a file may hold a megabyte on one line.
_MAX_SHOWN = 80


def suggestion(value: str, allowed: Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(value, list(allowed), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


class FieldReader:
    """Reads the fields of one mapping; problems go to a shared list instead of raising."""

    def __init__(self, mapping: Any, path: str, problems: list[Problem]) -> None:
        self.mapping = mapping if isinstance(mapping, dict) else {}
        self.path = path
        self.problems = problems
        self.line = getattr(mapping, "line", None)
        if not isinstance(mapping, dict):
            self.problems.append(
                Problem(path, f"must be a mapping of fields, not {_describe(mapping)}", self.line)
            )

    def _field_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self._field_path(key), message, line_of(self.mapping, key)))

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.mapping or self.mapping[key] is None:
            if required:
                self.problems.append(
                    Problem(self._field_path(key), "is required but missing", self.line)
                )
            return _MISSING
        return self.mapping[key]

    def reject_unknown(self, allowed: Collection[str]) -> None:
        for key in self.mapping:
            if key not in allowed:
                self.problem(key, f"is not a known field{suggestion(key, allowed)}")

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if isinstance(value, (dict, list, bool)) or str(value).strip() == "":
            self.problem(key, f"must be text, not {_describe(value)}")
            return default
        return str(value).strip()

    def code(self, key: str, allowed: Collection[str], *, required: bool = True) -> str:
        value = self._get(key, required)
        if value is _MISSING:
            return ""
        return self._check_code(key, value, allowed)

    def _check_code(self, key: str, value: Any, allowed: Collection[str]) -> str:
        if not isinstance(value, str) or value not in allowed:
            listed = ", ".join(allowed)
            hint = suggestion(value, allowed) if isinstance(value, str) else ""
            self.problem(key, f"{_describe(value)} is not one of: {listed}{hint}")
            return ""
        return value

    def codes(
        self,
        key: str,
        allowed: Collection[str],
        *,
        required: bool = True,
        non_empty: bool = True,
    ) -> tuple[str, ...]:
        values = self.strings(key, required=required, non_empty=non_empty)
        result: list[str] = []
        for index, value in enumerate(values):
            if value not in allowed:
                listed = ", ".join(allowed)
                self.problems.append(
                    Problem(
                        f"{self._field_path(key)}[{index}]",
                        f"{_describe(value)} is not one of: {listed}{suggestion(value, allowed)}",
                        line_of(self.mapping.get(key), index),
                    )
                )
            elif value in result:
                self.problems.append(
                    Problem(
                        f"{self._field_path(key)}[{index}]",
                        f"{_describe(value)} is listed twice",
                        line_of(self.mapping.get(key), index),
                    )
                )
            else:
                result.append(value)
        return tuple(result)

    def strings(
        self, key: str, *, required: bool = True, non_empty: bool = False
    ) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is _MISSING:
            return ()
        if not isinstance(value, list):
            self.problem(key, f"must be a list, not {_describe(value)}")
            return ()
        if non_empty and not value:
            self.problem(key, "must list at least one item")
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, (dict, list, bool)) or item is None or str(item).strip() == "":
                self.problems.append(
                    Problem(
                        f"{self._field_path(key)}[{index}]",
                        f"must be text, not {_describe(item)}",
                        line_of(value, index),
                    )
                )
            else:
                items.append(str(item).strip())
        return tuple(items)

    def boolean(self, key: str, *, required: bool = False, default: bool = False) -> bool:
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, not {_describe(value)}")
            return default
        return value

    def integer(self, key: str, *, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"must be a whole number, not {_describe(value)}")
            return None
        return value

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(key, f"must be a date written YYYY-MM-DD, not {_describe(value)}")
        return None

    def url(self, key: str, *, hosts: Collection[str], required: bool = True) -> str:
        value = self.text(key, required=required)
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme != "https" or parts.hostname not in hosts:
            self.problem(
                key, f"must be an https URL on {' or '.join(sorted(hosts))}, not {value!r}"
            )
            return ""
        return value

    def list_of_mappings(self, key: str, *, required: bool = True) -> list[tuple[str, Any]]:
        """(path, mapping) for each item of a list of mappings."""
        value = self._get(key, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.problem(key, f"must be a list, not {_describe(value)}")
            return []
        if required and not value:
            self.problem(key, "must list at least one item")
        return [(f"{self._field_path(key)}[{index}]", item) for index, item in enumerate(value)]
