"""Changing organisations and memberships: permission, change and audit in one transaction."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accord.apps.accounts.models import User
from accord.apps.audit.services import audit_record
from accord.apps.organisations.models import Membership, Organisation
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core.access import ROLES, may_in_organisation

if TYPE_CHECKING:
    from collections.abc import Iterable


def organisation_create(
    *,
    actor: User | None,
    name: str,
    type: str,
    functions: Iterable[str] = (),
    ico_registration: str = "",
    ods_code: str = "",
) -> Organisation:
    """Site administrators (and the demo loader, actor None) create organisations."""
    if actor is not None and not actor.is_site_admin:
        raise PermissionDenied("Only a site administrator can add an organisation")
    with transaction.atomic():
        organisation = Organisation(
            name=name,
            type=type,
            functions=list(functions),
            ico_registration=ico_registration,
            ods_code=ods_code,
        )
        organisation.full_clean()
        organisation.save()
        audit_record(
            actor=actor,
            verb="organisation.created",
            target=organisation,
            organisation=organisation,
            summary=f"Organisation {name} added",
        )
    return organisation


def membership_grant(
    *, actor: User | None, organisation: Organisation, user: User, role: str
) -> Membership:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if actor is not None and not (
        actor.is_site_admin
        or may_in_organisation(
            "organisation.manage-people",
            roles=roles_by_organisation(user=actor).get(organisation.pk, frozenset()),
        )
    ):
        raise PermissionDenied("Only an administrator of this organisation can change roles")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role
        )
        if created:
            audit_record(
                actor=actor,
                verb="membership.granted",
                target=membership,
                organisation=organisation,
                summary=f"{user.full_name} made {ROLES[role]} of {organisation.name}",
                data={"user": user.email, "role": role},
            )
    return membership


def person_invite(
    *,
    actor: User,
    organisation: Organisation,
    email: str,
    full_name: str,
    roles: Iterable[str],
    base_url: str,
) -> User:
    """Add a person to an organisation with roles; a new person gets an e-mail to set a password."""
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        is_new = user is None
        if user is None:
            # A random password they never see: the e-mailed link lets them choose their own.
            user = User.objects.create_user(
                email, password=secrets.token_urlsafe(32), full_name=full_name
            )
        for role in roles:
            membership_grant(actor=actor, organisation=organisation, user=user, role=role)
        if is_new:
            link = base_url + reverse(
                "accounts:password-reset-confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
            transaction.on_commit(
                lambda: send_mail(
                    f"You have been added to {organisation.name} on Accord",
                    f"{actor.full_name} has added you to {organisation.name} on Accord.\n\n"
                    f"Choose your password here (the link works once):\n{link}\n",
                    None,
                    [email],
                )
            )
    return user
