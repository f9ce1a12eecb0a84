"""An organisation's people and roles. Members see them; organisation administrators change them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accord.apps.accounts.models import User
from accord.apps.organisations.forms import InviteForm
from accord.apps.organisations.models import Organisation
from accord.apps.organisations.selectors import organisation_people, roles_by_organisation
from accord.apps.organisations.services import person_invite
from accord.core.access import may_in_organisation


def _organisation_for_member(user: User, pk: int) -> tuple[Organisation, frozenset[str]]:
    roles = roles_by_organisation(user=user).get(pk)
    if not roles or not may_in_organisation("organisation.view-people", roles=roles):
        raise Http404("No such organisation")
    return Organisation.objects.get(pk=pk), roles


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Members of this organisation only."""
    user = request.user
    assert isinstance(user, User)
    organisation, roles = _organisation_for_member(user, pk)
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "people": organisation_people(organisation=organisation),
            "can_manage": may_in_organisation("organisation.manage-people", roles=roles),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Organisation administrators of this organisation only."""
    user = request.user
    assert isinstance(user, User)
    organisation, roles = _organisation_for_member(user, pk)
    if not may_in_organisation("organisation.manage-people", roles=roles):
        raise PermissionDenied("Only an organisation administrator can add people")
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person_invite(
            actor=user,
            organisation=organisation,
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            roles=form.cleaned_data["roles"],
            base_url=request.build_absolute_uri("/")[:-1],
        )
        messages.success(request, f"{form.cleaned_data['full_name']} added")
        return redirect("organisations:detail", pk=pk)
    return render(
        request,
        "organisations/person_add.html",
        {"organisation": organisation, "form": form},
        status=400 if form.errors else 200,
    )
