"""A newcomer's journey in a real browser, with axe-core checking every page it reaches.

An IG officer signs in (after one wrong password), describes an initiative, sees the legal
basis, completes fairness with a DPIA (the DPO signs in to give advice) and chooses how the data
will move. Every page reached, error states included, must pass WCAG 2.2 AA as axe-core tests it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from accord.apps.accounts.models import User
from accord.apps.initiatives.models import Initiative
from accord.apps.initiatives.services import initiative_create
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import membership_grant, organisation_create
from accord.core import codes
from accord.core.fairness import FAVOURABLE_ANSWER

from .conftest import PASSWORD, Axe

pytestmark = pytest.mark.e2e

TITLE = "Northshire MASH (children)"
GOVUK_GREEN = "rgb(15, 122, 82)"  # the (rebranded) GOV.UK button: proof the CSS is applied


@dataclass(frozen=True)
class Cast:
    council: Organisation
    police: Organisation
    unrelated: Organisation
    ig_officer: User
    dpo: User
    outsider: User


def _person(email: str, full_name: str, organisation: Organisation, role: str) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=full_name)
    membership_grant(actor=None, organisation=organisation, user=user, role=role)
    return user


@pytest.fixture
def cast(transactional_db: None) -> Cast:
    council = organisation_create(
        actor=None,
        name="Northshire County Council",
        type="local-authority",
        functions=["childrens-services"],
    )
    police = organisation_create(actor=None, name="Northshire Police", type="police", functions=[])
    unrelated = organisation_create(
        actor=None, name="Westmoor District Council", type="local-authority", functions=[]
    )
    return Cast(
        council=council,
        police=police,
        unrelated=unrelated,
        ig_officer=_person("ig@northshire.gov.uk", "Iris Gale", council, "ig-officer"),
        dpo=_person("dpo@northshire.gov.uk", "Dev Patel", council, "dpo"),
        outsider=_person("ig@westmoor.gov.uk", "Owen Stark", unrelated, "ig-officer"),
    )


# --- Helpers: every navigation is followed by an axe check -------------------------------------


def follow(page: Page, axe: Axe, target: Locator) -> None:
    """Click a link or button that loads a new page, then check that page with axe."""
    with page.expect_navigation():
        target.click()
    axe.check()


def link(page: Page, axe: Axe, name: str) -> None:
    follow(page, axe, page.get_by_role("link", name=name, exact=True).first)


def press(page: Page, axe: Axe, name: str) -> None:
    follow(page, axe, page.get_by_role("button", name=name, exact=True))


def tick(scope: Page | Locator, label: str) -> None:
    """Click a radio's or checkbox's label, as a person would, and check it took."""
    scope.locator("label").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).click()
    expect(scope.get_by_label(label, exact=True)).to_be_checked()


def group(page: Page, legend: str) -> Locator:
    """A fieldset, found by its legend."""
    return page.get_by_role("group", name=legend, exact=True)


def expect_error(page: Page, axe: Axe, message: str) -> None:
    """The GOV.UK error summary is shown, focused, names the problem, and passes axe."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text(message)
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus here on load
    expect(page).to_have_title(re.compile(r"^Error: "))
    axe.check()


def expect_status(page: Page, task: str, status: str) -> None:
    expect(page.locator(f"#task-{task}-status")).to_have_text(status)


def sign_in(page: Page, axe: Axe, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    press(page, axe, "Sign in")


def sign_out(page: Page, axe: Axe) -> None:
    press(page, axe, "Sign out")
    expect(page.get_by_role("heading", name="Sign in to Accord")).to_be_visible()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")


def open_initiative(page: Page, axe: Axe) -> None:
    """From the initiatives list to the task list."""
    expect(page.get_by_role("heading", name="Initiatives", exact=True)).to_be_visible()
    link(page, axe, TITLE)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


# --- The journey, one part per function ----------------------------------------------------------


def _sign_in_after_a_mistake(page: Page, axe: Axe, base_url: str, cast: Cast) -> None:
    page.goto("/account/sign-in/")
    axe.check()
    button = page.get_by_role("button", name="Sign in", exact=True)
    expect(button).to_have_css("background-color", GOVUK_GREEN)
    sign_in(page, axe, cast.ig_officer.email, "not my password")
    expect_error(page, axe, "The email address or password is not right")
    sign_in(page, axe, cast.ig_officer.email)
    expect(page).to_have_url(f"{base_url}/initiatives/")
    expect(page.get_by_text("Signed in as Iris Gale")).to_be_visible()


def _start(page: Page, axe: Axe) -> None:
    link(page, axe, "Start a new initiative")
    # The IG officer leads for one organisation only, so the lead is not asked.
    expect(page.get_by_label("Which organisation leads it?")).to_have_count(0)
    press(page, axe, "Start")
    expect_error(page, axe, "Enter a title for the initiative")
    page.get_by_label("What is the initiative called?").fill(TITLE)
    press(page, axe, "Start")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Led by Northshire County Council")).to_be_visible()
    expect_status(page, "describe", "In progress")
    expect_status(page, "legal-basis", "Cannot start yet")


def _describe(page: Page, axe: Axe) -> None:
    link(page, axe, "Describe the initiative")

    link(page, axe, "Title and summary")
    page.get_by_label("Summary").fill(
        "Police and children's services share concerns about a child."
    )
    press(page, axe, "Save and continue")

    link(page, axe, "Purposes")
    press(page, axe, "Save and continue")
    expect_error(page, axe, "Select at least one purpose")
    tick(page, "Safeguarding children")
    press(page, axe, "Save and continue")

    link(page, axe, "Parties")
    page.get_by_label("Organisation", exact=True).select_option(label="Northshire Police")
    tick(group(page, "What does it do with the data?"), "Both")
    press(page, axe, "Add party")
    expect(page.locator("#party-list")).to_contain_text("Northshire Police")
    link(page, axe, "Done")

    link(page, axe, "People whose data is shared")
    tick(page, "Children")
    press(page, axe, "Save and continue")

    link(page, axe, "Data shared")
    for category, fields in [("Identifiers", "name\ndate of birth"), ("Health", "A&E attendances")]:
        page.get_by_label("Category of data").select_option(label=category)
        page.get_by_label("Fields").fill(fields)
        press(page, axe, "Add data")
        expect(page.locator("#data-list")).to_contain_text(category)
    link(page, axe, "Done")

    link(page, axe, "Consent, volume and frequency")
    tick(page, "No: they are not asked")
    tick(page, "Case by case: one person at a time, when needed")
    tick(page, "Ad hoc")
    tick(group(page, "Are the records pseudonymised before they are shared?"), "No")
    tick(group(page, "Is it for law enforcement by a competent authority (DPA 2018 Part 3)?"), "No")
    press(page, axe, "Save and continue")
    expect(page.locator(".govuk-task-list .govuk-tag")).to_have_count(0)  # nothing left to start

    link(page, axe, "Check your answers")
    expect(page.locator("#answer-parties")).to_contain_text("Northshire Police (both)")
    expect(page.locator("#answer-data")).to_contain_text("Health: A&E attendances")
    press(page, axe, "Confirm the description")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The description is complete"
    )
    expect_status(page, "describe", "Completed")
    expect_status(page, "legal-basis", "Not started")


def _legal_basis(page: Page, axe: Axe) -> None:
    link(page, axe, "Legal basis")
    press(page, axe, "Assess the legal basis")
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("Can we share? Yes, if")
    law = page.locator("a[href^='https://www.legislation.gov.uk/']")
    expect(law.first).to_be_attached()
    assert law.count() > 5, "every conclusion links to the provision it rests on"

    decide = page.locator("#conclusions").get_by_role("link", name=re.compile(r"^Decide"))
    total = decide.count()
    assert total > 0, "there are conclusions to decide"
    # Override the first, with the reason it needs; accept the others.
    follow(page, axe, decide.first)
    tick(page, "Override: we do not rely on it")
    press(page, axe, "Save decision")
    expect_error(page, axe, "Give the reason for overriding this conclusion")
    page.get_by_label("Reason").fill("We rely on the Children Act 2004 s.11 duty only.")
    press(page, axe, "Save decision")
    while decide.count():
        follow(page, axe, decide.first)
        tick(page, "Accept: we rely on it")
        press(page, axe, "Save decision")
    expect(page.locator("#conclusions .govuk-tag--orange")).to_have_count(1)  # overridden
    expect(page.locator("#conclusions .govuk-tag--green")).to_have_count(total - 1)  # accepted

    link(page, axe, "Back to the task list")
    expect_status(page, "legal-basis", "Completed")
    expect_status(page, "fairness", "Not started")


def _answer_questions(page: Page, axe: Axe) -> None:
    answer = page.get_by_role("link", name=re.compile(r"^Answer\b"))
    assert answer.count() > 0, "there are necessity and fairness questions"
    while answer.count():
        follow(page, axe, answer.first)
        question_id = page.url.rstrip("/").rsplit("/", 1)[-1]
        if question_id in FAVOURABLE_ANSWER:
            tick(group(page, "Answer"), FAVOURABLE_ANSWER[question_id].capitalize())
        else:
            expect(page.get_by_role("radio")).to_have_count(0)  # explanation only
        page.get_by_label("Explain your answer").fill("Discussed and agreed at the MASH board.")
        press(page, axe, "Save answer")
    expect(page.locator(".govuk-tag--red")).to_have_count(0)  # no answer says "not fair"


def _dpia(page: Page, axe: Axe) -> None:
    link(page, axe, "Record the screening outcome")
    screening = group(page, "Will you carry out a DPIA?")
    tick(screening, "Yes")
    press(page, axe, "Save")
    expect(page.get_by_text("DPIA needed")).to_be_visible()

    link(page, axe, "Add a risk")
    page.get_by_label("Describe the risk to people").fill(
        "Records sent to the wrong recipient reveal a child's address"
    )
    tick(group(page, "Likelihood of harm"), "Possible")
    tick(group(page, "Severity of harm"), "Severe")
    page.get_by_label("Measures to reduce or eliminate the risk").fill(
        "Secure e-mail only, to named MASH mailboxes"
    )
    tick(group(page, "Likelihood after the measures"), "Remote")
    tick(group(page, "Severity after the measures"), "Severe")
    press(page, axe, "Add risk")
    expect(page.locator("#risks")).to_contain_text("wrong recipient")
    # Only the DPO may give the advice.
    expect(page.get_by_role("link", name="Give advice as DPO")).to_have_count(0)


def _dpo_advises(page: Page, axe: Axe, cast: Cast) -> None:
    sign_out(page, axe)
    sign_in(page, axe, cast.dpo.email)
    open_initiative(page, axe)
    link(page, axe, "Fairness")
    link(page, axe, "Give advice as DPO")
    press(page, axe, "Save advice")
    expect_error(page, axe, "Enter your advice")
    page.get_by_label("Your advice as Data Protection Officer").fill(
        "The sharing can go ahead once the MASH mailboxes are in place."
    )
    press(page, axe, "Save advice")
    advice = page.locator(".govuk-summary-list__value").filter(has_text="can go ahead")
    expect(advice).to_contain_text("Dev Patel")
    sign_out(page, axe)


def _ig_officer_responds(page: Page, axe: Axe, cast: Cast) -> None:
    sign_in(page, axe, cast.ig_officer.email)
    open_initiative(page, axe)
    link(page, axe, "Fairness")
    link(page, axe, "Record whether the advice is followed")
    tick(group(page, "Is the DPO's advice followed?"), "Yes")
    press(page, axe, "Save")
    expect(page.get_by_text("Complete", exact=True)).to_be_visible()
    link(page, axe, "Back to the task list")
    expect_status(page, "fairness", "Completed")
    expect_status(page, "mechanism", "Not started")


def _mechanism(page: Page, axe: Axe) -> None:
    link(page, axe, "Mechanism")
    how = group(page, "How will the data move?")
    tick(how, "Plain e-mail")
    press(page, axe, "Choose this mechanism")
    expect_error(page, axe, "Plain e-mail is not allowed for this initiative")

    recommended = page.locator(".govuk-summary-card").filter(
        has=page.locator(".govuk-tag", has_text=re.compile(r"^Recommended$"))
    )
    card_id = recommended.first.get_attribute("id") or ""
    choice = codes.label(card_id.removeprefix("mechanism-"))
    tick(how, choice)
    page.get_by_label("Why this mechanism?").fill("No copies of the records leave the source.")
    press(page, axe, "Choose this mechanism")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{choice} chosen")
    expect_status(page, "mechanism", "Completed")
    expect_status(page, "agreement", "Not started")  # ready for an agreement


def test_a_newcomer_goes_from_sign_in_to_a_mechanism(
    page: Page, axe: Axe, base_url: str, cast: Cast
) -> None:
    _sign_in_after_a_mistake(page, axe, base_url, cast)
    _start(page, axe)
    _describe(page, axe)
    _legal_basis(page, axe)
    link(page, axe, "Fairness")
    _answer_questions(page, axe)
    _dpia(page, axe)
    _dpo_advises(page, axe, cast)
    _ig_officer_responds(page, axe, cast)
    _mechanism(page, axe)
    assert len(axe.checked) > 50, "axe ran on every page reached"


# --- Public pages and other organisations ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Share personal data lawfully, fairly and safely"),
        ("/account/sign-in/", "Sign in to Accord"),
        ("/accessibility/", "Accessibility statement for Accord"),
        ("/account/password/reset/", "Reset your password"),
    ],
)
def test_public_pages_pass_axe(page: Page, axe: Axe, path: str, heading: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator(".govuk-header")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    axe.check()


def test_another_organisation_cannot_see_the_initiative(page: Page, axe: Axe, cast: Cast) -> None:
    initiative: Initiative = initiative_create(
        actor=cast.ig_officer, lead=cast.council, title=TITLE
    )
    page.goto("/account/sign-in/")
    sign_in(page, axe, cast.outsider.email)
    expect(page.get_by_text("0 initiatives")).to_be_visible()
    response = page.goto(f"/initiatives/{initiative.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text(TITLE)).to_have_count(0)
    axe.check()
