"""The exchange overview of one agreement, and going live, suspending, resuming, terminating.

Access: only members of a party see any of it (`agreement_get` gives 404 to anyone else); each
change is allowed by `accord.core.access` party rules inside the service (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange import credentials, selectors, services
from accord.apps.exchange.forms import ReasonForm
from accord.apps.exchange.models import ExternalMechanism, SharedFile
from accord.apps.organisations.selectors import roles_by_organisation
from accord.core.access import PARTY_ACTIONS
from accord.core.exchange.terms import clause
from accord.core.review import next_review_on
from accord.web.viewhelpers import signed_in_user, submitted


def exchange_page(
    request: HttpRequest, template: str, agreement: Agreement, status: int = 200, **context: Any
) -> HttpResponse:
    """Render an exchange page with what this person may do under the agreement."""
    user = signed_in_user(request)
    context["can"] = {
        a.replace(".", "_").replace("-", "_"): selectors.may_act(
            user=user, agreement=agreement, action=a
        )
        for a in PARTY_ACTIONS
    }
    context["agreement"] = agreement
    context["initiative"] = agreement.initiative
    return render(request, f"exchange/{template}", context, status=status)


@login_required
@require_GET
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not agreement.is_signed:
        return exchange_page(request, "not_signed.html", agreement)
    today = timezone.localdate()
    terms = selectors.terms_of(agreement)
    my_organisations = list(roles_by_organisation(user=user))
    return exchange_page(
        request,
        "overview.html",
        agreement,
        terms=terms,
        closures=selectors.channel_closures(agreement, today=today),
        review_due=next_review_on(
            terms.review_due_on(agreement.last_reviewed_on),
            [selectors.open_review_due_on(agreement)],
        ),
        starts_later=bool(terms.start_on and today < terms.start_on),
        volumes=selectors.volumes(agreement, today=today),
        parties=agreement.initiative.parties.select_related("organisation"),
        datasets=agreement.datasets.select_related("provider").prefetch_related("columns"),
        clients=credentials.clients_managed(user=user, agreement=agreement),
        files=SharedFile.objects.filter(agreement=agreement, withdrawn_at__isnull=True)
        .filter(Q(provider_id__in=my_organisations) | Q(recipients=user))
        .distinct(),
        externals=ExternalMechanism.objects.filter(
            agreement=agreement, withdrawn_at__isnull=True
        ).select_related("organisation"),
        clause_term=clause("term"),
        now=timezone.now(),
    )


@login_required
@require_POST
def go_live(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    try:
        services.go_live(actor=user, agreement=agreement)
    except services.ExchangeRefused as refused:
        return exchange_page(request, "refused.html", agreement, status=409, message=str(refused))
    messages.success(request, "The agreement is live: sharing may start under its terms.")
    return redirect("exchange:overview", pk=agreement.pk)


_CHANGES = {
    "suspend": (services.suspend, "exchange.suspend", "Suspend sharing", "Sharing is suspended."),
    "resume": (services.resume, "exchange.resume", "Resume sharing", "Sharing has resumed."),
    "terminate": (
        services.terminate,
        "exchange.terminate",
        "Terminate the agreement",
        "The agreement is terminated.",
    ),
}


def _status_change(request: HttpRequest, pk: int, change: str) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    service, action, title, done = _CHANGES[change]
    if not selectors.may_act(user=user, agreement=agreement, action=action):
        raise PermissionDenied(f"You cannot {title.lower()} for this agreement")
    form = ReasonForm(request.POST or None)
    try:
        if submitted(
            request,
            form,
            lambda: service(actor=user, agreement=agreement, reason=form.cleaned_data["reason"]),
        ):
            messages.success(request, done)
            return redirect("exchange:overview", pk=agreement.pk)
    except services.ExchangeRefused as refused:
        return exchange_page(request, "refused.html", agreement, status=409, message=str(refused))
    return exchange_page(
        request,
        "status_change.html",
        agreement,
        status=400 if form.errors else 200,
        form=form,
        title=title,
        change=change,
    )


@login_required
@require_http_methods(["GET", "POST"])
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, "suspend")


@login_required
@require_http_methods(["GET", "POST"])
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, "resume")


@login_required
@require_http_methods(["GET", "POST"])
def terminate(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_change(request, pk, "terminate")
