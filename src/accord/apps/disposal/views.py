"""Deletion or return at the end of one agreement: who has confirmed, and the form to confirm.

Access: only members of a party see the page (`agreement_get` gives 404 to anyone else). The
form is shown to, and accepted from, people the party rule "disposal.confirm" allows (the IG
officer, DPO or SIRO of a receiving party) for their own organisation, once the agreement is
terminated and while that organisation has not confirmed: 403 otherwise.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreement_get
from accord.apps.disposal.forms import ConfirmationForm
from accord.apps.disposal.selectors import disposal_of
from accord.apps.disposal.services import disposal_confirm, ended_on
from accord.apps.exchange.selectors import acting_party
from accord.web.viewhelpers import signed_in_user, submitted


@login_required
@require_http_methods(["GET", "POST"])
def disposal_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Every party: each receiving party's confirmation; its own people: the form.

    A second confirmation (from another tab, say) reaches the service, which refuses it
    with an error saying when it was confirmed.
    """
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    parties = disposal_of(agreement) if agreement.is_signed else []
    terminated = agreement.status == Agreement.TERMINATED
    try:
        mine = acting_party(user=user, agreement=agreement, action="disposal.confirm")
    except PermissionDenied:
        mine = None
    own = next((p for p in parties if mine and p.organisation_id == mine.organisation_id), None)
    can_confirm = terminated and own is not None and not own.state.is_confirmed
    if request.method == "POST" and own is None:
        raise PermissionDenied("You cannot confirm deletion or return for this agreement")
    form = ConfirmationForm(request.POST if request.method == "POST" else None)
    if submitted(
        request,
        form,
        lambda: disposal_confirm(actor=user, agreement=agreement, **form.cleaned_data),
    ):
        assert own is not None
        messages.success(
            request,
            f"{own.state.name}'s confirmation is recorded. Every party has been told.",
        )
        return redirect("disposal:state", pk=agreement.pk)
    confirmed = sum(1 for p in parties if p.state.is_confirmed)
    return render(
        request,
        "disposal/state.html",
        {
            "agreement": agreement,
            "initiative": agreement.initiative,
            "parties": parties,
            "confirmed": confirmed,
            "terminated": terminated,
            "ended_on": ended_on(agreement) if terminated else None,
            "own": own,
            "form": form,
            "can_confirm": can_confirm,
        },
        status=400 if form.errors else 200,
    )
