"""Read YAML (and JSON, which YAML reads too) keeping the line of every value.

Error messages must say where the problem is ("initiative.yaml, line 12, parties[1].type"), so
mappings and lists remember the line each key or item started on. Duplicate keys are an error:
plain YAML silently keeps the last one, which would hide a mistake. So is a number of more than
MAX_DIGITS digits: no initiative needs one, and Python will not print one of 4,300.

A file is untrusted: a problem is rendered on one line with control and invisible characters
escaped (no terminal escape codes, no right-to-left override), however its keys are spelt.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Final

import yaml

_Loader: type[yaml.SafeLoader]
try:  # the C parser is several times faster; fall back where libyaml is missing
    _Loader = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

MAX_DIGITS: Final = 100
# A problem's field path and message are cut to these lengths when rendered.
_MAX_PATH: Final = 200
_MAX_MESSAGE: Final = 1000


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
        field = f", {printable(self.path, _MAX_PATH)}" if self.path else ""
        return f"{where}{field}: {printable(self.message, _MAX_MESSAGE)}"


def printable(text: str, limit: int) -> str:
    """`text` on one line: characters that are not printable escaped (\\n, \\x1b, \\u202e), and
    cut to `limit` characters with an ellipsis."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


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


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value: int | None
    try:
        value = loader.construct_yaml_int(node)
    except ValueError:  # more digits than Python converts
        value = None
    if value is None or abs(value) >= 10**MAX_DIGITS:
        raise SourceFileError(
            Problem(
                "",
                f"a number has more than {MAX_DIGITS} digits: put it in quotes if it is text",
                node.start_mark.line + 1,
            )
        )
    return value


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # An impossible date such as 2026-02-30 stays text, so the field check can say what is wrong.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_MarkingLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
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
        return yaml.load(text, Loader=_MarkingLoader)  # noqa: S506  # nosec B506  # a SafeLoader subclass
    except SourceFileError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or error.context or "not valid YAML or JSON"
        raise SourceFileError(Problem("", f"not valid YAML or JSON: {reason}", line)) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, e.g. \x03
        character = error.character if isinstance(error.character, int) else ord(error.character)
        # The first such character is the one refused (libyaml counts its position in bytes).
        line = text.count("\n", 0, max(text.find(chr(character)), 0)) + 1
        raise SourceFileError(
            Problem(
                "",
                f"not valid YAML or JSON: character U+{character:04X} is not allowed "
                f"({error.reason})",
                line,
            )
        ) from None
    except yaml.YAMLError as error:
        raise SourceFileError(Problem("", f"not valid YAML or JSON: {error}")) from None
    except UnicodeEncodeError:  # a lone surrogate, which no file read as UTF-8 can hold
        raise SourceFileError(Problem("", "not valid YAML or JSON: not Unicode text")) from None


def line_of(container: Any, key: str | int) -> int | None:
    """The line where `key` of a parsed mapping or list starts, if known."""
    if isinstance(container, MarkedDict) and isinstance(key, str):
        return container.lines.get(key, container.line)
    if isinstance(container, MarkedList) and isinstance(key, int):
        return container.lines[key] if 0 <= key < len(container.lines) else container.line
    return getattr(container, "line", None)
