"""An organisation's security evidence library in the browser.

Access is decided in every view: `library_access` and `evidence_get` give 404 to anyone who is
neither a member of the organisation nor a member of a partner (party to an initiative with it);
partners read and download, and only members whose roles allow "evidence.manage" add or withdraw
(PermissionDenied, 403, for the others who can see the library). Views read through selectors
and change through services.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accord.apps.evidence import selectors, services
from accord.apps.evidence.forms import EvidenceDateForm, EvidenceForm
from accord.apps.evidence.models import EvidenceItem
from accord.core.evidence import (
    EVIDENCE_KINDS,
    HEALTH_AND_CARE_DATA,
    ICO_DATA_SHARING_CODE,
    RequirementStatus,
    fact_state,
    requirements_for,
)
from accord.web.viewhelpers import signed_in_user

_STATE_TAGS = {
    "current": "govuk-tag--green",
    "expiring": "govuk-tag--yellow",
    "expired": "govuk-tag--red",
    "missing": "govuk-tag--grey",
}
_STATE_LABELS = {
    "current": "Current",
    "expiring": "Expiring soon",
    "expired": "Expired",
    "missing": "Missing",
}
_MANAGE_REFUSED = (
    "Only an IG officer, DPO, SIRO or organisation administrator of this organisation can "
    "change its security evidence"
)


@dataclass(frozen=True)
class _Row:
    item: EvidenceItem
    state: str

    @property
    def tag(self) -> str:
        return _STATE_TAGS[self.state]

    @property
    def label(self) -> str:
        return _STATE_LABELS[self.state]


@dataclass(frozen=True)
class _StatusRow:
    status: RequirementStatus

    @property
    def tag(self) -> str:
        return _STATE_TAGS[self.status.state]

    @property
    def state_label(self) -> str:
        return _STATE_LABELS[self.status.state]

    @property
    def kind_label(self) -> str:
        fact = self.status.fact
        return EVIDENCE_KINDS[fact.kind].label if fact else ""


@login_required
@require_GET
def library(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Members of the organisation; members of its partners, read-only."""
    user = signed_in_user(request)
    access = selectors.library_access(user, org_pk)
    organisation = access.organisation
    today = timezone.localdate()
    rows = [
        _Row(item, fact_state(item.fact(), today)) for item in selectors.evidence_for(organisation)
    ]
    requirements = requirements_for(organisation.type, organisation.functions, ())
    statuses = selectors.evidence_status(organisation, requirements, today)
    # The data an agreement shares is not known here: say what changes for health or care data.
    with_health = requirements_for(organisation.type, organisation.functions, HEALTH_AND_CARE_DATA)
    health_statuses = [
        status
        for status in selectors.evidence_status(organisation, with_health, today)
        if status.requirement not in requirements
    ]

    return render(
        request,
        "evidence/library.html",
        {
            "organisation": organisation,
            "access": access,
            "rows": rows,
            "statuses": [_StatusRow(status) for status in statuses],
            "health_statuses": [_StatusRow(status) for status in health_statuses],
            "data_sharing_code": ICO_DATA_SHARING_CODE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_add(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Members whose roles allow "evidence.manage"; other members and partners get 403."""
    user = signed_in_user(request)
    access = selectors.library_access(user, org_pk)
    if not access.may_manage:
        raise PermissionDenied(_MANAGE_REFUSED)
    organisation = access.organisation
    max_bytes = settings.ACCORD_EVIDENCE_MAX_BYTES
    posted = request.POST if request.method == "POST" else None
    form = EvidenceForm(posted, request.FILES or None, max_bytes=max_bytes)
    issued = EvidenceDateForm(
        posted, prefix="issued", required=True, missing="Enter the date the evidence was issued"
    )
    expires = EvidenceDateForm(posted, prefix="expires", required=False)
    if posted is not None:
        valid = [form.is_valid(), issued.is_valid(), expires.is_valid()]
        if all(valid):
            issued_on = issued.date
            assert issued_on is not None  # required
            try:
                item = services.evidence_add(
                    user,
                    organisation,
                    form.cleaned_data["kind"],
                    form.cleaned_data["reference"],
                    issued_on,
                    expires.date,
                    form.cleaned_data["file"],
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    if field == "issued_on":
                        issued.add_error(None, problems)
                    elif field == "expires_on":
                        expires.add_error(None, problems)
                    else:
                        form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, f"{item.kind_label} added")
                return redirect("evidence:library", org_pk=organisation.pk)
    has_errors = bool(form.errors or issued.errors or expires.errors)
    return render(
        request,
        "evidence/add.html",
        {
            "organisation": organisation,
            "form": form,
            "issued": issued,
            "expires": expires,
            "has_errors": has_errors,
        },
        status=400 if has_errors else 200,
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Anyone who may see the item's library; 404 for everyone else and for withdrawn items."""
    item = selectors.evidence_get(signed_in_user(request), pk)
    try:
        handle = selectors.evidence_path(item).open("rb")
    except FileNotFoundError:
        raise Http404("No such evidence") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.original_filename,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then withdraw. Members whose roles allow "evidence.manage" only."""
    user = signed_in_user(request)
    item = selectors.evidence_get(user, pk)
    access = selectors.library_access(user, item.organisation_id)
    if not access.may_manage:
        raise PermissionDenied(_MANAGE_REFUSED)
    if request.method == "POST":
        services.evidence_withdraw(user, item)
        messages.success(request, f"{item.kind_label} withdrawn")
        return redirect("evidence:library", org_pk=item.organisation_id)
    return render(
        request, "evidence/withdraw.html", {"item": item, "organisation": access.organisation}
    )
