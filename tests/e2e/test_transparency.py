"""The public transparency register, read in a browser by someone who never signs in.

A live attendance agreement whose two parties both agreed to publish it is listed; a visitor
searches the register by organisation, opens the summary and reads who shares what with whom,
why, under which law, how long it is kept and whom to ask. When the school withdraws its
consent, the summary is gone at once. axe-core checks every page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from accord.apps.transparency.services import consent_record
from tests.web.exchange_helpers import Sharing, live_agreement

from .conftest import Axe
from .test_agreement_journey import Screen

pytestmark = pytest.mark.e2e

TITLE = "Pupils at risk of missing education"


@pytest.fixture
def sharing(transactional_db: None, settings: Any, tmp_path: Path) -> Sharing:
    settings.DATA_DIR = tmp_path / "data"
    live = live_agreement()
    consent_record(actor=live.council_ig, agreement=live.agreement, agreed=True)
    consent_record(actor=live.school_ig, agreement=live.agreement, agreed=True)
    return live


def test_anyone_reads_the_public_register_without_signing_in(
    browser: Browser, axe_source: str, base_url: str, sharing: Sharing
) -> None:
    page = browser.new_context(base_url=base_url).new_page()
    visitor = Screen(page, Axe(page, axe_source))

    visitor.goto("/transparency/")
    visitor.heading("Public register of data sharing agreements")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    register = page.locator("#register")
    expect(register).to_contain_text(TITLE)
    expect(register).to_contain_text("Brookfield Primary School")
    expect(register).to_contain_text("Education, Safeguarding children")

    # Searching by part of an organisation's name.
    page.get_by_label("Organisation name").fill("ashgrove")
    visitor.press("Search")
    expect(page.locator("#no-entries")).to_contain_text("ashgrove")
    page.get_by_label("Organisation name").fill("brookfield")
    visitor.press("Search")
    expect(page.locator("#results-heading")).to_contain_text("1 agreement")

    visitor.link(TITLE)
    visitor.heading(TITLE)
    main = page.locator("main")
    expect(main).to_contain_text(
        "Brookfield Primary School shares information about pupils and parents and carers "
        "with Northshire County Council"
    )
    expect(main).to_contain_text("The data is shared for education and safeguarding children.")
    expect(
        page.get_by_role("link", name="UK GDPR Art 6(1)(e): Public task").first
    ).to_have_attribute("href", "https://www.legislation.gov.uk/eur/2016/679/article/6")
    expect(main).to_contain_text("for no more than")
    expect(main).to_contain_text("single point of contact")
    expect(page.locator("#privacy-notice-text")).not_to_be_empty()
    expect(main).not_to_contain_text("@")
    summary_path = page.url

    # The school withdraws its consent: the summary is gone at once, and the register is empty.
    consent_record(actor=sharing.school_ig, agreement=sharing.agreement, agreed=False)
    response = page.goto(summary_path)
    assert response is not None
    assert response.status == 404
    visitor.checked()
    visitor.goto("/transparency/")
    expect(page.locator("#no-entries")).to_have_text("No agreement is published yet.")
