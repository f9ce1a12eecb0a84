"""Fixtures for the end-to-end tests: Debian's chromium, a live server and an axe-core check.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety check
would refuse the ORM calls that fixtures make: the e2e tests allow them, as pytest-django advises.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium: Playwright's own browsers cannot be downloaded here."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Pages are opened by path (page.goto("/account/sign-in/")) on pytest-django's live server."""
    return str(live_server.url)


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Settings) -> None:
    # Argon2 is the real hasher (tested in test_accounts); MD5 keeps the browser tests quick.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SOURCE.exists():
        pytest.fail(f"axe-core is missing at {AXE_SOURCE}: run `make setup` (npm ci)")
    return AXE_SOURCE.read_text(encoding="utf-8")


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One line per rule (id, impact, help), then the CSS selector of each failing element."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {json.dumps(node['target'])}" for node in violation["nodes"])
    return "\n".join(lines)


class Axe:
    """Runs axe-core on the page as it stands and fails on any WCAG 2.2 A or AA violation."""

    def __init__(self, page: Page, source: str) -> None:
        self.page = page
        self.source = source
        self.checked: list[str] = []

    def check(self) -> None:
        # Evaluated, not added as a <script> tag: the site's CSP allows no inline scripts.
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.source)
        result = self.page.evaluate(
            """tags => axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            })""",
            WCAG_TAGS,
        )
        violations = result["violations"]
        self.checked.append(self.page.url)
        assert violations == [], (
            f"axe found {len(violations)} accessibility violation(s) on {self.page.url} "
            f"(“{self.page.title()}”):\n{describe_violations(violations)}"
        )


@pytest.fixture
def axe(page: Page, axe_source: str) -> Axe:
    return Axe(page, axe_source)
