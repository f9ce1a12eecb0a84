"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord import __version__
from accord.apps.organisations.selectors import memberships_for_user


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"accord_version": __version__}
    return {
        "accord_version": __version__,
        "my_memberships": memberships_for_user(user=user),
    }
