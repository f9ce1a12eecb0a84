"""Benchmarks for the [Engine]: knowledge-base load, one assessment, and `accord assess` end to end;
for the web pages: the initiative list and the task list with 10,000 initiatives (bench/web.py);
for the documents: the PDF and the Word file of a 10-page agreement (bench/documents.py); and for
the exchange: 1,000,000 records streamed by the API from PostgreSQL (bench/exchange.py); and for
the register: its page under 50 concurrent clients with 100,000 agreements stored, against the
same page with 1,000 stored, both on PostgreSQL under gunicorn (bench/register.py); and for the
audit log: verifying 1,000,000 entries from PostgreSQL and chained appends from 20 concurrent
writers (bench/audit.py).

Each figure is compared with a baseline measured in the same run on the same machine, so a slow
machine does not hide a regression:
  - load:       plain YAML parsing of the same files, without validation or building entries;
  - assessment: parsing the initiative file it assesses;
  - CLI:        starting the same Python interpreter and doing nothing;
  - web pages:  a static page through the same test client and middleware, interleaved;
  - documents:  a 1-page PDF through the same pipeline, and an empty python-docx document;
  - exchange:   a raw `COPY ... TO STDOUT` of the same rows from the same PostgreSQL;
  - register:   the same page, clients and server with 1,000 agreements stored;
  - audit log:  reading the same rows with the same query and cursor, hashing nothing; and the
                same 20 writers committing plain INSERTs into an unchained copy of the table.

Run with `make bench`; `--write docs/benchmarks.md` records the results. `--only register` (or
`--only audit`) runs that section alone and replaces it in the file given to `--write`.
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
from typing import Any

import yaml

import audit  # bench/audit.py: this script's own directory is on sys.path
import documents  # bench/documents.py
import register  # bench/register.py
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
    parser.add_argument(
        "--only",
        choices=["register", "audit"],
        help="run this section alone and replace it in the file given to --write",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    if args.only == "register":
        return register_only(args.write, quick=args.quick)
    if args.only == "audit":
        return audit_only(args.write, quick=args.quick)
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
    register_results = register_results_of(quick=args.quick)
    register_table, register_failed = register_rows(register_results)
    print(register_table)
    audit_results = audit_results_of(quick=args.quick)
    audit_table, audit_failed = audit_rows(audit_results)
    print(audit_table)
    elapsed = time.perf_counter() - started
    machine = machine_description()
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
            register_table=register_table,
            register_note=register_note(register_results, machine),
            audit=audit_section(audit_table, audit_note(audit_results, machine)),
            elapsed=elapsed,
        )
    failed = (
        engine_failed
        or web_failed
        or documents_failed
        or exchange_failed
        or register_failed
        or audit_failed
    )
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
    register_table: str,
    register_note: str,
    audit: str,
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
        "Produced by `make bench` (bench/run.py, bench/web.py, bench/documents.py, bench/exchange.py, "
        "bench/register.py and bench/audit.py), which measures each figure "
        "beside a baseline in the same run. Targets come from the [Engine] issue and, for the web "
        "pages, from the issue that asked for `make bench` on them; `make bench` exits 1 if a p95 "
        "misses its target (for the documents, the median: that is how their targets are set; "
        "for the exchange, the [Go live] issue's ratio to a raw COPY and its rate per worker; "
        "for the register, the [Register] issue's p95 and its ratio to the small store's; for the "
        "audit log, issue 7's time to verify and rate of appends).\n\n"
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
        f"{exchange_table}\n\n"
        f"{register_section(register_table, register_note)}\n"
        f"{audit}",
        encoding="utf-8",
    )


def register_results_of(*, quick: bool) -> dict[str, Any]:
    """bench/register.py in a process of its own (it seeds each size in one more of its own)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "register.py"), *(["--quick"] if quick else [])],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def register_rows(r: dict[str, Any]) -> tuple[str, bool]:
    """The register table, and whether the large store missed a target or its queries differ."""
    small, large, static = r[str(register.SMALL)], r[str(register.LARGE)], r["static"]
    uncached = r[register.UNCACHED] | {"queries": large["queries"]}
    ratio = large["p95"] / small["p95"]
    # A page makes one query more when it shows a terminated agreement (who has confirmed
    # deletion), so pages of the mix differ by one; the fewest and the most must be equal.
    same_queries = small["queries"] == large["queries"]
    ok = large["p95"] <= register.TARGET_P95_MS and ratio <= register.TARGET_RATIO and same_queries
    lines = [
        "| what | p50 | p95 | p99 | requests/s | one client at a time, median | SQL queries per page "
        "| target | within target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def queries(world: dict[str, Any]) -> str:
        fewest, most = min(world["queries"]), max(world["queries"])
        return str(fewest) if fewest == most else f"{fewest} or {most}"

    for label, world, count, target, verdict in (
        (
            f"register, {register.LARGE:,} agreements stored ({large['visible']:,} visible, "
            f"{large['partners']:,} partners)",
            large,
            queries(large),
            f"p95 ≤ {register.TARGET_P95_MS:.0f} ms and ≤ {register.TARGET_RATIO}x the "
            f"baseline's (here {ratio:.2f}x); the same queries",
            "yes" if ok else "NO",
        ),
        (
            f"baseline: register, {register.SMALL:,} agreements stored ({small['visible']:,} "
            f"visible, {small['partners']:,} partners)",
            small,
            queries(small),
            "",
            "",
        ),
        (
            f"register, {register.LARGE:,} agreements stored, with its cache of results off "
            "(every page computed, as after any change)",
            uncached,
            queries(large),
            "(for information)",
            "",
        ),
        (
            f"floor: a static page (`{register.STATIC_PAGE}`), signed in, same server "
            f"({register.LARGE:,}) and load",
            static,
            "",
            "",
            "",
        ),
    ):
        lines.append(
            f"| {label} | {world['p50']:.0f} ms | {world['p95']:.0f} ms | {world['p99']:.0f} ms "
            f"| {world['rate']:.0f} | {world['alone']:.1f} ms | {count} | {target} | {verdict} |"
        )
    return "\n".join(lines), not ok


def register_note(r: dict[str, Any], machine: str) -> str:
    small, large = r[str(register.SMALL)], r[str(register.LARGE)]
    pages = "; ".join(
        f"{label} {small['queries_by_path'][label]}/{count}"
        for label, count in large["queries_by_path"].items()
    )
    pause = (
        f"each pausing a random 0 to {2 * r['think']:g} s after each page"
        if r["think"]
        else f"back to back with no pause, so that {r['clients']} requests are always in flight"
    )
    queue = (
        ""
        if r["think"]
        else (
            f" With {r['clients']} requests always in flight, each waits for the others: the "
            f"time to a page is about {r['clients']} ÷ requests/s ({r['clients']} ÷ "
            f"{large['rate']:.0f}/s = {1000 * r['clients'] / large['rate']:.0f} ms with "
            f"{register.LARGE:,} stored), so a p95 of {register.TARGET_P95_MS:.0f} ms needs "
            f"about {1000 * r['clients'] / register.TARGET_P95_MS:.0f} pages/s from the 2 cores."
        )
    )
    return (
        f"Two thrown-away PostgreSQL databases, seeded in the same run. {large['stored']:,} "
        f"initiatives, each with an agreement and its current version "
        f"({large['wording_bytes'] / 1000:.0f} kB of wording), {large['parties']:,} parties, "
        f"{large['organisations']:,} organisations, {large['people']:,} people (migrated in "
        f"{large['migrate_seconds']:.0f} s, then seeded with COPY in "
        f"{large['seed_seconds']:.0f} s); and the same shape with {small['stored']:,} "
        f"agreements and {small['parties']:,} parties among the same "
        f"{small['organisations']:,} organisations (seeded in {small['seed_seconds']:.0f} s). "
        "One agreement is made through the services (imported, assessed, negotiated, signed); "
        "its initiative content and wording are copied into every other, with the reference "
        "changed and the purposes and data categories varied. Statuses: 20% negotiating, 10% "
        "signed, 55% live, 5% suspended, 10% terminated; the next review of a signed, live or "
        "suspended agreement falls between 60 days ago and a year ahead. Each initiative has 2 "
        "or 3 parties, drawn with a skewed popularity (a few organisations are party to "
        "thousands of initiatives, most to a few dozen). The person signed in is an IG officer "
        "(no MFA asked) of a county council party to the same number of initiatives at both "
        f"sizes, {large['visible']:,} ({-(-large['visible'] // 25)} pages of 25), so that the "
        "pages compared are alike and only what others store grows: "
        f"{large['visible']:,} of {large['stored']:,} with {large['partners']:,} partners, and "
        f"{small['visible']:,} of {small['stored']:,} with {small['partners']:,} partners. "
        "(Party to 1.5% of each instead, it would see 1,500 against 15, less than one page.) "
        "Each server process keeps a register page's results (count, rows, pages) in its own "
        "memory, keyed by the head of the audit chain, the person's organisations, the query "
        "and the day; every change of state writes an audit entry, so any change anywhere "
        "has the next page computed afresh. The row 'with its cache of results off' is a third "
        "server on the large store computing every page. A session is renewed at most once a "
        "minute, so reading a page writes nothing. Accord runs "
        f"under gunicorn: {r['workers']} {r['worker_class']} workers, one more than the cores "
        "(each takes the next waiting connection when it is free; gunicorn's starting point of "
        "(2 x cores) + 1 crowded these 2 cores, shared with PostgreSQL and the clients: "
        "measured in bench/register.py, p95 461 ms against 204 ms), one server per database, "
        "all up for the whole run. "
        f"{r['clients']} client threads in this process, each with its own connection and "
        f"session, request pages {pause}; the pages, in turn: "
        f"{', '.join(dict.fromkeys(r['paths']))} (a page past the last shows the last). "
        f"{r['warmup']} warm-up requests per row; then each row's median with one client at a "
        f"time ({r['alone_requests']} requests: the page's own time, no queue); then "
        f"{r['requests']:,} requests per row in {r['rounds']} rounds rotating the rows, so "
        "that all see the same machine; requests/s is the rate over those rounds. The clients, "
        "the servers and PostgreSQL share the machine's 2 cores. SQL queries are counted for "
        "each page of the mix in process, with Django's test client "
        f"({register.SMALL:,}/{register.LARGE:,}: {pages}); a page showing a terminated "
        "agreement makes one more, to say who has confirmed deletion, so the fewest and the "
        "most must be equal at both sizes. Targets, from the [Register] issue: with "
        f"{register.LARGE:,} agreements, p95 at most {register.TARGET_P95_MS:.0f} ms and at "
        f"most {register.TARGET_RATIO} times the p95 with {register.SMALL:,}, and the same "
        f"queries per page.{queue} Machine: {machine}."
    )


def machine_description() -> str:
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def replace_section(path: Path, heading: str, section: str) -> None:
    """Put `section` in the file in place of the one starting with `heading`, or at its end."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find("\n" + heading)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[: start + 1] + section + ("" if end == -1 else "\n" + text[end + 1 :])
    path.write_text(text, encoding="utf-8")


def register_section(table: str, note: str) -> str:
    return f"## Register, measured {dt.date.today().isoformat()}\n\n{note}\n\n{table}\n"


def register_only(path: Path | None, *, quick: bool) -> int:
    """The register section alone; with `path`, replace (or add) it in that file."""
    machine = machine_description()
    results = register_results_of(quick=quick)
    table_text, failed = register_rows(results)
    print(table_text)
    if path is not None:
        replace_section(
            path,
            "## Register, measured ",
            register_section(table_text, register_note(results, machine)),
        )
    return 1 if failed else 0


# --- The audit log (bench/audit.py) ----------------------------------------------------------


def audit_results_of(*, quick: bool) -> dict[str, Any]:
    """bench/audit.py in a process of its own: it configures Django on PostgreSQL."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "audit.py"), *(["--quick"] if quick else [])],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def audit_rows(r: dict[str, Any]) -> tuple[str, bool]:
    """The audit log table, and whether verifying or appending missed its target."""
    rows = f"{r['rows']:,}"
    verify_ok = r["command_seconds"] < audit.TARGET_VERIFY_SECONDS
    append_ok = r["chained_rate"] >= audit.TARGET_APPENDS and r["verified_after"] > r["rows"]
    base = r["baseline_seconds"]
    lines = [
        "| what | result | target | baseline | baseline result | ratio | within target |",
        "|---|---|---|---|---|---|---|",
        f"| `accord verify-audit`, {rows} audit entries and their signed checkpoint, end to end "
        f"(process start included) | {r['command_seconds']:.1f} s "
        f"| < {audit.TARGET_VERIFY_SECONDS:.0f} s | reading the same rows, same query and "
        f"cursor, no hashing | {base:.1f} s | {r['command_seconds'] / base:.1f}x "
        f"| {'yes' if verify_ok else 'NO'} |",
        f"| the same check in process (`chains_verify`), CPU time of this process "
        f"{r['verify_cpu_seconds']:.1f} s | {r['verify_seconds']:.1f} s | | reading the same "
        f"rows | {base:.1f} s | {r['verify_seconds'] / base:.1f}x | |",
        f"| signing the first checkpoint: every entry read, checked and hashed into the Merkle "
        f"tree | {r['checkpoint_seconds']:.1f} s | | | | | |",
        f"| chained appends, {r['writers']} writers at once (`audit_record`, one transaction "
        f"each, durable commits): p50 {r['chained_p50_ms']:.1f} ms, p95 "
        f"{r['chained_p95_ms']:.1f} ms | {r['chained_rate']:,.0f}/s "
        f"| ≥ {audit.TARGET_APPENDS:.0f}/s | plain INSERTs, same writers, unchained table: p50 "
        f"{r['plain_p50_ms']:.1f} ms, p95 {r['plain_p95_ms']:.1f} ms | {r['plain_rate']:,.0f}/s "
        f"| {r['chained_rate'] / r['plain_rate']:.2f} | {'yes' if append_ok else 'NO'} |",
    ]
    return "\n".join(lines), not (verify_ok and append_ok)


def audit_note(r: dict[str, Any], machine: str) -> str:
    return (
        f"A thrown-away PostgreSQL database: {r['service_entries']} entries made through the "
        f"services (organisations, people, initiatives), then entries up to {r['rows']:,} "
        "appended with COPY, each hashed and linked as `audit_record` does (seeded in "
        f"{r['seed_seconds']:.0f} s), and VACUUM ANALYZE. The first checkpoint is signed over "
        "the whole log; then, "
        f"{'once' if r['runs'] == 1 else str(r['runs']) + ' times'} each, interleaved: "
        "`chains_verify()` in this process, `accord "
        "verify-audit` as a process of its own, and the baseline, which reads the same rows "
        "through the same server-side cursor (binary, 20,000 rows a fetch, JSON parsed) and "
        "hashes nothing; medians. The check reads every entry, rebuilds its canonical JSON, "
        "recomputes its SHA-256 and link, adds it to the RFC 9162 Merkle tree, and compares the "
        "tree with the signed checkpoint (and the disclosure log, empty here). Writers: "
        f"{r['writers']} processes, each with its own connection, append back to back for "
        f"{r['write_seconds']:.0f} s, each append a transaction of its own; appends are made "
        "one at a time (the chain's head is locked until commit), so the rate is bounded by "
        "the time one commit takes, fsync included (PostgreSQL's defaults: synchronous_commit "
        "on). The baseline is the same writers committing a plain INSERT of a like row into "
        "an unchained copy of the table, which needs no lock and shares fsyncs. Afterwards all "
        f"{r['verified_after']:,} entries verify ({r['verified_after_seconds']:.1f} s). "
        "The clients, the writers and PostgreSQL share the machine's cores, with whatever else "
        f"runs on it (1-minute load average {r['load_before']:.1f} at the start, "
        f"{r['load_after']:.1f} at the end, its own 20 writers included; under a load of 5 to "
        "6 from other work, an earlier run measured 373 appends/s). Targets, from issue "
        f"7: verifying {r['rows']:,} entries in under {audit.TARGET_VERIFY_SECONDS:.0f} s, and "
        f"at least {audit.TARGET_APPENDS:.0f} chained appends a second with {r['writers']} "
        f"writers. Machine: {machine}."
    )


def audit_section(table: str, note: str) -> str:
    return f"## Audit log, measured {dt.date.today().isoformat()}\n\n{note}\n\n{table}\n"


def audit_only(path: Path | None, *, quick: bool) -> int:
    """The audit log section alone; with `path`, replace (or add) it in that file."""
    machine = machine_description()
    results = audit_results_of(quick=quick)
    table_text, failed = audit_rows(results)
    print(table_text)
    if path is not None:
        replace_section(
            path, "## Audit log, measured ", audit_section(table_text, audit_note(results, machine))
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
