"""Reviews of a signed agreement: what is owed and found, and the forms that raise and record.

Access: `agreement_get` answers 404 to anyone outside the parties; each form then checks its
party rule (403 otherwise): "review.record" and "party.join" for the lead's IG officer or SIRO,
"review.request" for any party's IG officer, DPO or SIRO, "party.leave" for another party's SIRO.
The services check the same rules again.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accord.apps.accounts.models import User
from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange.selectors import acting_party_or_none, may_act
from accord.apps.reviews import selectors, services
from accord.apps.reviews.forms import JoinForm, ReasonForm, RecordForm
from accord.core import review as rules
from accord.web.viewhelpers import signed_in_user, submitted


def _agreement_for(
    request: HttpRequest, pk: int, action: str | None = None
) -> tuple[User, Agreement]:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if action and not may_act(user=user, agreement=agreement, action=action):
        raise PermissionDenied("You cannot do this under this agreement")
    return user, agreement


def _can(user: User, agreement: Agreement) -> dict[str, bool]:
    can = {
        action.replace(".", "_"): may_act(user=user, agreement=agreement, action=action)
        for action in ("review.record", "review.request", "party.join")
    }
    # The lead cannot leave its own agreement; it ends it instead.
    leaving = acting_party_or_none(user=user, agreement=agreement, action="party.leave")
    can["party_leave"] = bool(leaving and leaving.organisation_id != agreement.initiative.lead_id)
    return can


@login_required
@require_GET
def review_list(request: HttpRequest, pk: int) -> HttpResponse:
    user, agreement = _agreement_for(request, pk)
    reviews = list(selectors.reviews_of(agreement=agreement))
    in_force = agreement.status in services.IN_FORCE
    today = timezone.localdate()
    return render(
        request,
        "reviews/list.html",
        {
            "agreement": agreement,
            "initiative": agreement.initiative,
            "open_reviews": [r for r in reviews if r.is_open],
            "past_reviews": sorted(
                (r for r in reviews if not r.is_open), key=lambda r: r.completed_at, reverse=True
            ),
            "today": today,
            "in_force": in_force,
            "scheduled": services.scheduled_review_on(agreement) if in_force else None,
            "can": _can(user, agreement) if in_force else {},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_record(request: HttpRequest, pk: int, review_id: int) -> HttpResponse:
    user, agreement = _agreement_for(request, pk, "review.record")
    review = selectors.review_of(agreement=agreement, review_id=review_id)
    if review is None:
        raise Http404("No such review")
    if not review.is_open:
        messages.info(request, "This review has been recorded already.")
        return redirect("reviews:list", pk=agreement.pk)
    form = RecordForm(request.POST if request.method == "POST" else None)
    if submitted(
        request,
        form,
        lambda: services.review_record(actor=user, review=review, finding=form.finding()),
    ):
        messages.success(
            request, f"Review recorded: {rules.OUTCOMES[form.cleaned_data['outcome']]}."
        )
        return redirect("reviews:list", pk=agreement.pk)
    return render(
        request,
        "reviews/record.html",
        {
            "form": form,
            "agreement": agreement,
            "initiative": agreement.initiative,
            "review": review,
        },
        status=400 if form.errors else 200,
    )


def _reason_page(
    request: HttpRequest,
    agreement: Agreement,
    form: forms.Form,
    change: Callable[[], object],
    *,
    heading: str,
    lead: str,
    button: str,
    done: str,
) -> HttpResponse:
    made: list[object] = []
    if submitted(request, form, lambda: made.append(change())):
        if made[0] is None:  # the same cause was raised before: one review for it
            messages.info(request, "A review for this was raised already: it is listed below.")
        else:
            messages.success(request, done)
        return redirect("reviews:list", pk=agreement.pk)
    return render(
        request,
        "reviews/reason.html",
        {
            "form": form,
            "agreement": agreement,
            "initiative": agreement.initiative,
            "heading": heading,
            "lead": lead,
            "button": button,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_request(request: HttpRequest, pk: int) -> HttpResponse:
    user, agreement = _agreement_for(request, pk, "review.request")
    form = ReasonForm(request.POST or None, label="Why does the agreement need reviewing?")
    return _reason_page(
        request,
        agreement,
        form,
        lambda: services.review_request(
            actor=user, agreement=agreement, reason=form.cleaned_data["reason"]
        ),
        heading="Ask for a review",
        lead="Every party is told at once. The lead records the review within "
        f"{rules.DAYS_TO_REVIEW[rules.REQUESTED]} days, or sharing stops until it does.",
        button="Ask for a review",
        done="Review asked for: every party has been told.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def party_join(request: HttpRequest, pk: int) -> HttpResponse:
    user, agreement = _agreement_for(request, pk, "party.join")
    form = JoinForm(
        request.POST or None, candidates=selectors.joining_candidates(agreement=agreement)
    )
    return _reason_page(
        request,
        agreement,
        form,
        lambda: services.party_joining(
            actor=user,
            agreement=agreement,
            organisation=form.cleaned_data["organisation"],
            reason=form.cleaned_data["reason"],
        ),
        heading="An organisation asks to join",
        lead="A party joins a signed agreement by a variation that every party signs. This "
        "raises a review, where you decide whether to vary the agreement.",
        button="Raise a review",
        done="Review raised: every party has been told.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def party_leave(request: HttpRequest, pk: int) -> HttpResponse:
    user, agreement = _agreement_for(request, pk, "party.leave")
    form = ReasonForm(request.POST or None, label="Why is your organisation leaving?")
    return _reason_page(
        request,
        agreement,
        form,
        lambda: services.party_leaving(
            actor=user, agreement=agreement, reason=form.cleaned_data["reason"]
        ),
        heading="Give notice that your organisation will leave",
        lead="Every party is told at once and a review is raised. Your organisation leaves by a "
        "variation that removes it, or when the agreement ends; until then the agreement binds "
        "it as signed.",
        button="Give notice",
        done="Notice given: every party has been told and a review raised.",
    )
