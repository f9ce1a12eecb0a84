"""The audit log at scale: verifying 1,000,000 entries from PostgreSQL, and chained appends from
20 concurrent writers.

Run by bench/run.py in a process of its own (Django is configured once per process, and this
one needs PostgreSQL). It makes a fresh database (accord_bench_audit), migrates it, makes a few
organisations, people and initiatives through the services (their entries open the chain), then
appends entries up to 1,000,000 with COPY, each hashed and linked as `audit_record` would, with
the head moved to the last. Then, interleaved, three times each:

  - verify:   `chains_verify()`, what `accord verify-audit` runs: every entry read, hashed and
              linked, the Merkle root recomputed and checked against the signed checkpoint;
  - command:  `accord verify-audit` as a separate process, start-up and both logs included;
  - baseline: reading the same rows with the same query and cursor, hashing nothing.

Before them, the first checkpoint is signed over the whole log (`checkpoint_issue`, timed once).
Then the writers: 20 processes, each with its own connection, calling `audit_record` in its own
transaction, back to back for a fixed time (commits durable, PostgreSQL's defaults); the
baseline is the same 20 processes each committing one plain INSERT of a like row into an
unchained copy of the table. Afterwards every entry must be there and the whole chain verify.

It prints one JSON object (last line); bench/run.py turns it into a section of
docs/benchmarks.md. On its own: `python bench/audit.py [--quick] [--keep]` (PostgreSQL must be
running: scripts/start-postgresql).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# bench/register.py, this script's own directory: the thrown-away databases are made alike.
from register import drop_database, fresh_database

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(os.environ.get("ACCORD_BENCH_AUDIT_ROWS", "1000000"))
BENCH_DB = "accord_bench_audit"
RUNS = 3
WRITERS = 20
WRITE_SECONDS = 15.0
TARGET_VERIFY_SECONDS, TARGET_APPENDS = 10.0, 500.0
VERBS = (
    ("initiative.updated", "Initiative {n} updated", {"fields": ["title", "summary"]}),
    ("agreement.section-proposed", "Change proposed to section 4 of DSA-{n}", {"section": "4"}),
    ("evidence.added", "Cyber Essentials certificate added", {"kind": "cyber-essentials"}),
    ("exchange.client-created", "API client Case system created", {"client": "c-{n}"}),
    ("agreement.signed", "Signed version 3 of DSA-{n} as SIRO", {"version": 3, "role": "siro"}),
)


def environment(database_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        ACCORD_DATA_DIR=str(data_dir),
        ACCORD_STATIC_ROOT=str(data_dir / "static"),
        DJANGO_SETTINGS_MODULE="accord.web.settings",
    )
    for name in ("ACCORD_CHECKPOINT_KEY_FILE", "ACCORD_CHECKPOINT_LOG", "ACCORD_DEBUG"):
        env.pop(name, None)
    return env


def setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(rows: int) -> dict[str, Any]:
    """Real entries from the services first, then COPY up to `rows`, hashed and linked."""
    from django.db import connection, transaction

    from accord.apps.accounts.models import User
    from accord.apps.audit.chains import AUDIT
    from accord.apps.audit.models import AuditEntry, ChainHead
    from accord.apps.initiatives.services import initiative_create
    from accord.apps.organisations.services import membership_grant, organisation_create
    from accord.core.audit import entry_hash

    started = time.perf_counter()
    organisations, people, initiatives = [], [], []
    for n in range(5):
        organisation = organisation_create(
            actor=None, name=f"Bench Council {n}", type="local-authority", functions=[]
        )
        user = User.objects.create_user(
            f"ig{n}@bench.example", "correct horse battery staple", full_name=f"IG {n}"
        )
        membership_grant(actor=None, organisation=organisation, user=user, role="ig-officer")
        initiative = initiative_create(actor=user, lead=organisation, title=f"Initiative {n}")
        organisations.append(organisation.pk)
        people.append((user.pk, user.email))
        initiatives.append(initiative.pk)
    head = ChainHead.objects.get()
    first, previous = head.sequence + 1, head.hash
    at = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    # The table's columns in the order AUDIT.columns names them, then the two hashes.
    column = {f.attname: f.column for f in AuditEntry._meta.concrete_fields}
    columns = ", ".join(f'"{column[n]}"' for n in (*AUDIT.columns, "previous_hash", "hash"))
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "audit_auditentry" ({columns}) FROM STDIN') as copy:
            for sequence in range(first, rows + 1):
                verb, summary, data = VERBS[sequence % len(VERBS)]
                actor, label = people[sequence % len(people)] if sequence % 7 else (None, "system")
                row = (
                    sequence,
                    at + dt.timedelta(seconds=sequence * 3, microseconds=sequence % 999_983),
                    actor,
                    label,
                    organisations[sequence % len(organisations)],
                    verb,
                    verb.split(".")[0],
                    str(sequence % 9973),
                    initiatives[sequence % len(initiatives)] if sequence % 3 else None,
                    summary.format(n=sequence % 9973),
                    {k: v.format(n=sequence) if isinstance(v, str) else v for k, v in data.items()},
                    f"{sequence:032x}",
                )
                hash_ = entry_hash(previous, AUDIT.fields(row))
                copy.write_row([*row[:10], json.dumps(row[10]), row[11], previous, hash_])
                previous = hash_
        ChainHead.objects.filter(id=1).update(sequence=rows, hash=previous)
    seconds = time.perf_counter() - started
    from django.db import connections

    connections.close_all()
    return {"seed_seconds": seconds, "service_entries": first - 1}


def vacuum(database_url: str) -> None:
    """As autovacuum would after a load: visibility map set, statistics fresh."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as raw:
        raw.execute("VACUUM ANALYZE audit_auditentry")


def baseline_read() -> tuple[float, int]:
    """The same rows, read by the same query and cursor as the check, hashing nothing."""
    from django.db import transaction

    from accord.apps.audit.chains import AUDIT

    started = time.perf_counter()
    count = 0
    with transaction.atomic():
        for _ in AUDIT.rows():
            count += 1
    return time.perf_counter() - started, count


def verify_in_process() -> tuple[float, int, bool]:
    from accord.apps.audit.services import chains_verify

    started = time.perf_counter()
    verification = chains_verify()
    seconds = time.perf_counter() - started
    audit = verification.chains[0][1]
    return seconds, audit.checked, verification.ok and audit.checkpoints >= 1


def verify_command(env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("accord")), "verify-audit"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"accord verify-audit failed:\n{done.stdout}{done.stderr}")
    return seconds, done.stdout.strip()


def checkpoint_first() -> tuple[float, int]:
    """The first checkpoint, over the whole log: every entry read, checked and hashed."""
    from accord.apps.audit.services import checkpoint_issue

    started = time.perf_counter()
    issued = checkpoint_issue()
    seconds = time.perf_counter() - started
    audit = [c for c in issued if c.chain == "audit"]
    if not audit:
        raise RuntimeError("no checkpoint of the audit log was signed")
    return seconds, audit[0].size


def writers(count: int, seconds: float, plain: bool) -> tuple[int, float, list[float]]:
    """`count` processes appending until the time is up: (appends, elapsed, latencies in ms).

    Processes, as a server's workers are, each with its own connection. Chained: `audit_record`
    in a transaction of its own, as every service calls it. Plain: one INSERT of a like row into
    an unchained copy of the table, committed the same way.
    """
    from django.db import connections

    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    results: Any = context.Queue()
    start_at = time.time() + 3.0  # time for every process to start and connect
    processes = [
        context.Process(target=_write, args=(n, plain, start_at, start_at + seconds, results))
        for n in range(count)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    failed = [o for o in outcomes if isinstance(o, str)]
    if failed:
        raise RuntimeError(f"a writer failed: {failed[0]}")
    appends = sum(len(o[1]) for o in outcomes)
    elapsed = max(o[0] for o in outcomes) - start_at
    return appends, elapsed, [ms for o in outcomes for ms in o[1]]


def _write(n: int, plain: bool, start_at: float, deadline: float, results: Any) -> None:
    """One writer process: connect, wait for the start, append until the deadline."""
    try:
        from django.db import connection, transaction

        from accord.apps.audit.services import audit_record
        from accord.apps.organisations.models import Organisation

        target = Organisation.objects.order_by("pk").first()
        time.sleep(max(0.0, start_at - time.time()))
        latencies = []
        while time.time() < deadline:
            started = time.perf_counter()
            with transaction.atomic():
                if plain:
                    with connection.cursor() as cursor:
                        cursor.execute(PLAIN_INSERT)
                else:
                    audit_record(
                        actor=None,
                        verb="bench.appended",
                        target=target,
                        organisation=target,
                        summary=f"Writer {n} append {len(latencies)}",
                        data={"writer": n, "n": len(latencies)},
                    )
            latencies.append((time.perf_counter() - started) * 1000)
        connection.close()
        results.put((time.time(), latencies))
    except BaseException as error:  # the parent reports it
        results.put(f"{type(error).__name__}: {error}")


PLAIN_TABLE = "bench_plain_append"
PLAIN_INSERT = (
    f"INSERT INTO {PLAIN_TABLE} (sequence, at, actor_label, verb, object_type, object_id, "  # noqa: S608 - a constant
    "summary, data, correlation_id, previous_hash, hash) VALUES (nextval('bench_plain_sequence'), now(), "
    "'system', 'bench.appended', 'organisation', '1', 'Writer append', '{}', '', '', "
    "md5(random()::text) || md5(random()::text))"
)


def plain_table() -> None:
    """An unchained copy of the audit table: the same columns and indexes, no head to lock."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")
        cursor.execute("DROP SEQUENCE IF EXISTS bench_plain_sequence")
        cursor.execute("CREATE SEQUENCE bench_plain_sequence")
        cursor.execute(
            f"CREATE TABLE {PLAIN_TABLE} (LIKE audit_auditentry INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING INDEXES)"
        )


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(p / 100 * len(ordered)) - 1)]


def run(quick: bool, keep: bool) -> dict[str, Any]:
    load_before = os.getloadavg()[0]  # other work on the machine shares its cores
    database_url = fresh_database(BENCH_DB)
    with tempfile.TemporaryDirectory(prefix="accord-bench-audit-") as tmp:
        env = environment(database_url, Path(tmp))
        try:
            setup(env)
            seeded = seed(ROWS)
            vacuum(database_url)
            checkpoint_seconds, checkpoint_size = checkpoint_first()
            verify_in_process()  # warm-up: caches, first connection
            verify, verify_cpu, baseline, command = [], [], [], []
            for _ in range(1 if quick else RUNS):
                cpu = time.process_time()
                seconds, checked, ok = verify_in_process()
                verify_cpu.append(time.process_time() - cpu)
                if not ok or checked < ROWS:
                    raise RuntimeError(f"the log did not verify ({checked} entries)")
                verify.append(seconds)
                baseline.append(baseline_read()[0])
                command.append(verify_command(env)[0])
            plain_table()
            write_seconds = 3.0 if quick else WRITE_SECONDS
            plain_count, plain_elapsed, plain_latency = writers(WRITERS, write_seconds, True)
            chained_count, chained_elapsed, chained_latency = writers(WRITERS, write_seconds, False)
            from accord.apps.audit.services import audit_verify

            started = time.perf_counter()
            checked, problem = audit_verify()
            after_seconds = time.perf_counter() - started
            if problem is not None:
                raise RuntimeError(f"the chain does not verify after the writers: {problem}")
            from accord.apps.audit.models import AuditEntry

            appended = AuditEntry.objects.filter(verb="bench.appended").count()
            if appended != chained_count:
                raise RuntimeError(f"{chained_count} appends counted, {appended} stored")
            from django.db import connections

            connections.close_all()
        finally:
            if not keep:
                drop_database(BENCH_DB)
    return {
        "rows": ROWS,
        "runs": len(verify),
        **seeded,
        "checkpoint_seconds": checkpoint_seconds,
        "checkpoint_size": checkpoint_size,
        "verify_seconds": statistics.median(verify),
        "verify_cpu_seconds": statistics.median(verify_cpu),
        "verify_all": verify,
        "baseline_seconds": statistics.median(baseline),
        "command_seconds": statistics.median(command),
        "writers": WRITERS,
        "write_seconds": write_seconds,
        "chained_rate": chained_count / chained_elapsed,
        "chained_count": chained_count,
        "chained_p50_ms": statistics.median(chained_latency),
        "chained_p95_ms": percentile(chained_latency, 95),
        "plain_rate": plain_count / plain_elapsed,
        "plain_p50_ms": statistics.median(plain_latency),
        "plain_p95_ms": percentile(plain_latency, 95),
        "verified_after": checked,
        "verified_after_seconds": after_seconds,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run, shorter writing")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    print(json.dumps(run(args.quick, args.keep)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
