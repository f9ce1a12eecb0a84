"""The signed checkpoints of Accord's logs, read in a browser by someone who never signs in:
from the public register to the table of checkpoints, the public key and how to check them.
axe-core checks every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from playwright.sync_api import Browser, expect

from accord.apps.audit.models import Checkpoint
from accord.apps.audit.services import audit_record, checkpoint_issue
from accord.apps.organisations.services import organisation_create

from .conftest import Axe
from .test_agreement_journey import Screen

pytestmark = pytest.mark.e2e


@pytest.fixture
def signed(transactional_db: None, settings: Any, tmp_path: Path) -> list[Checkpoint]:
    settings.DATA_DIR = tmp_path / "data"
    council = organisation_create(
        actor=None, name="Northshire County Council", type="local-authority", functions=[]
    )
    with transaction.atomic():
        audit_record(actor=None, verb="test.grew", target=council, summary="Grew")
    return checkpoint_issue()


def test_anyone_finds_the_signed_checkpoints_and_the_key_that_checks_them(
    browser: Browser, axe_source: str, base_url: str, signed: list[Checkpoint]
) -> None:
    page = browser.new_context(base_url=base_url).new_page()
    visitor = Screen(page, Axe(page, axe_source))

    visitor.goto("/transparency/")
    visitor.link("Signed checkpoints of the logs")
    visitor.heading("Signed checkpoints of Accord\u2019s logs")
    table = page.get_by_role("table", name="The 1 most recent checkpoints, newest first")
    expect(table).to_contain_text("Audit log")
    expect(table).to_contain_text(signed[0].root)
    expect(page.locator("#key-id")).to_have_text(signed[0].key_id)
    expect(page.locator("#public-key")).to_contain_text("BEGIN PUBLIC KEY")
    expect(page.locator("main")).to_contain_text("openssl pkeyutl -verify")
