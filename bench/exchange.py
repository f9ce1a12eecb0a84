"""The exchange API's streaming rate against a raw `COPY ... TO STDOUT` of the same rows.

Run by bench/run.py in a process of its own (Django is configured once per process, and this
one needs PostgreSQL). It makes a fresh database, takes a two-party agreement live through the
services, loads 1,000,000 rows into a dataset of 8 columns (6 mapped to agreed data items, 2
never shared), creates a client credential, starts the application under gunicorn with ONE
sync worker, and then, interleaved, three times each:

  - API:  POST /api/v1/oauth/token, then GET /api/v1/datasets/<id>/records (NDJSON, every
          permitted field) over HTTP, reading the whole stream; each page of rows is decided,
          counted against the volume limit and written to the hash-chained disclosure log;
  - raw over HTTP: `COPY (SELECT _row, c1, ..., c8 FROM accord_ds_<id>) TO STDOUT`: the same
          rows with every column as loaded (not the JSON copies Accord keeps beside them), streamed
          by a bare WSGI app (bench/raw_copy_app.py) under the same gunicorn, one sync worker, and
          read the same way: the like-for-like baseline, differing only in what Accord adds;
  - raw in process: the same COPY read by psycopg in this process, with no HTTP at all: the
          ceiling, which no HTTP API can reach.

The targets (at least 0.5 of the raw rate; at least 50,000 records/s per worker) are checked
against the raw stream over HTTP; the ratio to the in-process COPY is reported beside it.

It prints one JSON object; bench/run.py turns it into the table in docs/benchmarks.md.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(os.environ.get("ACCORD_BENCH_ROWS", "1000000"))
RUNS = 3
ADMIN_URL = os.environ.get(
    "ACCORD_BENCH_DATABASE_URL", "postgres://accord:accord@127.0.0.1:5432/accord"
)
BENCH_DB = "accord_bench"
HEADERS = ["UPN", "Forename", "Surname", "DOB", "Attendance", "AbsenceCodes", "Ethnicity", "FSM"]


def fresh_database() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
    parts = urllib.parse.urlsplit(ADMIN_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def setup(database_url: str, data_dir: Path) -> dict[str, Any]:
    """Migrate, go live, load the rows and make a client. Returns what the runs need."""
    os.environ.update(
        DATABASE_URL=database_url,
        ACCORD_DATA_DIR=str(data_dir),
        ACCORD_STATIC_ROOT=str(data_dir / "static"),
        DJANGO_SETTINGS_MODULE="accord.web.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from tests.web.exchange_helpers import live_agreement, loaded_dataset

    from accord.apps.exchange import credentials

    call_command("migrate", verbosity=0, interactive=False)
    sharing = live_agreement(values={"limits": {"records": 100_000_000, "per": "day"}})
    items = {
        "UPN": "unique pupil number",
        "Forename": "name",
        "Surname": "name",
        "DOB": "date of birth",
        "Attendance": "attendance percentage",
        "AbsenceCodes": "absence codes",
    }
    started = time.perf_counter()
    rows = (
        (
            f"H{i:012d}",
            "Alexandra",
            f"Pupil-{i}",
            "2015-09-01",
            f"{80 + i % 20}.5",
            "I,M,O",
            "WBRI",
            "N",
        )
        for i in range(ROWS)
    )
    with transaction.atomic():
        dataset = loaded_dataset(sharing, HEADERS, rows, items, key="UPN")
    load_seconds = time.perf_counter() - started
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Bench"
    )
    from django.db import connections

    connections.close_all()
    return {
        "dataset": dataset.pk,
        "table": dataset.store_table,
        "client_id": client.client_id,
        "secret": secret,
        "load_seconds": load_seconds,
        "fields": len(items),
    }


def settings_page_rows() -> int:
    from django.conf import settings

    return int(settings.ACCORD_STREAM_PAGE_ROWS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def token(port: int, client_id: str, secret: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    body = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    connection.request(
        "POST",
        "/api/v1/oauth/token",
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    data = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"token: {response.status} {data}")
    return str(data["access_token"])


def api_run(port: int, setup_data: dict[str, Any], fmt: str) -> tuple[float, int, int]:
    """(seconds, records, bytes) for one full stream over HTTP, token included."""
    started = time.perf_counter()
    bearer = token(port, setup_data["client_id"], setup_data["secret"])
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request(
        "GET",
        f"/api/v1/datasets/{setup_data['dataset']}/records?format={fmt}",
        headers={"Authorization": f"Bearer {bearer}"},
    )
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"records: {response.status} {response.read()[:500]!r}")
    records = size = 0
    last = b""
    while chunk := response.read(1 << 20):
        records += chunk.count(b"\n")
        size += len(chunk)
        last = chunk[-300:]
    seconds = time.perf_counter() - started
    if b'"error"' in last:
        raise RuntimeError(f"the stream stopped: {last!r}")
    return seconds, records - (fmt == "csv"), size  # less the CSV header line


def raw_copy(table: str) -> str:
    """The baseline: every column of the rows as loaded, in PostgreSQL's text format."""
    columns = ", ".join(["_row", *(f"c{i}" for i in range(1, len(HEADERS) + 1))])
    return f'COPY (SELECT {columns} FROM "{table}") TO STDOUT'  # noqa: S608


def raw_http_run(port: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/")
    response = connection.getresponse()
    records = size = 0
    while chunk := response.read(1 << 20):
        records += chunk.count(b"\n")
        size += len(chunk)
    return time.perf_counter() - started, records, size


def gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            app,
            "--workers=1",
            "--worker-class=sync",
            "--timeout=600",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        env=env,
        cwd=ROOT,
    )


def raw_run(database_url: str, table: str) -> tuple[float, int, int]:
    import psycopg

    started = time.perf_counter()
    records = size = 0
    with (
        psycopg.connect(database_url) as connection,
        connection.cursor() as cursor,
        cursor.copy(raw_copy(table)) as copy,
    ):
        for block in copy:
            records += bytes(block).count(b"\n")
            size += len(block)
    return time.perf_counter() - started, records, size


def main() -> int:
    import tempfile

    database_url = fresh_database()
    with tempfile.TemporaryDirectory(prefix="accord-bench-exchange-") as tmp:
        data_dir = Path(tmp)
        setup_data = setup(database_url, data_dir)
        port, raw_port = free_port(), free_port()
        env = dict(os.environ, ACCORD_ALLOWED_HOSTS="127.0.0.1,localhost")
        raw_env = dict(
            env, ACCORD_BENCH_COPY=raw_copy(setup_data["table"]), PYTHONPATH=str(ROOT / "bench")
        )
        servers = [
            gunicorn("accord.web.wsgi:application", port, env),
            gunicorn("raw_copy_app:application", raw_port, raw_env),
        ]
        try:
            wait_for(port)
            wait_for(raw_port)
            api_run(port, setup_data, "ndjson")  # warm-up: imports, first connections
            raw_http_run(raw_port)
            api: list[tuple[float, int, int]] = []
            api_csv: list[tuple[float, int, int]] = []
            raw_http: list[tuple[float, int, int]] = []
            raw: list[tuple[float, int, int]] = []
            for _ in range(RUNS):
                api.append(api_run(port, setup_data, "ndjson"))
                api_csv.append(api_run(port, setup_data, "csv"))
                raw_http.append(raw_http_run(raw_port))
                raw.append(raw_run(database_url, setup_data["table"]))
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
    for _, records, _ in api + api_csv:
        if records != ROWS:
            raise RuntimeError(f"the API sent {records} records, not {ROWS}")
    api_rate = statistics.median(r / s for s, r, _ in api)
    api_csv_rate = statistics.median(r / s for s, r, _ in api_csv)
    raw_rate = statistics.median(r / s for s, r, _ in raw)
    raw_http_rate = statistics.median(r / s for s, r, _ in raw_http)
    print(
        json.dumps(
            {
                "rows": ROWS,
                "fields": setup_data["fields"],
                "page_rows": settings_page_rows(),
                "runs": RUNS,
                "load_seconds": setup_data["load_seconds"],
                "api_rate": api_rate,
                "api_csv_rate": api_csv_rate,
                "api_csv_mb": statistics.median(b for _, _, b in api_csv) / 1e6,
                "raw_rate": raw_rate,
                "raw_http_rate": raw_http_rate,
                "raw_http_seconds": statistics.median(s for s, _, _ in raw_http),
                "api_seconds": statistics.median(s for s, _, _ in api),
                "raw_seconds": statistics.median(s for s, _, _ in raw),
                "api_mb": statistics.median(b for _, _, b in api) / 1e6,
                "raw_mb": statistics.median(b for _, _, b in raw) / 1e6,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
