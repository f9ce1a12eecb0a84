"""Account changes: signing in, setting up MFA. Each writes an audit entry."""

from __future__ import annotations

import time

from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.apps.accounts.middleware import SIGNED_IN_AT
from accord.apps.accounts.models import User
from accord.apps.audit.services import audit_record


def account_sign_in(*, request: HttpRequest, user: User) -> None:
    with transaction.atomic():
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SIGNED_IN_AT] = time.time()
        audit_record(actor=user, verb="account.signed-in", target=user, summary="Signed in")


def mfa_pending_device(*, user: User) -> TOTPDevice:
    """The authenticator being set up: made once, shown until it is confirmed with a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def mfa_confirm_device(*, request: HttpRequest, user: User, code: str) -> bool:
    """Confirm the pending authenticator with a code from it; False if the code is wrong."""
    device = mfa_pending_device(user=user)
    if not device.verify_token(code):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        otp_login(request, device)
        audit_record(
            actor=user,
            verb="account.mfa-enabled",
            target=user,
            summary="Set up an authenticator app for sign-in",
        )
    return True


def mfa_verify(*, request: HttpRequest, user: User, code: str) -> bool:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            otp_login(request, device)
            return True
    return False
