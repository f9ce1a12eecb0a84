"""Production mode: `accord serve --production` as docs/deployment.md runs it.

gunicorn's processes on PostgreSQL behind a proxy that ends TLS (security headers, HSTS), static
files collected under hashed names and cached for a year, and the background worker beside
them sending a queued notice. It refuses SQLite and a database that still needs migrating.

PostgreSQL is a cluster the test makes for itself (tests/cli/production.py), so this runs in
both of CI's passes wherever PostgreSQL's server programs are installed, and skips saying why
where they are not. Refusing SQLite needs no PostgreSQL.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.production import (
    Browser,
    Cluster,
    accord,
    accord_environment,
    private_cluster,
    production_server,
)
from tests.web.test_smtp import smtp_sink  # noqa: F401 - the fixture

BEHIND_TLS = {"X_Forwarded_Proto": "https"}
NOTICE = (
    "from django.db import transaction\n"
    "from accord.apps.notices.services import notice_queue\n"
    "with transaction.atomic():\n"
    "    notice_queue(key='production:1', recipients=['ig@northshire.example'],"
    " subject='From production mode', body='Sent by the worker beside gunicorn.')\n"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with private_cluster() as running:
        yield running


def test_production_mode_serves_securely_with_hashed_static_files_and_a_worker(
    cluster: Cluster,
    tmp_path: Path,
    smtp_sink: tuple[int, list[str]],  # noqa: F811
) -> None:
    port, received = smtp_sink
    environment = accord_environment(
        tmp_path,
        DATABASE_URL=cluster.create_database("accord_production"),
        ACCORD_HTTPS="1",
        ACCORD_BEHIND_PROXY="1",
        ACCORD_ALLOWED_HOSTS="127.0.0.1",
        ACCORD_WORKERS="2",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
    )
    # The release step, once, before any machine starts; then a notice waits in the outbox.
    migrated = accord(environment, "manage", "migrate", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    queued = accord(environment, "manage", "shell", "-c", NOTICE)
    assert queued.returncode == 0, queued.stderr

    with production_server(environment, tmp_path / "accord.log") as server:
        browser = Browser(server.port)
        page = browser.get("/", **BEHIND_TLS)
        assert page.status == 200, page.text[:500]
        assert "Share personal data lawfully, fairly and safely" in page.text
        headers = page.headers
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Server"] == "gunicorn"

        # Plain HTTP, not through the proxy: sent to HTTPS.
        plain = browser.get("/")
        assert plain.status == 301
        assert plain.headers["Location"] == f"https://127.0.0.1:{server.port}/"
        # The API is refused over plain HTTP rather than redirected: a credential sent that way
        # is already exposed, and following a redirect would hide it.
        api = browser.get("/api/v1/transparency/")
        assert api.status == 403
        assert "https-required" in api.text
        assert browser.get("/api/v1/transparency/", **BEHIND_TLS).status == 200

        # The stylesheet under its hashed name: cached for a year, compressed.
        stylesheet = re.search(r'href="(/static/build/accord\.min\.[0-9a-f]{12}\.css)"', page.text)
        assert stylesheet, page.text[:2000]
        css = browser.get(stylesheet[1], Accept_Encoding="gzip", **BEHIND_TLS)
        assert css.status == 200
        assert css.headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert css.headers["Content-Encoding"] == "gzip"
        assert (tmp_path / "static" / "staticfiles.json").exists()

        # The worker beside gunicorn sends the notice that was waiting, once.
        deadline = time.monotonic() + 60
        while not any("Sent by the worker" in m for m in received):
            assert time.monotonic() < deadline, server.output
            time.sleep(0.2)
        time.sleep(2)
        assert sum("Sent by the worker" in m for m in received) == 1

        pids = server.pids()
        assert server.output.count("Booting worker with pid") == 2
        assert "Using worker: gthread" in server.output
        assert "Accord's worker is running" in server.output

    # Stopped with SIGTERM: gunicorn and the worker stop with it.
    assert server.process.returncode == 0, server.output
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_production_mode_refuses_a_database_that_needs_migrating(
    cluster: Cluster, tmp_path: Path
) -> None:
    environment = accord_environment(
        tmp_path, DATABASE_URL=cluster.create_database("accord_unmigrated")
    )
    result = accord(environment, "serve", "--production", "--port", "8999")
    assert result.returncode == 2
    assert "run `accord manage migrate` once" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_mode_refuses_sqlite_unless_allowed(tmp_path: Path) -> None:
    result = accord(accord_environment(tmp_path), "serve", "--production", "--port", "8999")
    assert result.returncode == 2
    assert "production mode runs on PostgreSQL" in result.stderr
    assert "--allow-sqlite" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_production_mode_needs_one_process_at_least(workers: str, tmp_path: Path) -> None:
    result = accord(accord_environment(tmp_path), "serve", "--production", "--workers", workers)
    assert result.returncode == 2
    assert "give at least 1" in result.stderr
