"""Signing in and out, MFA set-up and proof, the account page."""

from __future__ import annotations

import base64
import time
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import user_has_device

from accord.apps.accounts.forms import AuthenticatorSetupForm, SignInForm, TotpCodeForm
from accord.apps.accounts.middleware import SIGNED_IN_AT
from accord.apps.accounts.models import User
from accord.apps.accounts.selectors import user_requires_mfa
from accord.apps.accounts.services import (
    account_sign_in,
    mfa_confirm_device,
    mfa_pending_device,
    mfa_verify,
)
from accord.web.viewhelpers import signed_in_user


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/initiatives/"


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Public. E-mail and password; Axes throttles repeated failures."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            email=form.cleaned_data["email"].lower(),
            password=form.cleaned_data["password"],
        )
        if isinstance(user, User):
            account_sign_in(request=request, user=user)
            return redirect(_next_url(request))
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        form.add_error(None, "The email address or password is not right")
    context: dict[str, Any] = {
        "form": form,
        "next": _next_url(request),
        "expired": request.GET.get("expired") == "1",
    }
    return render(request, "accounts/sign_in.html", context, status=400 if form.errors else 200)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Anyone may sign out."""
    logout(request)
    messages.success(request, "You have signed out")
    return redirect("accounts:sign-in")


# Setting up an authenticator more than this long after signing in asks for the password again
# (ASVS 7.5.1): the set-up straight after joining or signing in stays one step.
REAUTHENTICATE_AFTER_SECONDS = 10 * 60


def _signed_in_recently(request: HttpRequest) -> bool:
    signed_in_at = request.session.get(SIGNED_IN_AT)
    return signed_in_at is not None and time.time() - signed_in_at < REAUTHENTICATE_AFTER_SECONDS


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Signed-in user, for their own account only, who has no authenticator yet.

    Someone who has one must prove it (else a password alone could enrol another and pass as
    verified), and even then cannot add a second here: a lost phone is replaced by a site
    administrator removing the old one. Long after signing in, the password is asked again.
    """
    user = signed_in_user(request)
    if user_has_device(user, confirmed=True):
        if not user.is_verified():  # type: ignore[attr-defined]
            return redirect(
                f"{reverse('accounts:mfa-verify')}?{urlencode({'next': _next_url(request)})}"
            )
        messages.info(
            request,
            "Your authenticator app is already set up. If you have lost it, ask your site "
            "administrator to remove it, then set up the new one",
        )
        return redirect("accounts:account")
    device = mfa_pending_device(user=user)
    ask_password = not _signed_in_recently(request)
    form = AuthenticatorSetupForm(request.POST or None, ask_password=ask_password)
    if request.method == "POST" and form.is_valid():
        # authenticate() lets Axes count a wrong password here as at sign-in.
        if (
            ask_password
            and authenticate(request, email=user.email, password=form.cleaned_data["password"])
            != user
        ):
            form.add_error("password", "Your password is not right")
        elif mfa_confirm_device(request=request, user=user, code=form.cleaned_data["code"]):
            messages.success(request, "Your authenticator app is set up")
            return redirect(_next_url(request))
        else:
            form.add_error("code", "The security code is not right: check the time on your device")
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_svg_data": base64.b64encode(buffer.getvalue()).decode(),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": user_requires_mfa(user=user),
        "next": _next_url(request),
    }
    return render(request, "accounts/mfa_setup.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    """Signed-in user who has an authenticator: prove it."""
    user = signed_in_user(request)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa_verify(request=request, user=user, code=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", "The security code is not right: check the time on your device")
    return render(
        request,
        "accounts/mfa_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Signed-in user: their own account only."""
    from django_otp import user_has_device

    user = signed_in_user(request)
    return render(
        request,
        "accounts/account.html",
        {
            "has_mfa": user_has_device(user),
            "mfa_required": user_requires_mfa(user=user),
        },
    )
