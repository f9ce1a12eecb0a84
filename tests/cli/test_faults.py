"""Faults: the database stopped, cut off mid-change or unreachable, under a running Accord.

People get a "Sorry, the service is unavailable" page and API clients a JSON error, both 503
with Retry-After, within 5 seconds; nothing is half-written; and when the database is back
the next request succeeds, with no restart of gunicorn or of the background worker.

The first tests fail every query inside the test process, so they run on any database. The
others run `accord serve --production` (gunicorn, the worker) against a PostgreSQL cluster the
test makes for itself (tests/cli/production.py) and stops and starts with pg_ctl, so they run
in both of CI's passes wherever PostgreSQL's server programs are installed, and skip, saying
why, where they are not. The unreachable-database tests need no PostgreSQL at all.

The mail server being down is tests/web/test_worker.py: notices are retried, never sent twice.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client

from accord.apps.accounts.middleware import SIGNED_IN_AT
from accord.apps.accounts.models import User
from accord.apps.audit.models import AuditEntry
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.services import membership_grant, organisation_create
from tests.cli.production import (
    Browser,
    Cluster,
    Response,
    Server,
    accord,
    accord_environment,
    free_port,
    private_cluster,
    production_server,
)
from tests.web.test_smtp import smtp_sink  # noqa: F401 - the fixture

UNAVAILABLE = "Sorry, the service is unavailable"
EMAIL, PASSWORD = "ig@northshire.example", "correct horse battery staple"
WITHIN = 5.0  # seconds: the bound for a clear 503
ROOT = Path(__file__).resolve().parents[2]


def assert_unavailable_page(response: Response) -> None:
    assert response.status == 503, response.text[:500]
    assert response.seconds < WITHIN
    assert UNAVAILABLE in response.text
    assert 'class="govuk-heading-l"' in response.text
    assert "Traceback" not in response.text
    assert response.headers["Retry-After"] == "30"


def assert_unavailable_api(response: Response) -> None:
    assert response.status == 503, response.text[:500]
    assert response.seconds < WITHIN
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Retry-After"] == "30"
    body = json.loads(response.text)
    assert body["error"] == "unavailable"
    assert "cannot be reached" in body["detail"]


# --- In the test process: every query fails ---------------------------------------------------


@pytest.fixture
def database_down() -> Callable[[], Any]:
    """While active, every query on this thread's connection fails as a stopped server would."""

    def refuse(*args: Any) -> Any:
        raise OperationalError('connection to server at "db" failed: Connection refused')

    return lambda: connection.execute_wrapper(refuse)


@pytest.fixture
def ig_officer(db: None) -> User:
    council = organisation_create(
        actor=None, name="Northshire County Council", type="local-authority", functions=[]
    )
    person = User.objects.create_user(EMAIL, PASSWORD, full_name="Isla Green")
    membership_grant(actor=None, organisation=council, user=person, role="ig-officer")
    return person


def browser_signed_in(person: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(person)
    session = client.session
    session[SIGNED_IN_AT] = time.time()
    session.save()
    return client


@pytest.mark.django_db
def test_pages_say_the_service_is_unavailable_without_touching_the_database(
    ig_officer: User, database_down: Callable[[], Any], caplog: pytest.LogCaptureFixture
) -> None:
    person = browser_signed_in(ig_officer)
    visitor = Client(raise_request_exception=False)
    assert person.get("/initiatives/").status_code == 200
    with database_down(), caplog.at_level(logging.ERROR, logger="accord.web.errors"):
        # The session is read in middleware, before any view: the page is still the 503 one.
        for response in (person.get("/initiatives/"), visitor.get("/transparency/")):
            assert response.status_code == 503
            assert response["Retry-After"] == "30"
            html = response.content.decode()
            assert f'<h1 class="govuk-heading-l">{UNAVAILABLE}</h1>' in html
            assert "Signed in as" not in html  # drawn without the person, the session or a query
    assert "Database unavailable, answered 503 to GET /initiatives/" in caplog.text


@pytest.mark.django_db
def test_the_api_answers_a_json_503_with_retry_after(
    ig_officer: User, database_down: Callable[[], Any]
) -> None:
    client = Client(raise_request_exception=False)
    with database_down():
        public = client.get("/api/v1/transparency/")
        with_token = client.get("/api/v1/agreement", headers={"Authorization": "Bearer abc"})
    for response in (public, with_token):
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        assert response["Retry-After"] == "30"
        assert response.json()["error"] == "unavailable"


@pytest.mark.django_db
def test_a_change_refused_by_the_database_leaves_nothing_behind(
    ig_officer: User, database_down: Callable[[], Any]
) -> None:
    person = browser_signed_in(ig_officer)
    lead = ig_officer.memberships.get().organisation_id
    entries = AuditEntry.objects.count()
    with database_down():
        response = person.post("/initiatives/start/", {"title": "Fault test", "lead": lead})
    assert response.status_code == 503
    assert not Initiative.objects.filter(title="Fault test").exists()
    assert AuditEntry.objects.count() == entries
    # And with the database back, the same request goes through.
    response = person.post("/initiatives/start/", {"title": "Fault test", "lead": lead})
    assert response.status_code == 302
    assert Initiative.objects.filter(title="Fault test").count() == 1


@pytest.mark.django_db
def test_any_other_error_is_the_problem_page_not_a_traceback(ig_officer: User) -> None:
    def explode(*args: Any) -> Any:
        raise RuntimeError("a bug")

    person = browser_signed_in(ig_officer)
    with connection.execute_wrapper(explode):
        response = person.get("/initiatives/")
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
    assert b"a bug" not in response.content


# --- For real: Accord in production mode on a PostgreSQL cluster of the test's own ------------


@dataclass
class Database:
    cluster: Cluster
    url: str
    organisation: int
    data_dir: Path  # shared by every Accord process on it, as on one machine: the keys live there
    secret_key: str

    def environment(self, **settings: str) -> dict[str, str]:
        return accord_environment(
            self.data_dir, DATABASE_URL=self.url, ACCORD_SECRET_KEY=self.secret_key, **settings
        )

    def count(self, sql: str, *params: object) -> int:
        with psycopg.connect(self.url) as db:
            row = db.execute(sql, params or None).fetchone()
        assert row is not None
        return int(row[0])

    def changes_titled(self, title: str) -> tuple[int, int]:
        """(initiatives, audit entries) carrying the title."""
        return (
            self.count("SELECT count(*) FROM initiatives_initiative WHERE title = %s", title),
            self.count("SELECT count(*) FROM audit_auditentry WHERE summary LIKE %s", f"%{title}%"),
        )


SETUP = f"""
from accord.apps.accounts.models import User
from accord.apps.organisations.services import membership_grant, organisation_create
council = organisation_create(
    actor=None, name="Northshire County Council", type="local-authority", functions=[]
)
person = User.objects.create_user("{EMAIL}", "{PASSWORD}", full_name="Isla Green")
membership_grant(actor=None, organisation=council, user=person, role="ig-officer")
print("organisation", council.pk)
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    with private_cluster() as cluster:
        url = cluster.create_database("accord_faults")
        data_dir = tmp_path_factory.mktemp("data")
        database = Database(cluster, url, 0, data_dir, secrets.token_urlsafe(50))
        migrated = accord(database.environment(), "manage", "migrate", "-v", "0")
        assert migrated.returncode == 0, migrated.stderr
        made = accord(database.environment(), "manage", "shell", "-c", SETUP)
        assert made.returncode == 0, made.stderr
        found = re.search(r"organisation (\d+)", made.stdout)
        assert found, made.stdout
        database.organisation = int(found[1])
        yield database


@pytest.fixture
def server(
    database: Database,
    tmp_path: Path,
    smtp_sink: tuple[int, list[str]],  # noqa: F811
) -> Iterator[Server]:
    environment = database.environment(
        ACCORD_WORKERS="2", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_sink[0])
    )
    with production_server(environment, tmp_path / "accord.log") as running:
        yield running
    if not database.cluster.is_running():
        database.cluster.start()


def wait_for(check: Callable[[], bool], seconds: float, what: str, server: Server) -> float:
    """Seconds until `check` holds; fails, showing the server's output, after `seconds`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"no {what} in {seconds} s:\n{server.output}"
        time.sleep(0.2)
    return time.monotonic() - started


def test_with_the_database_stopped_everyone_gets_a_clear_503_and_it_recovers_by_itself(
    database: Database,
    server: Server,
    smtp_sink: tuple[int, list[str]],  # noqa: F811
) -> None:
    person = Browser(server.port)
    person.sign_in(EMAIL, PASSWORD)
    assert person.get("/initiatives/").status == 200
    token = person.form_token("/initiatives/start/")
    before = server.pids()

    database.cluster.stop()
    try:
        assert_unavailable_page(person.get("/initiatives/"))
        assert_unavailable_page(Browser(server.port).get("/transparency/"))
        assert_unavailable_api(Browser(server.port).get("/api/v1/transparency/"))
        change = {"title": "Started during the outage", "lead": str(database.organisation)}
        assert_unavailable_page(person.submit("/initiatives/start/", token, change))
        wait_for(
            lambda: "accord worker: the database is unavailable" in server.output,
            15,
            "word from the worker",
            server,
        )
    finally:
        database.cluster.start()

    wait_for(lambda: person.get("/initiatives/").status == 200, 30, "page after restart", server)
    assert server.process.poll() is None
    assert server.pids() == before  # the same gunicorn and worker: nothing was restarted
    assert "the background worker stopped" not in server.output
    assert "Database unavailable, answered 503 to GET /initiatives/" in server.output
    assert database.changes_titled("Started during the outage") == (0, 0)

    # The worker carries on too: a notice queued now is e-mailed, once.
    _, received = smtp_sink
    queued = accord(
        database.environment(),
        *("manage", "shell", "-c"),
        "from django.db import transaction\n"
        "from accord.apps.notices.services import notice_queue\n"
        "with transaction.atomic():\n"
        "    notice_queue(key='faults:after', recipients=['ig@northshire.example'],"
        " subject='After the outage', body='The worker is back.')\n",
    )
    assert queued.returncode == 0, queued.stderr
    wait_for(lambda: any("The worker is back." in m for m in received), 30, "e-mail", server)
    time.sleep(2)
    assert sum("The worker is back." in m for m in received) == 1


def test_a_change_cut_off_mid_transaction_is_not_half_written(
    database: Database, server: Server
) -> None:
    """The database goes away after the new initiative's rows are written, before its audit
    entry: PostgreSQL rolls the whole transaction back, and the chain still verifies."""
    person = Browser(server.port)
    person.sign_in(EMAIL, PASSWORD)
    token = person.form_token("/initiatives/start/")
    title = "Cut off mid-transaction"
    change = {"title": title, "lead": str(database.organisation)}

    # Hold the audit chain's head, so the request stops at its audit entry, rows written.
    holder = psycopg.connect(database.url)
    holder.execute("SELECT * FROM audit_chainhead WHERE id = 1 FOR UPDATE")
    answers: list[Response] = []
    request = threading.Thread(
        target=lambda: answers.append(person.submit("/initiatives/start/", token, change))
    )
    request.start()
    # A session waiting for a lock that has already inserted into the initiatives table.
    waiting_with_writes = (
        "SELECT count(*) FROM pg_stat_activity a WHERE a.wait_event_type = 'Lock' AND EXISTS "
        "(SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.mode = 'RowExclusiveLock' "
        "AND l.relation = 'initiatives_initiative'::regclass)"
    )
    wait_for(lambda: database.count(waiting_with_writes) == 1, 20, "blocked write", server)

    stopped_at = time.monotonic()
    database.cluster.stop()
    request.join(timeout=30)
    database.cluster.start()
    holder.close()

    assert len(answers) == 1
    assert_unavailable_page(answers[0])
    assert time.monotonic() - stopped_at < 30
    assert database.changes_titled(title) == (0, 0)
    verified = accord(database.environment(), "verify-audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The same request, sent again once the database is back, is recorded whole.
    wait_for(lambda: person.get("/initiatives/").status == 200, 30, "recovery", server)
    token = person.form_token("/initiatives/start/")
    assert person.submit("/initiatives/start/", token, change).status == 302
    assert database.changes_titled(title) == (1, 1)


# --- An unreachable database: nothing listening, or a host that never answers -------------------


@pytest.fixture
def silent_host() -> Iterator[str]:
    """A port that accepts the connection and then never answers: a hung or cut-off server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(50)
        yield f"127.0.0.1:{listener.getsockname()[1]}"


# 10.255.255.1, the usual black hole, is answered at once by some sandboxes' proxies: the
# silent port is a black hole everywhere.
@pytest.mark.parametrize("where", ["refused", "silent"])
def test_an_unreachable_database_gets_a_503_within_5_seconds(
    where: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    host = {
        "refused": lambda: f"127.0.0.1:{free_port()}",  # nothing listens there
        "silent": lambda: request.getfixturevalue("silent_host"),
    }[where]()
    environment = accord_environment(
        tmp_path, DATABASE_URL=f"postgres://accord:x@{host}/accord", ACCORD_WORKERS="1"
    )
    with production_server(environment, tmp_path / "accord.log") as server:
        assert "cannot reach the database" in server.output
        assert_unavailable_page(Browser(server.port).get("/transparency/"))
        assert_unavailable_api(Browser(server.port).get("/api/v1/transparency/"))
        # Static files need no database.
        assert Browser(server.port).get("/static/accord/favicon.svg").status == 200


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_CHECK = """
import json, sys
from playwright.sync_api import sync_playwright
url, axe = sys.argv[1], open(sys.argv[2]).read()
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
    )
    page = browser.new_page()
    status = page.goto(url).status
    page.evaluate(axe)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    )
    print(json.dumps({"status": status, "title": page.title(), "violations": result["violations"]}))
    browser.close()
"""


@pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists() or not AXE.exists(),
    reason="needs Debian's chromium and axe-core (make test installs both)",
)
def test_the_unavailable_page_is_accessible(tmp_path: Path) -> None:
    """axe-core in chromium, on the 503 page as served, in its own process (Playwright's sync
    API cannot run beside the browser tests' in this one)."""
    environment = accord_environment(
        tmp_path,
        DATABASE_URL=f"postgres://accord:x@127.0.0.1:{free_port()}/accord",
        ACCORD_WORKERS="1",
    )
    with production_server(environment, tmp_path / "accord.log") as server:
        checked = subprocess.run(
            [
                *(sys.executable, "-c", AXE_CHECK),
                *(f"http://127.0.0.1:{server.port}/transparency/", str(AXE)),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE": ""},
        )
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout)
    assert result["status"] == 503
    assert result["title"].startswith(UNAVAILABLE)
    assert result["violations"] == [], json.dumps(result["violations"], indent=1)
