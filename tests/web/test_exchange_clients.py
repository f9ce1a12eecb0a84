"""API clients through the pages: who may create, see, rotate and revoke them, and the secret
shown once."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from accord.apps.audit.models import AuditEntry
from accord.apps.exchange import credentials
from accord.apps.exchange import services as exchange
from accord.apps.exchange.models import AccessToken, ApiClient, ClientSecret, DisclosureEntry
from accord.apps.organisations.models import Organisation
from tests.web.agreement_helpers import person
from tests.web.conftest import signed_in
from tests.web.exchange_helpers import Sharing, live_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def sharing() -> Sharing:
    return live_agreement()


@pytest.fixture
def ig(sharing: Sharing) -> Client:
    """The council's IG officer and organisation administrator: the council receives."""
    return signed_in(sharing.council_ig, mfa=True)


def url(sharing: Sharing, tail: str = "") -> str:
    return f"/agreements/{sharing.agreement.pk}/exchange/clients/{tail}"


def secret_on(page: str) -> tuple[str, str]:
    client_id = re.search(r'id="client-id">([^<]+)<', page)
    secret = re.search(r'id="client-secret">([^<]+)<', page)
    assert client_id
    assert secret
    return client_id.group(1), secret.group(1)


def token_response(client_id: str, secret: str) -> Any:
    return Client().post(
        "/api/v1/oauth/token",
        data=urlencode({"grant_type": "client_credentials"}),
        content_type="application/x-www-form-urlencoded",
        headers={
            "Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        },
    )


def test_a_receiving_partys_administrator_creates_a_client_and_sees_the_secret_once(
    sharing: Sharing, ig: Client
) -> None:
    form = ig.get(url(sharing, "new/"))
    assert form.status_code == 200
    assert "Name of the system" in form.content.decode()

    response = ig.post(url(sharing, "new/"), {"name": "  Education welfare   system "})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Copy the secret now" in page
    client_id, secret = secret_on(page)
    client = ApiClient.objects.get()
    assert (client.client_id, client.name) == (client_id, "Education welfare system")
    assert (client.organisation, client.agreement) == (sharing.council, sharing.agreement)
    assert client.created_by == sharing.council_ig
    assert re.fullmatch(r"acc_[A-Za-z0-9_-]{20}", client_id)
    assert len(secret) >= 43
    assert ClientSecret.objects.get().secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token_response(client_id, secret).status_code == 200

    detail = ig.get(url(sharing, f"{client.pk}/")).content.decode()
    assert client_id in detail
    assert secret not in detail
    assert secret not in ig.get(f"/agreements/{sharing.agreement.pk}/exchange/").content.decode()

    entry = AuditEntry.objects.get(verb="client.created")
    assert (entry.actor, entry.organisation, entry.object_id) == (
        sharing.council_ig,
        sharing.council,
        str(client.pk),
    )
    assert secret not in json.dumps(entry.data) + entry.summary


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the name of the system that will connect"),
        ("   ", "Enter the name of the system that will connect"),
        ("x" * 121, "The name must be 120 characters or fewer"),
    ],
)
def test_a_client_needs_a_name_and_the_page_says_what_is_wrong(
    sharing: Sharing, ig: Client, name: str, message: str
) -> None:
    response = ig.post(url(sharing, "new/"), {"name": name})

    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    assert message in page
    assert not ApiClient.objects.exists()
    assert not AuditEntry.objects.filter(verb="client.created").exists()


def test_a_second_client_with_the_same_name_is_refused_on_the_name(
    sharing: Sharing, ig: Client
) -> None:
    credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )

    response = ig.post(url(sharing, "new/"), {"name": "case SYSTEM"})

    assert response.status_code == 400
    assert "You already have a client called" in response.content.decode()
    assert ApiClient.objects.count() == 1


def test_only_a_receiving_partys_ig_officer_or_administrator_creates_clients(
    sharing: Sharing,
) -> None:
    # The school's head is IG officer and administrator, but the school only discloses.
    for user in (sharing.school_ig, sharing.council_siro, sharing.practitioner):
        visitor = signed_in(user, mfa=True)
        assert visitor.get(url(sharing, "new/")).status_code == 403
        assert visitor.post(url(sharing, "new/"), {"name": "Sneaky"}).status_code == 403
    assert not ApiClient.objects.exists()


def test_people_outside_the_agreement_do_not_learn_it_exists(
    sharing: Sharing, make_organisation: Callable[..., Organisation]
) -> None:
    outsider_org = make_organisation("Westmoor District Council")
    outsider = person(outsider_org, "ig-officer", "org-admin", email="ig@westmoor.example")
    client, _ = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    visitor = signed_in(outsider, mfa=True)

    assert visitor.get(url(sharing, "new/")).status_code == 404
    assert visitor.get(url(sharing, f"{client.pk}/")).status_code == 404


def test_only_members_of_the_owning_organisation_who_manage_clients_see_one(
    sharing: Sharing,
) -> None:
    client, _ = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    before = ClientSecret.objects.count()

    for user in (sharing.school_ig, sharing.practitioner, sharing.council_siro):
        visitor = signed_in(user, mfa=True)
        assert visitor.get(url(sharing, f"{client.pk}/")).status_code == 404
        assert visitor.post(url(sharing, f"{client.pk}/rotate/")).status_code == 404
        assert visitor.get(url(sharing, f"{client.pk}/revoke/")).status_code == 404
        assert visitor.post(url(sharing, f"{client.pk}/revoke/")).status_code == 404
        assert (
            "Case system"
            not in visitor.get(f"/agreements/{sharing.agreement.pk}/exchange/").content.decode()
        )

    client.refresh_from_db()
    assert client.revoked_at is None
    assert ClientSecret.objects.count() == before


def test_rotation_gives_a_new_secret_and_the_old_one_works_until_the_overlap_ends(
    sharing: Sharing, ig: Client
) -> None:
    client, old = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )

    assert ig.get(url(sharing, f"{client.pk}/rotate/")).status_code == 405
    response = ig.post(url(sharing, f"{client.pk}/rotate/"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    client_id, new = secret_on(response.content.decode())
    assert client_id == client.client_id
    assert new != old
    old_row = ClientSecret.objects.get(secret_hash=credentials.digest(old))
    assert old_row.expires_at == pytest.approx(
        timezone.now() + dt.timedelta(hours=24), abs=dt.timedelta(minutes=1)
    )
    assert ClientSecret.objects.get(secret_hash=credentials.digest(new)).expires_at is None
    assert token_response(client.client_id, old).status_code == 200  # still in its overlap
    assert token_response(client.client_id, new).status_code == 200

    ClientSecret.objects.filter(pk=old_row.pk).update(expires_at=timezone.now())  # overlap ends
    assert token_response(client.client_id, old).status_code == 401
    assert token_response(client.client_id, new).status_code == 200

    entry = AuditEntry.objects.get(verb="client.rotated")
    assert entry.actor == sharing.council_ig
    assert old not in json.dumps(entry.data) + entry.summary
    assert new not in json.dumps(entry.data) + entry.summary
    page = ig.get(url(sharing, f"{client.pk}/")).content.decode()
    assert "Expired" in page
    assert "Until it is replaced" in page


def test_with_no_overlap_the_old_secret_stops_at_rotation(sharing: Sharing, ig: Client) -> None:
    client, old = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )

    with override_settings(ACCORD_SECRET_OVERLAP_HOURS=0):
        ig.post(url(sharing, f"{client.pk}/rotate/"))

    assert token_response(client.client_id, old).status_code == 401


def test_revoking_asks_first_then_stops_the_client_for_good(sharing: Sharing, ig: Client) -> None:
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    token = token_response(client.client_id, secret).json()["access_token"]

    confirm = ig.get(url(sharing, f"{client.pk}/revoke/"))
    assert confirm.status_code == 200
    assert "Are you sure you want to revoke Case system?" in confirm.content.decode()
    client.refresh_from_db()
    assert client.revoked_at is None  # asking changes nothing

    response = ig.post(url(sharing, f"{client.pk}/revoke/"))

    assert response.status_code == 302
    assert response.url == url(sharing, f"{client.pk}/")
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert client.revoked_by == sharing.council_ig
    assert token_response(client.client_id, secret).status_code == 401
    # Its token is kept so that using it is refused by clause and logged, not merely unknown.
    assert AccessToken.objects.filter(client=client).exists()
    used = Client().get("/api/v1/agreement", headers={"Authorization": f"Bearer {token}"})
    assert used.status_code == 403
    assert used.json()["reason"] == "The client credential has been revoked."
    entry = AuditEntry.objects.get(verb="client.revoked")
    assert (entry.actor, entry.object_id) == (sharing.council_ig, str(client.pk))
    page = ig.get(url(sharing, f"{client.pk}/")).content.decode()
    assert "Revoked" in page
    assert "Replace the secret" not in page


def test_a_revoked_client_cannot_be_rotated_or_revoked_again(sharing: Sharing, ig: Client) -> None:
    client, _ = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    credentials.client_revoke(actor=sharing.council_ig, client=client)
    secrets_before = ClientSecret.objects.count()

    rotate = ig.post(url(sharing, f"{client.pk}/rotate/"))
    again = ig.post(url(sharing, f"{client.pk}/revoke/"))

    for response in (rotate, again):
        assert response.status_code == 409
        assert "This API client has been revoked" in response.content.decode()
    assert ClientSecret.objects.count() == secrets_before
    assert AuditEntry.objects.filter(verb="client.revoked").count() == 1
    assert ig.get(url(sharing, f"{client.pk}/revoke/")).status_code == 302


def test_no_client_is_created_under_a_terminated_agreement(sharing: Sharing) -> None:
    exchange.terminate(actor=sharing.council_siro, agreement=sharing.agreement, reason="Ended")

    response = signed_in(sharing.council_ig, mfa=True).post(url(sharing, "new/"), {"name": "X"})

    assert response.status_code == 409
    assert "terminated" in response.content.decode()
    assert not ApiClient.objects.exists()


def test_the_client_page_shows_its_recent_disclosures(sharing: Sharing, ig: Client) -> None:
    client, secret = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    token = token_response(client.client_id, secret).json()["access_token"]
    partner = Client(headers={"Authorization": f"Bearer {token}"})
    assert partner.get("/api/v1/match-key").status_code == 200
    exchange.suspend(actor=sharing.council_ig, agreement=sharing.agreement, reason="A breach")
    assert partner.get("/api/v1/match-key").status_code == 403

    page = ig.get(url(sharing, f"{client.pk}/")).content.decode()

    assert DisclosureEntry.objects.filter(client=client).count() == 2
    assert page.count("Match of pseudonyms") == 2
    assert "Allowed" in page
    assert "Refused" in page
    assert "The agreement is suspended." in page


def test_the_overview_lists_the_organisations_clients_for_those_who_manage_them(
    sharing: Sharing, ig: Client
) -> None:
    client, _ = credentials.client_create(
        actor=sharing.council_ig, agreement=sharing.agreement, name="Case system"
    )
    overview = f"/agreements/{sharing.agreement.pk}/exchange/"

    page = ig.get(overview).content.decode()

    assert url(sharing, f"{client.pk}/") in page
    assert url(sharing, "new/") in page
    school_page = signed_in(sharing.school_ig, mfa=True).get(overview).content.decode()
    assert url(sharing, "new/") not in school_page
    assert "Case system" not in school_page
