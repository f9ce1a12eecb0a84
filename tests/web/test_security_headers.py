"""The headers every page carries: a Content-Security-Policy with a fresh nonce per response,
framing denied, no sniffing, a same-origin referrer, cookies out of scripts' reach, and pages for
signed-in people kept by no cache."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accord.apps.accounts.models import User

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def _policy(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def test_the_policy_allows_only_our_own_files_and_scripts_carrying_this_responses_nonce(
    ig_officer: User,
) -> None:
    client = signed_in(ig_officer)
    first, second = client.get("/initiatives/"), client.get("/initiatives/")
    policy = _policy(first)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    nonces = [v for v in policy["script-src"] if v.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy["script-src"]
    nonce = nonces[0][len("'nonce-") : -1]
    assert len(nonce) >= 16
    # Every inline script on the page carries this response's nonce, and only it.
    page = first.content.decode()
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert scripts, "the page has an inline script to check"
    assert all(f'nonce="{nonce}"' in attributes for attributes in scripts)
    assert _policy(second)["script-src"] != policy["script-src"]  # a new nonce each time


@pytest.mark.parametrize("path", ["/", "/transparency/", "/account/sign-in/", "/accessibility/"])
def test_every_page_denies_framing_sniffing_and_cross_site_referrers(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert _policy(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_out_of_reach_of_scripts(ig_officer: User) -> None:
    client = Client()
    client.get("/account/sign-in/")
    response = client.post(
        "/account/sign-in/", {"email": ig_officer.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"]


def test_pages_for_a_signed_in_person_are_kept_by_no_cache(ig_officer: User) -> None:
    client = signed_in(ig_officer)
    assert client.get("/initiatives/")["Cache-Control"] == "private, no-store"
    assert client.get("/register/")["Cache-Control"] == "private, no-store"
    # A public page for someone signed out may be cached as usual.
    assert "no-store" not in Client().get("/transparency/").get("Cache-Control", "")
