"""The shared view: one person looked up by identifier, with a reason, showing agreed fields.

Access: only members of a party reach the page (`agreement_get` gives 404 to anyone else); only
people who may look up for a receiving party ("exchange.lookup": practitioners, IG officers and
Caldicott Guardians) may use it (403 for the others). The result is shown in answer to the POST,
never at an address of its own, so the identifier is in no URL, and it is never cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange import lookups, selectors
from accord.apps.exchange.models import Dataset
from accord.apps.exchange.sources import SourceUnavailable
from accord.apps.exchange.views.channel import exchange_page
from accord.core.exchange.terms import clause
from accord.web.viewhelpers import signed_in_user, submitted

if TYPE_CHECKING:
    _DatasetField = forms.ModelChoiceField[Dataset]
else:  # Django's form fields are generic only to the type checker
    _DatasetField = forms.ModelChoiceField


class DatasetChoiceField(_DatasetField):
    def label_from_instance(self, obj: Dataset) -> str:
        return f"{obj.name} from {obj.provider.name}"


class LookupForm(forms.Form):
    dataset = DatasetChoiceField(
        label="Which records?",
        queryset=Dataset.objects.none(),
        empty_label="Choose the records to search",
        error_messages={
            "required": "Choose the records to search",
            "invalid_choice": "Choose the records to search from the list",
        },
    )
    identifier = forms.CharField(
        label="Identifier of the person",
        help_text="As the records hold it, for example a unique pupil number. Spaces and "
        "capital letters do not matter.",
        max_length=lookups.MAX_IDENTIFIER_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the identifier of the person to look up",
            "max_length": f"The identifier must be {lookups.MAX_IDENTIFIER_LENGTH} characters "
            "or fewer",
        },
    )
    reason = forms.CharField(
        label="Why are you looking this person up?",
        help_text="Every party can read it in the disclosure log, with your name.",
        max_length=lookups.MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason for this look-up",
            "max_length": f"The reason must be {lookups.MAX_REASON_LENGTH:,} characters or fewer",
        },
    )

    def __init__(self, *args: Any, datasets: list[Dataset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["dataset"]
        assert isinstance(field, DatasetChoiceField)
        field.queryset = Dataset.objects.filter(pk__in=[d.pk for d in datasets]).select_related(
            "provider"
        )
        if len(datasets) == 1:
            field.initial = datasets[0].pk


@login_required
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not selectors.may_act(user=user, agreement=agreement, action="exchange.lookup"):
        raise PermissionDenied(
            "Only practitioners, IG officers and Caldicott Guardians of a receiving party can "
            "look people up under this agreement"
        )
    datasets = lookups.searchable_datasets(agreement)
    form = LookupForm(request.POST or None, datasets=datasets)
    outcome: dict[str, Any] = {}

    def look_up() -> None:
        disclosure, record = lookups.lookup(
            actor=user,
            agreement=agreement,
            dataset=form.cleaned_data["dataset"],
            identifier=form.cleaned_data["identifier"],
            reason=form.cleaned_data["reason"],
        )
        outcome.update(disclosure=disclosure, record=record)

    try:
        done = submitted(request, form, look_up)
    except SourceUnavailable as unavailable:
        # Nothing was shown and nothing logged: the look-up's transaction rolled back.
        return exchange_page(
            request, "refused.html", agreement, status=503, message=unavailable.message
        )
    if done:
        disclosure = outcome["disclosure"]
        record: dict[str, object] | None = outcome["record"]
        response = exchange_page(
            request,
            "lookup_result.html",
            agreement,
            status=200 if disclosure.decision.allowed else 403,
            decision=disclosure.decision,
            entry=disclosure.entry,
            dataset=form.cleaned_data["dataset"],
            rows=list(record.items()) if record else [],
            found=record is not None,
        )
    else:
        response = exchange_page(
            request,
            "lookup.html",
            agreement,
            status=400 if form.errors else 200,
            form=form,
            datasets=datasets,
            closures=selectors.channel_closures(agreement, today=timezone.localdate()),
            clause_uses=clause("permitted-uses"),
        )
    add_never_cache_headers(response)
    return response
