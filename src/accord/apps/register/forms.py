"""The register's filters, read from the query string: anything not on a list is an error."""

from __future__ import annotations

from django import forms

from accord.apps.register.selectors import SORTS, STATUS_LABELS, Filters
from accord.core import codes, register


class RegisterFilterForm(forms.Form):
    q = forms.CharField(
        label="Title or agreement reference",
        required=False,
        max_length=200,
        error_messages={"max_length": "Search for at most 200 characters"},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *STATUS_LABELS.items()],
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    # A name to type rather than a list to choose from: an organisation can have a thousand
    # partners, too many for a drop-down (and GOV.UK advises against long ones).
    partner = forms.CharField(
        label="Partner organisation",
        help_text="All or part of its name",
        required=False,
        max_length=200,
        error_messages={"max_length": "Enter a partner name of 200 characters or fewer"},
    )
    purpose = forms.ChoiceField(
        label="Purpose",
        required=False,
        choices=[("", "Any purpose"), *((p, codes.label(p)) for p in codes.PURPOSES)],
        error_messages={"invalid_choice": "Choose a purpose from the list"},
    )
    category = forms.ChoiceField(
        label="Data category",
        required=False,
        choices=[("", "Any data"), *((c, codes.label(c)) for c in codes.DATA_CATEGORIES)],
        error_messages={"invalid_choice": "Choose a data category from the list"},
    )
    review = forms.ChoiceField(
        label="Review due",
        required=False,
        choices=[("", "Any time, or none"), *register.REVIEW_WINDOWS],
        error_messages={"invalid_choice": "Choose when the review is due from the list"},
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=list(SORTS.items()),
        error_messages={"invalid_choice": "Choose what to sort by from the list"},
    )
    order = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[("", "Usual order"), ("asc", "Ascending"), ("desc", "Descending")],
        error_messages={"invalid_choice": "Choose ascending or descending"},
    )

    def filters(self) -> Filters:
        """The filters chosen; call only once the form is valid."""
        data = self.cleaned_data
        sort = data["sort"] or "updated"
        # Newest first by default; titles, statuses and review dates read best ascending.
        descending = data["order"] == "desc" or (not data["order"] and sort == "updated")
        return Filters(
            q=data["q"].strip(),
            status=data["status"],
            partner=data["partner"].strip(),
            purpose=data["purpose"],
            category=data["category"],
            review=data["review"],
            sort=sort,
            descending=descending,
        )

    @property
    def is_filtered(self) -> bool:
        fields = ("q", "status", "partner", "purpose", "category", "review")
        return self.is_valid() and any(self.cleaned_data[name] for name in fields)
