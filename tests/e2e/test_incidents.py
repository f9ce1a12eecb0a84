"""An incident and the end of an agreement, in real browsers, with axe-core on every page.

The school's head reports a personal data breach under the live attendance agreement, first
forgetting everything (the error summary names each answer), then in full. The council's IG
officer, for the lead, sees it on the exchange page and suspends the agreement from it. The
council's SIRO then terminates the agreement, and its IG officer confirms on the disposal page
that the council deleted the attendance data: the page shows who has and who has not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from tests.web.agreement_helpers import authenticator
from tests.web.exchange_helpers import Sharing, live_agreement

from .test_exchange_journey import screen_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def sharing(transactional_db: None, settings: Any, tmp_path: Path) -> Sharing:
    settings.DATA_DIR = tmp_path / "data"
    live = live_agreement()
    for user in (live.council_ig, live.council_siro, live.school_ig):
        authenticator(user)
    return live


def test_a_party_reports_an_incident_the_lead_suspends_and_deletion_is_confirmed(
    browser: Browser, axe_source: str, live_server: LiveServer, sharing: Sharing
) -> None:
    base = str(live_server.url)
    agreement = sharing.agreement
    overview = f"/agreements/{agreement.pk}/exchange/"
    today = timezone.localdate()

    # The school's head reports a breach; the empty form first says what is missing.
    school = screen_for(browser, axe_source, base, sharing.school_ig)
    school.goto(overview)
    school.link("Report an incident")
    school.heading("Report an incident")
    school.press("Report the incident")
    summary = school.page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select what kind of incident it is")
    expect(summary).to_contain_text("Enter the date the incident happened")
    expect(summary).to_contain_text("Describe what happened")
    summary.get_by_role("link", name="Enter the date the incident was found").click()
    expect(
        school.group("When did your organisation find out about it?").get_by_label("Day")
    ).to_be_focused()

    school.tick("Personal data breach", school.group("What kind of incident is it?"))
    for legend in ("When did it happen?", "When did your organisation find out about it?"):
        date = school.group(legend)
        date.get_by_label("Day").fill(str(today.day))
        date.get_by_label("Month").fill(str(today.month))
        date.get_by_label("Year").fill(str(today.year))
    school.page.get_by_label("What happened?").fill(
        "A teacher's laptop holding this term's attendance file was left on a train."
    )
    school.page.get_by_label("Which data was affected?").fill("Names and attendance of pupils")
    school.page.get_by_label("How many people are affected? (optional)").fill("30")
    school.tick(
        "Not yet",
        school.group("Has it been reported to the Information Commissioner's Office (ICO)?"),
    )
    school.tick("No", school.group("Has the incident been contained?"))
    school.press("Report the incident")
    school.heading("Incident 1: personal data breach")
    expect(school.banner()).to_contain_text("Every party has been told by e-mail")
    expect(school.page.locator("#ico-warning")).to_contain_text("within 72 hours")
    expect(school.page.get_by_role("button", name="Suspend the agreement")).to_have_count(0)

    # The lead sees it on the exchange page and suspends the agreement from the incident.
    council = screen_for(browser, axe_source, base, sharing.council_ig)
    council.goto(overview)
    incidents = council.page.locator("#incident-list")
    expect(incidents).to_contain_text("Brookfield Primary School")
    council.link("Incident 1", incidents)
    council.heading("Incident 1: personal data breach")
    council.page.get_by_label("Anything to add to the reason? (optional)").fill(
        "Until the laptop is found or wiped."
    )
    council.press("Suspend the agreement")
    expect(council.banner()).to_contain_text("The agreement is suspended because of Incident 1")
    expect(council.page.locator("#suspended")).to_be_visible()
    council.goto(overview)
    expect(council.page.locator("#channel-closed")).to_contain_text("suspended")

    # The lead's SIRO ends the agreement; the council confirms it deleted what it received.
    siro = screen_for(browser, axe_source, base, sharing.council_siro)
    siro.goto(overview)
    siro.link("Terminate the agreement")
    siro.page.get_by_label("Reason").fill("The attendance pilot ends after the breach review.")
    siro.press("Terminate the agreement")
    expect(siro.page.locator("#disposal-summary")).to_contain_text("0 of 1 receiving party")
    siro.link("Confirm what Northshire County Council did with the data")
    siro.heading("Deletion or return of the data")
    siro.press("Confirm")  # nothing filled in: each answer is asked for
    expect(siro.page.locator(".govuk-error-summary")).to_contain_text("Enter the date it was done")
    siro.tick("Deleted", siro.group("What did your organisation do with the data it received?"))
    siro.page.get_by_label("What was deleted, returned or kept, and from which systems?").fill(
        "The attendance file and the case notes built from it, from the case system."
    )
    date = siro.group("When was it done?")
    date.get_by_label("Day").fill(str(today.day))
    date.get_by_label("Month").fill(str(today.month))
    date.get_by_label("Year").fill(str(today.year))
    siro.press("Confirm")
    expect(siro.banner()).to_contain_text("confirmation is recorded")
    expect(siro.page.locator("#disposal-count")).to_contain_text("1 of 1 receiving party has")

    # The school, which only disclosed, sees who has confirmed, without a form.
    school.goto(f"/agreements/{agreement.pk}/disposal/")
    expect(school.page.locator("#disposal-parties")).to_contain_text("Confirmed")
    expect(school.page.get_by_role("button", name="Confirm")).to_have_count(0)
