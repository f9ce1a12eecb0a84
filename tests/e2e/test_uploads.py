"""A file with a hostile name, chosen in a real browser, is refused with the name shown safely.

The school's head picks a dataset whose name hides its type behind a right-to-left override:
"pupils<U+202E>fdp.csv" shows on screen as "pupilsvsc.pdf", as an attachment in a phishing
e-mail might. Chromium sends the name as it is on disk; Accord refuses
it, showing the invisible character as [U+202E], keeps nothing, and takes the same file once it
is renamed. axe-core checks every page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from accord.apps.exchange.models import Dataset
from tests.web.agreement_helpers import authenticator
from tests.web.exchange_helpers import Sharing, live_agreement

from .test_exchange_journey import PUPILS, screen_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def sharing(transactional_db: None, settings: Any, tmp_path: Path) -> Sharing:
    settings.DATA_DIR = tmp_path / "data"
    live = live_agreement()
    authenticator(live.school_ig)
    return live


def test_a_hostile_file_name_is_refused_and_the_renamed_file_taken(
    browser: Browser, axe_source: str, live_server: LiveServer, sharing: Sharing, tmp_path: Path
) -> None:
    school = screen_for(browser, axe_source, str(live_server.url), sharing.school_ig)
    school.goto(f"/agreements/{sharing.agreement.pk}/exchange/")
    school.link("Register a dataset")
    school.heading("Upload a dataset")
    school.page.get_by_label("Name of the dataset").fill("Pupils on roll, autumn 2026")
    disguised = tmp_path / "pupils\u202efdp.csv"
    disguised.write_text(PUPILS, encoding="utf-8")
    school.page.get_by_label("Upload the file").set_input_files(disguised)
    school.press("Upload and check the file")

    expect(school.page).to_have_title(re.compile(r"^Error: "))
    summary = school.page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        "The file name “pupils[U+202E]fdp.csv” contains an invisible character that can change "
        "how the name reads (U+202E): rename the file and upload it again"
    )
    assert "\u202e" not in school.page.content()
    assert not Dataset.objects.exists()

    renamed = disguised.rename(tmp_path / "pupils on roll.csv")
    school.page.get_by_label("Name of the dataset").fill("Pupils on roll, autumn 2026")
    school.page.get_by_label("Upload the file").set_input_files(renamed)
    school.press("Upload and check the file")
    school.heading("Map the columns of Pupils on roll, autumn 2026")
    assert Dataset.objects.get().original_filename == "pupils_on_roll.csv"
