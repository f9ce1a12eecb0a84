from __future__ import annotations

from django import forms

from accord.core.access import ROLE_DESCRIPTIONS, ROLES


class InviteForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter the person's name"}
    )
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the person's email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
    )
    roles = forms.MultipleChoiceField(
        label="Roles",
        help_text="Select all that apply",
        choices=[(key, f"{label}: {ROLE_DESCRIPTIONS[key]}") for key, label in ROLES.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one role"},
    )
