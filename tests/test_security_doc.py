"""docs/security.md: every claim points at something that exists.

The document lists every OWASP ASVS 5.0.0 requirement of Levels 1 and 2 with a status and its
evidence. These tests keep it honest as the code moves: the list must be the standard's, every
cited file, test function and named control must exist, a requirement marked Met or Partly met
must cite something, and Met needs a test (or, for a documentation requirement, a document).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
STATUSES = ("Met", "Partly met", "Not met", "Not applicable")

# The Level 1 and 2 requirements of ASVS 5.0.0 and their levels, as the standard's release
# export lists them (5.0/docs_en/OWASP_Application_Security_Verification_Standard_5.0.0_en.csv
# at github.com/OWASP/ASVS): "<id>:<lowest level>".
STANDARD = """
1.1.1:2 1.1.2:2 1.2.1:1 1.2.2:1 1.2.3:1 1.2.4:1 1.2.5:1 1.2.6:2 1.2.7:2 1.2.8:2 1.2.9:2 1.3.1:1
1.3.2:1 1.3.3:2 1.3.4:2 1.3.5:2 1.3.6:2 1.3.7:2 1.3.8:2 1.3.9:2 1.3.10:2 1.3.11:2 1.4.1:2 1.4.2:2
1.4.3:2 1.5.1:1 1.5.2:2
2.1.1:1 2.1.2:2 2.1.3:2 2.2.1:1 2.2.2:1 2.2.3:2 2.3.1:1 2.3.2:2 2.3.3:2 2.3.4:2 2.4.1:2
3.2.1:1 3.2.2:1 3.3.1:1 3.3.2:2 3.3.3:2 3.3.4:2 3.4.1:1 3.4.2:1 3.4.3:2 3.4.4:2 3.4.5:2 3.4.6:2
3.5.1:1 3.5.2:1 3.5.3:1 3.5.4:2 3.5.5:2 3.7.1:2 3.7.2:2
4.1.1:1 4.1.2:2 4.1.3:2 4.2.1:2 4.3.1:2 4.3.2:2 4.4.1:1 4.4.2:2 4.4.3:2 4.4.4:2
5.1.1:2 5.2.1:1 5.2.2:1 5.2.3:2 5.3.1:1 5.3.2:1 5.4.1:2 5.4.2:2 5.4.3:2
6.1.1:1 6.1.2:2 6.1.3:2 6.2.1:1 6.2.2:1 6.2.3:1 6.2.4:1 6.2.5:1 6.2.6:1 6.2.7:1 6.2.8:1 6.2.9:2
6.2.10:2 6.2.11:2 6.2.12:2 6.3.1:1 6.3.2:1 6.3.3:2 6.3.4:2 6.4.1:1 6.4.2:1 6.4.3:2 6.4.4:2 6.5.1:2
6.5.2:2 6.5.3:2 6.5.4:2 6.5.5:2 6.6.1:2 6.6.2:2 6.6.3:2 6.8.1:2 6.8.2:2 6.8.3:2 6.8.4:2
7.1.1:2 7.1.2:2 7.1.3:2 7.2.1:1 7.2.2:1 7.2.3:1 7.2.4:1 7.3.1:2 7.3.2:2 7.4.1:1 7.4.2:1 7.4.3:2
7.4.4:2 7.4.5:2 7.5.1:2 7.5.2:2 7.6.1:2 7.6.2:2
8.1.1:1 8.1.2:2 8.2.1:1 8.2.2:1 8.2.3:2 8.3.1:1 8.4.1:2
9.1.1:1 9.1.2:1 9.1.3:1 9.2.1:1 9.2.2:2 9.2.3:2 9.2.4:2
10.1.1:2 10.1.2:2 10.2.1:2 10.2.2:2 10.3.1:2 10.3.2:2 10.3.3:2 10.3.4:2 10.4.1:1 10.4.2:1 10.4.3:1
10.4.4:1 10.4.5:1 10.4.6:2 10.4.7:2 10.4.8:2 10.4.9:2 10.4.10:2 10.4.11:2 10.5.1:2 10.5.2:2
10.5.3:2 10.5.4:2 10.5.5:2 10.6.1:2 10.6.2:2 10.7.1:2 10.7.2:2 10.7.3:2
11.1.1:2 11.1.2:2 11.2.1:2 11.2.2:2 11.2.3:2 11.3.1:1 11.3.2:1 11.3.3:2 11.4.1:1 11.4.2:2 11.4.3:2
11.4.4:2 11.5.1:2 11.6.1:2
12.1.1:1 12.1.2:2 12.1.3:2 12.2.1:1 12.2.2:1 12.3.1:2 12.3.2:2 12.3.3:2 12.3.4:2
13.1.1:2 13.2.1:2 13.2.2:2 13.2.3:2 13.2.4:2 13.2.5:2 13.3.1:2 13.3.2:2 13.4.1:1 13.4.2:2 13.4.3:2
13.4.4:2 13.4.5:2
14.1.1:2 14.1.2:2 14.2.1:1 14.2.2:2 14.2.3:2 14.2.4:2 14.3.1:1 14.3.2:2 14.3.3:2
15.1.1:1 15.1.2:2 15.1.3:2 15.2.1:1 15.2.2:2 15.2.3:2 15.3.1:1 15.3.2:2 15.3.3:2 15.3.4:2 15.3.5:2
15.3.6:2 15.3.7:2
16.1.1:2 16.2.1:2 16.2.2:2 16.2.3:2 16.2.4:2 16.2.5:2 16.3.1:2 16.3.2:2 16.3.3:2 16.3.4:2 16.4.1:2
16.4.2:2 16.4.3:2 16.5.1:2 16.5.2:2 16.5.3:2
17.1.1:2 17.2.1:2 17.2.2:2 17.2.3:2 17.2.4:2 17.3.1:2 17.3.2:2
"""


@dataclass(frozen=True)
class Row:
    requirement: str  # "1.2.4"
    level: str  # "L1"
    status: str
    asks: str
    how: str
    evidence: tuple[str, ...]


def _rows() -> list[Row]:
    rows = []
    for line in DOC.read_text().splitlines():
        if not line.startswith("| v5.0.0-"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 6, f"not six columns: {line[:80]}"
        requirement, level, status, asks, how, evidence = cells
        rows.append(
            Row(
                requirement.removeprefix("v5.0.0-"),
                level,
                status,
                asks,
                how,
                tuple(re.findall(r"`([^`]+)`", evidence)),
            )
        )
    return rows


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@cache
def _anchors(path: Path) -> frozenset[str]:
    return frozenset(
        _slug(line.lstrip("#")) for line in path.read_text().splitlines() if line.startswith("#")
    )


@cache
def _tests_in(path: Path) -> frozenset[str]:
    """Test functions, at module level or in a test class."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:
        bodies = node.body if isinstance(node, ast.ClassDef) else [node]
        for item in bodies:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                found.add(item.name)
    return frozenset(name for name in found if name.startswith("test"))


@cache
def _names_in(path: Path) -> frozenset[str]:
    """Module-level functions, classes and assignments, those under a module-level if included."""
    names: set[str] = set()
    pending: list[ast.stmt] = list(ast.parse(path.read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.If | ast.Try):
            pending.extend([*node.body, *node.orelse])
    return frozenset(names)


def _problem(reference: str) -> str | None:
    """What is wrong with one cited reference, or None when it exists."""
    target, _, name = reference.partition("::")
    target, _, anchor = target.partition("#")
    path = ROOT / target
    if target == "Makefile":
        targets = re.findall(r"^([a-z-]+):", path.read_text(), re.MULTILINE)
        return None if name in targets else f"no make target {name!r}"
    if not path.exists():
        return "no such file"
    if anchor and anchor not in _anchors(path):
        return f"no heading #{anchor} in {target}"
    if not name:
        return None
    if path.suffix != ".py":
        return f"{target} is not Python, so cannot name {name!r}"
    if target.startswith("tests/"):
        return None if name in _tests_in(path) else f"no test function {name!r}"
    return None if name in _names_in(path) else f"nothing called {name!r} at module level"


def _is_test(reference: str) -> bool:
    return reference.startswith(("tests/", "Makefile::"))


def _is_document(reference: str) -> bool:
    return reference.partition("#")[0].endswith(".md")


def test_the_doc_lists_exactly_the_level_1_and_2_requirements_of_asvs_5() -> None:
    standard = [token.split(":") for token in STANDARD.split()]
    listed = [(row.requirement, row.level) for row in _rows()]

    assert listed == [(rid, f"L{level}") for rid, level in standard]
    assert Counter(level for _, level in listed) == {"L1": 70, "L2": 183}


def test_every_row_has_a_known_status_and_says_what_and_why() -> None:
    problems = []
    for row in _rows():
        if row.status not in STATUSES:
            problems.append(f"{row.requirement}: unknown status {row.status!r}")
        if len(row.asks) < 10:
            problems.append(f"{row.requirement}: no paraphrase of what it asks")
        if len(row.how) < 10:
            problems.append(f"{row.requirement}: no word on how it is met, or why not")
    assert not problems, "\n".join(problems)


def test_every_cited_file_test_and_name_exists() -> None:
    problems = [
        f"{row.requirement}: `{reference}`: {problem}"
        for row in _rows()
        for reference in row.evidence
        if (problem := _problem(reference))
    ]
    assert not problems, "\n".join(problems)


def test_met_rows_cite_a_test_or_a_document_and_partly_met_rows_cite_something() -> None:
    problems = []
    for row in _rows():
        if row.status in ("Met", "Partly met") and not row.evidence:
            problems.append(f"{row.requirement} is {row.status} but cites nothing")
        if row.status == "Met" and not any(_is_test(r) or _is_document(r) for r in row.evidence):
            problems.append(f"{row.requirement} is Met but cites no test and no document")
    assert not problems, "\n".join(problems)


def test_the_summary_counts_the_rows() -> None:
    rows = _rows()
    counted: Counter[tuple[str, str]] = Counter(
        (row.requirement.split(".")[0], row.status) for row in rows
    )
    text = DOC.read_text()
    summary = re.findall(
        r"^\| \[V(\d+) [^]]+\]\(#[^)]+\) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$",
        text,
        re.MULTILINE,
    )
    assert len(summary) == 17
    for chapter, *numbers in summary:
        assert [int(n) for n in numbers] == [counted[chapter, s] for s in STATUSES], chapter
    total = re.search(r"^\| \*\*All (\d+)\*\* \|(.*)\|$", text, re.MULTILINE)
    assert total is not None
    assert int(total.group(1)) == len(rows)
    assert [int(n) for n in re.findall(r"\d+", total.group(2))] == [
        sum(1 for row in rows if row.status == s) for s in STATUSES
    ]


def test_links_within_the_doc_lead_to_its_headings() -> None:
    links = re.findall(r"\]\(#([^)]+)\)", DOC.read_text())
    assert links
    assert not [link for link in links if link not in _anchors(DOC)]


def test_the_readme_links_the_doc() -> None:
    assert "(docs/security.md)" in (ROOT / "README.md").read_text()
