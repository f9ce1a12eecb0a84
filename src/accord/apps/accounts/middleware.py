"""Session limits and the MFA requirement, enforced on every request."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accord.apps.accounts.selectors import user_requires_mfa

SIGNED_IN_AT = "accord_signed_in_at"
RENEWED_AT = "accord_renewed_at"

# Pages a person must reach while MFA is still owed: setting it up, proving it, leaving.
_MFA_EXEMPT_PREFIXES = ("/account/mfa/", "/account/sign-out/", "/static/", "/transparency/")


class SessionRenewalMiddleware:
    """The idle limit: a session lives SESSION_COOKIE_AGE after it was last renewed, and a request
    renews it when the last renewal is more than SESSION_RENEW_SECONDS old.

    Renewing on every request (SESSION_SAVE_EVERY_REQUEST) wrote the session row, in a
    transaction of its own, for every page anyone read: three statements and a commit per page,
    which under load cost more than most pages' own queries (bench/register.py). Renewing at
    most once a minute ends an idle session between 29 and 30 minutes after the last request,
    never later.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if not session.is_empty():
            renewed_at = session.get(RENEWED_AT)  # loads it: a stale key leaves it empty
            now = time.time()
            if not session.is_empty() and (
                renewed_at is None or now - renewed_at >= settings.SESSION_RENEW_SECONDS
            ):
                session[RENEWED_AT] = now  # marks the session modified: saved, expiry renewed
        return self.get_response(request)


class SessionLimitsMiddleware:
    """An absolute session limit: sign in again after SESSION_ABSOLUTE_SECONDS, however active.

    The idle limit is SessionRenewalMiddleware's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if (
                signed_in_at is None
                or time.time() - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                return redirect(f"{reverse('accounts:sign-in')}?expired=1")
        return self.get_response(request)


class MfaRequiredMiddleware:
    """Signatories and administrators must prove a second factor before doing anything else.

    Anyone else who has set up an authenticator must prove it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
        ):
            from django_otp import user_has_device

            # Come back to the page asked for (an invitation, a signature) once MFA is done.
            after = urlencode({"next": request.get_full_path()})
            if user_has_device(user):
                return redirect(f"{reverse('accounts:mfa-verify')}?{after}")
            if user_requires_mfa(user=user):
                return redirect(f"{reverse('accounts:mfa-setup')}?{after}")
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Pages shown to a signed-in person may hold personal data: no browser or proxy keeps them
    (so Back after signing out on a shared computer shows nothing). A response that set its own
    Cache-Control, such as a download, keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response
