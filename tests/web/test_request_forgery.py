"""Requests another site makes a browser send: refused without the CSRF token, and a `next`
address never sends a person off to another site after signing in."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from accord.apps.accounts.middleware import SIGNED_IN_AT
from accord.apps.accounts.models import User
from accord.apps.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_a_form_posted_without_the_csrf_token_is_refused_and_changes_nothing(
    ig_officer: User,
) -> None:
    browser = Client(enforce_csrf_checks=True)
    before = AuditEntry.objects.count()
    forged = browser.post("/account/sign-in/", {"email": ig_officer.email, "password": PASSWORD})
    assert forged.status_code == 403
    assert browser.get("/initiatives/").status_code == 302  # not signed in
    assert AuditEntry.objects.count() == before

    # The same form with the token the page gave works: the refusal was the missing token.
    browser.get("/account/sign-in/")
    token = browser.cookies["csrftoken"].value
    signed = browser.post(
        "/account/sign-in/",
        {"email": ig_officer.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert signed.status_code == 302
    assert browser.get("/initiatives/").status_code == 200


def test_signing_out_needs_the_token_too(ig_officer: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ig_officer)
    session = browser.session
    session[SIGNED_IN_AT] = time.time()
    session.save()
    assert browser.post("/account/sign-out/").status_code == 403
    assert browser.get("/initiatives/").status_code == 200  # still signed in


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/",
        "//evil.example/initiatives/",
        "http://evil.example",
        "https:evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_after_signing_in_next_never_leads_to_another_site(
    ig_officer: User, elsewhere: str
) -> None:
    response = Client().post(
        f"/account/sign-in/?next={elsewhere}",
        {"email": ig_officer.email, "password": PASSWORD, "next": elsewhere},
    )
    assert response.status_code == 302
    assert response["Location"] == "/initiatives/"


def test_a_next_address_on_this_site_is_kept(ig_officer: User) -> None:
    response = Client().post(
        "/account/sign-in/",
        {"email": ig_officer.email, "password": PASSWORD, "next": "/register/?status=live"},
    )
    assert response["Location"] == "/register/?status=live"
