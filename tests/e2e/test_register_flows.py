"""The data-flow map in a browser: from the register to the map, axe-core on the map (and on
its 400 page), then a keyboard user tabs to a flow on the map and follows it to its agreement."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from tests.web.agreement_helpers import authenticator
from tests.web.exchange_helpers import Sharing, signed_agreement
from tests.web.test_register_flows import draft

from .conftest import Axe
from .test_agreement_journey import Screen, sign_in

pytestmark = pytest.mark.e2e

HUB = "Children's safeguarding hub"


@pytest.fixture
def sharing(transactional_db: None, settings: Any, tmp_path: Path) -> Sharing:
    settings.DATA_DIR = tmp_path / "data"
    signed = signed_agreement()
    authenticator(signed.council_ig)
    # The council and the police both disclose and receive: two flows, not agreed yet.
    draft(signed.council_ig, signed.council, HUB)
    return signed


def test_a_keyboard_user_follows_a_flow_on_the_map_to_its_agreement(
    browser: Browser, axe_source: str, live_server: LiveServer, sharing: Sharing
) -> None:
    page = browser.new_context(base_url=live_server.url).new_page()
    screen = Screen(page, Axe(page, axe_source))
    sign_in(screen, sharing.council_ig)

    screen.link("Register")
    screen.link("See the data-flow map")  # axe checks the map here
    screen.heading("Data-flow map")
    expect(page.locator("#flow-count")).to_have_text("3 flows between 3 organisations.")
    reference = sharing.agreement.reference
    name = (
        "Brookfield Primary School shares Identifiers, Contact and Education with Northshire "
        f"County Council: agreement {reference} (Signed)"
    )
    figure = page.locator("figure#flow-map")
    expect(figure.get_by_role("link", name=name, exact=True)).to_have_attribute(
        "href", f"/agreements/{sharing.agreement.pk}/"
    )
    expect(figure.get_by_role("link")).to_have_count(3)
    expect(page.locator("#flows")).to_contain_text(HUB)

    # From the filter's button, Tab moves along the flows on the map.
    page.get_by_role("button", name="Show flows").focus()
    for _ in range(3):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        if focused == name:
            break
    assert focused == name
    # Focus shows as GOV.UK's: yellow behind the arrow and under black label text.
    link = figure.get_by_role("link", name=name, exact=True)
    halo = link.locator(".accord-flowmap__halo")
    expect(halo).to_have_css("stroke", "rgb(255, 221, 0)")
    expect(link.locator(".accord-flowmap__label-box")).to_have_css("fill", "rgb(255, 221, 0)")
    expect(link.locator(".accord-flowmap__label")).to_have_css("fill", "rgb(11, 12, 12)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    screen.checked()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Data sharing agreement")
    expect(page.locator("main")).to_contain_text(reference)

    # A bad filter: the error summary names the field, and the page passes axe too.
    screen.goto("/register/flows/?status=pending")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a status from the list")
    expect(page).to_have_title(re.compile(r"^Error: Data-flow map"))
    page.get_by_label("Status").select_option(label="No agreement yet")
    screen.press("Show flows")
    expect(page.locator("figure#flow-map").get_by_role("link")).to_have_count(2)
