"""`accord serve` sets up a fresh database, loads the demo and serves the site on any port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_migrates_loads_the_demo_prints_sign_ins_and_serves(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "ACCORD_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 60
        assert server.stdout is not None
        while "Stop with Ctrl+C" not in output and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            output += line
        assert f"Accord is running at http://127.0.0.1:{port}/" in output
        assert "ig@northshire.example" in output
        assert "accord-demo-password" in output
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/account/sign-in/") as page:
                    html = page.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "Sign in to Accord" in html
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/build/accord.min.css")
        assert css.status == 200
        assert b"govuk-" in css.read()
        assert (tmp_path / "accord.sqlite3").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("port", ["0", "70000"])
def test_serve_refuses_a_port_that_does_not_exist(port: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli", "serve", "--port", port],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "is not a port number" in result.stderr
    assert "Traceback" not in result.stderr
