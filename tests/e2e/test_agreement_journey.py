"""Two organisations agree a data sharing agreement in real browsers, axe-core checking every page.

A council's IG officer drafts the agreement for an initiative that is ready for one and invites
a school's head by e-mail. The head opens the link without an account, reads the case for sharing,
joins alone for the school (IG officer, SIRO and DPO) and, as a signatory, sets up an
authenticator app. She comments on a section and proposes a shorter breach notice; the council's
IG officer compares the wording and accepts it, which makes a new version. Both upload security
evidence through the evidence library. The council's SIRO and DPO, then the head twice (SIRO, then
DPO consulted), sign with their password and a fresh authenticator code, and the agreement is
signed by every party.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import BrowserContext, Locator, Page, expect

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement, Signature
from accord.apps.evidence.services import evidence_add
from accord.apps.initiatives.models import Initiative
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import organisation_create
from tests.web.agreement_helpers import (
    MINIMAL_PDF,
    PASSWORD,
    SCHOOL,
    authenticator,
    code_for,
    person,
    ready_initiative,
)

from .conftest import Axe

pytestmark = pytest.mark.e2e

COUNCIL = "Northshire County Council"
TITLE = "Pupils at risk of missing education"
HEAD_EMAIL = "head@brookfield.example"
HEAD_PASSWORD = "a long school passphrase"
TODAY = timezone.localdate()
CONFIRM = "I have read this version and I am authorised to sign it for my organisation"


@dataclass(frozen=True)
class Cast:
    council: Organisation
    ig: User
    dpo: User
    siro: User
    initiative: Initiative


@pytest.fixture
def cast(transactional_db: None, settings: Any, tmp_path: Path) -> Cast:
    # Evidence files go under this test's own data directory (the live server shares settings).
    settings.DATA_DIR = tmp_path / "data"
    council = organisation_create(
        actor=None, name=COUNCIL, type="local-authority", functions=["education"]
    )
    ig = person(council, "ig-officer", email="ig@northshire.example", name="Iris Gale")
    dpo = person(council, "dpo", email="dpo@northshire.example", name="Dev Patel")
    siro = person(council, "siro", email="siro@northshire.example", name="Sam Rowe")
    for user in (ig, dpo, siro):
        authenticator(user)
    initiative = ready_initiative(ig=ig, dpo=dpo, lead=council)
    # The council's evidence but its security certificate: its IG officer uploads that below.
    for kind, expires in [
        ("ico-registration", TODAY + dt.timedelta(days=300)),
        ("ig-training", TODAY + dt.timedelta(days=300)),
        ("policy", None),
    ]:
        evidence_add(
            ig,
            council,
            kind,
            f"{kind}-ref",
            TODAY - dt.timedelta(days=30),
            expires,
            SimpleUploadedFile(f"{kind}.pdf", MINIMAL_PDF, content_type="application/pdf"),
        )
    return Cast(council=council, ig=ig, dpo=dpo, siro=siro, initiative=initiative)


# --- One person's browser: every navigation is followed by an axe check ------------------------


@dataclass
class Screen:
    """A browser context (one person's cookies) with its page and an axe checker."""

    page: Page
    axe: Axe
    paths: set[str] = field(default_factory=set)

    def follow(self, target: Locator) -> None:
        """Click a link or button that loads a new page, then check that page with axe."""
        with self.page.expect_navigation():
            target.click()
        self.checked()

    def checked(self) -> None:
        self.axe.check()
        self.paths.add(re.sub(r"\d+", "N", self.page.url.split("?")[0].split("#")[0]))

    def goto(self, path: str) -> None:
        self.page.goto(path)
        self.checked()

    def link(self, name: str | re.Pattern[str], scope: Locator | None = None) -> None:
        where = scope or self.page
        self.follow(where.get_by_role("link", name=name, exact=True).first)

    def press(self, name: str) -> None:
        """A <button>, or a link styled and announced as a button."""
        self.follow(self.page.get_by_role("button", name=name, exact=True))

    def tick(self, label: str, scope: Locator | None = None) -> None:
        """Click a radio's or checkbox's label, as a person would, and check it took."""
        where = scope or self.page
        where.locator("label").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).click()
        expect(where.get_by_label(label, exact=True)).to_be_checked()

    def group(self, legend: str) -> Locator:
        return self.page.get_by_role("group", name=legend, exact=True)

    def heading(self, text: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(text)

    def banner(self) -> Locator:
        return self.page.locator(".govuk-notification-banner")


def fresh_code(user: User) -> str:
    """The authenticator's code, in a time step not used yet.

    A code is accepted once. When this person has just used the current one (signing in, or a
    first signature), move the device's record back a step instead of waiting up to 30 seconds for
    the app's next code, as the web tests do.
    """
    device = authenticator(user)
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    if device.last_t >= now:
        device.last_t = now - 1
        device.save(update_fields=["last_t"])
    return code_for(user)


def code_from_key(key: str) -> str:
    """What an authenticator app shows for the key typed in from the set-up page."""
    totp = TOTP(base64.b32decode(key.replace(" ", "")))
    return str(totp.token()).zfill(6)


def sign_in(screen: Screen, user: User) -> None:
    screen.goto("/account/sign-in/")
    screen.page.get_by_label("Email address").fill(user.email)
    screen.page.get_by_label("Password").fill(PASSWORD)
    screen.press("Sign in")
    # A signatory, or anyone with an authenticator, proves it before anything else.
    screen.heading("Enter your security code")
    screen.page.get_by_label("Security code").fill(fresh_code(user))
    screen.press("Continue")
    expect(screen.page.get_by_text(f"Signed in as {user.full_name}")).to_be_visible()


def sign_out(screen: Screen) -> None:
    screen.press("Sign out")
    expect(screen.banner()).to_contain_text("You have signed out")


def version_shown(screen: Screen) -> Locator:
    """The version number (and why it was made) at the top of the agreement."""
    row = screen.page.locator(".govuk-summary-list__row").filter(
        has=screen.page.locator("dt", has_text=re.compile(r"^Version$"))
    )
    return row.locator("dd")


def open_agreement(screen: Screen) -> None:
    """From the initiatives list, through the task list's Agreement task, to the agreement."""
    if not screen.page.url.endswith("/initiatives/"):
        screen.link("Initiatives", screen.page.locator(".govuk-service-navigation"))
    screen.heading("Initiatives")
    screen.link(TITLE)
    screen.heading(TITLE)
    screen.link("Agreement")


def section(screen: Screen, key: str) -> None:
    """From the agreement page to one section's comments and proposals."""
    screen.follow(screen.page.locator(f"#section-{key}").get_by_role("link"))


def upload(screen: Screen, tmp_path: Path, kind: str, reference: str, expires: bool) -> None:
    """From an evidence library: add one piece of evidence as a small PDF."""
    screen.link("Add evidence")
    screen.heading("Add security evidence")
    screen.tick(kind)
    screen.page.get_by_label("Reference (optional)").fill(reference)
    issued = TODAY - dt.timedelta(days=10)
    dates = [("Date issued", issued)]
    if expires:
        dates.append(("Expiry date", issued + dt.timedelta(days=365)))
    for legend, day in dates:
        group = screen.group(legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    path = tmp_path / f"{reference}.pdf"
    path.write_bytes(MINIMAL_PDF)
    screen.page.get_by_label("Upload the evidence").set_input_files(path)
    screen.press("Add evidence")
    screen.heading("Security evidence")
    expect(screen.banner()).to_contain_text(f"{kind} added")
    expect(screen.page.locator("#evidence-items")).to_contain_text(reference)


def sign(
    screen: Screen,
    user: User,
    password: str,
    role: str | None,
    number: int,
    *,
    forget_to_confirm: bool = False,
) -> None:
    """From the agreement page: sign (or record consultation on) the version shown."""
    screen.press("Sign this version")
    screen.heading(f"Sign version {number}")
    if forget_to_confirm:
        screen.page.get_by_label("Your password").fill(password)
        screen.press(f"Sign version {number}")
        summary = screen.page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("There is a problem")
        expect(summary).to_be_focused()
        expect(screen.page).to_have_title(re.compile(r"^Error: "))
        summary.get_by_role("link").first.click()
        expect(screen.page.get_by_label(CONFIRM)).to_be_focused()
        expect(screen.page.get_by_label(CONFIRM)).not_to_be_checked()
    if role is not None:
        screen.tick(role, screen.group("You sign as"))
    else:  # only one role is waiting for this person: it is chosen already
        expect(screen.group("You sign as").get_by_role("radio")).to_have_count(1)
        expect(screen.group("You sign as").get_by_role("radio")).to_be_checked()
    screen.tick(CONFIRM)
    screen.page.get_by_label("Your password").fill(password)
    screen.page.get_by_label("Code from your authenticator app").fill(fresh_code(user))
    screen.press(f"Sign version {number}")
    expect(screen.page).to_have_url(re.compile(r"/agreements/\d+/#signatures$"))


def signature_row(screen: Screen, party: str, role: str) -> Locator:
    return (
        screen.page.locator("#signatures + table tbody tr")
        .filter(has_text=party)
        .filter(has_text=role)
    )


# --- The journey ---------------------------------------------------------------------------------


def _lead_drafts_and_invites(lead: Screen, cast: Cast) -> str:
    sign_in(lead, cast.ig)
    lead.heading("Initiatives")
    lead.link(TITLE)
    expect(lead.page.locator("#task-agreement-status")).to_have_text("Not started")
    lead.link("Agreement")
    lead.heading("Data sharing agreement")
    lead.press("Draft the agreement")
    expect(lead.page.get_by_role("heading", level=1)).to_contain_text("Data sharing agreement")
    expect(lead.page.locator("#section-breaches")).to_contain_text(
        "Tell the other parties within (hours): 24"
    )

    lead.link("Invite a partner")
    lead.heading("Invite a partner")
    lead.tick(SCHOOL, lead.group("Which partner are you inviting?"))
    lead.page.get_by_label("Name of the person to invite").fill("Helen Head")
    lead.page.get_by_label("Their work e-mail address").fill(HEAD_EMAIL)
    mail.outbox.clear()
    lead.press("Send the invitation")
    lead.heading("Invitation sent")
    expect(lead.page.locator(".govuk-panel__body")).to_have_text(f"to {HEAD_EMAIL}")

    invitations = [m for m in mail.outbox if HEAD_EMAIL in m.to]
    assert len(invitations) == 1, [m.to for m in mail.outbox]
    assert "Dear Helen Head" in invitations[0].body
    link = re.search(r"https?://\S+(/agreements/join/\S+/)", invitations[0].body)
    assert link, invitations[0].body
    return link.group(1)


def _partner_joins(partner: Screen, join_path: str) -> User:
    partner.goto(join_path)
    expect(partner.page.locator(".govuk-caption-l")).to_have_text(f"{COUNCIL} invites {SCHOOL}")
    partner.heading(TITLE)
    content = partner.page.locator("main")
    for heading in ("Why share", "The law that allows it", "What would be shared", "Safeguards"):
        expect(content.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(content).to_contain_text("when a pupil's attendance falls below 90%")  # the purpose
    law = content.get_by_role("heading", name="The law that allows it").locator(
        "xpath=following-sibling::ul[1]/li"
    )
    assert law.count() > 0, "the case names the law that allows the sharing"
    expect(content).to_contain_text("Data moves only by the agreed mechanism")  # a safeguard
    expect(content).to_contain_text(f"Your account will use {HEAD_EMAIL}")

    partner.page.get_by_label("Your full name").fill("Helen Head")
    roles = partner.group("Which roles do you hold in your organisation?")
    for role in ("IG officer", "Senior Information Risk Owner (SIRO)", "Data Protection Officer"):
        roles.get_by_label(role, exact=True).check()  # two are ticked already: check() keeps them
    partner.page.get_by_label("Choose a password").fill(HEAD_PASSWORD)
    partner.press("Join")

    # A SIRO must use an authenticator: she is sent to set one up before anything else.
    partner.heading("Set up an authenticator app")
    expect(partner.page.locator(".govuk-inset-text")).to_contain_text("you must use a second step")
    key = partner.page.locator("#totp-secret").inner_text()
    partner.page.get_by_label("Security code").fill(code_from_key(key))
    partner.press("Continue")
    expect(partner.banner()).to_contain_text("Your authenticator app is set up")
    expect(partner.page.get_by_text("Signed in as Helen Head")).to_be_visible()
    return User.objects.get(email=HEAD_EMAIL)


def _partner_comments_and_proposes(partner: Screen) -> None:
    open_agreement(partner)
    # Joining named the school's contact: the parties section was redrafted as version 2.
    expect(version_shown(partner)).to_have_text(re.compile(r"^2\b"))
    expect(partner.page.locator("#section-parties")).to_contain_text(HEAD_EMAIL)
    # Only the lead drafts and invites.
    expect(partner.page.get_by_role("link", name="Invite a partner")).to_have_count(0)

    section(partner, "retention")
    partner.heading("Retention, deletion or return")
    partner.page.get_by_label("Add a comment").fill("Twelve months is longer than we need.")
    partner.press("Add comment")
    comments = partner.page.locator("#comments ~ .govuk-inset-text")
    expect(comments).to_contain_text("Helen Head")
    expect(comments).to_contain_text("Twelve months is longer than we need.")
    partner.link("Back to the agreement")
    expect(partner.page.locator("#section-retention")).to_contain_text("Comments (1)")

    section(partner, "breaches")
    partner.heading("Breaches")
    partner.press("Propose a change")
    partner.heading("Propose a change to breaches")
    partner.page.get_by_label("Proposed wording").fill(
        "Tell the other parties of a breach within the time below."
    )
    hours = partner.page.get_by_label("Tell the other parties within (hours)")
    expect(hours).to_have_value("24")
    hours.fill("12")
    partner.page.get_by_label("Why do you propose this change?").fill(
        "Our trust's policy says 12 hours."
    )
    partner.press("Send the proposal")
    proposal = partner.page.locator("#proposals ~ .govuk-summary-card")
    expect(proposal).to_contain_text(f"Proposal by {SCHOOL}")
    expect(proposal.locator(".govuk-tag")).to_have_text("Open")
    expect(proposal).to_contain_text("Why: Our trust's policy says 12 hours.")
    # A partner proposes; only the lead decides.
    expect(partner.page.get_by_role("link", name=re.compile("^Accept or reject"))).to_have_count(0)


def _lead_accepts(lead: Screen) -> None:
    lead.link("Back to the agreement")  # from "Invitation sent", through the Agreement task
    breaches = lead.page.locator("#section-breaches")
    expect(breaches).to_contain_text("proposals (1 open)")
    section(lead, "breaches")
    lead.link(re.compile(rf"^Accept or reject the proposal by {SCHOOL}$"))
    lead.heading(f"Proposal by {SCHOOL}")
    expect(
        lead.page.get_by_text("Helen Head says why: Our trust's policy says 12 hours.")
    ).to_be_visible()
    diff = lead.page.locator("table.accord-diff")
    expect(diff.locator("thead")).to_contain_text("Current wording")
    expect(diff.locator("thead")).to_contain_text("Proposed wording")
    expect(diff.locator("del.accord-removed").filter(has_text="24")).to_have_count(1)
    expect(diff.locator("ins.accord-added").filter(has_text="12")).to_have_count(1)
    lead.tick("Accept: make a new version with this change", lead.group("Your decision"))
    lead.press("Record the decision")
    proposal = lead.page.locator("#proposals ~ .govuk-summary-card")
    expect(proposal.locator(".govuk-tag")).to_have_text("Accepted")
    expect(proposal).to_contain_text("Made version 3.")

    lead.link("Back to the agreement")
    expect(version_shown(lead)).to_have_text(re.compile(r"^3\b"))
    expect(breaches).to_contain_text("Tell the other parties within (hours): 12")
    lead.link("Versions")
    lead.heading("Versions")
    rows = lead.page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Version 3")
    lead.link("Compare two versions")
    lead.heading("Compare versions")
    expect(lead.page.get_by_label("From version")).to_have_value("2")
    expect(lead.page.get_by_label("To version")).to_have_value("3")
    changed = lead.page.locator("table.accord-diff")
    expect(changed).to_have_count(1)  # only the breaches section changed
    expect(changed.locator("caption")).to_contain_text("Breaches")
    expect(changed.locator("ins.accord-added").filter(has_text="12")).to_have_count(1)
    # Any two versions: from the first draft to the accepted change.
    lead.page.get_by_label("From version").select_option("1")
    lead.press("Compare")
    expect(lead.page).to_have_url(re.compile(r"from=1&to=3$"))
    expect(
        lead.page.locator("table.accord-diff caption").filter(has_text="Breaches")
    ).to_have_count(1)


def _partner_uploads_evidence(partner: Screen, tmp_path: Path) -> None:
    partner.link("Back to the agreement")
    school = partner.page.locator("table").filter(
        has=partner.page.locator("caption", has_text=SCHOOL)
    )
    expect(school.locator(".govuk-tag--red")).to_have_count(4)  # nothing yet: all missing
    partner.link("evidence library", school.locator("caption"))
    partner.heading("Security evidence")
    expect(partner.page.locator("#evidence-items")).to_have_text("No evidence has been added yet.")
    for kind, reference, expires in [
        ("ICO registration (data protection fee)", "ZA123456", True),
        ("Cyber Essentials", "CE-2026-0042", True),
        ("Information governance or data protection training records", "Training-2026", True),
        ("Information security or data protection policy", "Policy-v3", False),
    ]:
        upload(partner, tmp_path, kind, reference, expires)
    requirements = partner.page.locator("#requirements tbody tr")
    expect(requirements).to_have_count(4)
    expect(requirements.locator(".govuk-tag--green")).to_have_count(4)


def _lead_uploads_evidence(lead: Screen, tmp_path: Path) -> None:
    open_agreement(lead)
    council = lead.page.locator("table").filter(has=lead.page.locator("caption", has_text=COUNCIL))
    expect(council.locator(".govuk-tag--red")).to_have_count(1)  # the security certificate
    lead.link("evidence library", council.locator("caption"))
    upload(lead, tmp_path, "Cyber Essentials", "CE-NCC-7", True)
    expect(lead.page.locator("#requirements .govuk-tag--green")).to_have_count(4)


def _lead_signatories_sign(lead: Screen, cast: Cast) -> None:
    sign_out(lead)
    sign_in(lead, cast.siro)
    open_agreement(lead)
    expect(lead.page.locator("#evidence ~ table .govuk-tag--green")).to_have_count(8)
    sign(lead, cast.siro, PASSWORD, None, 3, forget_to_confirm=True)
    row = signature_row(lead, COUNCIL, "Senior Information Risk Owner")
    expect(row).to_contain_text("Signed")
    expect(row).to_contain_text("Sam Rowe")
    sign_out(lead)

    sign_in(lead, cast.dpo)
    open_agreement(lead)
    sign(lead, cast.dpo, PASSWORD, None, 3)
    row = signature_row(lead, COUNCIL, "Data Protection Officer")
    expect(row).to_contain_text("Consulted")
    expect(row).to_contain_text("Dev Patel")
    expect(lead.page.get_by_role("button", name="Sign this version")).to_have_count(0)


def _partner_signs_twice(partner: Screen, head: User) -> None:
    open_agreement(partner)
    sign(partner, head, HEAD_PASSWORD, f"Senior Information Risk Owner (SIRO) for {SCHOOL}", 3)
    expect(signature_row(partner, SCHOOL, "Senior Information Risk Owner")).to_contain_text(
        "Signed"
    )
    # The same person again, now as DPO: the one role left is chosen for her.
    sign(partner, head, HEAD_PASSWORD, None, 3)
    expect(signature_row(partner, SCHOOL, "Data Protection Officer")).to_contain_text("Consulted")
    expect(partner.page.locator(".govuk-panel--confirmation")).to_contain_text(
        "Signed by every party"
    )
    expect(partner.page.locator("h1 .govuk-tag")).to_have_text("Signed")


def test_two_organisations_negotiate_and_sign_an_agreement(
    new_context: Any, axe_source: str, cast: Cast, tmp_path: Path
) -> None:
    screens: list[Screen] = []
    for _ in range(2):
        context: BrowserContext = new_context()
        page = context.new_page()
        screens.append(Screen(page, Axe(page, axe_source)))
    lead, partner = screens

    join_path = _lead_drafts_and_invites(lead, cast)
    head = _partner_joins(partner, join_path)
    _partner_comments_and_proposes(partner)
    _lead_accepts(lead)
    _partner_uploads_evidence(partner, tmp_path)
    _lead_uploads_evidence(lead, tmp_path)
    _lead_signatories_sign(lead, cast)
    _partner_signs_twice(partner, head)

    # The council's DPO, still signed in, sees the same; the task list shows it completed.
    lead.link("The agreement")
    expect(lead.page.locator(".govuk-panel--confirmation")).to_contain_text("Signed by every party")
    lead.link("The initiative's task list")
    expect(lead.page.locator("#task-agreement-status")).to_have_text("Completed")

    agreement = Agreement.objects.get(initiative=cast.initiative)
    assert agreement.status == Agreement.SIGNED
    version = agreement.current_version()
    assert version.number == 3
    assert version.section("breaches")["values"] == {"notify_hours": 12}
    assert Signature.objects.filter(version=version, voided_at__isnull=True).count() == 4

    visited = lead.paths | partner.paths
    for pattern in [
        r"/agreements/N/$",
        r"/agreements/N/sections/retention/$",
        r"/agreements/N/sections/breaches/$",
        r"/agreements/N/sections/breaches/propose/$",
        r"/agreements/N/proposals/N/$",
        r"/agreements/N/versions/$",
        r"/agreements/N/compare/$",
        r"/agreements/N/sign/$",
        r"/agreements/initiative/N/$",
        r"/agreements/initiative/N/invite/$",
        r"/agreements/join/[^/]+/$",
        r"/evidence/organisations/N/$",
        r"/evidence/organisations/N/add/$",
        r"/account/mfa/set-up/$",
        r"/account/mfa/verify/$",
    ]:
        assert any(re.search(pattern, url) for url in visited), (pattern, sorted(visited))
    assert len(lead.axe.checked) + len(partner.axe.checked) > 40, "axe ran on every page"
