"""Reviews in a browser: the school asks for a review, the council records it (after a refused
first try), and the record shows on the reviews page; axe checks every page on the way, the
form's error state included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from tests.web.agreement_helpers import authenticator
from tests.web.exchange_helpers import Sharing, live_agreement

from .conftest import Axe
from .test_agreement_journey import Screen, sign_in, sign_out

pytestmark = pytest.mark.e2e


@pytest.fixture
def sharing(transactional_db: None, settings: Any, tmp_path: Path) -> Sharing:
    settings.DATA_DIR = tmp_path / "data"
    live = live_agreement()
    authenticator(live.council_ig)
    authenticator(live.school_ig)
    return live


def test_a_party_asks_for_a_review_and_the_lead_records_it(
    browser: Browser, axe_source: str, live_server: LiveServer, sharing: Sharing
) -> None:
    page = browser.new_context(base_url=live_server.url).new_page()
    screen = Screen(page, Axe(page, axe_source))
    overview = f"/agreements/{sharing.agreement.pk}/exchange/"

    sign_in(screen, sharing.school_ig)
    screen.goto(overview)
    screen.link("Reviews")
    screen.heading("Reviews")
    expect(page.locator("#no-open-reviews")).to_be_visible()
    screen.link("Ask for a review")
    screen.press("Ask for a review")  # no reason: refused, with the error summary
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason")
    page.get_by_label("Why does the agreement need reviewing?").fill(
        "Three pupils' records were sent to the wrong team."
    )
    screen.press("Ask for a review")
    expect(page.locator("#open-reviews")).to_contain_text("A party asked for a review")
    sign_out(screen)

    sign_in(screen, sharing.council_ig)
    screen.goto(f"/agreements/{sharing.agreement.pk}/reviews/")
    screen.follow(page.locator("#open-reviews").get_by_role("link", name="Record the review"))
    screen.heading("Record the review")
    screen.tick("Yes", screen.group("Does the sharing still achieve its purpose?"))
    screen.tick("No", screen.group("Is the sharing still necessary?"))
    screen.tick("Continue as agreed")
    page.get_by_label("What the review found").fill("Fewer pupils are missing now.")
    screen.press("Record the review")
    expect(page.locator(".govuk-error-summary")).to_contain_text("cannot continue as agreed")
    screen.tick("No", screen.group("Is the sharing still necessary?"))
    screen.tick("Suspend the sharing")
    screen.press("Record the review")
    screen.heading("Reviews")
    expect(page.locator("#no-open-reviews")).to_be_visible()
    expect(page.locator(".govuk-summary-card")).to_contain_text("Suspend the sharing")
    screen.link("Back to sharing under this agreement")
    expect(page.locator("p", has_text="Status:")).to_contain_text("Suspended")
