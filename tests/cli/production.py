"""Accord in production mode for real, and a PostgreSQL cluster of the test's own beside it.

The fault tests stop the database under a running Accord, so they cannot use the shared server
(.ci/run's, on port 5432): each test module makes its own cluster with initdb on a free port,
and removes it afterwards. That needs PostgreSQL's server programs (initdb, pg_ctl), present
wherever `scripts/start-postgresql` has run, so in both of CI's passes once it has installed
them; without them these tests skip and say why. As root (CI) the cluster runs as the
`postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import http.client
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

ACCORD = [sys.executable, "-m", "accord"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- A private PostgreSQL cluster ------------------------------------------------------------


def _server_programs() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian's newest, else whatever PATH finds."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Cluster:
    programs: Path
    root: Path
    port: int
    password: str
    owner: str | None  # the user PostgreSQL runs as, when we are root

    def url(self, database: str) -> str:
        return f"postgres://accord:{self.password}@127.0.0.1:{self.port}/{database}"

    def run(self, program: str, *args: str) -> None:
        command = [str(self.programs / program), *args]
        if self.owner is not None:
            command = ["su", self.owner, "-s", "/bin/sh", "-c", shlex.join(command)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.run(
            "pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "log"), "-w", "start"
        )

    def stop(self) -> None:
        """A fast shutdown: open sessions are cut off and their transactions rolled back."""
        self.run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def is_running(self) -> bool:
        return (self.root / "data" / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    programs = _server_programs()
    if programs is None:
        pytest.skip(
            "needs PostgreSQL's server programs (initdb, pg_ctl) to run a cluster of its own: "
            "scripts/start-postgresql installs them, as .ci/run does before its second pass"
        )
    owner = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no `postgres` user to run PostgreSQL as")
        owner = "postgres"
    root = Path(tempfile.mkdtemp(prefix="accord-test-pg-"))
    cluster = Cluster(programs, root, free_port(), secrets.token_urlsafe(16), owner)
    password_file = root / "password"
    password_file.write_text(cluster.password)
    if owner is not None:
        shutil.chown(root, owner)
        shutil.chown(password_file, owner)
    try:
        cluster.run(
            "initdb",
            *("-D", str(root / "data"), "-U", "accord", f"--pwfile={password_file}"),
            *("--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
        )
        with (root / "data" / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {cluster.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{root}'\n"
            )
        cluster.start()
        yield cluster
    finally:
        if cluster.is_running():
            cluster.run("pg_ctl", "-D", str(root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


# --- Accord in production mode ----------------------------------------------------------------


def accord_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment a deployment sets, and nothing from the test run's own settings."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # Not the test run's settings: the browser tests allow Django's async-unsafe calls
        # (DJANGO_ALLOW_ASYNC_UNSAFE), which a deployment must never do.
        if not key.startswith(("ACCORD_", "EMAIL_", "DATABASE_URL", "DJANGO_"))
    }
    return environment | {
        "ACCORD_DATA_DIR": str(data_dir),
        "ACCORD_SECRET_KEY": secrets.token_urlsafe(50),
        "PYTHONUNBUFFERED": "1",
        **settings,
    }


def accord(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ACCORD, *args], env=environment, capture_output=True, text=True, timeout=300
    )


@dataclass
class Server:
    """`accord serve --production` running in the background, its output kept in a file."""

    process: subprocess.Popen[str]
    port: int
    log: Path

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pids(self) -> dict[str, int]:
        """gunicorn's and the background worker's process ids, from the line serve prints."""
        found = re.search(r"gunicorn \(pid (\d+)\).*worker \(pid (\d+)\)", self.output)
        assert found, self.output
        return {"gunicorn": int(found[1]), "worker": int(found[2])}

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)


@contextmanager
def production_server(environment: dict[str, str], log: Path, *args: str) -> Iterator[Server]:
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [*ACCORD, "serve", "--production", "--port", str(port), *args],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"accord serve stopped:\n{server.output}"
            try:
                Browser(port).get("/accessibility/")
                break
            except OSError:
                assert time.monotonic() < deadline, f"not answering:\n{server.output}"
                time.sleep(0.2)
        yield server
    finally:
        server.stop()


# --- A browser of sorts -----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str
    seconds: float


@dataclass
class Browser:
    """HTTP requests with the cookies a browser would keep; redirects are not followed."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, *, form: dict[str, str] | None = None, **headers: str
    ) -> Response:
        all_headers = {key.replace("_", "-"): value for key, value in headers.items()}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            answer = connection.getresponse()
            text = answer.read().decode(errors="replace")
        finally:
            connection.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return Response(answer.status, answer.headers, text, time.monotonic() - started)

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, **headers)

    def form_token(self, path: str) -> str:
        """The CSRF token of the form on the page at `path`."""
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"no form on {path} ({page.status})"
        return token[1]

    def submit(self, path: str, token: str, form: dict[str, str]) -> Response:
        return self.request("POST", path, form={"csrfmiddlewaretoken": token, **form})

    def post(self, path: str, form: dict[str, str]) -> Response:
        """The form on the page at `path`, filled in and sent."""
        return self.submit(path, self.form_token(path), form)

    def sign_in(self, email: str, password: str) -> None:
        answer = self.post("/account/sign-in/", {"email": email, "password": password})
        assert answer.status == 302, answer.text
