"""Signing in: argon2, throttling, MFA for signatories and administrators, session limits, reset."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.apps.accounts.middleware import RENEWED_AT, SIGNED_IN_AT
from accord.apps.accounts.models import User
from accord.apps.audit.models import AuditEntry
from accord.apps.organisations.models import Organisation

from .conftest import signed_in

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _sign_in(client: Client, email: str, password: str = PASSWORD) -> int:
    return client.post("/account/sign-in/", {"email": email, "password": password}).status_code


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_passwords_are_hashed_with_argon2(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # type: ignore[attr-defined]
    user = User.objects.create_user("a@example.gov.uk", PASSWORD, full_name="A")
    assert user.password.startswith("argon2$argon2id$")


def test_sign_in_with_email_and_password_and_wrong_details_are_explained(
    ig_officer: User,
) -> None:
    client = Client()
    response = client.post("/account/sign-in/", {"email": ig_officer.email, "password": "nope"})
    assert response.status_code == 400
    assert "The email address or password is not right" in response.content.decode()
    assert _sign_in(client, ig_officer.email.upper()) == 302
    assert client.get("/initiatives/").status_code == 200
    assert AuditEntry.objects.filter(verb="account.signed-in", actor=ig_officer).exists()


def test_repeated_failures_lock_the_account_even_for_the_right_password(ig_officer: User) -> None:
    client = Client()
    for _ in range(5):
        _sign_in(client, ig_officer.email, "wrong password")
    response = client.post("/account/sign-in/", {"email": ig_officer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()
    assert client.get("/initiatives/").status_code == 302  # not signed in


def test_behind_a_proxy_the_lock_holds_the_client_not_everyone_behind_the_proxy(
    ig_officer: User, settings: pytest.FixtureRequest
) -> None:
    """Every request comes from the proxy's address; the proxy appends the client's to
    X-Forwarded-For. An attacker's failures lock the attacker out, not the person."""
    settings.BEHIND_PROXY = True  # type: ignore[attr-defined]
    attacker, person = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(5):
        # A forged first entry changes nothing: only the proxy's own, the last, is trusted.
        attacker.post(
            "/account/sign-in/",
            {"email": ig_officer.email, "password": "wrong password"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{_}, 203.0.113.9",
        )
    locked = attacker.post(
        "/account/sign-in/",
        {"email": ig_officer.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.77, 203.0.113.9",
    )
    assert locked.status_code == 429
    own = person.post(
        "/account/sign-in/",
        {"email": ig_officer.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert own.status_code == 302


@pytest.mark.parametrize("role", ["siro", "caldicott-guardian", "org-admin"])
def test_signatories_and_administrators_must_set_up_mfa_before_anything_else(
    council: Organisation, make_person: Callable[..., User], role: str
) -> None:
    person = make_person(council, role)
    client = Client()
    assert _sign_in(client, person.email) == 302
    response = client.get("/initiatives/")
    assert response.status_code == 302
    # After setting it up, the person comes back to the page they asked for.
    assert response["Location"] == "/account/mfa/set-up/?next=%2Finitiatives%2F"
    page = client.get("/account/mfa/set-up/").content.decode()
    assert "must use a second step" in page
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    wrong = client.post(
        "/account/mfa/set-up/", {"code": "000000" if _code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes a person wait after a wrong code; skip the wait
    done = client.post("/account/mfa/set-up/?next=%2Finitiatives%2F", {"code": _code(device)})
    assert done.status_code == 302
    assert done["Location"] == "/initiatives/"
    assert client.get("/initiatives/").status_code == 200
    assert AuditEntry.objects.filter(verb="account.mfa-enabled", actor=person).exists()

    # Next time, the code is asked for after the password.
    again = Client()
    assert _sign_in(again, person.email) == 302
    assert again.get("/initiatives/")["Location"] == "/account/mfa/verify/?next=%2Finitiatives%2F"
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step to be used again in this test
    device.save()
    assert again.post("/account/mfa/verify/", {"code": _code(device)}).status_code == 302
    assert again.get("/initiatives/").status_code == 200


def test_mfa_is_open_to_everyone_but_not_forced_on_preparers(ig_officer: User) -> None:
    client = signed_in(ig_officer)
    assert client.get("/initiatives/").status_code == 200
    assert "Not set up (recommended)" in client.get("/account/").content.decode()
    assert client.get("/account/mfa/set-up/").status_code == 200


def test_a_site_administrator_must_use_mfa(make_person: Callable[..., User]) -> None:
    admin = make_person()
    admin.is_staff = True
    admin.save()
    assert (
        signed_in(admin).get("/initiatives/")["Location"]
        == "/account/mfa/set-up/?next=%2Finitiatives%2F"
    )


def test_sessions_end_after_the_absolute_limit_however_active(ig_officer: User) -> None:
    client = signed_in(ig_officer)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 11 * 60 * 60
    session.save()
    response = client.get("/initiatives/")
    assert response["Location"] == "/account/sign-in/?expired=1"
    assert "Your session has ended" in client.get(response["Location"]).content.decode()


def test_the_idle_limit_is_renewed_by_each_request_and_ends_the_session(ig_officer: User) -> None:
    client = signed_in(ig_officer)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timezone.timedelta(seconds=5)
    )
    client.get("/initiatives/")
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + timezone.timedelta(minutes=29)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert client.get("/initiatives/").status_code == 302


def test_the_session_is_renewed_at_most_once_a_minute(ig_officer: User) -> None:
    """Reading pages does not write the session row each time; a minute on, a request renews it."""
    client = signed_in(ig_officer)
    key = client.session.session_key
    client.get("/initiatives/")
    soon = timezone.now() + timezone.timedelta(minutes=10)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    client.get("/initiatives/")
    assert Session.objects.get(session_key=key).expire_date == soon  # not written again

    session = client.session
    session[RENEWED_AT] = time.time() - 61
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=soon)
    client.get("/initiatives/")
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + timezone.timedelta(
        minutes=29
    )


def test_a_stale_session_cookie_creates_no_session() -> None:
    client = Client()
    client.cookies["sessionid"] = "no-such-session-key-0123456789abcdef"
    before = Session.objects.count()
    client.get("/accessibility/")
    assert Session.objects.count() == before


def test_password_reset_by_email(ig_officer: User) -> None:
    client = Client()
    response = client.post("/account/password/reset/", {"email": ig_officer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+)", mail.outbox[0].body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new_password = "a whole new passphrase 42"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert _sign_in(Client(), ig_officer.email, new_password) == 302
    # The link works once.
    assert (
        "This link has expired or been used"
        in client.get(link.group(1), follow=True).content.decode()
    )


def test_unknown_addresses_get_the_same_answer_and_no_email() -> None:
    response = Client().post("/account/password/reset/", {"email": "nobody@example.gov.uk"})
    assert response.status_code == 302
    assert not mail.outbox


def test_a_password_alone_cannot_enrol_a_new_authenticator_past_an_existing_one(
    make_organisation: Callable[..., Organisation], make_person: Callable[..., User]
) -> None:
    """Someone with the SIRO's password but not their phone is sent to prove the phone's code;
    they cannot set up an authenticator of their own and pass as verified."""
    council = make_organisation("Northshire County Council")
    siro = make_person(council, "siro", email="siro@northshire.example")
    TOTPDevice.objects.create(user=siro, name="Phone", confirmed=True)
    intruder = Client()
    intruder.force_login(siro)
    session = intruder.session
    session[SIGNED_IN_AT] = time.time()
    session.save()

    answer = intruder.get("/account/mfa/set-up/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/account/mfa/verify/")
    assert intruder.post("/account/mfa/set-up/", {"code": "123456"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=siro, confirmed=False).exists()
    assert intruder.get("/initiatives/")["Location"].startswith("/account/mfa/verify/")


def test_a_new_password_built_on_the_persons_organisation_or_accord_is_refused(
    ig_officer: User,
) -> None:
    """ASVS 6.2.11: the context words (core/passwords.py) on changing a password, and resetting."""
    client = signed_in(ig_officer)
    for guessable, word in (
        ("Northshire-2026-rocks", "Northshire"),
        ("acc0rd is the best", "Accord"),
    ):
        response = client.post(
            "/account/password/change/",
            {"old_password": PASSWORD, "new_password1": guessable, "new_password2": guessable},
        )
        assert response.status_code == 200
        text = " ".join(response.content.decode().replace("&#x27;", "'").split())
        assert re.search(f"must not be built on “{word}”", text, re.I), text[:2000]
    assert _sign_in(Client(), ig_officer.email) == 302  # unchanged
    fine = "a whole new passphrase 42"
    response = client.post(
        "/account/password/change/",
        {"old_password": PASSWORD, "new_password1": fine, "new_password2": fine},
    )
    assert response.status_code == 302
    assert _sign_in(Client(), ig_officer.email, fine) == 302


def test_setting_up_an_authenticator_long_after_signing_in_asks_for_the_password_again(
    ig_officer: User,
) -> None:
    """ASVS 7.5.1: whoever finds a session left open cannot tie the account to their own phone."""
    client = Client()
    assert _sign_in(client, ig_officer.email) == 302
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 11 * 60
    session.save()
    page = client.get("/account/mfa/set-up/").content.decode()
    assert 'name="password"' in page
    device = TOTPDevice.objects.get(user=ig_officer, confirmed=False)

    missing = client.post("/account/mfa/set-up/", {"code": _code(device)})
    assert missing.status_code == 400
    assert "Enter your password" in missing.content.decode()
    wrong = client.post("/account/mfa/set-up/", {"code": _code(device), "password": "not mine"})
    assert wrong.status_code == 400
    assert "Your password is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditEntry.objects.filter(verb="account.mfa-enabled").exists()

    done = client.post("/account/mfa/set-up/", {"code": _code(device), "password": PASSWORD})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(verb="account.mfa-enabled", actor=ig_officer).exists()

    # With one set up, the page adds no other: a lost phone is removed by an administrator.
    again = client.get("/account/mfa/set-up/", follow=True)
    assert again.redirect_chain[-1][0] == "/account/"
    assert "already set up" in again.content.decode()
    assert TOTPDevice.objects.filter(user=ig_officer).count() == 1


def test_the_set_up_just_after_signing_in_does_not_ask_for_the_password(ig_officer: User) -> None:
    client = Client()
    assert _sign_in(client, ig_officer.email) == 302
    assert 'name="password"' not in client.get("/account/mfa/set-up/").content.decode()


def test_wrong_passwords_on_the_set_up_page_count_towards_the_lock_out(ig_officer: User) -> None:
    client = Client()
    assert _sign_in(client, ig_officer.email) == 302
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 11 * 60
    session.save()
    client.get("/account/mfa/set-up/")
    device = TOTPDevice.objects.get(user=ig_officer, confirmed=False)
    for _ in range(5):
        client.post("/account/mfa/set-up/", {"code": _code(device), "password": "guess"})
    # Locked out: even the right password is refused now, at sign-in as here.
    assert _sign_in(Client(), ig_officer.email) != 302
    client.post("/account/mfa/set-up/", {"code": _code(device), "password": PASSWORD})
    device.refresh_from_db()
    assert not device.confirmed
