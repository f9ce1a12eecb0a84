"""The register in a browser: sign in, open it, filter it, bad filters, the dashboard; axe-core
checks every page, the 400 page with its error summary included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from tests.web.agreement_helpers import authenticator
from tests.web.exchange_helpers import Sharing, signed_agreement

from .conftest import Axe
from .test_agreement_journey import Screen, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def sharing(transactional_db: None, settings: Any, tmp_path: Path) -> Sharing:
    settings.DATA_DIR = tmp_path / "data"
    signed = signed_agreement()
    authenticator(signed.council_ig)
    return signed


def test_the_register_filters_and_its_dashboard_counts(
    browser: Browser, axe_source: str, live_server: LiveServer, sharing: Sharing
) -> None:
    page = browser.new_context(base_url=live_server.url).new_page()
    screen = Screen(page, Axe(page, axe_source))
    sign_in(screen, sharing.council_ig)

    screen.link("Register")
    screen.heading("Register")
    table = page.locator("#register")
    expect(table).to_contain_text(sharing.agreement.reference)
    expect(table).to_contain_text("Brookfield Primary School")

    page.get_by_label("Status").select_option(label="Negotiating")
    screen.press("Show initiatives")
    expect(page.locator("#no-rows")).to_have_text("No initiatives match these filters.")
    page.get_by_label("Status").select_option(label="Signed")
    screen.press("Show initiatives")
    expect(page.locator("#row-count")).to_contain_text("1 initiative matches")

    screen.goto("/register/?status=pending")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a status from the list")

    screen.goto("/register/")
    screen.link("See the dashboard")
    screen.heading("Register dashboard")
    expect(page.locator('[data-status="signed"]')).to_have_text("1")
    screen.link("Signed")
    expect(page.locator("#register")).to_contain_text(sharing.agreement.reference)
