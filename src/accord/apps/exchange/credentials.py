"""API client credentials: a receiving party's systems, their secrets and their access tokens.

A receiving party's IG officer or organisation administrator ("client.manage") creates a client
for one of its systems under one agreement. The client authenticates with its client id and
secret at the token endpoint (OAuth 2.0 client-credentials grant, RFC 6749 §4.4) and gets a
short-lived bearer token for the data endpoints.

Secrets and tokens are shown once and stored only as their SHA-256. They are 256-bit random
values (secrets.token_urlsafe(32)), so a plain hash is enough: a slow password hash guards
guessable human passwords against brute force, and nobody can brute-force 2**256 candidates.
Looking a value up by its hash (a unique index) also means no comparison of secrets ever runs
in Python, so there is no timing side channel to worry about.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.apps.agreements.models import Agreement
from accord.apps.audit.services import audit_record
from accord.apps.exchange.models import AccessToken, ApiClient, ClientSecret
from accord.apps.exchange.selectors import acting_party
from accord.apps.exchange.services import ExchangeRefused
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core.access import may_for_party

if TYPE_CHECKING:
    from accord.apps.accounts.models import User

CLIENT_ID_PREFIX = "acc_"
NAME_MAX = 120


def digest(value: str) -> str:
    """The SHA-256 (hex) a secret or token is stored as."""
    return hashlib.sha256(value.encode()).hexdigest()


def _new_client_id() -> str:
    # 15 random bytes are exactly 20 URL-safe base64 characters.
    return CLIENT_ID_PREFIX + secrets.token_urlsafe(15)


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- Who may manage a client ------------------------------------------------------------------


def may_manage(*, user: User, client: ApiClient) -> bool:
    """Whether this person holds "client.manage" in the organisation that owns the client.

    Checked against the owning organisation itself, not any party the person acts for, so an
    administrator of one receiving party never manages another party's clients.
    """
    agreement = client.agreement
    party = agreement.initiative.parties.filter(organisation_id=client.organisation_id).first()
    if party is None:
        return False
    return may_for_party(
        "client.manage",
        roles=roles_by_organisation(user=user).get(client.organisation_id, frozenset()),
        party_role=party.role,
        is_lead=client.organisation_id == agreement.initiative.lead_id,
    )


def clients_managed(*, user: User, agreement: Agreement) -> QuerySet[ApiClient]:
    """The clients under this agreement that this person may see and manage."""
    clients = ApiClient.objects.filter(agreement=agreement).select_related(
        "organisation", "agreement__initiative"
    )
    ids = [c.pk for c in clients if may_manage(user=user, client=c)]
    return clients.filter(pk__in=ids)


def client_get(*, user: User, agreement: Agreement, pk: int) -> ApiClient:
    """The client if this person may manage it; PermissionDenied otherwise (views show 404)."""
    client = (
        ApiClient.objects.select_related("organisation", "agreement__initiative", "created_by")
        .filter(agreement=agreement, pk=pk)
        .first()
    )
    if client is None or not may_manage(user=user, client=client):
        raise PermissionDenied("You cannot manage this API client")
    return client


# --- Creating, rotating and revoking ----------------------------------------------------------


def _check_open_for_clients(agreement: Agreement) -> None:
    if not agreement.is_signed:
        raise ExchangeRefused(
            "API clients can be created once every party has signed the agreement."
        )
    if agreement.status == Agreement.TERMINATED:
        raise ExchangeRefused("The agreement has been terminated: nothing can be shared under it.")


def client_create(*, actor: User, agreement: Agreement, name: str) -> tuple[ApiClient, str]:
    """A new client for the actor's receiving organisation, and its secret (shown only once)."""
    party = acting_party(user=actor, agreement=agreement, action="client.manage")
    _check_open_for_clients(agreement)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter the name of the system that will connect"})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"The name must be {NAME_MAX} characters or fewer"})
    secret = _new_secret()
    with transaction.atomic():
        if ApiClient.objects.filter(
            agreement=agreement,
            organisation=party.organisation,
            name__iexact=name,
            revoked_at__isnull=True,
        ).exists():
            raise ValidationError(
                {"name": f'You already have a client called "{name}": choose another name'}
            )
        client = ApiClient.objects.create(
            agreement=agreement,
            organisation=party.organisation,
            name=name,
            client_id=_new_client_id(),
            created_by=actor,
        )
        ClientSecret.objects.create(client=client, secret_hash=digest(secret))
        audit_record(
            actor=actor,
            verb="client.created",
            target=client,
            organisation=party.organisation,
            initiative=agreement.initiative,
            summary=f"{party.organisation.name} created the API client {name} "
            f"({client.client_id}) under {agreement.reference}",
            data={"client_id": client.client_id, "name": name},
        )
    return client, secret


def _locked_client(actor: User, client: ApiClient) -> ApiClient:
    """The client row, locked, once the actor is known to manage it and it is not revoked."""
    if not may_manage(user=actor, client=client):
        raise PermissionDenied("You cannot manage this API client")
    locked = (
        ApiClient.objects.select_for_update()
        .select_related("organisation", "agreement__initiative")
        .get(pk=client.pk)
    )
    if locked.revoked_at is not None:
        raise ExchangeRefused("This API client has been revoked: create a new one instead.")
    return locked


def client_rotate(*, actor: User, client: ApiClient) -> str:
    """A new secret for the client; the ones before it keep working for the overlap period."""
    secret = _new_secret()
    with transaction.atomic():
        client = _locked_client(actor, client)
        # As for a new client: a terminated agreement's clients get no fresh secret.
        _check_open_for_clients(client.agreement)
        now = timezone.now()
        overlap_ends = now + dt.timedelta(hours=settings.ACCORD_SECRET_OVERLAP_HOURS)
        # Only secrets still in use change: one already due to expire sooner keeps its date.
        ClientSecret.objects.filter(client=client).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=overlap_ends)
        ).update(expires_at=overlap_ends)
        ClientSecret.objects.create(client=client, secret_hash=digest(secret))
        audit_record(
            actor=actor,
            verb="client.rotated",
            target=client,
            organisation=client.organisation,
            initiative=client.agreement.initiative,
            summary=f"The secret of the API client {client.name} ({client.client_id}) was "
            f"replaced; the old one works until {timezone.localtime(overlap_ends):%-d %B %Y %H:%M}",
            data={"client_id": client.client_id, "old_secrets_expire_at": overlap_ends.isoformat()},
        )
    return secret


def client_revoke(*, actor: User, client: ApiClient) -> ApiClient:
    """Stop the client for good: no new tokens, and its existing tokens are refused.

    The client's access tokens are kept rather than deleted, on purpose: a system still
    presenting one is then told, with a 403 naming the clause, that its credential was revoked,
    and that attempt is in the disclosure log. A deleted token would only get an anonymous 401.
    """
    with transaction.atomic():
        client = _locked_client(actor, client)
        now = timezone.now()
        client.revoked_at, client.revoked_by = now, actor
        client.save(update_fields=["revoked_at", "revoked_by"])
        ClientSecret.objects.filter(client=client).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        ).update(expires_at=now)
        audit_record(
            actor=actor,
            verb="client.revoked",
            target=client,
            organisation=client.organisation,
            initiative=client.agreement.initiative,
            summary=f"The API client {client.name} ({client.client_id}) was revoked",
            data={"client_id": client.client_id},
        )
    return client


# --- Authenticating a client and its tokens ---------------------------------------------------


def client_authenticate(client_id: str, secret: str) -> ApiClient | None:
    """The client whose id and current secret these are, unless it is revoked; else None."""
    if not client_id or not secret:
        return None
    found = (
        ClientSecret.objects.select_related("client")
        .filter(secret_hash=digest(secret), client__client_id=client_id)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .first()
    )
    if found is None or found.client.revoked_at is not None:
        return None
    return found.client


def token_issue(client: ApiClient) -> tuple[str, int]:
    """A new bearer token for the client and its lifetime in seconds."""
    token = secrets.token_urlsafe(32)
    lifetime = settings.ACCORD_TOKEN_SECONDS
    now = timezone.now()
    with transaction.atomic():
        # Expired tokens are of no further use: clear the client's away as new ones are issued.
        AccessToken.objects.filter(client=client, expires_at__lte=now).delete()
        AccessToken.objects.create(
            client=client,
            token_hash=digest(token),
            expires_at=now + dt.timedelta(seconds=lifetime),
        )
        audit_record(
            actor=None,
            verb="client.token-issued",
            target=client,
            organisation=client.organisation,
            initiative=client.agreement.initiative,
            summary=f"The API client {client.name} ({client.client_id}) obtained an access "
            f"token for {lifetime} seconds",
            data={"client_id": client.client_id, "expires_in": lifetime},
        )
    return token, lifetime


def client_for_token(token: str) -> ApiClient | None:
    """The client an unexpired bearer token was issued to (revoked or not), else None."""
    if not token:
        return None
    found = (
        AccessToken.objects.select_related("client__organisation", "client__agreement__initiative")
        .filter(token_hash=digest(token), expires_at__gt=timezone.now())
        .first()
    )
    return found.client if found else None
