"""What every view needs: the signed-in person, and a form submission that calls a service.

Views change nothing themselves: on a valid POST they call one service, and a ValidationError
it raises becomes errors on the form (against the field it names, else the whole form), so
people see what is wrong and where, in the GOV.UK error summary.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accord.apps.accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The person behind a request that @login_required has already let through."""
    user = request.user
    assert isinstance(user, User)
    return user


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def submitted(request: HttpRequest, form: forms.Form, change: Callable[[], object]) -> bool:
    """On a valid POST, make the change; a refusal from the service becomes form errors."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        change()
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, for the sign-in throttle (AXES_CLIENT_IP_CALLABLE).

    Behind a proxy that ends TLS (ACCORD_BEHIND_PROXY=1) every request comes from the proxy, so
    throttling by that address would let anyone lock a person out for everyone. The proxy appends
    the address it saw to X-Forwarded-For; the entries before it are whatever the client sent,
    so only the last is trusted.
    """
    if settings.BEHIND_PROXY:
        last = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).rsplit(",", 1)[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", ""))
