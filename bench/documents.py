"""Benchmarks for the documents a DPO files: the PDF and the Word file of a long agreement.

The agreement is the real draft in tests/documents/fixtures/agreement.json, made long by adding
copies of its longest section (the legal basis of each party) as annexes until WeasyPrint lays it
out on at least 10 A4 pages; the page count is checked, not assumed. Targets (the issue that
asked for documents): PDF under 1 s, .docx under 0.2 s, each the median of several renders.

Each figure has a baseline measured in the same run, interleaved with it:
  - PDF:  the same pipeline (HTML, WeasyPrint, PDF/UA-1) on a one-page agreement (checked);
  - docx: an empty python-docx document saved to memory (the library's own fixed cost).

Run with `make bench` (bench/run.py writes the figures into docs/benchmarks.md), or on its own:
`python bench/documents.py [--quick]`.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "documents" / "fixtures" / "agreement.json"
MIN_PAGES = 10
TARGETS_MS = {"pdf": 1000.0, "docx": 200.0}


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    samples: list[float]
    base_label: str
    base_samples: list[float]


@dataclass(frozen=True, slots=True)
class Results:
    rows: list[Row]
    pages: int
    sections: int
    repeat: int
    setup_seconds: float


def _document(content: dict[str, Any]) -> Any:
    from accord.core.agreement.versions import content_hash
    from accord.documents.model import DocumentInput

    return DocumentInput(
        content=content,
        version=1,
        content_hash=content_hash(content),
        status="Draft",
        signed_by_all=False,
        signatures=(),
        generated_at=dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC),
        base_iri="https://accord.example/agreements/1/",
    )


def long_agreement() -> tuple[Any, int]:
    """The fixture with annexes added until it is at least MIN_PAGES pages; and its page count."""
    from accord.documents.pdf import layout

    content = json.loads(FIXTURE.read_text(encoding="utf-8"))
    longest = max(content["sections"], key=lambda s: len(s["text"]))
    copies = 0
    while True:
        doc = _document(content)
        pages = len(layout(doc).pages)
        if pages >= MIN_PAGES:
            return doc, pages
        copies += 1
        annex = copy.deepcopy(longest)
        annex["key"] = f"annex-{copies}"
        annex["title"] = f"Annex {copies}: {longest['title']} (repeated for the benchmark)"
        content["sections"].append(annex)


def one_page_agreement() -> Any:
    from accord.documents.pdf import layout

    content = json.loads(FIXTURE.read_text(encoding="utf-8"))
    content["sections"] = [s for s in content["sections"] if s["key"] == "purpose"]
    doc = _document(content)
    pages = len(layout(doc).pages)
    if pages != 1:
        raise RuntimeError(f"the baseline agreement should fit one page, not {pages}")
    return doc


def _empty_docx() -> bytes:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def _time(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def _interleaved(
    measured: Callable[[], object], baseline: Callable[[], object], repeat: int
) -> tuple[list[float], list[float]]:
    measured()  # warm up: fonts, templates, imports
    baseline()
    samples: list[float] = []
    base: list[float] = []
    for _ in range(repeat):
        samples.append(_time(measured))
        base.append(_time(baseline))
    return samples, base


def run(repeat: int = 15) -> Results:
    from accord.documents.docx import render_docx
    from accord.documents.pdf import render_pdf

    started = time.perf_counter()
    long_doc, pages = long_agreement()
    short_doc = one_page_agreement()
    setup_seconds = time.perf_counter() - started
    pdf, pdf_base = _interleaved(
        lambda: render_pdf(long_doc), lambda: render_pdf(short_doc), repeat
    )
    word, word_base = _interleaved(lambda: render_docx(long_doc), _empty_docx, repeat * 4)
    sections = len(long_doc.content["sections"])
    return Results(
        rows=[
            Row(
                "pdf",
                f"PDF/UA-1 of a {pages}-page agreement ({sections} sections), `render_pdf`",
                pdf,
                "PDF/UA-1 of a 1-page agreement, same pipeline",
                pdf_base,
            ),
            Row(
                "docx",
                f"Word .docx of the same {pages}-page agreement, `render_docx`",
                word,
                "empty python-docx document, saved",
                word_base,
            ),
        ],
        pages=pages,
        sections=sections,
        repeat=repeat,
        setup_seconds=setup_seconds,
    )


def table(rows: list[Row]) -> tuple[str, bool]:
    """The markdown table; the target applies to the median. Also whether any median missed it."""
    lines = [
        "| what | median | p95 | target (median) | baseline | baseline median | ratio | within target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    failed = False
    for row in rows:
        ordered = sorted(row.samples)
        median = statistics.median(ordered)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        base_median = statistics.median(row.base_samples)
        ok = median <= TARGETS_MS[row.key]
        failed |= not ok
        lines.append(
            f"| {row.label} | {median:.1f} ms | {p95:.1f} ms | < {TARGETS_MS[row.key]:.0f} ms "
            f"| {row.base_label} | {base_median:.1f} ms | {median / base_median:.1f}x "
            f"| {'yes' if ok else 'NO'} |"
        )
    return "\n".join(lines), failed


def note(results: Results) -> str:
    return (
        f"The draft agreement in tests/documents/fixtures/agreement.json with its legal-basis "
        f"section repeated as annexes until WeasyPrint lays it out on at least {MIN_PAGES} A4 "
        f"pages (here {results.pages} pages, {results.sections} sections; counted, not assumed). "
        f"{results.repeat} PDF renders and {results.repeat * 4} .docx renders after one warm-up, "
        "each interleaved with its baseline, in this process (fonts from the system: "
        "DejaVu Sans where Liberation Sans is not installed). The target applies to the median. "
        f"Set-up (laying out to count pages) took {results.setup_seconds:.1f} s."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    results = run(repeat=3 if args.quick else 15)
    text, failed = table(results.rows)
    print(text)
    print(f"\n{note(results)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
