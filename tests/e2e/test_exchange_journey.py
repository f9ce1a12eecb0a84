"""A signed agreement goes live and becomes the only channel, in real browsers and over HTTP.

The council's IG officer takes the signed attendance agreement live and creates an API client
for the council's education system. The school's head uploads the pupils' attendance as a CSV
and maps its columns, leaving free school meals unmapped. The council's system then pulls the
records with its client credentials over HTTP and gets only the agreed fields. An education
welfare officer looks one pupil up, giving the reason. The disclosure log shows all of it
against the agreed limit. When the IG officer suspends sharing, the next pull is refused with
403 naming the clause. axe-core checks every page.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from accord.apps.accounts.models import User
from tests.web.agreement_helpers import authenticator
from tests.web.exchange_helpers import Sharing, signed_agreement

from .conftest import Axe
from .test_agreement_journey import Screen, sign_in

pytestmark = pytest.mark.e2e

PUPILS = (
    "UPN,Forename,Date of birth,Attendance percentage,FSM\n"
    "H801200001001,Amira,2016-03-02,88.5,Y\n"
    "H801200001002,Ben,2015-11-20,97.1,N\n"
    "H801200001003,Chloe,2016-07-14,79.0,Y\n"
)


@pytest.fixture
def sharing(transactional_db: None, settings: Any, tmp_path: Path) -> Sharing:
    settings.DATA_DIR = tmp_path / "data"
    signed = signed_agreement()
    for user in (signed.council_ig, signed.practitioner, signed.school_ig):
        authenticator(user)
    return signed


def screen_for(browser: Browser, axe_source: str, base_url: str, user: User) -> Screen:
    page = browser.new_context(base_url=base_url).new_page()
    screen = Screen(page, Axe(page, axe_source))
    sign_in(screen, user)
    return screen


def partner_system(
    server: str, path: str, *, data: dict[str, str] | None = None, token: str = ""
) -> tuple[int, bytes]:
    """What the council's education system sends: plain HTTP, no browser, no session."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(server + path, data=body, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the live server's http URL)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_live_agreement_is_the_channel_that_opens_limits_logs_and_closes(
    browser: Browser, axe_source: str, live_server: LiveServer, sharing: Sharing, tmp_path: Path
) -> None:
    base = str(live_server.url)
    agreement = sharing.agreement

    # The council's IG officer takes the agreement live and creates the system's client.
    council = screen_for(browser, axe_source, base, sharing.council_ig)
    council.goto(f"/agreements/{agreement.pk}/")
    council.link("Sharing under this agreement")
    council.heading("Sharing under this agreement")
    expect(council.page.locator("#channel-closed")).to_contain_text("not live")
    council.press("Go live")
    expect(council.banner()).to_contain_text("The agreement is live")
    expect(council.page.locator("#channel-open")).to_be_visible()
    council.link("Create an API client")
    council.press("Create the client")  # forgot the name: the error says so
    expect(council.page.locator(".govuk-error-summary")).to_contain_text("name")
    council.page.get_by_label("Name of the system").fill("Education welfare case system")
    council.press("Create the client")
    client_id = council.page.locator("#client-id").inner_text().strip()
    secret = council.page.locator("#client-secret").inner_text().strip()
    assert client_id.startswith("acc_")
    assert len(secret) > 30

    # The school's head uploads the attendance file and maps its columns.
    school = screen_for(browser, axe_source, base, sharing.school_ig)
    school.goto(f"/agreements/{agreement.pk}/exchange/")
    school.link("Register a dataset")
    school.heading("Upload a dataset")
    school.page.get_by_label("Name of the dataset").fill("Pupils on roll, autumn 2026")
    csv_file = tmp_path / "pupils.csv"
    csv_file.write_text(PUPILS, encoding="utf-8")
    school.page.get_by_label("Upload the file").set_input_files(csv_file)
    school.press("Upload and check the file")
    school.heading("Map the columns of Pupils on roll, autumn 2026")
    for column, item in (
        ("UPN", "unique pupil number"),
        ("Forename", "name"),
        ("Date of birth", "date of birth"),
        ("Attendance percentage", "attendance percentage"),
        ("FSM", "Not shared"),
    ):
        mapping = school.group("What does each column hold?")
        mapping.get_by_label(column, exact=True).select_option(label=item)
    key = school.group("Which column identifies each person?")
    expect(key.get_by_label("UPN", exact=True)).to_be_checked()  # suggested from its name
    school.press("Save the mapping")
    expect(school.page.get_by_role("heading", level=1)).to_contain_text("Pupils on roll")

    # The council's system gets a token and pulls: only the agreed fields arrive.
    status, body = partner_system(
        base,
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert status == 200, body
    token = json.loads(body)["access_token"]
    status, body = partner_system(base, "/api/v1/agreement", token=token)
    dataset_id = json.loads(body)["datasets"][0]["id"]
    status, body = partner_system(base, f"/api/v1/datasets/{dataset_id}/records", token=token)
    assert status == 200, body
    records = [json.loads(line) for line in body.splitlines()]
    assert [r["Forename"] for r in records] == ["Amira", "Ben", "Chloe"]
    assert all(
        set(r) == {"UPN", "Forename", "Date of birth", "Attendance percentage"} for r in records
    )
    assert b"FSM" not in body
    status, body = partner_system(
        base, f"/api/v1/datasets/{dataset_id}/records?fields=FSM", token=token
    )
    assert status == 403
    assert json.loads(body)["clause"]["key"] == "data"

    # An education welfare officer looks one pupil up, saying why.
    officer = screen_for(browser, axe_source, base, sharing.practitioner)
    officer.goto(f"/agreements/{agreement.pk}/exchange/")
    officer.link("Look up one person")
    officer.page.get_by_label("Which records?").select_option(
        label="Pupils on roll, autumn 2026 from Brookfield Primary School"
    )
    officer.page.get_by_label("Identifier of the person").fill("H801200001003")
    officer.page.get_by_label("Why are you looking this person up?").fill(
        "Home visit today about persistent absence"
    )
    officer.press("Look up")
    officer.heading("Record found")
    expect(officer.page.locator("main")).to_contain_text("Chloe")
    expect(officer.page.locator("main")).not_to_contain_text("FSM")

    # The disclosure log accounts for both, against the agreed limit.
    council.goto(f"/agreements/{agreement.pk}/exchange/log/")
    log = council.page.locator("main")
    expect(log).to_contain_text("Home visit today about persistent absence")
    expect(log).to_contain_text("Education welfare case system")
    expect(log).to_contain_text("10000 per day")

    # Suspension closes the channel: the next pull is refused, naming the clause.
    council.goto(f"/agreements/{agreement.pk}/exchange/")
    council.link("Suspend sharing")
    council.page.get_by_label("Reason").fill("A laptop with attendance data was lost")
    council.press("Suspend sharing")
    expect(council.page.locator("#channel-closed")).to_contain_text("suspended")
    status, body = partner_system(base, f"/api/v1/datasets/{dataset_id}/records", token=token)
    assert status == 403
    refusal = json.loads(body)
    assert refusal["clause"]["title"] == "Termination"
    assert "suspended" in refusal["reason"]

    # The partner's developer reads the API documentation, which is accessible too.
    council.goto("/api/docs")
    expect(council.page.get_by_role("heading", level=1)).to_contain_text("API")
    assert re.search(r"/agreements/N/exchange/log/", " ".join(council.paths))
