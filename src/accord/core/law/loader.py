"""Load the knowledge base from YAML and refuse it whole if any entry is broken.

A half-loaded law would give confident wrong answers, so the loader collects every problem in
every file, then raises one LawError that lists them all with file, line, entry and field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from pathlib import Path

from accord.core.law.catalogue import Catalogue
from accord.core.law.model import Provision
from accord.core.law.schema import read_entry
from accord.core.sourcefile import Problem, SourceFileError, parse

LEGISLATION_DIR = Path(__file__).resolve().parents[2] / "legislation"


class LawError(Exception):
    """The knowledge base cannot be loaded; `problems` says exactly where and why."""

    def __init__(self, problems: list[tuple[str, Problem]]) -> None:
        self.problems = problems
        lines = [problem.render(file) for file, problem in problems]
        super().__init__(f"the knowledge base has {len(lines)} problem(s):\n" + "\n".join(lines))


def load_law(directory: Path = LEGISLATION_DIR) -> Catalogue:
    """Read every *.yaml file under `directory` into a Catalogue, or raise LawError."""
    files = sorted(directory.rglob("*.yaml"))
    if not files:
        raise LawError([(str(directory), Problem("", "no *.yaml files found"))])
    digest = hashlib.sha256()
    problems: list[tuple[str, Problem]] = []
    provisions: dict[str, Provision] = {}
    for path in files:
        name = path.relative_to(directory).as_posix()
        content = path.read_bytes()
        digest.update(name.encode() + b"\0" + content + b"\0")
        for provision in _read_file(name, content, problems):
            if provision.id in provisions:
                first = provisions[provision.id].file
                problems.append(
                    (name, Problem("id", f"{provision.id!r} is already defined in {first}"))
                )
            else:
                provisions[provision.id] = provision
    for provision in provisions.values():
        for reference in provision.references:
            if reference not in provisions:
                problems.append(
                    (
                        provision.file,
                        Problem(f"(id {provision.id})", f"refers to unknown id {reference!r}"),
                    )
                )
    if problems:
        raise LawError(problems)
    reviewed = max(p.last_reviewed for p in provisions.values())
    version = f"{reviewed.isoformat()}.{digest.hexdigest()[:12]}"
    return Catalogue(provisions.values(), version=version)


def _read_file(name: str, content: bytes, problems: list[tuple[str, Problem]]) -> list[Provision]:
    try:
        data = parse(content.decode("utf-8"))
    except UnicodeDecodeError:
        problems.append((name, Problem("", "is not UTF-8 text")))
        return []
    except SourceFileError as error:
        problems.append((name, error.problem))
        return []
    if not isinstance(data, list):
        problems.append((name, Problem("", "must be a YAML list of entries", 1)))
        return []
    entry_problems: list[Problem] = []
    result = []
    for index, raw in enumerate(data):
        provision = read_entry(raw, f"entry {index + 1}", name, entry_problems)
        if provision is not None:
            result.append(provision)
    problems.extend((name, problem) for problem in entry_problems)
    return result


@cache
def default_law() -> Catalogue:
    """The knowledge base shipped with Accord, loaded once per process."""
    return load_law()


def today_in_force(today: dt.date) -> Catalogue:
    return default_law().in_force_on(today)
