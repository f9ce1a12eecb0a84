"""Versions of an agreement: the content hash signatures bind to, changes, and differences."""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from accord.core.agreement.sections import PERMITTED_USES, PROHIBITED_USES, SECTION_BY_KEY, Value


def canonical_json(content: Mapping[str, Any]) -> bytes:
    """One byte sequence per content: sorted keys, no spaces, UTF-8. What the hash is taken of."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


class ChangeRefused(Exception):
    """A proposed change that cannot apply; `errors` maps a field name to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def check_change(key: str, text: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a proposed new text and values for one section; return the clean values."""
    spec = SECTION_BY_KEY.get(key)
    if spec is None:
        raise ChangeRefused({"section": f"There is no section {key!r}."})
    errors: dict[str, str] = {}
    if spec.derived:
        errors["section"] = (
            f"{spec.title} is drafted from the initiative and its assessment. Change the "
            "initiative and refresh the draft instead."
        )
    if not text.strip():
        errors["text"] = "Enter the wording for this section."
    elif len(text) > 20_000:
        errors["text"] = "The wording must be 20,000 characters or fewer."
    clean: dict[str, Any] = {}
    for value in spec.values:
        raw = values.get(value.name)
        try:
            clean[value.name] = _clean(value, raw)
        except ValueError as error:
            errors[value.name] = str(error)
    if errors:
        raise ChangeRefused(errors)
    return clean


def _clean(value: Value, raw: Any) -> Any:
    if raw in (None, "", []):
        if value.optional:
            return None
        raise ValueError(f"Enter {value.label.lower()}.")
    if value.kind == "int":
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{value.label} must be a whole number.") from None
        if not value.minimum <= number <= value.maximum:
            raise ValueError(f"{value.label} must be between {value.minimum} and {value.maximum}.")
        return number
    if value.kind == "date":
        try:
            return date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise ValueError(f"{value.label} must be a real date.") from None
    allowed = {code for code, _ in value.choices}
    if value.kind == "choice":
        if raw not in allowed:
            raise ValueError(f"Choose {value.label.lower()} from the list.")
        return raw
    codes = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        raise ValueError(f"Choose {value.label.lower()} from the list.")
    return [code for code, _ in value.choices if code in codes]  # catalogue order, no repeats


def apply_change(
    content: Mapping[str, Any], key: str, text: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    """New content with one section replaced; a section that followed an overarching agreement
    no longer does once the parties change it."""
    clean = check_change(key, text, values)
    changed = copy.deepcopy(dict(content))
    for section in changed["sections"]:
        if section["key"] == key:
            section["text"] = text.replace("\r\n", "\n").strip()
            section["values"] = clean
            section.pop("follows", None)
    return changed


def value_lines(section: Mapping[str, Any]) -> list[str]:
    """The typed values of a section as readable lines (the text says the rest)."""
    spec = SECTION_BY_KEY.get(section["key"])
    if spec is None or spec.derived:
        return []
    lines = []
    for value in spec.values:
        raw = section.get("values", {}).get(value.name)
        if value.kind == "codes":
            catalogue = PERMITTED_USES if section["key"] == "permitted-uses" else PROHIBITED_USES
            shown = "; ".join(catalogue[c].label for c in raw or []) or "none"
        elif value.kind == "choice":
            shown = dict(value.choices).get(raw, "") if raw else "not set"
        elif value.kind == "date":
            shown = date.fromisoformat(raw).strftime("%-d %B %Y") if raw else "not set"
        else:
            shown = str(raw) if raw is not None else "not set"
        lines.append(f"{value.label}: {shown}")
    return lines


def section_lines(section: Mapping[str, Any]) -> list[str]:
    """A section as the lines a reader sees: its text, then its values."""
    return str(section["text"]).split("\n") + value_lines(section)


@dataclass(frozen=True)
class Piece:
    text: str
    change: str  # same | removed | added


@dataclass(frozen=True)
class Row:
    left: tuple[Piece, ...]
    right: tuple[Piece, ...]
    change: str  # same | changed | removed | added


@dataclass(frozen=True)
class SectionDiff:
    key: str
    title: str
    rows: tuple[Row, ...]

    @property
    def changed(self) -> bool:
        return any(row.change != "same" for row in self.rows)


_WORDS = re.compile(r"\s+|[^\s]+")


def _word_diff(old: str, new: str) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[Piece] = []
    right: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(Piece("".join(a[i1:i2]), "same"))
            right.append(Piece("".join(b[j1:j2]), "same"))
            continue
        if i2 > i1:
            left.append(Piece("".join(a[i1:i2]), "removed"))
        if j2 > j1:
            right.append(Piece("".join(b[j1:j2]), "added"))
    return tuple(left), tuple(right)


def _rows(old: list[str], new: list[str]) -> tuple[Row, ...]:
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            rows.extend(Row((Piece(x, "same"),), (Piece(x, "same"),), "same") for x in old[i1:i2])
            continue
        olds, news = old[i1:i2], new[j1:j2]
        for k in range(max(len(olds), len(news))):
            if k < len(olds) and k < len(news):
                left, right = _word_diff(olds[k], news[k])
                rows.append(Row(left, right, "changed"))
            elif k < len(olds):
                rows.append(Row((Piece(olds[k], "removed"),), (), "removed"))
            else:
                rows.append(Row((), (Piece(news[k], "added"),), "added"))
    return tuple(rows)


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[SectionDiff, ...]:
    """Side by side, section by section, with the changed words marked."""
    old_sections = {s["key"]: s for s in old["sections"]}
    new_sections = {s["key"]: s for s in new["sections"]}
    keys = list(new_sections) + [k for k in old_sections if k not in new_sections]
    diffs = []
    for key in keys:
        before = section_lines(old_sections[key]) if key in old_sections else []
        after = section_lines(new_sections[key]) if key in new_sections else []
        title = (new_sections.get(key) or old_sections[key])["title"]
        diffs.append(SectionDiff(key, title, _rows(before, after)))
    return tuple(diffs)
