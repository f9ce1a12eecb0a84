"""The public transparency register, and each party's answer to whether it may be published.

Access: the register, its summaries and its CSV are public (no sign-in, like the accessibility
statement): they show only agreements that `selectors.published` finds live with every party's
consent, and answer 404 for anything else, drafts included. Recording consent needs sign-in;
`agreement_get` gives 404 to anyone outside the parties and the service checks the party rule
"transparency.consent" (403 otherwise).
"""

from __future__ import annotations

import csv
import io
from typing import Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange.selectors import acting_party, may_act
from accord.apps.transparency import selectors
from accord.apps.transparency.forms import ConsentForm, SearchForm
from accord.apps.transparency.models import PublicationConsent
from accord.apps.transparency.services import consent_record
from accord.core.csvcells import defused
from accord.core.transparency import Provision, Summary
from accord.web.viewhelpers import signed_in_user, submitted

CSV_COLUMNS: Final = (
    "reference",
    "title",
    "url",
    "disclosing",
    "receiving",
    "data",
    "subjects",
    "purposes",
    "lawful_bases",
    "conditions",
    "gateways",
    "retention_months",
    "at_the_end",
    "contact",
    "next_review",
    "version",
    "content_hash",
    "privacy_notice",
)


def _search(request: HttpRequest) -> tuple[SearchForm, str]:
    form = SearchForm(request.GET)
    wanted = form.cleaned_data["organisation"].strip() if form.is_valid() else ""
    return form, wanted


@require_GET
@cache_control(no_cache=True)
def register(request: HttpRequest) -> HttpResponse:
    """Public: every published agreement, searchable by organisation name."""
    form, wanted = _search(request)
    entries = selectors.published(organisation=wanted) if not form.errors else []
    return render(
        request,
        "transparency/register.html",
        {"form": form, "entries": entries, "wanted": wanted},
        status=400 if form.errors else 200,
    )


@require_GET
@cache_control(no_cache=True)
def summary(request: HttpRequest, reference: str) -> HttpResponse:
    """Public: one published agreement's summary; 404 for anything not published."""
    entry = selectors.published_get(reference=reference)
    return render(
        request,
        "transparency/summary.html",
        {"entry": entry, "summary": entry.summary},
    )


def _law(summary: Summary, kind: str) -> str:
    parts = []
    for law in summary.law:
        provisions: tuple[Provision, ...] = getattr(law, kind)
        if provisions:
            parts.append(f"{law.party}: {'; '.join(p.label for p in provisions)}")
    return " | ".join(parts)


def csv_row(entry: selectors.Entry, url: str) -> list[str]:
    s = entry.summary
    values: list[object] = [
        s.reference,
        s.title,
        url,
        "; ".join(s.disclosers),
        "; ".join(s.recipients),
        "; ".join(f"{g.category}: {', '.join(g.items)}" if g.items else g.category for g in s.data),
        "; ".join(s.subjects),
        "; ".join(s.purposes),
        _law(s, "lawful_bases"),
        _law(s, "conditions"),
        _law(s, "gateways"),
        s.retention.months if s.retention else "",
        s.retention.end_action if s.retention else "",
        s.contact,
        s.review_on.isoformat() if s.review_on else "",
        s.version,
        s.content_hash,
        s.privacy_notice,
    ]
    return [defused(v) for v in values]


@require_GET
@cache_control(no_cache=True)
def register_csv(request: HttpRequest) -> HttpResponse:
    """Public: the register as CSV, one row per published agreement (the search applies)."""
    form, wanted = _search(request)
    if form.errors:
        return register(request)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in selectors.published(organisation=wanted):
        url = request.build_absolute_uri(
            reverse("transparency:summary", args=[entry.agreement.reference])
        )
        writer.writerow(csv_row(entry, url))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="transparency-register.csv"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """A party's IG officer or SIRO says whether their organisation agrees to publish."""
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not may_act(user=user, agreement=agreement, action="transparency.consent"):
        raise PermissionDenied(
            "You cannot answer for your organisation on publishing this agreement"
        )
    party = acting_party(user=user, agreement=agreement, action="transparency.consent")
    current = PublicationConsent.objects.filter(
        agreement=agreement, organisation=party.organisation
    ).first()
    initial = {"agreed": "yes" if current.agreed else "no"} if current else {}
    form = ConsentForm(request.POST if request.method == "POST" else None, initial=initial)
    if submitted(
        request,
        form,
        lambda: consent_record(actor=user, agreement=agreement, agreed=form.cleaned_data["agreed"]),
    ):
        agreed = form.cleaned_data["agreed"]
        messages.success(
            request,
            f"{party.organisation.name} agrees to publish this agreement."
            if agreed
            else f"{party.organisation.name} does not agree to publish this agreement.",
        )
        return redirect("exchange:overview", pk=agreement.pk)
    return render(
        request,
        "transparency/consent.html",
        {
            "form": form,
            "agreement": agreement,
            "initiative": agreement.initiative,
            "organisation": party.organisation,
            "publication": selectors.publication_of(agreement) if agreement.is_signed else None,
        },
        status=400 if form.errors else 200,
    )
