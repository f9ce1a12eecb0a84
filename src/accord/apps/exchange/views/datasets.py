"""Datasets: a providing party registers records and maps their columns to agreed data items.

Access: `agreement_get` gives 404 to anyone who is not a member of a party. Every party member
sees a dataset and its mapping (exchange.view); only an IG officer or administrator of a
disclosing party registers one, and only one of the dataset's own provider maps its columns
(dataset.manage; 403 for the others). The services check the same again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from accord.apps.agreements.models import Agreement
from accord.apps.agreements.selectors import agreement_get
from accord.apps.exchange import datasets, selectors, services, sources
from accord.apps.exchange.models import Dataset, DatasetColumn
from accord.apps.exchange.views.channel import exchange_page
from accord.core.filetypes import size_text
from accord.web.uploads import UploadField
from accord.web.viewhelpers import apply_errors, signed_in_user

# --- Forms ------------------------------------------------------------------------------------

_NAME_HELP = "Partners see this name, for example “Pupils on roll, spring term 2026”"


def _name_field() -> forms.CharField:
    return forms.CharField(
        label="Name of the dataset",
        help_text=_NAME_HELP,
        max_length=datasets.NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter a name for the dataset",
            "max_length": f"The name must be {datasets.NAME_MAX_LENGTH} characters or fewer",
        },
    )


class DatasetHowForm(forms.Form):
    """The first question when the provider's organisation has a data source."""

    how = forms.ChoiceField(
        label="How will you provide the records?",
        choices=[
            ("upload", "Upload a CSV or Excel file"),
            ("source", "Use a table or view from a data source"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how you will provide the records",
            "invalid_choice": "Choose how you will provide the records",
        },
    )


class DatasetUploadForm(forms.Form):
    name = _name_field()
    file = UploadField(
        label="Upload the file",
        allow_empty_file=True,  # the service says why an empty file is refused
        error_messages={"required": "Choose the file to upload"},
    )

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"A CSV file (saved as CSV UTF-8) or an Excel workbook (.xlsx), up to "
            f"{size_text(max_bytes)}. Its first row must name the columns."
        )


class DatasetSourceForm(forms.Form):
    name = _name_field()
    table = forms.ChoiceField(
        label="Table or view",
        help_text="Accord reads it in place, read-only, each time records are shared.",
        error_messages={
            "required": "Choose the table or view",
            "invalid_choice": "Choose one of the tables or views listed",
        },
    )

    def __init__(self, *args: Any, tables: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        """`tables`: (source name, "schema.table") pairs offered."""
        super().__init__(*args, **kwargs)
        self.tables = {f"{source}/{table}": (source, table) for source, table in tables}
        self.fields["table"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a table or view"),
            *(
                (value, f"{table} (data source {source})")
                for value, (source, table) in self.tables.items()
            ),
        ]

    def chosen(self) -> tuple[str, str]:
        return self.tables[self.cleaned_data["table"]]


class ColumnMappingForm(forms.Form):
    """One select per column (a data item, or Not shared) and the key column's radios."""

    def __init__(
        self,
        *args: Any,
        columns: Sequence[DatasetColumn],
        items: Sequence[str],
        initial_items: dict[str, str],
        initial_key: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = list(columns)
        choices = [("", "Not shared"), *((item, item) for item in items)]
        for column in self.columns:
            self.fields[self.field_name(column)] = forms.ChoiceField(
                label=column.name,
                choices=choices,
                required=False,
                initial=initial_items.get(column.name, ""),
                error_messages={
                    "invalid_choice": "Choose one of the agreement's data items, or Not shared"
                },
            )
        self.fields["key_column"] = forms.ChoiceField(
            label="Which column identifies each person?",
            help_text="Look-ups and matching find people by it. It is shared only if it is "
            "mapped to a data item above.",
            choices=[(c.name, c.name) for c in self.columns],
            widget=forms.RadioSelect,
            initial=initial_key or None,
            error_messages={
                "required": "Choose the column that identifies each person",
                "invalid_choice": "Choose the column that identifies each person",
            },
        )

    @staticmethod
    def field_name(column: DatasetColumn) -> str:
        return f"column_{column.position}"

    def column_fields(self) -> list[forms.BoundField]:
        return [self[self.field_name(c)] for c in self.columns]

    def mapping(self) -> dict[str, str]:
        return {c.name: self.cleaned_data[self.field_name(c)] for c in self.columns}

    def apply(self, error: ValidationError) -> None:
        """The service's errors, keyed by column name, against that column's select."""
        by_name = {c.name: self.field_name(c) for c in self.columns}
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for key, messages_ in error.message_dict.items():
            field = by_name.get(key, key)
            self.add_error(
                field if field in self.fields and key != NON_FIELD_ERRORS else None, messages_
            )


# --- Views ------------------------------------------------------------------------------------


def _dataset(agreement: Agreement, dataset_pk: int) -> Dataset:
    dataset = (
        Dataset.objects.filter(agreement=agreement, pk=dataset_pk)
        .select_related("provider", "agreement__initiative")
        .first()
    )
    if dataset is None:
        raise Http404("No such dataset")
    return dataset


def _refused(request: HttpRequest, agreement: Agreement, message: str) -> HttpResponse:
    return exchange_page(request, "refused.html", agreement, status=409, message=message)


def _offered_tables(offered: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Every (source, table) offered, and a message for each source that cannot be reached."""
    tables: list[tuple[str, str]] = []
    problems: list[str] = []
    for source in offered:
        try:
            tables.extend((source, table) for table in datasets.source_tables(source))
        except sources.SourceUnavailable as unavailable:
            problems.append(unavailable.message)
    return tables, problems


@login_required
@require_http_methods(["GET", "POST"])
def dataset_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not selectors.may_act(user=user, agreement=agreement, action="dataset.manage"):
        raise PermissionDenied(
            "Only an IG officer or administrator of a providing party can register a dataset"
        )
    if agreement.status not in datasets.OPEN_STATUSES:
        return _refused(request, agreement, datasets.closed_message(agreement))
    party = selectors.acting_party(user=user, agreement=agreement, action="dataset.manage")
    offered = sources.offered_to(party.organisation)
    posted = request.method == "POST"
    how = request.GET.get("how", "") if offered else "upload"
    context: dict[str, Any] = {"organisation": party.organisation, "offered": offered}
    created: list[Dataset] = []
    try:
        if how == "upload":
            form: forms.Form = DatasetUploadForm(
                request.POST if posted else None,
                request.FILES if posted else None,
                max_bytes=settings.ACCORD_DATASET_MAX_BYTES,
            )
            if posted and form.is_valid():
                try:
                    created.append(
                        datasets.dataset_upload(
                            actor=user,
                            agreement=agreement,
                            name=form.cleaned_data["name"],
                            upload=form.cleaned_data["file"],
                        )
                    )
                except ValidationError as error:
                    apply_errors(form, error)
        elif how == "source":
            tables, problems = _offered_tables(offered)
            context["problems"] = problems
            source_form = DatasetSourceForm(request.POST if posted else None, tables=tables)
            form = source_form
            if posted and source_form.is_valid():
                source_name, table = source_form.chosen()
                try:
                    created.append(
                        datasets.dataset_from_source(
                            actor=user,
                            agreement=agreement,
                            name=source_form.cleaned_data["name"],
                            source_name=source_name,
                            table=table,
                        )
                    )
                except ValidationError as error:
                    if hasattr(error, "error_dict") and "source_name" in error.error_dict:
                        error.error_dict.setdefault("table", []).extend(
                            error.error_dict.pop("source_name")
                        )
                    apply_errors(form, error)
        else:
            # Answered with nothing or an unknown answer: ask again, saying what is wrong.
            form = DatasetHowForm(request.GET if "how" in request.GET or posted else None)
            form.is_valid()
            how = "choose"
    except services.ExchangeRefused as refused:
        return _refused(request, agreement, str(refused))
    if created:
        dataset = created[0]
        messages.success(
            request,
            f"{dataset.name} is registered with {dataset.row_count:,} rows. Now say what each "
            "column holds: until you do, nothing in it is shared.",
        )
        return redirect("exchange:dataset-columns", pk=agreement.pk, dataset_pk=dataset.pk)
    return exchange_page(
        request,
        "dataset_new.html",
        agreement,
        status=400 if form.errors else 200,
        form=form,
        how=how,
        max_size=size_text(settings.ACCORD_DATASET_MAX_BYTES),
        **context,
    )


@login_required
@require_GET
def dataset_detail(request: HttpRequest, pk: int, dataset_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    if not selectors.may_act(user=user, agreement=agreement, action="exchange.view"):
        raise PermissionDenied("You cannot see the datasets of this agreement")
    dataset = _dataset(agreement, dataset_pk)
    columns = list(dataset.columns.all())
    return exchange_page(
        request,
        "dataset_detail.html",
        agreement,
        dataset=dataset,
        columns=columns,
        shared=[c for c in columns if c.data_item],
        may_map=datasets.may_manage(user=user, dataset=dataset)
        and agreement.status in datasets.OPEN_STATUSES,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dataset_columns(request: HttpRequest, pk: int, dataset_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    agreement = agreement_get(user=user, pk=pk)
    dataset = _dataset(agreement, dataset_pk)
    if not datasets.may_manage(user=user, dataset=dataset):
        raise PermissionDenied(
            f"Only an IG officer or administrator of {dataset.provider.name} can map the "
            "columns of its datasets"
        )
    if agreement.status not in datasets.OPEN_STATUSES:
        return _refused(request, agreement, datasets.closed_message(agreement))
    columns = list(dataset.columns.all())
    items = datasets.agreed_items(agreement)
    # Nothing mapped yet: suggest a data item for each column from its name.
    suggesting = not any(c.data_item for c in columns)
    if suggesting:
        initial_items = datasets.suggested_mapping([c.name for c in columns], items)
        initial_key = (
            datasets.suggested_key([c.name for c in columns], initial_items) or dataset.key_column
        )
    else:
        initial_items = {c.name: c.data_item for c in columns}
        initial_key = dataset.key_column
    posted = request.method == "POST"
    form = ColumnMappingForm(
        request.POST if posted else None,
        columns=columns,
        items=items,
        initial_items=initial_items,
        initial_key=initial_key,
    )
    if posted and form.is_valid():
        try:
            datasets.columns_map(
                actor=user,
                dataset=dataset,
                items=form.mapping(),
                key_column=form.cleaned_data["key_column"],
            )
        except ValidationError as error:
            form.apply(error)
        except services.ExchangeRefused as refused:
            return _refused(request, agreement, str(refused))
        else:
            shared = sum(1 for item in form.mapping().values() if item)
            messages.success(
                request,
                f"The columns of {dataset.name} are mapped: {shared} of {len(columns)} can be "
                "shared under the agreement.",
            )
            return redirect("exchange:dataset", pk=agreement.pk, dataset_pk=dataset.pk)
    return exchange_page(
        request,
        "dataset_columns.html",
        agreement,
        status=400 if form.errors else 200,
        dataset=dataset,
        form=form,
        suggesting=suggesting and not posted,
    )
