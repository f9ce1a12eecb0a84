"""Benchmarks for the [Engine]: knowledge-base load, one assessment, and `accord assess` end to end;
for the web pages: the initiative list and the task list with 10,000 initiatives (bench/web.py);
for the documents: the PDF and the Word file of a 10-page agreement (bench/documents.py); and for
the exchange: 1,000,000 records streamed by the API from PostgreSQL (bench/exchange.py).

Each figure is compared with a baseline measured in the same run on the same machine, so a slow
machine does not hide a regression:
  - load:       plain YAML parsing of the same files, without validation or building entries;
  - assessment: parsing the initiative file it assesses;
  - CLI:        starting the same Python interpreter and doing nothing;
  - web pages:  a static page through the same test client and middleware, interleaved;
  - documents:  a 1-page PDF through the same pipeline, and an empty python-docx document;
  - exchange:   a raw `COPY ... TO STDOUT` of the same rows from the same PostgreSQL.

Run with `make bench`; `--write docs/benchmarks.md` records the results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

import documents  # bench/documents.py: this script's own directory is on sys.path
import web  # bench/web.py
from accord.core.assessment.engine import assess
from accord.core.assessment.initiative import read_initiative
from accord.core.law import load_law
from accord.core.law.loader import LEGISLATION_DIR

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mash-children.yaml"
TARGETS_MS = {
    "load": 150.0,
    "assessment": 2.0,
    "cli": 600.0,
    "list": 250.0,
    "list-last": 250.0,
    "tasks": 250.0,
}
COMMAND = "`make bench` (`python bench/run.py --write docs/benchmarks.md`)"
Row = tuple[str, str, list[float], str, list[float]]


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def run_process(*args: str) -> Callable[[], object]:
    def call() -> object:
        return subprocess.run(args, check=True, capture_output=True)

    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="write the results to this markdown file")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    started = time.perf_counter()
    n = 5 if args.quick else 30

    files = sorted(LEGISLATION_DIR.rglob("*.yaml"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def parse_only() -> None:
        for path in files:
            yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loader

    law = load_law()
    text = EXAMPLE.read_text(encoding="utf-8")
    initiative = read_initiative(text, EXAMPLE.name)
    today = dt.date(2026, 11, 25)
    accord_cli = str(Path(sys.executable).with_name("accord"))

    rows = [
        (
            "load",
            "knowledge base load (validated, all files)",
            timed(load_law, n),
            "YAML parse of the same files only",
            timed(parse_only, n),
        ),
        (
            "assessment",
            "one assessment (MASH example, 5 parties)",
            timed(lambda: assess(initiative, law, today=today), n * 20),
            "parsing the initiative file",
            timed(lambda: read_initiative(text, "x"), n * 20),
        ),
        (
            "cli",
            "`accord assess examples/mash-children.yaml` end to end",
            timed(run_process(accord_cli, "assess", str(EXAMPLE)), max(5, n // 3)),
            "`python -c pass` (interpreter start)",
            timed(run_process(sys.executable, "-c", "pass"), max(5, n // 3)),
        ),
    ]
    engine, engine_failed = table(rows)
    print(engine)
    print(f"\nKnowledge base {law.version} ({len(law)} entries); {n} repetitions\n")

    results = web.run(repeat=20 if args.quick else 200)
    base = results.baseline
    web_table, web_failed = table(
        [
            (
                page.key,
                f"{page.label}, {page.queries} SQL queries",
                page.samples,
                f"{base.label}, {base.queries} SQL queries",
                base.samples,
            )
            for page in results.pages
        ]
    )
    print(web_table)
    print(
        f"\n{results.stored} initiatives stored, {results.visible} visible; {results.repeat} "
        f"requests per page; web set-up {results.setup_seconds:.1f} s\n"
    )

    documents_results = documents.run(repeat=3 if args.quick else 15)
    documents_table, documents_failed = documents.table(documents_results.rows)
    print(documents_table)
    exchange = exchange_results()
    exchange_table, exchange_failed = exchange_rows(exchange)
    print(exchange_table)
    elapsed = time.perf_counter() - started
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"\nMachine: {machine}; whole run {elapsed:.0f} s")
    if args.write:
        write(
            args.write,
            machine=machine,
            engine=engine,
            engine_note=(
                f"Knowledge base {law.version} ({len(law)} entries). {n} repetitions (x20 for "
                "the assessment; CLI runs are fewer, at least 5)."
            ),
            web_table=web_table,
            web_note=(
                f"{results.visible:,} initiatives visible to the signed-in IG officer, "
                f"{results.stored - results.visible:,} more stored that they cannot see "
                "(thrown-away SQLite database, filled with bulk_create; the measured task list "
                "is the MASH example, imported and assessed through the services). Requests go "
                "through Django's test client in the same process and the whole middleware "
                f"stack, signed in, with no HTTP server in front. {results.repeat} requests per "
                f"page after {results.warmup} warm-up rounds, interleaved with the baseline; SQL "
                "queries counted on one more request. Set-up (migrate and insert) took "
                f"{results.setup_seconds:.1f} s."
            ),
            documents_table=documents_table,
            documents_note=documents.note(documents_results),
            exchange_table=exchange_table,
            exchange_note=exchange_note(exchange),
            elapsed=elapsed,
        )
    failed = engine_failed or web_failed or documents_failed or exchange_failed
    return 1 if failed else 0


EXCHANGE_RATIO, EXCHANGE_RATE = 0.5, 50_000


def exchange_results() -> dict[str, float]:
    """bench/exchange.py in a process of its own: it configures Django on PostgreSQL."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "exchange.py")],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def exchange_rows(r: dict[str, float]) -> tuple[str, bool]:
    """The exchange table, and whether a stream missed a target."""
    lines = [
        "| what | records/s | size | baseline | baseline records/s | ratio | ratio to COPY in process | within targets |",
        "|---|---|---|---|---|---|---|---|",
    ]
    failed = False
    for label, rate, size in (
        ("API stream, NDJSON", r["api_rate"], r["api_mb"]),
        ("API stream, CSV", r["api_csv_rate"], r["api_csv_mb"]),
    ):
        ratio = rate / r["raw_http_rate"]
        ok = ratio >= EXCHANGE_RATIO and rate >= EXCHANGE_RATE
        failed |= not ok
        lines.append(
            f"| {label}, {int(r['fields'])} agreed fields, enforced and logged | {rate:,.0f} | "
            f"{size:.0f} MB | raw `COPY TO STDOUT` of the rows as loaded, over HTTP ({r['raw_mb']:.0f} MB) "
            f"| {r['raw_http_rate']:,.0f} | {ratio:.2f} | {rate / r['raw_rate']:.2f} | "
            f"{'yes' if ok else 'NO'} |"
        )
    return "\n".join(lines), failed


def exchange_note(r: dict[str, float]) -> str:
    return (
        f"{int(r['rows']):,} rows of 8 columns loaded into a dataset's table in PostgreSQL "
        f"(COPY, {r['load_seconds']:.1f} s), 6 of them mapped to agreed data items. Accord runs "
        "under gunicorn with one sync worker; the client (this process) gets a token and reads "
        f"the whole stream over HTTP. Each page of {int(r['page_rows']):,} records is decided, "
        "counted against the "
        "volume limit and logged in the hash-chained disclosure log with the SHA-256 of its bytes. "
        "The baseline streams `COPY TO STDOUT` of the rows as loaded (row number and all 8 columns, "
        "not the JSON copies of the values Accord keeps beside them) from a bare WSGI app under "
        "the same gunicorn (bench/raw_copy_app.py); the raw COPY read in this process with no "
        f"HTTP ran at {r['raw_rate']:,.0f} records/s. Medians of {int(r['runs'])} runs, "
        f"interleaved. Targets: at least {EXCHANGE_RATIO} of the raw rate and at least "
        f"{EXCHANGE_RATE:,} records/s per worker. NDJSON carries every field name on every line, "
        "about twice the bytes of CSV; each value is stored beside its JSON literal, made when the "
        "file is loaded, so PostgreSQL writes a page of NDJSON by concatenation."
    )


def table(rows: list[Row]) -> tuple[str, bool]:
    """The markdown table of these rows, and whether any p95 missed its target."""
    lines = [
        "| what | median | p95 | target | baseline | baseline median | ratio | within target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    failed = False
    for key, label, samples, base_label, base_samples in rows:
        median, p95 = summary(samples)
        base_median, _ = summary(base_samples)
        ok = p95 <= TARGETS_MS[key]
        failed |= not ok
        lines.append(
            f"| {label} | {median:.2f} ms | {p95:.2f} ms | < {TARGETS_MS[key]:.0f} ms | {base_label} "
            f"| {base_median:.2f} ms | {median / base_median:.1f}x | {'yes' if ok else 'NO'} |"
        )
    return "\n".join(lines), failed


def write(
    path: Path,
    *,
    machine: str,
    engine: str,
    engine_note: str,
    web_table: str,
    web_note: str,
    documents_table: str,
    documents_note: str,
    exchange_table: str,
    exchange_note: str,
    elapsed: float,
) -> None:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    today = dt.date.today().isoformat()
    path.write_text(
        "# Benchmarks\n\n"
        "Produced by `make bench` (bench/run.py, bench/web.py, bench/documents.py and bench/exchange.py), which measures each figure "
        "beside a baseline in the same run. Targets come from the [Engine] issue and, for the web "
        "pages, from the issue that asked for `make bench` on them; `make bench` exits 1 if a p95 "
        "misses its target (for the documents, the median: that is how their targets are set; "
        "for the exchange, the [Go live] issue's ratio to a raw COPY and its rate per worker).\n\n"
        f"Machine: {cpu}; {machine}. Command: {COMMAND}, {elapsed:.0f} s in all.\n\n"
        f"## Engine, measured {today}\n\n"
        f"{engine_note}\n\n"
        f"{engine}\n\n"
        f"## Web pages, measured {today}\n\n"
        f"{web_note}\n\n"
        f"{web_table}\n\n"
        f"## Documents, measured {today}\n\n"
        f"{documents_note}\n\n"
        f"{documents_table}\n\n"
        f"## Exchange API, measured {today}\n\n"
        f"{exchange_note}\n\n"
        f"{exchange_table}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    sys.exit(main())
