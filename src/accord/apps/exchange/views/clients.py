"""API clients: a receiving party's administrator creates, rotates and revokes credentials.

Access: only members of a party reach these pages (`agreement_get` gives 404 to anyone else).
Creating a client needs "client.manage" in a receiving party (403 otherwise). A client is seen
and managed only by members of the organisation that owns it who hold "client.manage": for
everyone else its pages do not exist (404). A secret is shown once, on the page that made it,
and never cached.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange import credentials, selectors
from accord.apps.exchange.models import ApiClient, DisclosureEntry
from accord.apps.exchange.services import ExchangeRefused
from accord.apps.exchange.views.channel import exchange_page
from accord.web.viewhelpers import signed_in_user, submitted

RECENT_DISCLOSURES = 20


class ClientForm(forms.Form):
    name = forms.CharField(
        label="Name of the system",
        help_text="The system that will connect, for example: Education welfare case "
        "management. Every party sees this name in the disclosure log.",
        max_length=credentials.NAME_MAX,
        error_messages={
            "required": "Enter the name of the system that will connect",
            "max_length": f"The name must be {credentials.NAME_MAX} characters or fewer",
        },
    )


def _client(request: HttpRequest, pk: int, client_pk: int) -> tuple[Agreement, ApiClient]:
    """The agreement and the client, or 404 for anyone who may not manage the client."""
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    try:
        return agreement, credentials.client_get(user=user, agreement=agreement, pk=client_pk)
    except PermissionDenied:
        raise Http404("No such API client") from None


def _secret_page(
    request: HttpRequest, agreement: Agreement, client: ApiClient, secret: str, *, new: bool
) -> HttpResponse:
    response = exchange_page(
        request, "client_secret.html", agreement, client=client, secret=secret, new=new
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A receiving party's IG officer or organisation administrator names a new client."""
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not agreement.is_signed:
        return exchange_page(request, "not_signed.html", agreement)
    if not selectors.may_act(user=user, agreement=agreement, action="client.manage"):
        raise PermissionDenied(
            "Only an IG officer or organisation administrator of a receiving party can create "
            "API clients"
        )
    form = ClientForm(request.POST or None)
    made: list[tuple[ApiClient, str]] = []
    try:
        if submitted(
            request,
            form,
            lambda: made.append(
                credentials.client_create(
                    actor=user, agreement=agreement, name=form.cleaned_data["name"]
                )
            ),
        ):
            client, secret = made[0]
            return _secret_page(request, agreement, client, secret, new=True)
    except ExchangeRefused as refused:
        return exchange_page(request, "refused.html", agreement, status=409, message=str(refused))
    return exchange_page(
        request, "client_new.html", agreement, status=400 if form.errors else 200, form=form
    )


@login_required
@require_GET
def client_detail(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    agreement, client = _client(request, pk, client_pk)
    return exchange_page(
        request,
        "client_detail.html",
        agreement,
        client=client,
        secrets=client.secrets.order_by("-created_at", "-id"),
        now=timezone.now(),
        overlap_hours=settings.ACCORD_SECRET_OVERLAP_HOURS,
        disclosures=DisclosureEntry.objects.filter(agreement=agreement, client=client)
        .select_related("dataset")
        .order_by("-sequence")[:RECENT_DISCLOSURES],
    )


@login_required
@require_POST
def client_rotate(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    """A new secret, shown once; the old one keeps working for the overlap period."""
    agreement, client = _client(request, pk, client_pk)
    try:
        secret = credentials.client_rotate(actor=signed_in_user(request), client=client)
    except ExchangeRefused as refused:
        return exchange_page(request, "refused.html", agreement, status=409, message=str(refused))
    return _secret_page(request, agreement, client, secret, new=False)


@login_required
@require_http_methods(["GET", "POST"])
def client_revoke(request: HttpRequest, pk: int, client_pk: int) -> HttpResponse:
    """Ask, then revoke."""
    agreement, client = _client(request, pk, client_pk)
    if request.method == "POST":
        try:
            credentials.client_revoke(actor=signed_in_user(request), client=client)
        except ExchangeRefused as refused:
            return exchange_page(
                request, "refused.html", agreement, status=409, message=str(refused)
            )
        messages.success(request, f"{client.name} is revoked: it can no longer get or use tokens.")
        return redirect("exchange:client", pk=agreement.pk, client_pk=client.pk)
    if client.revoked_at is not None:
        return redirect("exchange:client", pk=agreement.pk, client_pk=client.pk)
    return exchange_page(request, "client_revoke.html", agreement, client=client)
