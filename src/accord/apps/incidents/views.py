"""Incidents under one agreement: the list, the report form, one incident, the lead's suspension.

Access: only members of a party see any of it (`agreement_get` gives 404 to anyone else, and
every party's members see every incident). Reporting needs the party rule "incident.report",
suspending from an incident "incident.suspend" (the lead's IG officer or SIRO): 403 otherwise,
checked here before the form is shown and again in the service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange.selectors import may_act
from accord.apps.incidents.forms import IncidentForm, SuspendForm
from accord.apps.incidents.models import Incident
from accord.apps.incidents.selectors import incident_get, incidents_of
from accord.apps.incidents.services import incident_report, incident_suspend
from accord.core import incident as rules
from accord.web.viewhelpers import signed_in_user, submitted


def _can(request: HttpRequest, agreement: Agreement) -> dict[str, bool]:
    user = signed_in_user(request)
    return {
        "report": agreement.is_signed
        and may_act(user=user, agreement=agreement, action="incident.report"),
        "suspend": agreement.status == Agreement.LIVE
        and may_act(user=user, agreement=agreement, action="incident.suspend"),
    }


@login_required
@require_GET
def incident_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every party: the incidents reported under the agreement, latest first."""
    agreement = agreement_get(user=signed_in_user(request), pk=pk)
    return render(
        request,
        "incidents/list.html",
        {
            "agreement": agreement,
            "initiative": agreement.initiative,
            "incidents": incidents_of(agreement=agreement),
            "can": _can(request, agreement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A party's IG officer, DPO, SIRO or Caldicott Guardian reports an incident."""
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not agreement.is_signed:
        return redirect("incidents:list", pk=agreement.pk)  # which says why not yet
    if not may_act(user=user, agreement=agreement, action="incident.report"):
        raise PermissionDenied("You cannot report an incident under this agreement")
    form = IncidentForm(request.POST if request.method == "POST" else None)
    reported = []
    if submitted(
        request,
        form,
        lambda: reported.append(
            incident_report(actor=user, agreement=agreement, **form.cleaned_data)
        ),
    ):
        incident = reported[0]
        messages.success(
            request, f"{incident.title} is reported. Every party has been told by e-mail."
        )
        return redirect("incidents:detail", pk=agreement.pk, number=incident.number)
    return render(
        request,
        "incidents/new.html",
        {
            "form": form,
            "agreement": agreement,
            "initiative": agreement.initiative,
            "ico_report_url": rules.ICO_REPORT_URL,
            "art_33_url": rules.ART_33_URL,
        },
        status=400 if form.errors else 200,
    )


def _detail(
    request: HttpRequest,
    agreement: Agreement,
    incident: Incident,
    form: SuspendForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "incidents/detail.html",
        {
            "agreement": agreement,
            "initiative": agreement.initiative,
            "incident": incident,
            "can": _can(request, agreement),
            "form": form,
            "ico_deadline": rules.ico_deadline(incident.found_on),
            "ico_overdue": rules.ico_report_overdue(
                kind=incident.kind,
                reported_to_ico=incident.reported_to_ico,
                found_on=incident.found_on,
                today=timezone.localdate(),
            ),
            "ico_report_url": rules.ICO_REPORT_URL,
            "is_breach": incident.kind == rules.PERSONAL_DATA_BREACH,
        },
        status=status,
    )


@login_required
@require_GET
def incident_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Every party: one incident as reported, and whether the lead suspended because of it."""
    agreement = agreement_get(user=signed_in_user(request), pk=pk)
    incident = incident_get(agreement=agreement, number=number)
    return _detail(request, agreement, incident, SuspendForm())


@login_required
@require_POST
def incident_suspend_view(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The lead's IG officer or SIRO suspends the agreement because of this incident."""
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    incident = incident_get(agreement=agreement, number=number)
    if not may_act(user=user, agreement=agreement, action="incident.suspend"):
        raise PermissionDenied("Only the lead's IG officer or SIRO can suspend from an incident")
    form = SuspendForm(request.POST)
    if submitted(
        request,
        form,
        lambda: incident_suspend(actor=user, incident=incident, reason=form.cleaned_data["reason"]),
    ):
        messages.success(
            request,
            f"The agreement is suspended because of {incident.title}. Nothing is shared under "
            "it until the lead resumes it. Every party has been told.",
        )
        return redirect("incidents:detail", pk=agreement.pk, number=incident.number)
    # Refused (the agreement is no longer live, say): the page again, saying why.
    agreement.refresh_from_db()
    return _detail(request, agreement, incident, form, status=400)
