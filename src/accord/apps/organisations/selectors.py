"""Reading organisations and memberships."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accord.apps.organisations.models import Membership, Organisation

if TYPE_CHECKING:
    from accord.apps.accounts.models import User


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation")


def roles_by_organisation(*, user: User) -> dict[int, frozenset[str]]:
    """organisation id -> the roles this person holds there."""
    roles: dict[int, set[str]] = defaultdict(set)
    for organisation_id, role in Membership.objects.filter(user=user).values_list(
        "organisation_id", "role"
    ):
        roles[organisation_id].add(role)
    return {key: frozenset(value) for key, value in roles.items()}


def organisations_of_user(*, user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).distinct()


def organisation_people(*, organisation: Organisation) -> list[tuple[User, list[str]]]:
    """Each member with their roles, by name."""
    people: dict[int, tuple[User, list[str]]] = {}
    for membership in (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name", "role")
    ):
        people.setdefault(membership.user_id, (membership.user, []))[1].append(membership.role)
    return list(people.values())
