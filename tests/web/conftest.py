"""Fixtures for the web application: organisations, people in roles, signed-in clients."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.apps.accounts.middleware import SIGNED_IN_AT
from accord.apps.accounts.models import User
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.services import membership_grant, organisation_create

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "accord" / "examples"


@pytest.fixture(autouse=True)
def _fast_hashing(settings: pytest.FixtureRequest) -> None:
    # Argon2 is the real hasher (tested in test_accounts); MD5 keeps the other tests quick.
    settings.PASSWORD_HASHERS = [  # type: ignore[attr-defined]
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _data_dir(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    # Uploaded evidence is stored under DATA_DIR: keep each test's files in its own folder.
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _no_register_cache(settings: pytest.FixtureRequest) -> None:
    # The register keeps its pages' results in the process's cache, keyed by the audit chain's
    # head. Tests read what a page computes (and some change rows directly, unaudited), so it
    # is off; tests/web/test_register.py turns it on to test it. Cleared, in case a test did.
    settings.ACCORD_REGISTER_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: pytest.FixtureRequest) -> None:
    # Tasks queued on commit run there and then, so a test reads their effect (a notice in the
    # outbox) without a worker. tests/web/test_worker.py runs the real database queue and worker.
    settings.TASKS = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture
def make_organisation(db: None) -> Callable[..., Organisation]:
    def make(
        name: str, type: str = "local-authority", functions: list[str] | None = None
    ) -> Organisation:
        return organisation_create(actor=None, name=name, type=type, functions=functions or [])

    return make


@pytest.fixture
def make_person(db: None) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(organisation: Organisation | None = None, *roles: str, email: str = "") -> User:
        user = User.objects.create_user(
            email or f"person{next(counter)}@example.gov.uk",
            "correct horse battery staple",
            full_name="Test Person",
        )
        for role in roles:
            membership_grant(actor=None, organisation=organisation, user=user, role=role)  # type: ignore[arg-type]
        return user

    return make


def signed_in(user: User, *, mfa: bool = False) -> Client:
    """A client signed in as `user`, as the sign-in page would leave it.

    With mfa=True the person has an authenticator and has proved it this session.
    """
    client = Client()
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = time.time()
    if mfa:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def council(make_organisation: Callable[..., Organisation]) -> Organisation:
    return make_organisation(
        "Northshire County Council", functions=["childrens-services", "education"]
    )


@pytest.fixture
def police(make_organisation: Callable[..., Organisation]) -> Organisation:
    return make_organisation("Northshire Police", type="police")


@pytest.fixture
def unrelated(make_organisation: Callable[..., Organisation]) -> Organisation:
    return make_organisation("Westmoor District Council")


@pytest.fixture
def ig_officer(council: Organisation, make_person: Callable[..., User]) -> User:
    return make_person(council, "ig-officer")


@pytest.fixture
def dpo(council: Organisation, make_person: Callable[..., User]) -> User:
    return make_person(council, "dpo")
