"""Reading accounts."""

from __future__ import annotations

from accord.apps.accounts.models import User
from accord.apps.organisations.models import Membership
from accord.core.access import requires_mfa


def user_roles_anywhere(*, user: User) -> frozenset[str]:
    return frozenset(Membership.objects.filter(user=user).values_list("role", flat=True))


def user_requires_mfa(*, user: User) -> bool:
    return requires_mfa(user_roles_anywhere(user=user), is_site_admin=user.is_site_admin)
