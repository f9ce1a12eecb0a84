"""Read YAML (and JSON, which YAML reads too) keeping the line of every value.

Error messages must say where the problem is ("initiative.yaml, line 12, parties[1].type"), so
mappings and lists remember the line each key or item started on. Duplicate keys are an error:
plain YAML silently keeps the last one, which would hide a mistake.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml

_Loader: type[yaml.SafeLoader]
try:  # the C parser is several times faster; fall back where libyaml is missing
    _Loader = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class MarkedDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int
    lines: dict[str, int]


class MarkedList(list[Any]):
    """A list that knows its own line and the line of each item (1-based)."""

    line: int
    lines: list[int]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, located as precisely as we can."""

    path: str  # e.g. "parties[1].type"; "" for the whole document
    message: str
    line: int | None = None

    def render(self, filename: str) -> str:
        where = filename if self.line is None else f"{filename}, line {self.line}"
        field = f", {self.path}" if self.path else ""
        return f"{where}{field}: {self.message}"


class SourceFileError(Exception):
    """The file is not well-formed YAML or JSON."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _MarkingLoader(_Loader):  # type: ignore[valid-type,misc]
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    result = MarkedDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise SourceFileError(
                Problem("", "a key must be a plain word", key_node.start_mark.line + 1)
            )
        key_text = str(key)
        if key_text in result:
            raise SourceFileError(
                Problem(
                    key_text,
                    f"'{key_text}' is given twice in the same mapping",
                    key_node.start_mark.line + 1,
                )
            )
        result[key_text] = loader.construct_object(value_node, deep=True)
        result.lines[key_text] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> MarkedList:
    result = MarkedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # An impossible date such as 2026-02-30 stays text, so the field check can say what is wrong.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_MarkingLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_MarkingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)
_MarkingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    _construct_sequence,
)


def parse(text: str) -> Any:
    """Parse YAML or JSON text into plain values, with MarkedDict and MarkedList for structure."""
    try:
        return yaml.load(text, Loader=_MarkingLoader)  # noqa: S506 - a SafeLoader subclass
    except SourceFileError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or error.context or "not valid YAML or JSON"
        raise SourceFileError(Problem("", f"not valid YAML or JSON: {reason}", line)) from None
    except yaml.YAMLError as error:
        raise SourceFileError(Problem("", f"not valid YAML or JSON: {error}")) from None


def line_of(container: Any, key: str | int) -> int | None:
    """The line where `key` of a parsed mapping or list starts, if known."""
    if isinstance(container, MarkedDict) and isinstance(key, str):
        return container.lines.get(key, container.line)
    if isinstance(container, MarkedList) and isinstance(key, int):
        return container.lines[key] if 0 <= key < len(container.lines) else container.line
    return getattr(container, "line", None)
